import Foundation

/// Where the time comes from. Injected so tests control time instead of sleeping.
public protocol TimeSource: Sendable {
    func now() -> Date
}

/// The machine's clock.
public struct SystemTime: TimeSource {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that moves only when told: for tests and replays.
public final class ManualTime: TimeSource, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    public init(_ start: Date) {
        current = start
    }

    public func now() -> Date {
        lock.withLock { current }
    }

    public func advance(seconds: TimeInterval) {
        lock.withLock { current = current.addingTimeInterval(seconds) }
    }

    /// Moves the clock to `date`, earlier or later.
    public func set(_ date: Date) {
        lock.withLock { current = date }
    }
}

/// Where new identifiers come from: `prefix_` followed by 26 random base-32 characters.
public protocol IDSource: Sendable {
    func make(_ prefix: String) -> String
}

/// Random identifiers from the system's secure generator.
public struct RandomIDs: IDSource {
    public init() {}

    public func make(_ prefix: String) -> String {
        prefix + "_" + Secrets.base32(byteCount: 16)
    }
}

/// Random secrets and their digests.
public enum Secrets {
    private static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")

    /// `byteCount` random bytes, written in Crockford's base 32 (lower case).
    public static func base32(byteCount: Int) -> String {
        // Eight bytes per draw from the system: one call for every eight bytes, not one each.
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8]()
        bytes.reserveCapacity(byteCount + 7)
        while bytes.count < byteCount {
            withUnsafeBytes(of: generator.next() as UInt64) { bytes.append(contentsOf: $0) }
        }
        var bits = 0
        var buffer: UInt32 = 0
        var text = ""
        for byte in bytes.prefix(byteCount) {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                text.append(alphabet[Int((buffer >> UInt32(bits)) & 31)])
            }
        }
        if bits > 0 { text.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return text
    }
}
