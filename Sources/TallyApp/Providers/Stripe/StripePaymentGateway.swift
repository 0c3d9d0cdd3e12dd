import Foundation
import TallyCore

/// Stripe as Tally's card processor (PROVIDERS.md "Payments: Stripe"): cards are Stripe
/// PaymentMethods the buyer gave Stripe directly — no card number ever reaches Tally —
/// each account is one Stripe Customer, and every payment is a PaymentIntent confirmed
/// at once with Tally's purchase id as its idempotency key.
public struct StripePaymentGateway: PaymentGateway {
    /// What `TALLY_STRIPE_*` configure.
    public struct Settings: Sendable, Hashable, CustomStringConvertible, CustomReflectable {
        public var client: StripeClient.Settings
        /// `whsec_…`: signs the events Stripe posts to Tally.
        public var webhookSecret: String
        /// `pk_test_…` or `pk_live_…`, for a platform's own Stripe.js front end.
        public var publishableKey: String?

        public init(client: StripeClient.Settings, webhookSecret: String, publishableKey: String? = nil) {
            self.client = client
            self.webhookSecret = webhookSecret
            self.publishableKey = publishableKey
        }

        public var isTestMode: Bool { client.isTestMode }
        /// Secrets are never printed, logged or dumped.
        public var description: String { client.description }
        public var customMirror: Mirror { Mirror(self, children: ["client": client, "webhookSecret": "***"]) }
    }

    public let settings: Settings
    let client: StripeClient

    public init(_ settings: Settings, deadline: Duration = ProviderDeadlines().payments) {
        self.settings = settings
        self.client = StripeClient(settings.client, deadline: deadline)
    }

    public var name: String { "stripe" }
    public var acceptsCardNumbers: Bool { false }

    public func save(_ card: PaymentCard) async throws -> SavedCard {
        throw PaymentRequestRefused(Self.noCardNumbers)
    }

    static let noCardNumbers = "card details go to Stripe; send a Stripe PaymentMethod id"

    public func createCustomer(account: AccountID, name: String) async throws -> String? {
        switch await Self.ask({ () async throws(StripeClient.Failure) in
            try await client.createCustomer(name: name, account: account.rawValue, idempotencyKey: "tally_customer_\(account)")
        }) {
        case .success(let customer): return customer.id
        case .failure(let failure): throw Self.unreachable(failure)
        }
    }

    public func card(_ token: String) async throws -> SavedCard {
        switch await Self.ask({ () async throws(StripeClient.Failure) in try await client.paymentMethod(token) }) {
        case .success(let method): return try Self.savedCard(method)
        case .failure(.invalidRequest(_, let message)): throw PaymentRequestRefused(message)
        case .failure(let failure): throw Self.unreachable(failure)
        }
    }

    public func attach(_ token: String, customer: String?, idempotencyKey: String) async throws -> SavedCard {
        guard let customer else { throw PaymentRequestRefused("a card is kept for a Stripe customer") }
        switch await Self.ask({ () async throws(StripeClient.Failure) in
            try await client.attachPaymentMethod(token, customer: customer, idempotencyKey: idempotencyKey)
        }) {
        case .success(let method): return try Self.savedCard(method)
        case .failure(.declined(let code, let message, _)): throw TallyError.paymentDeclined(code: code, reason: Self.reason(code, message))
        case .failure(.invalidRequest(_, let message)): throw PaymentRequestRefused(message)
        case .failure(let failure): throw Self.unreachable(failure)
        }
    }

    public func charge(_ order: PaymentOrder) async throws -> PaymentOutcome {
        let request = StripeClient.PaymentRequest(
            amountCents: order.amount.cents,
            customer: order.customer ?? "",
            paymentMethod: order.cardToken,
            returnURL: order.returnURL,
            metadata: order.metadata,
            offSession: order.offSession,
            saveCardForOffSession: order.saveCard
        )
        let intent: StripePaymentIntent
        switch await Self.ask({ () async throws(StripeClient.Failure) in
            try await client.createPayment(request, idempotencyKey: order.idempotencyKey)
        }) {
        case .success(let made): intent = made
        case .failure(.declined(let code, let message, _)): return .declined(code: code, reason: Self.reason(code, message))
        case .failure(.invalidRequest(_, let message)) where message.hasPrefix("idempotency_error"):
            // The key was used with other parameters (the public address changed since the
            // first ask): what the first request came to is unknown, so it is not a decline.
            throw ProviderFailure("Stripe refused to answer again for this payment's key: \(message)")
        case .failure(.invalidRequest(_, let message)): throw PaymentRequestRefused(message)
        case .failure(let failure): throw Self.unreachable(failure)
        }
        // Asked again with the same key, Stripe answers its first answer: a payment that
        // was waiting then is read as it stands now.
        if intent.knownStatus == .succeeded { return Self.outcome(intent, expecting: order.amount) }
        switch await Self.ask({ () async throws(StripeClient.Failure) in try await client.paymentIntent(intent.id) }) {
        case .success(let now): return Self.outcome(now, expecting: order.amount)
        case .failure: return Self.outcome(intent, expecting: order.amount)
        }
    }

    /// Where a payment Tally started stands now (the reconciler and the return page ask).
    public func payment(_ id: String, expecting amount: Money) async throws -> PaymentOutcome {
        switch await Self.ask({ () async throws(StripeClient.Failure) in try await client.paymentIntent(id) }) {
        case .success(let intent): return Self.outcome(intent, expecting: amount)
        case .failure(let failure): throw Self.unreachable(failure)
        }
    }

    /// Makes (or, asked again with the same key, finds) a Checkout session.
    public func createCheckoutSession(_ request: StripeClient.CheckoutRequest, idempotencyKey: String) async throws -> StripeCheckoutSession {
        switch await Self.ask({ () async throws(StripeClient.Failure) in
            try await client.createCheckoutSession(request, idempotencyKey: idempotencyKey)
        }) {
        case .success(let session): return session
        case .failure(.invalidRequest(_, let message)): throw TallyError.providerFailed("Stripe refused the Checkout page: \(message)")
        case .failure(let failure): throw TallyError.providerFailed(Self.unreachable(failure).reason)
        }
    }

    /// A Checkout session as Stripe has it now.
    public func checkoutSession(_ id: String) async throws -> StripeCheckoutSession {
        switch await Self.ask({ () async throws(StripeClient.Failure) in try await client.checkoutSession(id) }) {
        case .success(let session): return session
        case .failure(.invalidRequest): throw TallyError.notFound("no Checkout session \(id)")
        case .failure(let failure): throw TallyError.providerFailed(Self.unreachable(failure).reason)
        }
    }

    public func setupIntent(_ id: String) async throws -> StripeSetupIntent {
        switch await Self.ask({ () async throws(StripeClient.Failure) in try await client.setupIntent(id) }) {
        case .success(let intent): return intent
        case .failure(let failure): throw TallyError.providerFailed(Self.unreachable(failure).reason)
        }
    }

    /// A card Stripe keeps, or `nil` when it has none by that id.
    public func paymentMethodOrNil(_ id: String) async throws -> StripePaymentMethod? {
        switch await Self.ask({ () async throws(StripeClient.Failure) in try await client.paymentMethod(id) }) {
        case .success(let method): return method
        case .failure(.invalidRequest): return nil
        case .failure(let failure): throw Self.unreachable(failure)
        }
    }

    /// A PaymentIntent as Stripe has it now; `nil` when Stripe has no such payment.
    public func paymentIntent(_ id: String) async throws -> StripePaymentIntent? {
        switch await Self.ask({ () async throws(StripeClient.Failure) in try await client.paymentIntent(id) }) {
        case .success(let intent): return intent
        case .failure(.invalidRequest): return nil
        case .failure(let failure): throw Self.unreachable(failure)
        }
    }

    public func refund(_ amount: Money, payment reference: String, idempotencyKey: String) async throws -> RefundOutcome {
        switch await Self.ask({ () async throws(StripeClient.Failure) in
            try await client.createRefund(
                paymentIntent: reference,
                amountCents: amount.cents,
                metadata: ["tally_refund": idempotencyKey],
                idempotencyKey: idempotencyKey
            )
        }) {
        case .success(let refund): return Self.outcome(refund)
        case .failure(.declined(let code, let message, _)): return .declined(code: code, reason: message)
        case .failure(.invalidRequest(_, let message)):
            return .declined(code: "refund_refused", reason: "Stripe refused the refund: \(message)")
        case .failure(let failure): throw Self.unreachable(failure)
        }
    }

    public func refundStatus(_ reference: String) async throws -> RefundOutcome? {
        switch await Self.ask({ () async throws(StripeClient.Failure) in try await client.refund(reference) }) {
        case .success(let refund): return Self.outcome(refund)
        case .failure(.invalidRequest): return nil
        case .failure(let failure): throw Self.unreachable(failure)
        }
    }

    /// Whether Stripe's balance says live mode: proves the key works (`tally providers check`).
    public func balanceIsLive() async throws -> Bool {
        switch await Self.ask({ () async throws(StripeClient.Failure) in try await client.balance() }) {
        case .success(let balance): return balance.livemode
        case .failure(let failure): throw Self.unreachable(failure)
        }
    }

    // MARK: Reading Stripe's objects

    /// The decline code of a payment whose received money is not the purchase's.
    public static let amountMismatch = "amount_mismatch"

    /// A PaymentIntent as a payment outcome. Credits follow the money actually received:
    /// a payment is paid only when Stripe received the purchase's amount in dollars.
    static func outcome(_ intent: StripePaymentIntent, expecting amount: Money) -> PaymentOutcome {
        switch intent.knownStatus {
        case .succeeded:
            guard intent.currency.lowercased() == "usd", (intent.amountReceived ?? intent.amount) == amount.cents else {
                return .declined(
                    code: amountMismatch,
                    reason: "Stripe received \(intent.amountReceived ?? 0) cents in \(intent.currency) for a purchase of \(amount.cents) cents in usd"
                )
            }
            return .succeeded(reference: intent.id)
        case .requiresAction:
            return .pending(reference: intent.id, nextActionURL: intent.redirectURL)
        case .processing, .requiresConfirmation, .requiresCapture:
            return .pending(reference: intent.id, nextActionURL: nil)
        case .canceled:
            return .declined(code: "canceled", reason: "the payment was canceled")
        case .requiresPaymentMethod, nil:
            let error = intent.lastPaymentError
            let code = error?.declineCode ?? error?.code ?? "payment_failed"
            return .declined(code: code, reason: reason(code, error?.message ?? "the payment was not completed"))
        }
    }

    static func outcome(_ refund: StripeRefund) -> RefundOutcome {
        switch refund.status {
        case "succeeded": .succeeded(reference: refund.id)
        case "failed", "canceled":
            .declined(code: "refund_failed", reason: "Stripe could not give the money back (\(refund.failureReason ?? refund.status))")
        default: .pending(reference: refund.id)
        }
    }

    static func savedCard(_ method: StripePaymentMethod) throws -> SavedCard {
        guard let card = method.card else { throw PaymentRequestRefused("is not a card") }
        return SavedCard(
            token: method.id,
            brand: card.brand,
            last4: card.last4,
            expMonth: card.expMonth,
            expYear: card.expYear,
            fingerprint: card.fingerprint.map { "stripe_" + $0 }
        )
    }

    /// A decline in words an owner can act on.
    static func reason(_ code: String, _ message: String) -> String {
        switch code {
        case "authentication_required":
            "the card needs its holder to confirm the payment: pay once with it on the Billing page"
        default: StripeWire.safe(message)
        }
    }

    static func unreachable(_ failure: StripeClient.Failure) -> ProviderFailure {
        ProviderFailure(failure.description)
    }

    /// One call to Stripe, its failure as a value.
    static func ask<T>(_ call: () async throws(StripeClient.Failure) -> T) async -> Result<T, StripeClient.Failure> {
        do {
            return .success(try await call())
        } catch {
            return .failure(error)
        }
    }
}
