import Foundation
import TallyCore
import TallyStore

/// Stripe's ways of paying that go through the cardholder's browser — Checkout for a new
/// card or a card to add, 3-D Secure for a saved card — and how a payment Stripe
/// decided later is settled: once, by whichever comes first of Stripe's event, the
/// Billing page the browser returns to, and the reconciler.
extension Purchases {
    /// What the Billing page says when the browser comes back from Stripe.
    public enum StripeReturn: Sendable, Equatable {
        /// Paid, and the credits are in the wallet.
        case paid(credits: Credits)
        /// Stripe is still processing the payment: the credits arrive when it clears.
        case processing
        /// The cardholder has not finished (3-D Secure or Checkout still open).
        case waiting
        case declined(reason: String)
        case cardSaved(brand: String, last4: String)
        /// The buyer left Checkout without paying.
        case canceled
    }

    /// A Checkout purchase's intent names no card yet: the buyer types it on Stripe's page.
    static let checkoutToken = "checkout"
    static let checkoutMethod = PaymentMethodID("pm_checkout")

    func requireStripe() throws -> StripePaymentGateway {
        guard let stripe else { throw TallyError.conflict("payments do not go to Stripe: buy with card details instead") }
        return stripe
    }

    func billingURL(_ query: String) throws -> String {
        guard let publicURL else { throw TallyError.conflict("TALLY_PUBLIC_URL is not set") }
        return publicURL.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/app/billing?" + query
    }

    // MARK: Checkout

    /// Starts Stripe Checkout to buy `credits` with a new card (kept when `saveCard`):
    /// the purchase is written down first, then the session made with its id as the key,
    /// so a double click or a retry opens the same session. Answers where to send the browser.
    public func checkout(credits: Credits, saveCard: Bool, by manager: CreditManager, requestKey: String) async throws -> String {
        let stripe = try requireStripe()
        let account = manager.accountID
        let amount: Money
        switch Catalog.purchasePrice(of: credits) {
        case .success(let price): amount = price
        case .failure(let error): throw TallyError.invalid("credits", error.reason)
        }
        if saveCard, try await store.paymentMethods(account: account).count >= Self.maximumPaymentMethods {
            throw TallyError.invalid("saveCard", Self.tooManyCards + ", or buy without saving the card")
        }
        let id = PurchaseID("pur_" + String("\(account)\ncheckout\n\(requestKey)".sha256Hex.prefix(26)))
        let intent = PaymentIntent(
            purchaseID: id,
            accountID: account,
            credits: credits,
            amount: amount,
            paymentMethodID: Self.checkoutMethod,
            gatewayToken: Self.checkoutToken,
            createdAt: time.now(),
            saveCard: saveCard
        )
        do {
            try await store.recordPaymentIntent(intent)
        } catch StoreError.duplicate {
            // The same request again: the same session.
        }
        let recorded = try await store.paymentIntent(id, account: account) ?? intent
        let session = try await checkoutSession(for: recorded, stripe: stripe)
        guard let url = session.url else { throw TallyError.providerFailed("Stripe gave no Checkout page for this purchase") }
        return url
    }

    /// The Checkout session of a purchase: made with the purchase id as its key (so asked
    /// again it is the same session), and remembered on the intent.
    func checkoutSession(for intent: PaymentIntent, stripe: StripePaymentGateway) async throws -> StripeCheckoutSession {
        if let known = intent.gatewayReference {
            return try await stripe.checkoutSession(known)
        }
        guard let customer = try await gatewayCustomer(intent.accountID) else { throw TallyError.providerFailed("no Stripe customer") }
        let request = StripeClient.CheckoutRequest.payment(
            customer: customer,
            account: intent.accountID.rawValue,
            purchase: intent.purchaseID.rawValue,
            amountCents: intent.amount.cents,
            productName: "\(Self.grouped(intent.credits)) credits",
            saveCard: intent.saveCard,
            successURL: try billingURL("checkout={CHECKOUT_SESSION_ID}"),
            cancelURL: try billingURL("purchase=\(intent.purchaseID)&canceled=1")
        )
        let session = try await stripe.createCheckoutSession(request, idempotencyKey: intent.purchaseID.rawValue)
        try await store.setPaymentIntentReference(session.id, purchase: intent.purchaseID, account: intent.accountID)
        return session
    }

    /// Starts Stripe Checkout in setup mode to add a card. Answers where to send the browser.
    public func checkoutToAddCard(by manager: CreditManager, requestKey: String) async throws -> String {
        let stripe = try requireStripe()
        let account = manager.accountID
        guard try await store.paymentMethods(account: account).count < Self.maximumPaymentMethods else {
            throw TallyError.invalid("card", Self.tooManyCards)
        }
        guard let customer = try await gatewayCustomer(account) else { throw TallyError.providerFailed("no Stripe customer") }
        let setup = "set_" + String("\(account)\nsetup\n\(requestKey)".sha256Hex.prefix(26))
        let session = try await stripe.createCheckoutSession(
            .setup(
                customer: customer,
                account: account.rawValue,
                setup: setup,
                successURL: try billingURL("checkout={CHECKOUT_SESSION_ID}"),
                cancelURL: try billingURL("canceled=1")
            ),
            idempotencyKey: setup
        )
        guard let url = session.url else { throw TallyError.providerFailed("Stripe gave no Checkout page for this card") }
        return url
    }

    // MARK: Back from Stripe

    /// The browser is back from Checkout: what the session came to, settled now if Stripe
    /// has decided (the event may come later, or never).
    public func returnFromCheckout(_ sessionID: String, of manager: CreditManager) async throws -> StripeReturn {
        let stripe = try requireStripe()
        guard sessionID.hasPrefix("cs_"), sessionID.utf8.count <= 255 else { throw TallyError.invalid("checkout", "is not a Checkout session") }
        let session = try await stripe.checkoutSession(sessionID)
        guard session.metadata?["tally_account"] == manager.accountID.rawValue else {
            throw TallyError.notFound("no Checkout session \(sessionID) of this account")
        }
        return try await settle(session: session, account: manager.accountID, event: nil)
    }

    /// Settles what a completed Checkout session says: a card kept (setup mode), or a
    /// purchase paid, declined or still processing (payment mode).
    func settle(session: StripeCheckoutSession, account: AccountID, event: String?) async throws -> StripeReturn {
        let stripe = try requireStripe()
        let marks: [WalletRecord] = event.map { [.providerEventApplied(provider: "stripe", id: $0)] } ?? []
        if session.mode == "setup" {
            guard session.knownStatus == .complete else { return session.knownStatus == .expired ? .canceled : .waiting }
            var method = session.setupIntent?.object?.paymentMethod?.object
            if method == nil, let id = session.setupIntent?.object?.paymentMethod?.id ?? nil {
                method = try await stripe.paymentMethodOrNil(id)
            }
            if method == nil, let setup = session.setupIntent?.id {
                let intent = try await stripe.setupIntent(setup)
                if let id = intent.paymentMethod?.id { method = try await stripe.paymentMethodOrNil(id) }
            }
            guard let method, let card = try? StripePaymentGateway.savedCard(method) else {
                return .declined(reason: "Stripe kept no card")
            }
            let kept = try await keepAttached(card, account: account)
            return .cardSaved(brand: kept.brand, last4: kept.last4)
        }
        guard let purchase = session.metadata?["tally_purchase"] else { return .declined(reason: "not a purchase of Tally's") }
        let id = PurchaseID(purchase)
        guard let intent = try await store.paymentIntent(id, account: account) else {
            return try await settled(id, account: account)
        }
        switch session.knownStatus {
        case .expired:
            return try await record(intent, outcome: .declined(code: "expired", reason: "the Checkout page expired unpaid"), marks: marks)
        case .open, nil:
            return .waiting
        case .complete:
            guard let paymentID = session.paymentIntent?.id else { return .processing }
            guard let payment = try await stripe.paymentIntent(paymentID) else { return .processing }
            return try await record(intent, payment: payment, marks: marks)
        }
    }

    /// The browser is back from 3-D Secure (or the buyer left Checkout): what the
    /// purchase came to, settled now if Stripe has decided.
    public func returnFromPayment(_ id: PurchaseID, of manager: CreditManager) async throws -> StripeReturn {
        let account = manager.accountID
        guard let intent = try await store.paymentIntent(id, account: account) else {
            return try await settled(id, account: account)
        }
        guard let stripe else { return .processing }
        if intent.gatewayToken == Self.checkoutToken {
            guard let session = intent.gatewayReference else { return .canceled }
            let state = try await settle(session: try await stripe.checkoutSession(session), account: account, event: nil)
            return state == .waiting ? .canceled : state
        }
        guard let reference = intent.gatewayReference, let payment = try await stripe.paymentIntent(reference) else { return .processing }
        return try await record(intent, payment: payment, marks: [])
    }

    /// What a purchase settled earlier came to.
    func settled(_ id: PurchaseID, account: AccountID) async throws -> StripeReturn {
        guard let purchase = try await store.purchase(id, account: account) else { throw TallyError.notFound("no purchase \(id)") }
        return purchase.status == .succeeded ? .paid(credits: purchase.credits) : .declined(reason: purchase.failureReason ?? "declined")
    }

    /// Records what Stripe says of a payment it decided: credited (and its card kept when
    /// the buyer asked), or declined; once, whoever comes first.
    func record(_ intent: PaymentIntent, payment: StripePaymentIntent, marks: [WalletRecord]) async throws -> StripeReturn {
        let outcome = StripePaymentGateway.outcome(payment, expecting: intent.amount)
        var extra: [WalletRecord] = []
        var methodID: PaymentMethodID? =
            try await store.paymentMethod(intent.paymentMethodID, account: intent.accountID) != nil
            ? intent.paymentMethodID : nil
        if case .succeeded = outcome, intent.saveCard, let token = payment.paymentMethod,
            let card = try? await gateway.card(token)
        {
            if let fingerprint = card.fingerprint, let known = try await store.paymentMethod(fingerprint: fingerprint, account: intent.accountID) {
                methodID = known.id
            } else {
                let method = newMethod(card, account: intent.accountID)
                extra.append(.savePaymentMethod(method, maximum: Self.maximumPaymentMethods))
                methodID = method.id
            }
        }
        return try await record(intent, outcome: outcome, methodID: methodID, extra: extra, marks: marks)
    }

    func record(
        _ intent: PaymentIntent,
        outcome: PaymentOutcome,
        methodID: PaymentMethodID? = nil,
        extra: [WalletRecord] = [],
        marks: [WalletRecord]
    ) async throws -> StripeReturn {
        switch outcome {
        case .pending(_, let next): return next == nil ? .processing : .waiting
        case .declined, .succeeded: break
        }
        do {
            _ = try await settle(
                intent.purchaseID,
                outcome: outcome,
                credits: intent.credits,
                amount: intent.amount,
                methodID: methodID,
                account: intent.accountID,
                origin: .purchase,
                intent: true,
                completing: nil,
                with: extra,
                also: marks
            )
        } catch TallyError.paymentDeclined(_, let reason) {
            return .declined(reason: reason)
        } catch StoreError.conflict {
            // Settled first by the event, the return page or the reconciler.
        }
        return try await settled(intent.purchaseID, account: intent.accountID)
    }

    /// A card Stripe already keeps for the account's customer (Checkout in setup mode),
    /// recorded once per fingerprint.
    func keepAttached(_ card: SavedCard, account: AccountID) async throws -> PaymentMethod {
        if let fingerprint = card.fingerprint, let known = try await store.paymentMethod(fingerprint: fingerprint, account: account) {
            return known
        }
        do {
            return try await store.addPaymentMethod(newMethod(card, account: account), maximum: Self.maximumPaymentMethods)
        } catch StoreError.limitReached {
            throw TallyError.invalid("card", Self.tooManyCards)
        }
    }

    func newMethod(_ card: SavedCard, account: AccountID) -> PaymentMethod {
        PaymentMethod(
            id: PaymentMethodID(ids.make("pm")),
            accountID: account,
            brand: card.brand,
            last4: card.last4,
            expMonth: card.expMonth,
            expYear: card.expYear,
            gatewayToken: card.token,
            createdAt: time.now(),
            fingerprint: card.fingerprint ?? "fp_" + String("\(account)\n\(card.token)".sha256Hex.prefix(32))
        )
    }

    /// Where a payment Stripe started stands now, settled if decided: what the reconciler
    /// asks of an intent whose Stripe object is known, instead of asking to pay again.
    func reconcileWithStripe(_ intent: PaymentIntent, stripe: StripePaymentGateway) async throws -> Bool {
        if intent.gatewayToken == Self.checkoutToken {
            guard intent.gatewayReference != nil else {
                // The session was never made (the request stopped first): nothing to pay.
                _ = try await record(intent, outcome: .declined(code: "abandoned", reason: "the Checkout page was never opened"), marks: [])
                return true
            }
            _ = try await settle(session: try await checkoutSession(for: intent, stripe: stripe), account: intent.accountID, event: nil)
            return true
        }
        guard let reference = intent.gatewayReference, let payment = try await stripe.paymentIntent(reference) else { return false }
        _ = try await record(intent, payment: payment, marks: [])
        return true
    }

    static func grouped(_ credits: Credits) -> String {
        let whole = credits.thousandths / 1_000
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.groupingSeparator = ","
        return formatter.string(from: NSNumber(value: whole)) ?? String(whole)
    }
}
