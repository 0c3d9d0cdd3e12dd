import Foundation

/// How the fakes of outside services read a form body or a query: written here on its
/// own, not borrowed from Tally, so a fake checks Tally's encoding instead of agreeing with it.
enum FakeFormBody {
    /// The pairs of a form body or query, in order, percent-decoded (`+` is a space); nil
    /// when a piece cannot be decoded.
    static func pairs(_ text: String) -> [(String, String)]? {
        var pairs: [(String, String)] = []
        for piece in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(String(parts[0])), let value = decode(parts.count == 2 ? String(parts[1]) : "") else { return nil }
            pairs.append((name, value))
        }
        return pairs
    }

    private static func decode(_ text: String) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
