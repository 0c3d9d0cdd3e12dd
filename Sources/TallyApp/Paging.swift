import TallyCore

/// The `limit` and `cursor` of a paged list, as a reader writes them: each checked
/// once, here, for every list that pages by keyset (logs, purchases).
enum Paging {
    /// Items a page holds at most.
    static let maximumSize = 500

    /// `limit` as a page size, `defaultSize` when absent; 422 naming `limit` otherwise.
    static func size(_ text: String?, default defaultSize: Int) throws -> Int {
        guard let text else { return defaultSize }
        guard let value = Int(text), (1...maximumSize).contains(value) else {
            throw TallyError.invalid("limit", "must be a whole number from 1 to \(maximumSize)")
        }
        return value
    }

    /// `cursor` as a position in `list`, when Tally issued it for that list; 422 naming `cursor` otherwise.
    static func cursor(_ text: String?, list: String) throws -> LogCursor? {
        guard let text else { return nil }
        guard let cursor = LogCursor(text, for: list) else {
            throw TallyError.invalid("cursor", "is not a cursor Tally gave for this list")
        }
        return cursor
    }
}
