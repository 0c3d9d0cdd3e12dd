import Foundation
import NIOHTTP1

/// Stripe's API as Tally calls it (PROVIDERS.md "Payments: Stripe"): the few calls Tally
/// makes, each over the shared `ProviderHTTP` client within the payments deadline, and
/// Stripe's answer read into an object or into one of four failures.
///
/// Every request carries `Authorization: Bearer <secret key>` and the pinned
/// `Stripe-Version`, so an upgrade of the account's default version never changes the
/// shapes Tally reads. Every POST carries the caller's `Idempotency-Key`, derived from
/// Tally's own id for the operation: asked again after "no answer", Stripe answers the
/// first outcome instead of charging twice.
public struct StripeClient: Sendable {
    /// The Stripe API version every request pins.
    public static let apiVersion = "2024-06-20"
    public static let defaultAPIBase = URL(string: "https://api.stripe.com")!

    /// Where Stripe is and the key Tally calls it with.
    public struct Settings: Sendable, Hashable, CustomStringConvertible, CustomReflectable {
        /// `https://api.stripe.com`, or a fake on loopback (`TALLY_STRIPE_API_BASE`).
        public var apiBase: URL
        /// `sk_test_…` or `sk_live_…`.
        public var secretKey: String

        public init(apiBase: URL = StripeClient.defaultAPIBase, secretKey: String) {
            self.apiBase = apiBase
            self.secretKey = secretKey
        }

        /// A test key moves no real money.
        public var isTestMode: Bool { secretKey.hasPrefix("sk_test_") }

        /// The key is never printed, logged or dumped.
        public var description: String { "Stripe at \(apiBase.absoluteString) (\(isTestMode ? "test" : "live") mode)" }
        public var customMirror: Mirror { Mirror(self, children: ["apiBase": apiBase, "secretKey": "***"]) }
    }

    /// Why a call has no object to show. Never holds a key.
    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// Stripe's 402 card error: the card's bank said no. `code` is Stripe's
        /// `decline_code` when it gave one, else its `code` (`authentication_required`,
        /// `expired_card`, …). `paymentIntent` is the PaymentIntent it left behind, if any.
        case declined(code: String, message: String, paymentIntent: String?)
        /// 400 or 404: Tally asked something Stripe cannot do — a bug of Tally's or a
        /// wrong id; `parameter` names what Stripe refused.
        case invalidRequest(parameter: String?, message: String)
        /// 401 or 403: the secret key is wrong, revoked, or not allowed this call.
        case badKey(message: String)
        /// 429, 5xx, a 409 on a key still in use, no answer or none within the deadline:
        /// the outcome is unknown. Ask again later with the same idempotency key.
        case noAnswer(detail: String)

        public var description: String {
            switch self {
            case .declined(let code, let message, _): "Stripe declined the card (\(code)): \(message)"
            case .invalidRequest(let parameter, let message): "Stripe refused the request" + (parameter.map { " on \($0)" } ?? "") + ": \(message)"
            case .badKey(let message): "Stripe refused the secret key: \(message) — check TALLY_STRIPE_SECRET_KEY"
            case .noAnswer(let detail): "Stripe gave no answer: \(detail)"
            }
        }
    }

    public let settings: Settings
    /// Each call ends within this, or is `noAnswer`.
    public let deadline: Duration

    public init(_ settings: Settings, deadline: Duration = ProviderDeadlines().payments) {
        self.settings = settings
        self.deadline = deadline
    }

    // MARK: - Calls

    /// `POST /v1/customers`: the Stripe Customer of a Tally account.
    public func createCustomer(name: String, account: String, idempotencyKey: String) async throws(Failure) -> StripeCustomer {
        try await post(
            "/v1/customers",
            [("name", .string(name)), ("metadata", .object([("tally_account", .string(account))]))],
            idempotencyKey: idempotencyKey
        )
    }

    /// `POST /v1/payment_methods/{id}/attach`: a card the buyer gave to Stripe, kept for
    /// `customer`. The answer carries its brand, last four, expiry and fingerprint.
    public func attachPaymentMethod(_ paymentMethod: String, customer: String, idempotencyKey: String) async throws(Failure) -> StripePaymentMethod {
        try await post(
            "/v1/payment_methods/\(try pathSegment(paymentMethod))/attach",
            [("customer", .string(customer))],
            idempotencyKey: idempotencyKey
        )
    }

    /// `GET /v1/payment_methods/{id}`.
    public func paymentMethod(_ id: String) async throws(Failure) -> StripePaymentMethod {
        try await get("/v1/payment_methods/\(try pathSegment(id))")
    }

    /// What a payment asks Stripe for.
    public struct PaymentRequest: Sendable, Hashable {
        public var amountCents: Int64
        public var customer: String
        public var paymentMethod: String
        /// Where the cardholder comes back after 3-D Secure; not sent off-session.
        public var returnURL: String?
        /// `tally_account`, `tally_purchase`, …, sent in this order.
        public var metadata: [String: String]
        /// The cardholder is not there (auto-recharge): Stripe answers
        /// `authentication_required` rather than asking them.
        public var offSession: Bool
        /// Keep the card for later off-session payments (`setup_future_usage=off_session`).
        public var saveCardForOffSession: Bool

        public init(
            amountCents: Int64,
            customer: String,
            paymentMethod: String,
            returnURL: String?,
            metadata: [String: String],
            offSession: Bool = false,
            saveCardForOffSession: Bool = false
        ) {
            self.amountCents = amountCents
            self.customer = customer
            self.paymentMethod = paymentMethod
            self.returnURL = returnURL
            self.metadata = metadata
            self.offSession = offSession
            self.saveCardForOffSession = saveCardForOffSession
        }

        /// The form parameters, in a fixed order (a retry sends the same bytes).
        var parameters: [(String, StripeWire.Value)] {
            precondition(amountCents > 0, "a payment is for a positive amount")
            var parameters: [(String, StripeWire.Value)] = [
                ("amount", .integer(amountCents)),
                ("currency", .string("usd")),
                ("customer", .string(customer)),
                ("payment_method", .string(paymentMethod)),
                ("confirm", .boolean(true)),
            ]
            if offSession {
                parameters.append(("off_session", .boolean(true)))
            } else if let returnURL {
                parameters.append(("return_url", .string(returnURL)))
            }
            if saveCardForOffSession { parameters.append(("setup_future_usage", .string("off_session"))) }
            if !metadata.isEmpty {
                parameters.append(("metadata", .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
            }
            return parameters
        }
    }

    /// `POST /v1/payment_intents`, created and confirmed at once: the answer is
    /// `succeeded`, `processing` or `requires_action` (3-D Secure, with its URL); a decline
    /// is `Failure.declined`.
    public func createPayment(_ request: PaymentRequest, idempotencyKey: String) async throws(Failure) -> StripePaymentIntent {
        try await post("/v1/payment_intents", request.parameters, idempotencyKey: idempotencyKey)
    }

    /// `GET /v1/payment_intents/{id}`: where a payment stands now.
    public func paymentIntent(_ id: String) async throws(Failure) -> StripePaymentIntent {
        try await get("/v1/payment_intents/\(try pathSegment(id))")
    }

    /// `POST /v1/refunds`: gives back `amountCents` of a payment.
    public func createRefund(
        paymentIntent: String,
        amountCents: Int64,
        metadata: [String: String],
        idempotencyKey: String
    ) async throws(Failure) -> StripeRefund {
        precondition(amountCents > 0, "a refund is for a positive amount")
        var parameters: [(String, StripeWire.Value)] = [("payment_intent", .string(paymentIntent)), ("amount", .integer(amountCents))]
        if !metadata.isEmpty {
            parameters.append(("metadata", .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        return try await post("/v1/refunds", parameters, idempotencyKey: idempotencyKey)
    }

    /// `GET /v1/balance`: harmless, and proves the key works (`tally providers check`).
    public func balance() async throws(Failure) -> StripeBalance {
        try await get("/v1/balance")
    }

    /// What a Stripe Checkout Session asks for: the hosted page a buyer is sent to, to
    /// save a card (setup mode) or to pay for credits with a new card (payment mode).
    public struct CheckoutRequest: Sendable, Hashable {
        public enum Mode: Sendable, Hashable {
            /// Saves a card for the customer (`mode=setup`, a SetupIntent).
            case setup
            /// One line item of `amountCents` named `productName` ("12,000 credits");
            /// `saveCard` keeps the card for later off-session payments
            /// (`payment_intent_data[setup_future_usage]=off_session`).
            case payment(amountCents: Int64, productName: String, saveCard: Bool)
        }

        public var mode: Mode
        public var customer: String
        /// Where Stripe sends the browser when done; `{CHECKOUT_SESSION_ID}` in it is
        /// replaced by the session's id.
        public var successURL: String
        /// Where the buyer goes when they give up.
        public var cancelURL: String
        /// The session's metadata: `tally_account` and `tally_purchase` (payment) or
        /// `tally_setup` (setup). In payment mode the PaymentIntent carries it too.
        public var metadata: [String: String]
        /// `client_reference_id`: Tally's id for the purchase or the card setup.
        public var clientReferenceID: String?

        public init(
            mode: Mode,
            customer: String,
            successURL: String,
            cancelURL: String,
            metadata: [String: String],
            clientReferenceID: String? = nil
        ) {
            self.mode = mode
            self.customer = customer
            self.successURL = successURL
            self.cancelURL = cancelURL
            self.metadata = metadata
            self.clientReferenceID = clientReferenceID
        }

        /// Setup mode for `account`'s card setup `setup` (its id in Tally).
        public static func setup(customer: String, account: String, setup: String, successURL: String, cancelURL: String) -> CheckoutRequest {
            CheckoutRequest(
                mode: .setup,
                customer: customer,
                successURL: successURL,
                cancelURL: cancelURL,
                metadata: ["tally_account": account, "tally_setup": setup],
                clientReferenceID: setup
            )
        }

        /// Payment mode for `account`'s purchase `purchase` of `amountCents`.
        public static func payment(
            customer: String,
            account: String,
            purchase: String,
            amountCents: Int64,
            productName: String,
            saveCard: Bool,
            successURL: String,
            cancelURL: String
        ) -> CheckoutRequest {
            CheckoutRequest(
                mode: .payment(amountCents: amountCents, productName: productName, saveCard: saveCard),
                customer: customer,
                successURL: successURL,
                cancelURL: cancelURL,
                metadata: ["tally_account": account, "tally_purchase": purchase],
                clientReferenceID: purchase
            )
        }

        /// The form parameters, in a fixed order (a retry sends the same bytes).
        var parameters: [(String, StripeWire.Value)] {
            let metadata: StripeWire.Value = .object(self.metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
            var parameters: [(String, StripeWire.Value)] = []
            switch mode {
            case .setup:
                parameters += [
                    ("mode", .string("setup")),
                    ("customer", .string(customer)),
                    ("currency", .string("usd")),
                    ("payment_method_types", .list([.string("card")])),
                ]
            case .payment(let amountCents, let productName, let saveCard):
                precondition(amountCents > 0, "a payment is for a positive amount")
                let item: StripeWire.Value = .object([
                    (
                        "price_data",
                        .object([
                            ("currency", .string("usd")),
                            ("unit_amount", .integer(amountCents)),
                            ("product_data", .object([("name", .string(productName))])),
                        ])
                    ),
                    ("quantity", .integer(1)),
                ])
                var intentData: [(String, StripeWire.Value)] = []
                if !self.metadata.isEmpty { intentData.append(("metadata", metadata)) }
                if saveCard { intentData.append(("setup_future_usage", .string("off_session"))) }
                parameters += [("mode", .string("payment")), ("customer", .string(customer)), ("line_items", .list([item]))]
                if !intentData.isEmpty { parameters.append(("payment_intent_data", .object(intentData))) }
            }
            parameters += [("success_url", .string(successURL)), ("cancel_url", .string(cancelURL))]
            if let clientReferenceID { parameters.append(("client_reference_id", .string(clientReferenceID))) }
            if !self.metadata.isEmpty { parameters.append(("metadata", metadata)) }
            return parameters
        }
    }

    /// `POST /v1/checkout/sessions`: a hosted page to send the buyer to (its `url`).
    public func createCheckoutSession(_ request: CheckoutRequest, idempotencyKey: String) async throws(Failure) -> StripeCheckoutSession {
        try await post("/v1/checkout/sessions", request.parameters, idempotencyKey: idempotencyKey)
    }

    /// `GET /v1/checkout/sessions/{id}`, its PaymentIntent and its SetupIntent (with the
    /// SetupIntent's PaymentMethod) expanded: what the buyer did on the hosted page.
    public func checkoutSession(_ id: String) async throws(Failure) -> StripeCheckoutSession {
        try await get(
            "/v1/checkout/sessions/\(try pathSegment(id))",
            query: [("expand", .list([.string("payment_intent"), .string("setup_intent.payment_method")]))]
        )
    }

    /// `GET /v1/setup_intents/{id}`, its PaymentMethod expanded.
    public func setupIntent(_ id: String) async throws(Failure) -> StripeSetupIntent {
        try await get("/v1/setup_intents/\(try pathSegment(id))", query: [("expand", .list([.string("payment_method")]))])
    }

    /// `GET /v1/charges/{id}`, its refunds expanded (Stripe has not included them by
    /// default since 2022-11-15).
    public func charge(_ id: String) async throws(Failure) -> StripeCharge {
        try await get("/v1/charges/\(try pathSegment(id))", query: [("expand", .list([.string("refunds")]))])
    }

    /// `GET /v1/disputes/{id}`.
    public func dispute(_ id: String) async throws(Failure) -> StripeDispute {
        try await get("/v1/disputes/\(try pathSegment(id))")
    }

    /// `GET /v1/refunds/{id}`.
    public func refund(_ id: String) async throws(Failure) -> StripeRefund {
        try await get("/v1/refunds/\(try pathSegment(id))")
    }

    // MARK: - The HTTP exchange

    private func post<T: Decodable & Sendable>(
        _ path: String,
        _ parameters: [(String, StripeWire.Value)],
        idempotencyKey: String
    ) async throws(Failure) -> T {
        guard !idempotencyKey.isEmpty, idempotencyKey.utf8.count <= StripeWire.maximumIdempotencyKeyLength else {
            throw .invalidRequest(
                parameter: "Idempotency-Key",
                message: "an idempotency key is 1 to \(StripeWire.maximumIdempotencyKeyLength) characters"
            )
        }
        let body = Array(StripeWire.form(parameters).utf8)
        return try await exchange(
            .POST,
            path,
            body: body,
            extraHeaders: [("Content-Type", "application/x-www-form-urlencoded"), ("Idempotency-Key", idempotencyKey)]
        )
    }

    private func get<T: Decodable & Sendable>(_ path: String) async throws(Failure) -> T {
        try await exchange(.GET, path, body: [], extraHeaders: [])
    }

    /// A GET with a query in Stripe's bracket notation, its brackets percent-encoded.
    private func get<T: Decodable & Sendable>(_ path: String, query: [(String, StripeWire.Value)]) async throws(Failure) -> T {
        let form = StripeWire.form(query).replacingOccurrences(of: "[", with: "%5B").replacingOccurrences(of: "]", with: "%5D")
        return try await exchange(.GET, form.isEmpty ? path : path + "?" + form, body: [], extraHeaders: [])
    }

    private func exchange<T: Decodable & Sendable>(
        _ method: HTTPMethod,
        _ path: String,
        body: [UInt8],
        extraHeaders: [(String, String)]
    ) async throws(Failure) -> T {
        guard let url = URL(string: settings.apiBase.absoluteString.trimmingSuffix("/") + path) else {
            throw .invalidRequest(parameter: nil, message: "no URL for \(path)")
        }
        let headers =
            [
                ("Authorization", "Bearer " + settings.secretKey),
                ("Stripe-Version", Self.apiVersion),
                ("Accept", "application/json"),
                ("User-Agent", "Tally"),
            ] + extraHeaders
        let answer: ProviderHTTP.Answer
        do {
            answer = try await ProviderDeadlines.run("Stripe", within: deadline) {
                try await ProviderHTTP.send(method, url, headers: headers, body: body, maximumAnswerBytes: StripeWire.maximumAnswerBytes)
            }
        } catch let unreachable as ProviderHTTP.Unreachable {
            throw .noAnswer(detail: "Stripe could not be reached: \(StripeWire.safe(unreachable.detail))")
        } catch let failure as ProviderFailure {
            throw .noAnswer(detail: failure.reason)
        } catch {
            throw .noAnswer(detail: "the call was cancelled")
        }
        return try Self.read(status: answer.status, body: answer.body)
    }

    /// Stripe's answer: the object on a 2xx, otherwise the failure its status and error say.
    static func read<T: Decodable>(status: Int, body: [UInt8]) throws(Failure) -> T {
        if (200..<300).contains(status) {
            do {
                return try StripeWire.decode(T.self, from: body)
            } catch {
                // Stripe did act; what it did is unknown until asked again with the same key.
                throw .noAnswer(detail: "Stripe's answer (HTTP \(status)) could not be read")
            }
        }
        let error = (try? StripeWire.decode(ErrorEnvelope.self, from: body))?.error
        let message = StripeWire.safe(error?.message ?? "HTTP \(status)")
        switch status {
        case 402:
            let code = error?.declineCode ?? error?.code ?? "card_declined"
            throw .declined(code: StripeWire.safe(code), message: message, paymentIntent: error?.paymentIntent?.id)
        case 401, 403:
            throw .badKey(message: "HTTP \(status)")
        case 409, 429, 500...:
            throw .noAnswer(detail: "HTTP \(status): \(message)")
        default:
            throw .invalidRequest(parameter: error?.param.map(StripeWire.safe), message: (error?.type).map { "\($0): \(message)" } ?? message)
        }
    }

    struct ErrorEnvelope: Decodable {
        var error: StripeError
    }

    /// An id placed in a path: Stripe's ids are letters, digits and underscores.
    private func pathSegment(_ id: String) throws(Failure) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_".utf8)
        guard !id.isEmpty, id.utf8.count <= 255, id.utf8.allSatisfy(allowed.contains) else {
            throw .invalidRequest(parameter: "id", message: "not a Stripe id")
        }
        return id
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
