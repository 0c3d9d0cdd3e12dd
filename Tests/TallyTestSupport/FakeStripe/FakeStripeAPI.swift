import Crypto
import Foundation

/// What the fake Stripe knows and how it answers, behind one actor: customers, payment
/// methods, payment intents, refunds and events, kept so a GET retrieves them, and the
/// answers saved per idempotency key as Stripe saves them.
actor FakeStripeAPI {
    struct Answer: Sendable {
        var status: Int
        var body: Data
        var headers: [(String, String)] = []
        var location: String?
    }

    let secretKey: String
    var baseURL = ""
    var objects: [String: [String: Any]] = [:]
    /// The answer saved per idempotency key, with what it was first asked with.
    private var saved: [String: (request: String, answer: Answer)] = [:]
    private(set) var received: [FakeStripeRequest] = []
    /// Answers to lose: the work is done, the caller gets a 500.
    var answersToLose = 0
    /// Answers to hold back past any deadline (the work is done).
    var answersToStall = 0
    var sequence = 0
    /// Where events go (`FakeStripe.setWebhook`), and the secret they are signed with.
    var webhook: (url: String, secret: String)?
    /// While true, events wait in `heldEvents` instead of being posted.
    var holdingEvents = false
    var heldEvents: [FakeStripeOutgoingEvent] = []
    var deliveries: [FakeStripeDelivery] = []
    /// What a Checkout Session keeps besides its object: what its PaymentIntent or
    /// SetupIntent will be made with.
    var checkouts: [String: FakeStripeCheckout] = [:]

    init(secretKey: String) { self.secretKey = secretKey }

    func object(_ id: String) -> Data? {
        objects[id].flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) }
    }

    func ids(prefix: String) -> [String] { objects.keys.filter { $0.hasPrefix(prefix) }.sorted() }

    func setBaseURL(_ url: String) { baseURL = url }
    func loseAnswers(_ count: Int) { answersToLose += count }
    func stallAnswers(_ count: Int) { answersToStall += count }

    func newID(_ prefix: String) -> String {
        sequence += 1
        let random = (0..<14).map { _ in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".randomElement()! }
        return prefix + "_" + String(sequence) + String(random)
    }

    var now: Int { Int(Date().timeIntervalSince1970) }

    // MARK: - The API

    enum Route: Sendable {
        case createCustomer, retrieveCustomer, attachPaymentMethod, retrievePaymentMethod
        case createPaymentIntent, retrievePaymentIntent, createRefund, retrieveRefund, balance
        case createCheckoutSession, retrieveCheckoutSession, retrieveSetupIntent, retrieveCharge, retrieveDispute
    }

    /// Answers one API request. `id` is the path's object id.
    func handle(
        _ route: Route,
        id: String?,
        method: String,
        path: String,
        authorization: String?,
        idempotencyKey: String?,
        stripeVersion: String?,
        contentType: String?,
        form: String
    ) -> (Answer, stall: Bool) {
        received.append(
            FakeStripeRequest(
                method: method,
                path: path,
                idempotencyKey: idempotencyKey,
                stripeVersion: stripeVersion,
                contentType: contentType,
                form: form
            )
        )
        if let refusal = authenticate(authorization) { return (refusal, false) }
        if let version = stripeVersion, version.range(of: #"^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$"#, options: .regularExpression) == nil {
            return (Self.invalid(param: nil, message: "Invalid Stripe API version: \(version)", code: nil), false)
        }
        if method == "POST", let contentType, !contentType.hasPrefix("application/x-www-form-urlencoded") {
            return (Self.invalid(param: nil, message: "Invalid request: send form-encoded parameters.", code: nil), false)
        }
        let parameters: [String: FakeStripeForm]
        switch FakeStripeForm.parse(form) {
        case .success(let tree): parameters = tree
        case .failure(let refusal): return (Self.invalid(param: refusal.param, message: refusal.message, code: "parameter_invalid_empty"), false)
        }
        if method == "POST", let key = idempotencyKey, let (request, answer) = saved[key] {
            guard request == method + " " + path + "?" + Self.canonical(form) else {
                return (
                    Self.error(
                        400,
                        type: "idempotency_error",
                        message:
                            "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '\(key)' if you meant to execute a different request."
                    ), false
                )
            }
            var replay = answer
            replay.headers.append(("Idempotent-Replayed", "true"))
            return (replay, false)
        }
        let answer: Answer
        switch route {
        case .createCustomer: answer = createCustomer(parameters)
        case .retrieveCustomer: answer = retrieve(id, parameters, allowed: FakeStripeParameters.retrieve, kind: "customer")
        case .attachPaymentMethod: answer = attach(id ?? "", parameters)
        case .retrievePaymentMethod: answer = retrievePaymentMethod(id ?? "", parameters)
        case .createPaymentIntent: answer = createPaymentIntent(parameters)
        case .retrievePaymentIntent: answer = retrieve(id, parameters, allowed: FakeStripeParameters.retrievePaymentIntent, kind: "payment_intent")
        case .createRefund: answer = createRefund(parameters)
        case .retrieveRefund: answer = retrieve(id, parameters, allowed: FakeStripeParameters.retrieve, kind: "refund")
        case .balance: answer = balance(parameters)
        case .createCheckoutSession: answer = createCheckoutSession(parameters)
        case .retrieveCheckoutSession: answer = retrieve(id, parameters, allowed: FakeStripeParameters.retrieve, kind: "checkout.session")
        case .retrieveSetupIntent: answer = retrieve(id, parameters, allowed: FakeStripeParameters.retrieveSetupIntent, kind: "setup_intent")
        case .retrieveCharge: answer = retrieve(id, parameters, allowed: FakeStripeParameters.retrieve, kind: "charge")
        case .retrieveDispute: answer = retrieve(id, parameters, allowed: FakeStripeParameters.retrieve, kind: "dispute")
        }
        // Stripe saves the outcome of a request that ran (a success or a card error), not a
        // request refused before it ran.
        if method == "POST", let key = idempotencyKey, answer.status == 200 || answer.status == 402 {
            saved[key] = (method + " " + path + "?" + Self.canonical(form), answer)
        }
        if method == "POST", answersToStall > 0 {
            answersToStall -= 1
            return (answer, true)
        }
        if method == "POST", answersToLose > 0 {
            answersToLose -= 1
            return (Self.error(500, type: "api_error", message: "An unknown error occurred (the fake lost this answer on purpose)."), false)
        }
        return (answer, false)
    }

    /// The parameters in a fixed order: the same request sent again compares equal.
    static func canonical(_ form: String) -> String {
        (FakeStripeForm.pairs(form) ?? []).map { $0.0 + "=" + $0.1 }.sorted().joined(separator: "&")
    }

    private func authenticate(_ authorization: String?) -> Answer? {
        guard let authorization, authorization.hasPrefix("Bearer ") else {
            return Self.error(
                401,
                type: "invalid_request_error",
                message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth."
            )
        }
        let key = String(authorization.dropFirst("Bearer ".count))
        guard key.hasPrefix("sk_test_"), key == secretKey else {
            return Self.error(
                401,
                type: "invalid_request_error",
                message: "Invalid API Key provided: \(key.prefix(8))****\(key.suffix(4))",
                code: "api_key_invalid"
            )
        }
        return nil
    }

    /// Refuses any parameter the endpoint does not have, and asks for any it requires.
    static func check(_ parameters: [String: FakeStripeForm], allowed: Set<String>, required: [String] = []) -> Answer? {
        if let unknown = parameters.keys.sorted().first(where: { !allowed.contains($0) }) {
            return invalid(param: unknown, message: "Received unknown parameter: \(unknown)", code: "parameter_unknown")
        }
        if let missing = required.first(where: { parameters[$0] == nil }) {
            return invalid(param: missing, message: "Missing required param: \(missing).", code: "parameter_missing")
        }
        if let metadata = parameters["metadata"] {
            guard let fields = metadata.fields, fields.values.allSatisfy({ $0.string != nil }) else {
                return invalid(param: "metadata", message: "Invalid object", code: "parameter_invalid_empty")
            }
            if let long = fields.first(where: { $0.key.count > 40 || $0.value.string!.count > 500 }) {
                return invalid(param: "metadata[\(long.key)]", message: "Metadata keys are at most 40 characters and values at most 500.", code: nil)
            }
        }
        for flag in ["confirm", "off_session"] {
            if let value = parameters[flag], value.string != "true", value.string != "false" {
                return invalid(param: flag, message: "Invalid boolean: \(value.string ?? "an object")", code: nil)
            }
        }
        return nil
    }

    // MARK: - Customers and payment methods

    private func createCustomer(_ parameters: [String: FakeStripeForm]) -> Answer {
        if let refusal = Self.check(parameters, allowed: FakeStripeParameters.customer) { return refusal }
        let id = newID("cus")
        objects[id] = [
            "id": id, "object": "customer", "created": now, "livemode": false, "balance": 0, "currency": NSNull(), "delinquent": false,
            "name": parameters["name"]?.string ?? NSNull(), "email": parameters["email"]?.string ?? NSNull(),
            "description": parameters["description"]?.string ?? NSNull(), "metadata": parameters["metadata"]?.json ?? [String: Any](),
            "invoice_settings": ["custom_fields": NSNull(), "default_payment_method": NSNull(), "footer": NSNull()],
            "preferred_locales": [Any](), "tax_exempt": "none", "test_clock": NSNull(),
        ]
        return ok(id)
    }

    /// A PaymentMethod for a test card (`pm_card_visa` makes a new `pm_…`), or a stored one.
    func paymentMethod(_ id: String) -> (id: String, card: FakeStripeCard)? {
        if let card = FakeStripeCard.byPaymentMethod[id] {
            let made = newID("pm")
            objects[made] = [
                "id": made, "object": "payment_method", "type": "card", "created": now, "livemode": false, "customer": NSNull(),
                "metadata": [String: Any](), "allow_redisplay": "unspecified",
                "billing_details": ["address": NSNull(), "email": NSNull(), "name": NSNull(), "phone": NSNull()],
                "card": [
                    "brand": card.brand, "last4": card.last4, "exp_month": 12, "exp_year": Calendar.current.component(.year, from: Date()) + 3,
                    "fingerprint": card.fingerprint, "funding": "credit", "country": "US", "display_brand": card.brand,
                    "checks": ["address_line1_check": NSNull(), "address_postal_code_check": NSNull(), "cvc_check": "pass"],
                ],
            ]
            cards[made] = card
            return (made, card)
        }
        guard objects[id]?["object"] as? String == "payment_method", let card = cards[id] else { return nil }
        return (id, card)
    }

    var cards: [String: FakeStripeCard] = [:]

    private func attach(_ id: String, _ parameters: [String: FakeStripeForm]) -> Answer {
        if let refusal = Self.check(parameters, allowed: FakeStripeParameters.attach, required: ["customer"]) { return refusal }
        let customer = parameters["customer"]?.string ?? ""
        guard objects[customer]?["object"] as? String == "customer" else { return Self.missing(param: "customer", id: customer) }
        guard let (made, card) = paymentMethod(id) else { return Self.missing(param: "payment_method", id: id) }
        if let owner = objects[made]?["customer"] as? String, owner != customer {
            return Self.invalid(
                param: "payment_method",
                message: "The payment method you provided has already been attached to a customer.",
                code: nil
            )
        }
        guard card.attachable else { return cardError(declineCode: "generic_decline", paymentIntent: nil) }
        objects[made]?["customer"] = customer
        return ok(made)
    }

    private func retrievePaymentMethod(_ id: String, _ parameters: [String: FakeStripeForm]) -> Answer {
        if let refusal = Self.check(parameters, allowed: FakeStripeParameters.retrieve) { return refusal }
        if FakeStripeCard.byPaymentMethod[id] != nil, let (made, _) = paymentMethod(id) { return ok(made) }
        return retrieve(id, parameters, allowed: FakeStripeParameters.retrieve, kind: "payment_method")
    }

    func retrieve(_ id: String?, _ parameters: [String: FakeStripeForm], allowed: Set<String>, kind: String) -> Answer {
        if let refusal = Self.check(parameters, allowed: allowed) { return refusal }
        guard let id, let object = objects[id], object["object"] as? String == kind else {
            return Self.missing(param: "id", id: id ?? "", status: 404)
        }
        // `expand[0]=payment_intent`, `expand[1]=setup_intent.payment_method`: ids become objects.
        guard let expand = parameters["expand"] else { return ok(id) }
        guard let fields = expand.fields, fields.values.allSatisfy({ $0.string != nil }) else {
            return Self.invalid(param: "expand", message: "Invalid array", code: nil)
        }
        var expanded = object
        for path in fields.values.compactMap(\.string).sorted() {
            guard let result = self.expand(expanded, path.split(separator: ".")[...]) else {
                return Self.invalid(param: "expand", message: "This property cannot be expanded (\(path)).", code: nil)
            }
            expanded = result
        }
        return Answer(status: 200, body: Self.json(expanded))
    }

    /// `object` with the field `path` names replaced by the object its id names; nil when
    /// the field is not an id of a kept object (Stripe: "cannot be expanded").
    func expand(_ object: [String: Any], _ path: ArraySlice<Substring>) -> [String: Any]? {
        guard let first = path.first else { return object }
        let field = String(first)
        var result = object
        // A charge's refunds: a list Stripe sends only when asked for (since 2022-11-15).
        if object["object"] as? String == "charge", field == "refunds", path.count == 1, let charge = object["id"] as? String {
            result["refunds"] = refundList(charge: charge)
            return result
        }
        switch object[field] {
        case let id as String:
            guard let inner = objects[id], let expanded = expand(inner, path.dropFirst()) else { return nil }
            result[field] = expanded
        case let inner as [String: Any]:
            guard let expanded = expand(inner, path.dropFirst()) else { return nil }
            result[field] = expanded
        case is NSNull:
            break
        default:
            return nil
        }
        return result
    }

    /// A charge's refunds as Stripe lists them, newest first.
    func refundList(charge: String) -> [String: Any] {
        let refunds = objects.values.filter { $0["object"] as? String == "refund" && $0["charge"] as? String == charge }
            .sorted { ($0["id"] as? String ?? "") > ($1["id"] as? String ?? "") }
        return ["object": "list", "data": refunds, "has_more": false, "url": "/v1/charges/\(charge)/refunds"]
    }

    // MARK: - Events

    /// A Stripe event about the stored object `objectID`, as Stripe posts it, with its
    /// `Stripe-Signature` header signed by `secret` at `timestamp`.
    func event(
        type: String,
        objectID: String,
        secret: String,
        timestamp: Int,
        previousAttributes: [String: Any]? = nil
    ) -> (id: String, body: Data, signature: String)? {
        guard let object = objects[objectID] else { return nil }
        let id = newID("evt")
        var data: [String: Any] = ["object": object]
        if let previousAttributes { data["previous_attributes"] = previousAttributes }
        let event: [String: Any] = [
            "id": id, "object": "event", "api_version": "2024-06-20", "created": timestamp, "livemode": false, "pending_webhooks": 1,
            "request": ["id": NSNull(), "idempotency_key": NSNull()], "type": type, "data": data,
        ]
        objects[id] = event
        let body = Self.json(event)
        return (id, body, Self.signature(body, secret: secret, timestamp: timestamp))
    }

    /// `t=<timestamp>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as Stripe signs events.
    static func signature(_ body: Data, secret: String, timestamp: Int) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).".utf8) + body, using: SymmetricKey(data: Data(secret.utf8)))
        return "t=\(timestamp),v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    // MARK: - Answers

    func ok(_ id: String) -> Answer { Answer(status: 200, body: Self.json(objects[id] ?? [:])) }

    static func json(_ object: Any) -> Data { (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8) }

    static func dollars(_ cents: Int) -> String { String(format: "%d.%02d", cents / 100, cents % 100) }

    static func error(_ status: Int, type: String, message: String, code: String? = nil, param: String? = nil, extra: [String: Any] = [:]) -> Answer {
        var error: [String: Any] = ["type": type, "message": message]
        if let code { error["code"] = code }
        if let param { error["param"] = param }
        error.merge(extra) { $1 }
        return Answer(status: status, body: json(["error": error]), headers: [("Request-Id", "req_fake")])
    }

    static func invalid(param: String?, message: String, code: String?) -> Answer {
        error(400, type: "invalid_request_error", message: message, code: code, param: param)
    }

    static func missing(param: String, id: String, status: Int = 400) -> Answer {
        error(status, type: "invalid_request_error", message: "No such \(param): '\(id)'", code: "resource_missing", param: param)
    }

    static func cardErrorObject(declineCode: String, code: String) -> [String: Any] {
        [
            "type": "card_error", "code": code, "decline_code": declineCode,
            "message": code == "authentication_required"
                ? "Your card was declined. This transaction requires authentication."
                : declineCode == "insufficient_funds" ? "Your card has insufficient funds." : "Your card was declined.",
        ]
    }

    func cardError(declineCode: String, code: String = "card_declined", paymentIntent: String?) -> Answer {
        var extra: [String: Any] = ["decline_code": declineCode]
        if let paymentIntent, let intent = objects[paymentIntent] {
            extra["payment_intent"] = intent
            extra["charge"] = newID("ch")
        }
        let message = Self.cardErrorObject(declineCode: declineCode, code: code)["message"] as! String
        return Self.error(402, type: "card_error", message: message, code: code, extra: extra)
    }
}
