import Foundation

/// What the fake Twilio knows and how it answers, behind one actor: the messages it made,
/// the plans the test set, and every request and callback, so a test can say "sent
/// exactly once".
actor FakeTwilioAPI {
    struct Answer: Sendable {
        var status: Int
        var body: Data
    }

    /// What the route does after answering a send: hold the answer back, and/or play the
    /// message's plan.
    struct AfterSend: Sendable {
        var loseAnswer = false
        var delivery: (sid: String, plan: DeliveryPlan)?
    }

    static let apiVersion = "2010-04-01"

    let accountSID: String
    let authToken: String
    var baseURL = ""
    var messages: [FakeTwilioMessage] = []
    var plans: [String: DeliveryPlan] = [:]
    var lookupPlans: [String: LookupPlan] = [:]
    private(set) var received: [FakeTwilioRequest] = []
    /// While true, callbacks wait in `held` instead of being posted.
    var holding = false
    var held: [FakeTwilioCallback] = []
    var posted: [FakeTwilioCallback] = []
    /// Where callbacks are posted instead of their URL's scheme, host and port (a proxy in
    /// front of the endpoint); they are still signed over their URL.
    var forwardBase: String?
    /// Once true, no callback is posted any more.
    var stopped = false
    /// Callbacks being posted now.
    var postsInFlight = 0

    init(accountSID: String, authToken: String) {
        self.accountSID = accountSID
        self.authToken = authToken
    }

    func setBaseURL(_ url: String) { baseURL = url }
    func setForwardBase(_ base: String?) { forwardBase = base }

    /// Whether a callback may be posted now; counted in flight until `endPost`.
    func beginPost() -> Bool {
        guard !stopped else { return false }
        postsInFlight += 1
        return true
    }

    func endPost() { postsInFlight -= 1 }
    func stop() { stopped = true }
    func setPlan(_ plan: DeliveryPlan, for number: String) { plans[number] = plan }
    func setLookupPlan(_ plan: LookupPlan, for number: String) { lookupPlans[number] = plan }

    func record(method: String, path: String, parameters: [(String, String)]) {
        received.append(FakeTwilioRequest(method: method, path: path, parameters: parameters))
    }

    /// Nil when `authorization` is Basic with this account's SID and auth token; else
    /// Twilio's 401 (20003).
    func refusal(authorization: String?) -> Answer? {
        let expected = "Basic " + Data((accountSID + ":" + authToken).utf8).base64EncodedString()
        guard authorization == expected else {
            return Self.error(401, code: 20_003, message: "Authentication Error - invalid username")
        }
        return nil
    }

    /// 404 (20404) unless `account` is this fake's account.
    func unknownAccount(_ account: String, path: String) -> Answer? {
        account == accountSID ? nil : Self.error(404, code: 20_404, message: "The requested resource \(path) was not found")
    }

    static func error(_ status: Int, code: Int, message: String) -> Answer {
        let (status, body) = FakeTwilioWire.error(status, code: code, message: message)
        return Answer(status: status, body: body)
    }

    /// JSON's `null` for a missing value.
    static func orNull(_ value: (any Sendable)?) -> Any {
        guard let value else { return NSNull() }
        return value
    }

    static func ok(_ object: Any, status: Int = 200) -> Answer { Answer(status: status, body: FakeTwilioWire.json(object)) }

    // MARK: - Messages

    /// `Messages.json` POST's parameters in the published description.
    static let createParameters: Set<String> = [
        "To", "StatusCallback", "ApplicationSid", "MaxPrice", "ProvideFeedback", "Attempt", "ValidityPeriod", "ForceDelivery",
        "ContentRetention", "AddressRetention", "SmartEncoded", "PersistentAction", "TrafficType", "ShortenUrls", "ScheduleType",
        "SendAt", "SendAsMms", "ContentVariables", "RiskCheck", "From", "FallbackFrom", "MessagingServiceSid", "Body", "MediaUrl",
        "ContentSid",
    ]
    /// `Messages.json` GET's query parameters in the published description.
    static let listParameters: Set<String> = ["To", "From", "DateSent", "DateSent<", "DateSent>", "PageSize", "Page", "PageToken"]

    /// `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`.
    func createMessage(_ form: [(String, String)]) -> (Answer, AfterSend) {
        if let unknown = form.first(where: { !Self.createParameters.contains($0.0) }) {
            return (Self.error(400, code: 20_001, message: "Unknown parameter: \(unknown.0)"), AfterSend())
        }
        let values = Dictionary(form, uniquingKeysWith: { first, _ in first })
        guard let to = values["To"], !to.isEmpty else {
            return (Self.error(400, code: 21_604, message: "A 'To' phone number is required."), AfterSend())
        }
        guard FakeTwilioWire.isE164(to) else {
            return (Self.error(400, code: 21_211, message: "The 'To' number \(to) is not a valid phone number."), AfterSend())
        }
        let from = values["From"].flatMap { $0.isEmpty ? nil : $0 }
        let service = values["MessagingServiceSid"].flatMap { $0.isEmpty ? nil : $0 }
        guard from != nil || service != nil else {
            return (Self.error(400, code: 21_603, message: "A 'From' or 'MessagingServiceSid' parameter is required to send a message."), AfterSend())
        }
        if let from, !FakeTwilioWire.isE164(from) {
            return (
                Self.error(
                    400,
                    code: 21_212,
                    message: "The 'From' number \(from) is not a valid phone number, shortcode, or alphanumeric sender ID."
                ), AfterSend()
            )
        }
        if let service, service.range(of: "^MG[0-9a-f]{32}$", options: .regularExpression) == nil {
            return (Self.error(400, code: 21_701, message: "The Messaging Service Sid \(service) is invalid."), AfterSend())
        }
        let body = values["Body"] ?? ""
        guard !body.isEmpty || values["MediaUrl"] != nil else {
            return (Self.error(400, code: 21_602, message: "Message body is required."), AfterSend())
        }
        guard body.count <= 1_600 else {
            return (Self.error(400, code: 21_617, message: "The concatenated message body exceeds the 1600 character limit."), AfterSend())
        }
        let callback = values["StatusCallback"]
        if let callback, URL(string: callback)?.scheme?.hasPrefix("http") != true {
            return (Self.error(400, code: 21_609, message: "Invalid StatusCallback url: \(callback)"), AfterSend())
        }
        let plan = plans[to] ?? .default
        if let refusal = plan.refusal {
            return (Self.error(refusal.status, code: refusal.code, message: refusal.message), AfterSend())
        }
        let now = Date()
        let message = FakeTwilioMessage(
            sid: Self.newSID("SM"),
            to: to,
            from: from,
            messagingServiceSid: service,
            body: body,
            status: "queued",
            numSegments: plan.numSegments ?? FakeTwilioWire.segments(body),
            statusCallback: callback,
            dateCreated: now,
            dateUpdated: now
        )
        messages.append(message)
        return (Self.ok(json(message), status: 201), AfterSend(loseAnswer: plan.loseAnswer, delivery: (message.sid, plan)))
    }

    /// `GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`.
    func fetchMessage(_ sid: String, path: String) -> Answer {
        guard let message = messages.first(where: { $0.sid == sid }) else {
            return Self.error(404, code: 20_404, message: "The requested resource \(path) was not found")
        }
        return Self.ok(json(message))
    }

    /// `GET /2010-04-01/Accounts/{AccountSid}/Messages.json`: newest first, filtered on `To`,
    /// `From` and `date_sent` by UTC day, in pages.
    func listMessages(_ query: [(String, String)], path: String) -> Answer {
        if let unknown = query.first(where: { !Self.listParameters.contains($0.0) }) {
            return Self.error(400, code: 20_001, message: "Unknown parameter: \(unknown.0)")
        }
        let values = Dictionary(query, uniquingKeysWith: { first, _ in first })
        var dayFilters: [(String, Date)] = []
        for name in ["DateSent", "DateSent<", "DateSent>"] {
            guard let text = values[name] else { continue }
            guard let day = FakeTwilioWire.day(text) else {
                return Self.error(400, code: 20_001, message: "Invalid \(name): \(text) is not a date (YYYY-MM-DD)")
            }
            dayFilters.append((name, day))
        }
        let pageSize = Int(values["PageSize"] ?? "50") ?? 0
        let page = Int(values["Page"] ?? "0") ?? -1
        guard (1...1_000).contains(pageSize), page >= 0 else {
            return Self.error(400, code: 20_001, message: "Invalid PageSize or Page")
        }
        let matching = messages.reversed().filter { message in
            if let to = values["To"], message.to != to { return false }
            if let from = values["From"], message.from != from { return false }
            for (name, day) in dayFilters {
                guard let sent = message.dateSent else { return false }
                let next = day.addingTimeInterval(86_400)
                switch name {
                case "DateSent>": if sent < day { return false }
                case "DateSent<": if sent >= next { return false }
                default: if sent < day || sent >= next { return false }
                }
            }
            return true
        }
        let start = page * pageSize
        let slice = start < matching.count ? Array(matching[start..<min(matching.count, start + pageSize)]) : []
        let filters = query.filter { !["PageSize", "Page", "PageToken"].contains($0.0) }
        func uri(_ page: Int) -> String {
            var pairs = filters + [("PageSize", String(pageSize)), ("Page", String(page))]
            if page > 0 { pairs.append(("PageToken", "PASM" + String(page * pageSize))) }
            return path + "?" + FakeTwilioWire.form(pairs)
        }
        let hasNext = start + pageSize < matching.count
        let envelope: [String: Any] = [
            "messages": slice.map { json($0) },
            "page": page,
            "page_size": pageSize,
            "start": start,
            "end": max(start, start + slice.count - 1),
            "uri": uri(page),
            "first_page_uri": uri(0),
            "next_page_uri": Self.orNull(hasNext ? uri(page + 1) : nil),
            "previous_page_uri": Self.orNull(page > 0 ? uri(page - 1) : nil),
        ]
        return Self.ok(envelope)
    }

    /// `GET /2010-04-01/Accounts/{Sid}.json`.
    func fetchAccount() -> Answer {
        let created = FakeTwilioWire.rfc2822(Date(timeIntervalSince1970: 1_767_225_600))
        let uri = "/2010-04-01/Accounts/\(accountSID)"
        return Self.ok([
            "sid": accountSID,
            "owner_account_sid": accountSID,
            "friendly_name": "Tally test account",
            "status": "active",
            "type": "Full",
            "date_created": created,
            "date_updated": created,
            "uri": uri + ".json",
            "subresource_uris": ["messages": uri + "/Messages.json"],
        ])
    }

    /// Every message, oldest first, as Twilio shows them.
    func messagesJSON() -> Data { FakeTwilioWire.json(messages.map { json($0) }) }

    /// A message in the shape of `api.v2010.account.message`.
    func json(_ message: FakeTwilioMessage) -> [String: Any] {
        let uri = "/2010-04-01/Accounts/\(accountSID)/Messages/\(message.sid)"
        return [
            "sid": message.sid,
            "account_sid": accountSID,
            "api_version": Self.apiVersion,
            "to": message.to,
            "from": Self.orNull(message.from),
            "messaging_service_sid": Self.orNull(message.messagingServiceSid),
            "body": message.body,
            "status": message.status,
            "num_segments": String(message.numSegments),
            "num_media": "0",
            "direction": "outbound-api",
            "date_created": FakeTwilioWire.rfc2822(message.dateCreated),
            "date_updated": FakeTwilioWire.rfc2822(message.dateUpdated),
            "date_sent": Self.orNull(message.dateSent.map(FakeTwilioWire.rfc2822)),
            "price": Self.orNull(message.dateSent == nil ? nil : Self.price(segments: message.numSegments)),
            "price_unit": "USD",
            "error_code": Self.orNull(message.errorCode),
            "error_message": Self.orNull(message.errorMessage),
            "uri": uri + ".json",
            "subresource_uris": ["media": uri + "/Media.json", "feedback": uri + "/Feedback.json"],
        ]
    }

    /// Twilio's price, a negative decimal string: $0.00790 a segment, counted in
    /// hundred-thousandths of a dollar (never a floating-point amount).
    static func price(segments: Int) -> String {
        let units = 790 * segments
        return "-\(units / 100_000)." + String(String(units % 100_000 + 100_000).dropFirst())
    }

    static func newSID(_ prefix: String) -> String {
        prefix + (0..<32).map { _ in String("0123456789abcdef".randomElement() ?? "0") }.joined()
    }

    // MARK: - Delivery

    /// The carrier reports `status` for message `sid`: the message changes, and the
    /// callback Twilio would post is returned (nil when the plan posts none).
    func report(_ status: String, for sid: String, plan: DeliveryPlan) -> FakeTwilioCallback? {
        guard let index = messages.firstIndex(where: { $0.sid == sid }) else { return nil }
        let now = Date()
        messages[index].status = status
        messages[index].dateUpdated = now
        if ["sent", "delivered", "read"].contains(status), messages[index].dateSent == nil { messages[index].dateSent = now }
        switch status {
        case "failed": (messages[index].errorCode, messages[index].errorMessage) = (30_008, "Unknown error")
        case "undelivered": (messages[index].errorCode, messages[index].errorMessage) = (30_003, "Unreachable destination handset")
        default: break
        }
        let message = messages[index]
        guard plan.callbacks, !plan.lostCallbacks.contains(status), let url = message.statusCallback else { return nil }
        var parameters = [
            ("SmsSid", message.sid), ("SmsStatus", status), ("MessageStatus", status), ("To", message.to), ("MessageSid", message.sid),
            ("AccountSid", accountSID),
        ]
        if let service = message.messagingServiceSid { parameters.append(("MessagingServiceSid", service)) }
        parameters.append(("From", message.from ?? "+15005550006"))
        parameters.append(("ApiVersion", Self.apiVersion))
        if let code = message.errorCode, status == "failed" || status == "undelivered" { parameters.append(("ErrorCode", String(code))) }
        let token = plan.forgeSignature ? "forged-" + authToken : authToken
        let signature = FakeTwilioWire.signature(url: url, parameters: parameters, authToken: token)
        return FakeTwilioCallback(url: url, messageSid: sid, status: status, parameters: parameters, signature: signature, httpStatus: nil)
    }

    /// Holds `callback` when callbacks are held; true when it is to be posted now.
    func holdIfHolding(_ callback: FakeTwilioCallback) -> Bool {
        guard holding else { return true }
        held.append(callback)
        return false
    }

    func recordPosted(_ callback: FakeTwilioCallback) { posted.append(callback) }

    func hold() { holding = true }

    /// Stops holding and hands over what was held, oldest first.
    func release() -> [FakeTwilioCallback] {
        holding = false
        defer { held = [] }
        return held
    }
}
