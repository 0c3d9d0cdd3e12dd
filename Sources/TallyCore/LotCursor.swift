import Foundation

/// Where the next page of an account's lots starts: just after the last lot shown, in
/// the list's order — the lots with credits left (spendable or held) first, in the order
/// debits draw them (`LotOrder`), then the spent ones, newest first.
///
/// Lots are not append-only like a log: a lot whose credits run out (or come back)
/// between two pages moves from one part of the list to the other, so it may be listed
/// twice or not at all. Every other lot is listed exactly once.
///
/// The text form is opaque to readers: base64url of the position and a checksum, so a
/// cursor Tally did not issue (or one for another list) is refused.
public struct LotCursor: Sendable, Hashable {
    /// Whether the last lot shown had credits left: the next page goes on in draw order,
    /// then on to the spent lots; otherwise it goes on among the spent lots.
    public var hasCredits: Bool
    public var priority: Int
    /// Milliseconds since 1970; `nil` never expires.
    public var expiresAt: Int64?
    /// Milliseconds since 1970.
    public var createdAt: Int64
    public var id: LotID

    public init(hasCredits: Bool, priority: Int, expiresAt: Int64?, createdAt: Int64, id: LotID) {
        self.hasCredits = hasCredits
        self.priority = priority
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.id = id
    }

    /// The list the cursors are issued for: the checksum covers it.
    static let list = "lots"

    public var encoded: String {
        let payload = [
            hasCredits ? "1" : "0", String(priority), expiresAt.map(String.init) ?? "", String(createdAt), id.rawValue,
        ].joined(separator: "|")
        let sealed = "\(payload)|\(LogCursor.checksum(Self.list + "|" + payload))"
        return Data(sealed.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The cursor, when `text` is one Tally issued for a list of lots.
    public init?(_ text: String) {
        guard text.count <= 400 else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let sealed = String(data: data, encoding: .utf8) else { return nil }
        let parts = sealed.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[5] == LogCursor.checksum(([Self.list] + parts.prefix(5)).joined(separator: "|")),
            parts[0] == "0" || parts[0] == "1", let priority = Int(parts[1]), let createdAt = Int64(parts[3]),
            parts[2].isEmpty || Int64(parts[2]) != nil, !parts[4].isEmpty
        else { return nil }
        hasCredits = parts[0] == "1"
        self.priority = priority
        expiresAt = Int64(parts[2])
        self.createdAt = createdAt
        id = LotID(parts[4])
    }
}
