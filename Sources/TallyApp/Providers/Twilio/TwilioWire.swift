import Foundation

/// Twilio's wire format (PROVIDERS.md "SMS: Twilio"), written once: the form encoding of
/// what Tally sends, and the resources Tally reads back, in the shapes of Twilio's OpenAPI
/// description (`twilio/twilio-oai`, `twilio_api_v2010.json` and `twilio_lookups_v2.json`).
///
/// Requests are `application/x-www-form-urlencoded` with Twilio's capitalized names
/// (`To`, `MessagingServiceSid`, `DateSent>`). Answers are JSON objects in snake case;
/// Tally reads only the fields it uses, so a field Twilio adds later changes nothing.
enum TwilioWire {
    /// Answers larger than this are not read (a page of 100 messages is well under it).
    static let maximumAnswerBytes = 1_024 * 1_024
    /// Twilio's messages are kept to this many characters in Tally's errors.
    static let maximumMessageLength = 300
    /// The most pages of a message list Tally reads: 500 messages to one number in a day
    /// is far past anything a reconciler needs to find its own.
    static let maximumListPages = 5
    static let listPageSize = 100

    /// The form body (or query) of `parameters`, in their order. RFC 3986's unreserved
    /// characters stay as they are; every other byte is `%XX` (`+` is `%2B`, `>` is `%3E`).
    static func form(_ parameters: [(String, String)]) -> String {
        parameters.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String { ProviderHTTP.formEscape(text) }

    static func decode<T: Decodable>(_ type: T.Type, from body: [UInt8]) throws -> T {
        try ProviderHTTP.decodeSnakeCase(type, from: body)
    }

    /// Twilio's text made safe for an error or a log line: one line, bounded, and the auth
    /// token blanked out should Twilio ever quote it.
    static func safe(_ text: String, hiding secret: String) -> String {
        var oneLine = String(String.UnicodeScalarView(text.unicodeScalars.map { CharacterSet.controlCharacters.contains($0) ? " " : $0 }))
        if !secret.isEmpty { oneLine = oneLine.replacingOccurrences(of: secret, with: "***") }
        return String(oneLine.trimmingCharacters(in: .whitespaces).prefix(maximumMessageLength))
    }

    /// Twilio's dates are RFC 2822: `Thu, 24 Aug 2023 05:01:45 +0000`. Nil when absent or
    /// unreadable: a date is never a reason to lose a message's status.
    static func date(_ text: String?) -> Date? {
        guard let text else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.date(from: text)
    }

    /// `since`'s UTC day, `YYYY-MM-DD`: the granularity of Twilio's `DateSent` filters.
    static func day(_ since: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: since)
        let year = parts.year ?? 1970
        let month = parts.month ?? 1
        let day = parts.day ?? 1
        return String(format: "%04d-%02d-%02d", year, month, day)
    }

    // MARK: - The resources Tally reads

    /// `api.v2010.account.message`.
    struct Message: Decodable {
        var sid: String
        var status: String
        var to: String?
        var body: String?
        /// A string in Twilio's answers (`"2"`).
        var numSegments: String?
        var errorCode: Int?
        var errorMessage: String?
        var dateCreated: String?
        var dateSent: String?
    }

    /// A page of `Messages.json`.
    struct MessagePage: Decodable {
        var messages: [Message]
        var nextPageUri: String?
    }

    /// `api.v2010.account`.
    struct Account: Decodable {
        var friendlyName: String
        var status: String
    }

    /// Lookup v2's `LookupResponse`, with `line_type_intelligence` asked for.
    struct Lookup: Decodable {
        struct LineTypeIntelligence: Decodable {
            var type: String?
        }

        var valid: Bool
        var validationErrors: [String]?
        var lineTypeIntelligence: LineTypeIntelligence?
    }

    /// Twilio's error body: `{"code": 21211, "message": "…", "more_info": "…", "status": 400}`.
    struct ErrorBody: Decodable {
        var code: Int?
        var message: String?
    }
}
