import Foundation

/// Where the time comes from. Injected so tests control time instead of sleeping.
public protocol TimeSource: Sendable {
    func now() -> Date
}

/// The machine's clock, in whole milliseconds: the instant a request is stamped with is
/// the instant both stores keep (`storedMilliseconds`), so an answer never names a time
/// its own record reads back differently (a threshold fired 0.4 ms before a second
/// answered that second, and was stored as the next).
public struct SystemTime: TimeSource {
    public init() {}
    public func now() -> Date {
        Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
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

/// Where new identifiers come from: `prefix_` followed by 26 base-32 characters.
public protocol IDSource: Sendable {
    func make(_ prefix: String) -> String
}

/// Identifiers that sort by when they were made: 48 bits of the Unix time in
/// milliseconds, then 80 bits from the system's secure generator, in Crockford's base 32
/// (the layout of a ULID). A new row's identifier lands at the end of its table's
/// indexes, not on a random page of each: a charge dirties a few pages shared with the
/// charges committed beside it instead of one page per index of its own, on both
/// databases. An identifier is never a secret (sessions, API keys and webhook secrets
/// are drawn by `Secrets`); it tells when its object was made, as its `createdAt` does.
public struct RandomIDs: IDSource {
    public init() {}

    public func make(_ prefix: String) -> String {
        prefix + "_" + Self.timeOrdered(milliseconds: UInt64(max(0, Date().timeIntervalSince1970 * 1000)))
    }

    /// 26 characters: the time's 48 bits (10 characters), then 80 random bits (16).
    static func timeOrdered(milliseconds: UInt64) -> String {
        var generator = SystemRandomNumberGenerator()
        let random = generator.next() as UInt64
        let more = generator.next() as UInt64
        // 128 bits as two halves: high = time (48) and 16 random bits; low = 64 random bits.
        let high = (milliseconds & 0xFFFF_FFFF_FFFF) << 16 | (more & 0xFFFF)
        let low = random
        var text = ""
        text.reserveCapacity(26)
        for index in 0..<26 {
            // Character `index` holds bits [125 - 5·index, 130 - 5·index) of the 130-bit
            // number whose top two bits are zero.
            let shift = 125 - 5 * index
            let value: UInt64
            if shift >= 64 {
                value = (high >> UInt64(shift - 64)) & 31
            } else if shift + 5 <= 64 {
                value = (low >> UInt64(shift)) & 31
            } else {
                value = ((high << UInt64(64 - shift)) | (low >> UInt64(shift))) & 31
            }
            text.append(Secrets.alphabet[Int(value)])
        }
        return text
    }
}

/// Random secrets and their digests.
public enum Secrets {
    static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")

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
