import Foundation
import NIOHTTP1

/// Twilio as Tally calls it (PROVIDERS.md "SMS: Twilio" and "Phone validation: Twilio
/// Lookup"): sending an SMS, asking where a message stands, the harmless account check,
/// and Lookup's line type. Each call goes over the shared `ProviderHTTP` client within
/// `deadline`, with HTTP Basic auth (account SID : auth token), and Twilio's answer is read
/// into a resource or into one of three failures.
///
/// Twilio has no idempotency key, so a send is never repeated here: when its answer is
/// lost the outcome is `noAnswer`, and the message is found later by its status callback
/// or by listing the messages sent to that number (`messages(to:since:)`), never by
/// sending it again — the user must not receive, or pay for, the same text twice.
public struct TwilioClient: Sendable {
    public static let defaultAPIBase = URL(string: "https://api.twilio.com")!
    public static let defaultLookupBase = URL(string: "https://lookups.twilio.com")!

    /// Where Twilio is, the account Tally calls it as, and who a text comes from.
    public struct Settings: Sendable, Hashable, CustomStringConvertible, CustomReflectable {
        /// `https://api.twilio.com`, or a fake on loopback (`TALLY_TWILIO_API_BASE`).
        public var apiBase: URL
        /// `https://lookups.twilio.com`, or a fake on loopback (`TALLY_TWILIO_LOOKUP_BASE`).
        public var lookupBase: URL
        /// `AC…` (`TALLY_TWILIO_ACCOUNT_SID`).
        public var accountSID: String
        /// `TALLY_TWILIO_AUTH_TOKEN`: signs Twilio's callbacks too, so it is never printed.
        public var authToken: String
        public var sender: Sender

        /// Who a text comes from.
        public enum Sender: Sendable, Hashable {
            /// One number of the account, E.164 (`TALLY_TWILIO_FROM`).
            case from(String)
            /// A Messaging Service, `MG…`, which picks the number (`TALLY_TWILIO_MESSAGING_SERVICE_SID`).
            case messagingService(String)
        }

        public init(
            apiBase: URL = TwilioClient.defaultAPIBase,
            lookupBase: URL = TwilioClient.defaultLookupBase,
            accountSID: String,
            authToken: String,
            sender: Sender
        ) {
            self.apiBase = apiBase
            self.lookupBase = lookupBase
            self.accountSID = accountSID
            self.authToken = authToken
            self.sender = sender
        }

        /// The auth token is never printed, logged or dumped.
        public var description: String { "Twilio at \(apiBase.absoluteString) as \(accountSID)" }
        public var customMirror: Mirror {
            Mirror(
                self,
                children: ["apiBase": apiBase, "lookupBase": lookupBase, "accountSID": accountSID, "authToken": "***", "sender": sender]
            )
        }
    }

    /// Why a call has no resource to show. Never holds the auth token.
    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// Any other 4xx: Twilio refused this request (an invalid or unsubscribed number,
        /// one that cannot take SMS, a missing parameter…). `code` is Twilio's error code
        /// (21211, 21610, …), `message` Twilio's own words, shown to the user as the reason.
        case refused(code: Int?, message: String)
        /// 401 or 403: the account SID or auth token is wrong, or not allowed this call.
        case badCredentials(message: String)
        /// 429, 5xx, unreachable, an unreadable answer, or none within the deadline: the
        /// outcome is unknown. A send may have happened; it is never sent again.
        case noAnswer(detail: String)

        public var description: String {
            switch self {
            case .refused(let code, let message): "Twilio refused the request" + (code.map { " (\($0))" } ?? "") + ": \(message)"
            case .badCredentials(let message):
                "Twilio refused the credentials: \(message) — check TALLY_TWILIO_ACCOUNT_SID and TALLY_TWILIO_AUTH_TOKEN"
            case .noAnswer(let detail): "Twilio gave no answer: \(detail)"
            }
        }
    }

    /// A message as Twilio reports it.
    public struct Message: Sendable, Hashable {
        public var sid: String
        /// `queued`, `sending`, `sent`, `delivered`, `undelivered`, `failed`, `accepted`,
        /// `scheduled`, `canceled`, …
        public var status: String
        public var to: String
        public var body: String?
        /// The segments Twilio counted (and bills); Tally charges the ones it quoted.
        public var numSegments: Int?
        public var errorCode: Int?
        public var errorMessage: String?
        public var dateCreated: Date?
        /// When it left Twilio; nil until then.
        public var dateSent: Date?

        public init(
            sid: String,
            status: String,
            to: String,
            body: String? = nil,
            numSegments: Int? = nil,
            errorCode: Int? = nil,
            errorMessage: String? = nil,
            dateCreated: Date? = nil,
            dateSent: Date? = nil
        ) {
            self.sid = sid
            self.status = status
            self.to = to
            self.body = body
            self.numSegments = numSegments
            self.errorCode = errorCode
            self.errorMessage = errorMessage
            self.dateCreated = dateCreated
            self.dateSent = dateSent
        }
    }

    /// What Lookup says of a number.
    public struct Lookup: Sendable, Hashable {
        /// In a range a carrier can assign.
        public var valid: Bool
        /// Twilio's line type (`mobile`, `landline`, `nonFixedVoip`, …), when it knows it.
        public var lineType: String?
        /// Why it is not valid: `TOO_SHORT`, `TOO_LONG`, `INVALID_COUNTRY_CODE`, …
        public var validationErrors: [String]

        public init(valid: Bool, lineType: String?, validationErrors: [String]) {
            self.valid = valid
            self.lineType = lineType
            self.validationErrors = validationErrors
        }
    }

    /// The account Tally calls Twilio as.
    public struct Account: Sendable, Hashable {
        public var friendlyName: String
        /// `active`, `suspended` or `closed`.
        public var status: String

        public init(friendlyName: String, status: String) {
            self.friendlyName = friendlyName
            self.status = status
        }
    }

    public let settings: Settings
    /// Each call ends within this, or is `noAnswer`.
    public let deadline: Duration

    public init(_ settings: Settings, deadline: Duration) {
        self.settings = settings
        self.deadline = deadline
    }

    // MARK: - Calls

    /// `POST Messages.json` with `To`, `From` or `MessagingServiceSid`, `Body` and
    /// `StatusCallback` (where Twilio reports `sent`, `delivered`, `failed`…). Never
    /// retried: a lost answer is `noAnswer`, and the message is then found by its
    /// callback or by `messages(to:since:)`.
    public func send(to: String, body: String, statusCallback: String) async throws(Failure) -> Message {
        var parameters = [("To", to)]
        switch settings.sender {
        case .from(let number): parameters.append(("From", number))
        case .messagingService(let sid): parameters.append(("MessagingServiceSid", sid))
        }
        parameters += [("Body", body), ("StatusCallback", statusCallback)]
        let url = try accountURL("/Messages.json")
        let wire: TwilioWire.Message? = try await exchange(.POST, url, form: parameters, within: deadline, notFoundIsNil: false)
        guard let wire else { throw .noAnswer(detail: "Twilio's answer to a send was empty") }
        return try Self.message(wire)
    }

    /// `GET Messages/{sid}.json`: where a message stands now; nil when Twilio has no such
    /// message.
    public func message(sid: String) async throws(Failure) -> Message? {
        let url = try accountURL("/Messages/\(try Self.sidSegment(sid)).json")
        let wire: TwilioWire.Message? = try await exchange(.GET, url, form: nil, within: deadline, notFoundIsNil: true)
        guard let wire else { return nil }
        return try Self.message(wire)
    }

    /// `GET Messages.json?To=…&DateSent>=YYYY-MM-DD`: the messages to `to` sent on or after
    /// `since`'s UTC day (Twilio filters by day), newest first, following `next_page_uri`
    /// up to five pages of 100. How a message whose send answer was lost is found again.
    public func messages(to: String, since: Date) async throws(Failure) -> [Message] {
        let end = ContinuousClock.now + deadline
        let query = TwilioWire.form([("To", to), ("DateSent>", TwilioWire.day(since)), ("PageSize", String(TwilioWire.listPageSize))])
        var next: URL? = try accountURL("/Messages.json?" + query)
        var messages: [Message] = []
        var pages = 0
        while let url = next, pages < TwilioWire.maximumListPages {
            let left = end - ContinuousClock.now
            guard left > .zero else { throw .noAnswer(detail: "Twilio did not answer within \(deadline.components.seconds) s") }
            let page: TwilioWire.MessagePage? = try await exchange(.GET, url, form: nil, within: left, notFoundIsNil: false)
            guard let page else { break }
            for wire in page.messages { messages.append(try Self.message(wire)) }
            pages += 1
            if let uri = page.nextPageUri { next = try apiURL(uri) } else { next = nil }
        }
        return messages
    }

    /// `GET /2010-04-01/Accounts/{sid}.json`: harmless, and proves the credentials work
    /// (`tally providers check`).
    public func account() async throws(Failure) -> Account {
        let url = try accountURL("")
        let wire: TwilioWire.Account? = try await exchange(.GET, url, form: nil, within: deadline, notFoundIsNil: false)
        guard let wire else { throw .noAnswer(detail: "Twilio's answer about the account was empty") }
        return Account(friendlyName: wire.friendlyName, status: wire.status)
    }

    /// `GET {lookupBase}/v2/PhoneNumbers/{e164}?Fields=line_type_intelligence`: whether a
    /// number is valid and its line type; nil when Twilio answers 404 (no such number).
    public func lookup(_ e164: String) async throws(Failure) -> Lookup? {
        guard e164.hasPrefix("+"), e164.utf8.count > 1, e164.utf8.count <= 16, e164.dropFirst().allSatisfy(\.isASCIIDigit) else {
            throw .refused(code: nil, message: "\(TwilioWire.safe(e164, hiding: "")) is not an E.164 number")
        }
        let path = "/v2/PhoneNumbers/" + TwilioWire.escape(e164) + "?" + TwilioWire.form([("Fields", "line_type_intelligence")])
        guard let url = URL(string: settings.lookupBase.absoluteString.droppingTrailingSlash + path) else {
            throw .refused(code: nil, message: "no URL for the lookup of \(e164)")
        }
        let wire: TwilioWire.Lookup? = try await exchange(.GET, url, form: nil, within: deadline, notFoundIsNil: true)
        guard let wire else { return nil }
        return Lookup(valid: wire.valid, lineType: wire.lineTypeIntelligence?.type, validationErrors: wire.validationErrors ?? [])
    }

    // MARK: - The HTTP exchange

    /// `{apiBase}/2010-04-01/Accounts/{sid}` + `rest`.
    private func accountURL(_ rest: String) throws(Failure) -> URL {
        try apiURL("/2010-04-01/Accounts/\(try Self.sidSegment(settings.accountSID))" + (rest.isEmpty ? ".json" : rest))
    }

    /// A path (and query) on the API base; `next_page_uri` is one, and never leads elsewhere.
    private func apiURL(_ pathAndQuery: String) throws(Failure) -> URL {
        guard pathAndQuery.hasPrefix("/"), let url = URL(string: settings.apiBase.absoluteString.droppingTrailingSlash + pathAndQuery) else {
            throw .noAnswer(detail: "Twilio gave a path Tally cannot follow")
        }
        return url
    }

    /// One request within `limit`: the resource on a 2xx, nil on a 404 when `notFoundIsNil`,
    /// otherwise the failure Twilio's status and error say.
    private func exchange<T: Decodable>(
        _ method: HTTPMethod,
        _ url: URL,
        form: [(String, String)]?,
        within limit: Duration,
        notFoundIsNil: Bool
    ) async throws(Failure) -> T? {
        let answer = try await send(method, url, form: form, within: limit).get()
        if notFoundIsNil, answer.status == 404 { return nil }
        let resource: T = try Self.read(status: answer.status, body: answer.body, hiding: settings.authToken)
        return resource
    }

    /// The raw answer, or `noAnswer` when there is none within `limit`. A `Result` rather
    /// than typed throws from a `do/catch`, which swiftc 6.3.1 fails to compile here.
    private func send(
        _ method: HTTPMethod,
        _ url: URL,
        form: [(String, String)]?,
        within limit: Duration
    ) async -> Result<ProviderHTTP.Answer, Failure> {
        let credentials = Data((settings.accountSID + ":" + settings.authToken).utf8).base64EncodedString()
        var headers = [("Authorization", "Basic " + credentials), ("Accept", "application/json"), ("User-Agent", "Tally")]
        var body: [UInt8] = []
        if let form {
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
            body = Array(TwilioWire.form(form).utf8)
        }
        let token = settings.authToken
        let headersToSend = headers
        let bytes = body
        do {
            return .success(
                try await ProviderDeadlines.run("Twilio", within: limit) {
                    try await ProviderHTTP.send(method, url, headers: headersToSend, body: bytes, maximumAnswerBytes: TwilioWire.maximumAnswerBytes)
                }
            )
        } catch let unreachable as ProviderHTTP.Unreachable {
            return .failure(.noAnswer(detail: "Twilio could not be reached: \(TwilioWire.safe(unreachable.detail, hiding: token))"))
        } catch let failure as ProviderFailure {
            return .failure(.noAnswer(detail: failure.reason))
        } catch {
            return .failure(.noAnswer(detail: "the call was cancelled"))
        }
    }

    /// Twilio's answer: the resource on a 2xx, otherwise the failure its status and error say.
    static func read<T: Decodable>(status: Int, body: [UInt8], hiding token: String) throws(Failure) -> T {
        if (200..<300).contains(status) {
            do {
                return try TwilioWire.decode(T.self, from: body)
            } catch {
                // Twilio may have acted; what it did is unknown until asked again.
                throw .noAnswer(detail: "Twilio's answer (HTTP \(status)) could not be read")
            }
        }
        let error = try? TwilioWire.decode(TwilioWire.ErrorBody.self, from: body)
        let message = TwilioWire.safe(error?.message ?? "HTTP \(status)", hiding: token)
        switch status {
        case 401, 403: throw .badCredentials(message: "HTTP \(status): \(message)")
        case 429, 500...: throw .noAnswer(detail: "HTTP \(status): \(message)")
        case 400..<500: throw .refused(code: error?.code, message: message)
        default: throw .noAnswer(detail: "HTTP \(status) is not an answer Tally reads")
        }
    }

    /// A message read from Twilio's resource. One without a `to` is not one Tally sent.
    private static func message(_ wire: TwilioWire.Message) throws(Failure) -> Message {
        guard let to = wire.to else { throw .noAnswer(detail: "Twilio's message \(wire.sid) has no recipient") }
        return Message(
            sid: wire.sid,
            status: wire.status,
            to: to,
            body: wire.body,
            numSegments: wire.numSegments.flatMap { Int($0) },
            errorCode: wire.errorCode,
            errorMessage: wire.errorMessage,
            dateCreated: TwilioWire.date(wire.dateCreated),
            dateSent: TwilioWire.date(wire.dateSent)
        )
    }

    /// A sid placed in a path: Twilio's sids are two letters and 32 hex digits.
    private static func sidSegment(_ sid: String) throws(Failure) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
        guard sid.utf8.count == 34, sid.utf8.allSatisfy(allowed.contains) else {
            throw .refused(code: nil, message: "\(TwilioWire.safe(sid, hiding: "")) is not a Twilio sid")
        }
        return sid
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    fileprivate var droppingTrailingSlash: String { hasSuffix("/") ? String(dropLast()) : self }
}
