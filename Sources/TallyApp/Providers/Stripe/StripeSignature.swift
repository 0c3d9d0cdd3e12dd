import Crypto
import Foundation

/// The check of Stripe's `Stripe-Signature` header on an event, exactly as Stripe documents
/// it (docs.stripe.com/webhooks, "Verify signatures manually"):
///
/// 1. The header is `t=<unix seconds>,v1=<hex>[,v1=<hex>…]` (other schemes, such as `v0`,
///    are ignored). Stripe sends several `v1` while a webhook secret is being rolled.
/// 2. The signed payload is `"<t>." + the raw body`, HMAC-SHA256 keyed by the endpoint's
///    webhook secret (`whsec_…`, its UTF-8 bytes as they are).
/// 3. The event is genuine when any `v1` equals that HMAC, compared in constant time.
/// 4. It is refused when `t` is older than the tolerance (five minutes), so a captured
///    event cannot be replayed later.
///
/// Pure: the clock is a parameter.
public enum StripeSignature {
    /// Stripe's libraries' default tolerance.
    public static let toleranceSeconds: Int64 = 300
    /// A header longer than this is not read.
    static let maximumHeaderLength = 4_096

    /// Why an event was refused.
    public enum Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        /// No `t` or no `v1`, or a `t` that is not a number.
        case malformedHeader
        /// No `v1` is the HMAC of this payload with this secret.
        case noMatchingSignature
        /// Signed more than the tolerance ago.
        case staleTimestamp

        public var description: String {
            switch self {
            case .malformedHeader: "the Stripe-Signature header has no timestamp or no v1 signature"
            case .noMatchingSignature: "no signature in Stripe-Signature matches the payload"
            case .staleTimestamp: "the Stripe-Signature timestamp is older than \(StripeSignature.toleranceSeconds) s"
            }
        }
    }

    /// Returns when `header` signs `payload` with `secret` within `tolerance` of `now`
    /// (Unix seconds); throws why not otherwise.
    public static func verify(
        payload: [UInt8],
        header: String?,
        secret: String,
        now: Int64,
        toleranceSeconds tolerance: Int64 = toleranceSeconds
    ) throws(Refusal) {
        guard let header, header.utf8.count <= maximumHeaderLength else { throw .malformedHeader }
        var timestamp: Int64?
        var signatures: [[UInt8]] = []
        for item in header.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let name = pair[0].trimmingCharacters(in: .whitespaces)
            let value = pair[1].trimmingCharacters(in: .whitespaces)
            switch name {
            case "t":
                guard let seconds = Int64(value) else { throw .malformedHeader }
                timestamp = seconds
            case "v1":
                // A v1 that is not hex is kept as an empty code: it matches nothing.
                signatures.append(bytes(hex: value) ?? [])
            default: continue
            }
        }
        guard let timestamp, !signatures.isEmpty else { throw .malformedHeader }
        let key = SymmetricKey(data: Array(secret.utf8))
        let signed = Array("\(timestamp).".utf8) + payload
        var matched = false
        // Every candidate is compared, so the time taken says nothing about which matched.
        for signature in signatures where HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signed, using: key) {
            matched = true
        }
        guard matched else { throw .noMatchingSignature }
        if tolerance > 0, now - timestamp > tolerance { throw .staleTimestamp }
    }

    /// `hex`'s bytes, or nil when it is not an even number of hex digits.
    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
