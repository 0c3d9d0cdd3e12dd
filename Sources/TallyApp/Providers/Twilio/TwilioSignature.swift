import Crypto
import Foundation

/// The check of Twilio's `X-Twilio-Signature` header on a status callback, exactly as
/// Twilio documents it (twilio.com/docs/usage/security, "Validating Signatures from
/// Twilio"):
///
/// 1. Start from the full URL Twilio called, query string included, as configured
///    (`StatusCallback` as Tally sent it).
/// 2. For a POST, sort the parameters by name (byte order, case-sensitive) and append each
///    name and its value, with no separators.
/// 3. HMAC-SHA1 that string keyed by the account's auth token; base64 is the signature.
///
/// A callback moves money (a message `sent` is charged, `failed` releases the hold), so
/// nothing is read from one whose signature does not match. Pure: no clock, no I/O.
public enum TwilioSignature {
    /// A header longer than this is not read (a signature is 28 characters).
    static let maximumHeaderLength = 256

    /// The signature Twilio sends for `parameters` posted to `url`.
    public static func signature(url: String, parameters: [(String, String)], authToken: String) -> String {
        let sorted = parameters.sorted { left, right in
            left.0 == right.0
                ? Array(left.1.utf8).lexicographicallyPrecedes(right.1.utf8) : Array(left.0.utf8).lexicographicallyPrecedes(right.0.utf8)
        }
        var signed = Array(url.utf8)
        for (name, value) in sorted {
            signed += Array(name.utf8)
            signed += Array(value.utf8)
        }
        let code = HMAC<Insecure.SHA1>.authenticationCode(for: signed, using: SymmetricKey(data: Array(authToken.utf8)))
        return Data(code).base64EncodedString()
    }

    /// Whether `header` (`X-Twilio-Signature`) is the signature of `parameters` posted to
    /// `url`, compared in constant time so the time taken says nothing of how close a
    /// forgery came.
    public static func isValid(_ header: String?, url: String, parameters: [(String, String)], authToken: String) -> Bool {
        guard let header, !header.isEmpty, header.utf8.count <= maximumHeaderLength else { return false }
        let expected = Array(signature(url: url, parameters: parameters, authToken: authToken).utf8)
        let given = Array(header.utf8)
        guard given.count == expected.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(given, expected) { difference |= a ^ b }
        return difference == 0
    }

    /// The pairs of an `application/x-www-form-urlencoded` body, in order, percent-decoded
    /// (`+` is a space); nil when a piece cannot be decoded.
    public static func formPairs(_ body: String) -> [(String, String)]? {
        var pairs: [(String, String)] = []
        for piece in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), !name.isEmpty, let value = decode(parts.count == 2 ? parts[1] : "") else { return nil }
            pairs.append((name, value))
        }
        return pairs
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
