import Crypto
import Foundation

/// How the fake Twilio reads and writes the wire: forms, RFC 2822 dates, Twilio's error
/// body, the request signature and SMS segments. Written here on its own, not borrowed
/// from Tally, so the fake checks Tally's side instead of agreeing with it.
enum FakeTwilioWire {
    /// The pairs of a form body or query, in order, percent-decoded (`+` is a space).
    static func pairs(_ text: String) -> [(String, String)]? { FakeFormBody.pairs(text) }

    /// A form body as Twilio posts one: every byte but the unreserved ones `%XX`.
    static func form(_ pairs: [(String, String)]) -> String {
        pairs.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    /// `X-Twilio-Signature` as Twilio documents it: base64 of HMAC-SHA1(auth token, the URL
    /// called followed by each POST parameter's name and value, sorted by name).
    static func signature(url: String, parameters: [(String, String)], authToken: String) -> String {
        let ordered = parameters.sorted { ($0.0.utf8.lexicographicallyPrecedes($1.0.utf8)) }
        let text = url + ordered.map { $0.0 + $0.1 }.joined()
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(text.utf8), using: SymmetricKey(data: Data(authToken.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// `Thu, 24 Aug 2023 05:01:45 +0000`.
    static func rfc2822(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }

    /// `2026-12-05` as the start of that UTC day; nil when it is not such a day.
    static func day(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return text.count == 10 ? formatter.date(from: text) : nil
    }

    /// Twilio's error body: `{"code", "message", "more_info", "status"}`.
    static func error(_ status: Int, code: Int, message: String) -> (status: Int, body: Data) {
        let body: [String: Any] = ["code": code, "message": message, "more_info": "https://www.twilio.com/docs/errors/\(code)", "status": status]
        return (status, json(body))
    }

    static func json(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }

    /// `+` and 8 to 15 digits.
    static func isE164(_ number: String) -> Bool {
        number.range(of: #"^\+[1-9][0-9]{7,14}$"#, options: .regularExpression) != nil
    }

    // MARK: - Segments, as Twilio counts them

    /// GSM 03.38's basic character set: one septet each.
    static let gsmBasic = Set(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
            .unicodeScalars
    )
    /// Its extension table: an escape and the character, two septets each.
    static let gsmExtension = Set("^{}\\[~]|€\u{0C}".unicodeScalars)

    /// The segments `body` takes: GSM-7 when every character is in the GSM alphabet (160 in
    /// one message, 153 per part), otherwise UCS-2 (70 UTF-16 units, 67 per part). A
    /// character is never split across two parts (neither an escape pair nor a surrogate
    /// pair), so a part may end short.
    static func segments(_ body: String) -> Int {
        let scalars = Array(body.unicodeScalars)
        let isGSM = scalars.allSatisfy { gsmBasic.contains($0) || gsmExtension.contains($0) }
        let sizes = scalars.map { isGSM ? (gsmExtension.contains($0) ? 2 : 1) : $0.utf16.count }
        let (single, part) = isGSM ? (160, 153) : (70, 67)
        let total = sizes.reduce(0, +)
        if total <= single { return 1 }
        var parts = 1
        var used = 0
        for size in sizes {
            if used + size > part {
                parts += 1
                used = 0
            }
            used += size
        }
        return parts
    }
}
