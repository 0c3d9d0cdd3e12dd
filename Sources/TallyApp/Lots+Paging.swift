import TallyCore
import TallyStore

extension Lots {
    /// A page of an account's lots.
    public struct LotPage: Sendable, Codable, Equatable {
        public var items: [LotView]
        /// Where the next page starts; `null` on the last page.
        @Nullable public var nextCursor: String?
    }

    /// The account's lots, `limit` (1–500, default 100) a page: those with credits left
    /// first, in the order debits draw them, then the spent ones, newest first; `cursor`
    /// is the previous page's `nextCursor`.
    public func lotPage(of reader: ReportReader, limit: String?, cursor: String?) async throws -> LotPage {
        let size = try Paging.size(limit, default: 100)
        var after: LotCursor?
        if let cursor {
            guard let position = LotCursor(cursor) else {
                throw TallyError.invalid("cursor", "is not a cursor Tally gave for this list")
            }
            after = position
        }
        let lots = try await store.lots(account: reader.accountID, limit: size + 1, after: after)
        let page = lots.prefix(size)
        return LotPage(
            items: page.map(Self.view),
            nextCursor: lots.count > size ? page.last?.cursor.encoded : nil
        )
    }
}
