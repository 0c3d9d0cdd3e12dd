import Foundation

/// Where the next page of a log starts: just after the last line shown, in the log's
/// order (newest first by time, then by id). A new line is newer than every line
/// already shown, so it never lands behind a cursor: paging while lines arrive has
/// no duplicates and no gaps.
///
/// The text form is opaque to readers: base64url of the position, the log it belongs
/// to and a checksum, so a cursor Tally did not issue (or one for another log) is refused.
public struct LogCursor: Sendable, Hashable {
    public let createdAtMilliseconds: Int64
    public let id: String

    public init(createdAtMilliseconds: Int64, id: String) {
        self.createdAtMilliseconds = createdAtMilliseconds
        self.id = id
    }

    public func encoded(for log: String) -> String {
        let payload = "\(createdAtMilliseconds)|\(id)"
        let sealed = "\(payload)|\(Self.checksum(log + "|" + payload))"
        return Data(sealed.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The cursor, when `text` is one Tally issued for `log`.
    public init?(_ text: String, for log: String) {
        guard text.count <= 400 else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let sealed = String(data: data, encoding: .utf8) else { return nil }
        let parts = sealed.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == 3, let milliseconds = Int64(parts[0]), !parts[1].isEmpty,
            String(parts[2]) == Self.checksum("\(log)|\(parts[0])|\(parts[1])")
        else { return nil }
        createdAtMilliseconds = milliseconds
        id = String(parts[1])
    }

    /// FNV-1a, 64 bits: enough to tell a cursor Tally wrote from one typed or cut short.
    static func checksum(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 36)
    }
}
