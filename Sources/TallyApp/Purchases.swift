import Foundation
import TallyCore
import TallyStore

/// Payment methods and buying credits.
///
/// Credits are added only after the payment succeeds, in one transaction with
/// the purchase row, its ledger entry and the idempotent answer.
public struct Purchases: Sendable {
    let store: any Store
    let gateway: any PaymentGateway
    let time: any TimeSource
    let ids: any IDSource
    let idempotency: Idempotency
    /// `TALLY_PUBLIC_URL`: where a cardholder comes back after confirming a payment.
    var publicURL: URL? = nil
    /// Stripe, when payments go to it: Checkout, and payments asked about by their id.
    var stripe: StripePaymentGateway? = nil

    // MARK: Requests and answers

    public struct CardInput: Sendable, Codable {
        public var number: String
        public var expMonth: WholeNumber
        public var expYear: WholeNumber
        public var cvc: String

        public init(number: String, expMonth: Int, expYear: Int, cvc: String) {
            self.number = number
            self.expMonth = WholeNumber(expMonth)
            self.expYear = WholeNumber(expYear)
            self.cvc = cvc
        }
    }

    public struct NewPaymentMethod: Sendable, Codable {
        /// The sandbox's way: card details.
        public var card: CardInput?
        /// Stripe's way: a PaymentMethod the platform's front end made with Stripe.js.
        public var stripePaymentMethod: String?

        public init(card: CardInput? = nil, stripePaymentMethod: String? = nil) {
            self.card = card
            self.stripePaymentMethod = stripePaymentMethod
        }
    }

    public struct PaymentMethodView: Sendable, Codable, Equatable {
        public var id: PaymentMethodID
        public var brand: String
        public var last4: String
        public var expMonth: Int
        public var expYear: Int
        public var createdAt: Date
    }

    public struct NewPurchase: Sendable, Codable {
        public var credits: Credits
        public var paymentMethodId: PaymentMethodID?
        public var card: CardInput?
        /// A new card as a Stripe PaymentMethod (with Stripe on).
        public var stripePaymentMethod: String?
        /// Keep a new card for later purchases: saved only when its payment succeeds,
        /// and only once per card number. Off unless asked for.
        public var saveCard: Bool?

        public init(
            credits: Credits,
            paymentMethodId: PaymentMethodID?,
            card: CardInput?,
            stripePaymentMethod: String? = nil,
            saveCard: Bool? = nil
        ) {
            self.credits = credits
            self.paymentMethodId = paymentMethodId
            self.card = card
            self.stripePaymentMethod = stripePaymentMethod
            self.saveCard = saveCard
        }
    }

    /// A purchase the card processor has not decided yet (202): the cardholder must
    /// confirm it at `nextActionUrl` (3-D Secure), or the bank is processing it. Its
    /// credits are added once, when the payment succeeds.
    public struct PendingPurchaseView: Sendable, Codable, Equatable {
        public var id: PurchaseID
        /// `requires_action` or `pending`.
        public var status: String
        public var credits: Credits
        public var amount: String
        public var currency: String
        @Nullable public var nextActionUrl: String?
    }

    public struct PurchaseView: Sendable, Codable, Equatable {
        public var id: PurchaseID
        public var credits: Credits
        public var amount: String
        public var currency: String
        public var status: PurchaseStatus
        public var origin: PurchaseOrigin
        @Nullable public var paymentMethodId: PaymentMethodID?
        @Nullable public var failureReason: String?
        public var createdAt: Date
        /// What refunds gave back of it so far.
        public var refundedCredits: Credits
        public var refundedAmount: String
        /// Where its dispute (a chargeback) stands: `open`, `won` or `lost`; absent when never disputed.
        @Nullable public var dispute: String?
    }

    // MARK: Payment methods

    /// Checks a card, saves it at the gateway and keeps its token.
    public func addPaymentMethod(
        _ request: NewPaymentMethod,
        by manager: CreditManager
    ) async throws
        -> PaymentMethodView
    {
        switch (request.card, request.stripePaymentMethod) {
        case (.some(let card), nil):
            try refuseCardNumbersIfProcessorTakesThem()
            return Self.view(try await save(card, account: manager.accountID))
        case (nil, .some(let token)):
            try requireProcessorCards(token)
            return Self.view(try await keep(processorCard: token, account: manager.accountID))
        case (nil, nil):
            throw TallyError.invalid(gateway.acceptsCardNumbers ? "card" : "stripePaymentMethod", "is required")
        case (.some, .some):
            throw TallyError.invalid("card", "give either card or stripePaymentMethod, not both")
        }
    }

    public func paymentMethods(of manager: CreditManager) async throws -> [PaymentMethodView] {
        try await store.paymentMethods(account: manager.accountID).map(Self.view)
    }

    public func paymentMethod(_ id: PaymentMethodID, of manager: CreditManager) async throws -> PaymentMethodView {
        guard let method = try await store.paymentMethod(id, account: manager.accountID) else {
            throw TallyError.notFound("no payment method \(id)")
        }
        return Self.view(method)
    }

    public func deletePaymentMethod(_ id: PaymentMethodID, by manager: CreditManager) async throws {
        // The card auto-recharge pays with stays until auto-recharge is off or uses another.
        if let settings = try await store.autoRecharge(account: manager.accountID)?.settings, settings.enabled,
            settings.paymentMethodID == id.rawValue
        {
            throw TallyError.conflict(
                "auto-recharge pays with this card: switch auto-recharge off or choose another card for it first"
            )
        }
        guard try await store.deletePaymentMethod(id, account: manager.accountID, at: time.now()) else {
            throw TallyError.notFound("no payment method \(id)")
        }
    }

    // MARK: Purchases

    /// Buys credits with a saved payment method or a new card. Declined payments
    /// add nothing, are recorded, and answer 402 with the reason.
    public func buy(
        _ request: NewPurchase,
        by manager: CreditManager,
        idempotency key: IdempotencyRequest?
    )
        async throws -> Answer
    {
        let account = manager.accountID
        let amount: Money
        switch Catalog.purchasePrice(of: request.credits) {
        case .success(let price): amount = price
        case .failure(let error): throw TallyError.invalid("credits", error.reason)
        }
        // Only the body's shape is checked before the key is looked up. Whether the saved
        // card still exists, or the new one has expired, depends on the database and the
        // clock: checked once the key is known to be new, so a replay answers its first answer.
        let given = [request.paymentMethodId != nil, request.card != nil, request.stripePaymentMethod != nil].filter { $0 }.count
        if request.card != nil { try refuseCardNumbersIfProcessorTakesThem() }
        if let token = request.stripePaymentMethod { try requireProcessorCards(token) }
        switch (given, request.card) {
        case (0, _):
            throw TallyError.invalid(
                "paymentMethodId",
                gateway.acceptsCardNumbers ? "is required unless a card is given" : "is required unless a stripePaymentMethod is given"
            )
        case (2..., _):
            throw TallyError.invalid(
                request.card != nil ? "card" : "stripePaymentMethod",
                "give one of paymentMethodId, card or stripePaymentMethod, not two"
            )
        case (_, .some(let card)): try checkCardShape(card)
        default: break
        }
        return try await idempotency.run(account: account, request: key) { completing in
            let method: PaymentMethod
            var saving: [WalletRecord] = []
            var kept = true
            if let id = request.paymentMethodId {
                guard let saved = try await store.paymentMethod(id, account: account) else {
                    throw TallyError.invalid("paymentMethodId", "is not a payment method of this account")
                }
                method = saved
            } else if let token = request.stripePaymentMethod {
                // A card the buyer gave the processor: paid as the saved card when this
                // account keeps it already, else saved with the payment if asked.
                let card = try await processorCard(token)
                if let fingerprint = card.fingerprint,
                    let known = try await store.paymentMethod(fingerprint: fingerprint, account: account)
                {
                    method = known
                } else {
                    method = newMethod(card, account: account)
                    if request.saveCard == true {
                        guard try await store.paymentMethods(account: account).count < Self.maximumPaymentMethods else {
                            throw TallyError.invalid("stripePaymentMethod", Self.tooManyCards + ", or buy without saving the card")
                        }
                        saving = [.savePaymentMethod(method, maximum: Self.maximumPaymentMethods)]
                    }
                    kept = !saving.isEmpty
                }
            } else {
                // A new card is kept only if the buyer asks and its payment succeeds (the
                // save is a record of the payment's own transaction); a card saved already
                // pays as itself.
                let card = try checkCard(request.card!)
                if let known = try await store.paymentMethod(fingerprint: Self.fingerprint(card, account: account), account: account) {
                    method = known
                } else {
                    method = try await tokenize(card, account: account)
                    if request.saveCard == true {
                        guard try await store.paymentMethods(account: account).count < Self.maximumPaymentMethods else {
                            throw TallyError.invalid("card", Self.tooManyCards + ", or buy without saving the card")
                        }
                        saving = [.savePaymentMethod(method, maximum: Self.maximumPaymentMethods)]
                    }
                    kept = !saving.isEmpty
                }
            }
            // Keyed requests get a purchase id derived from their key, so a retry after a
            // crash asks the gateway with the same payment key and cannot pay twice.
            let purchaseID = PurchaseID(
                completing.map { "pur_" + String("\(account)\n\($0.key)".sha256Hex.prefix(26)) } ?? ids.make("pur")
            )
            return try await pay(
                purchaseID,
                credits: request.credits,
                amount: amount,
                method: method,
                account: account,
                origin: .purchase,
                completing: completing,
                with: saving,
                methodKept: kept
            )
        }
    }

    /// Charges `method` and, when paid, adds the credits with their ledger entry.
    func pay(
        _ id: PurchaseID,
        credits: Credits,
        amount: Money,
        method: PaymentMethod,
        account: AccountID,
        origin: PurchaseOrigin,
        completing claim: RequestClaim?,
        with extra: [WalletRecord] = [],
        methodKept: Bool = true
    ) async throws -> Answer {
        // A person's purchase is written down before the gateway is asked, so that a
        // crash between payment and credit is settled by the reconciler. (A recharge's
        // own row plays that part.)
        let intent = origin == .purchase
        var cardToken = method.gatewayToken
        var saveCard = !extra.isEmpty
        if intent {
            do {
                try await store.recordPaymentIntent(
                    PaymentIntent(
                        purchaseID: id,
                        accountID: account,
                        credits: credits,
                        amount: amount,
                        paymentMethodID: method.id,
                        gatewayToken: method.gatewayToken,
                        createdAt: time.now(),
                        saveCard: !extra.isEmpty && !gateway.acceptsCardNumbers
                    )
                )
            } catch StoreError.duplicate {
                // A retry of the same keyed purchase: the intent is already written, and the
                // processor is asked exactly as the first time (a card the buyer gave Stripe
                // may have a new id on each look-up) — or, settled meanwhile, it answers what
                // the payment came to.
                if let first = try await store.paymentIntent(id, account: account) {
                    cardToken = first.gatewayToken
                    saveCard = first.saveCard
                } else if let settled = try await store.purchase(id, account: account) {
                    guard settled.status == .succeeded else {
                        throw TallyError.paymentDeclined(code: "card_declined", reason: settled.failureReason ?? "the card was declined")
                    }
                    let answer = try Answer(status: 201, Self.view(settled))
                    if let claim {
                        try await store.completeIdempotencyKey(claim.response(answer), account: account, at: time.now())
                    }
                    return answer
                }
            }
        }
        let outcome: PaymentOutcome
        do {
            outcome = try await gateway.charge(
                try await order(id, amount: amount, cardToken: cardToken, account: account, saveCard: saveCard)
            )
        } catch let refused as PaymentRequestRefused {
            outcome = .declined(code: "invalid_request", reason: "the card processor refused the payment: \(refused.reason)")
        } catch {
            guard intent else { throw error }
            throw TallyError.paymentUnsettled(id)
        }
        return try await settle(
            id,
            outcome: outcome,
            credits: credits,
            amount: amount,
            methodID: methodKept ? method.id : nil,
            account: account,
            origin: origin,
            intent: intent,
            completing: claim,
            with: extra
        )
    }

    /// Records what the gateway answered: credits and the purchase in one transaction, or the decline.
    func settle(
        _ id: PurchaseID,
        outcome: PaymentOutcome,
        credits: Credits,
        amount: Money,
        methodID: PaymentMethodID?,
        account: AccountID,
        origin: PurchaseOrigin,
        intent: Bool,
        completing claim: RequestClaim?,
        with extra: [WalletRecord] = [],
        also marks: [WalletRecord] = []
    ) async throws -> Answer {
        let now = time.now()
        var purchase = Purchase(
            id: id,
            accountID: account,
            credits: credits,
            amount: amount,
            status: .succeeded,
            origin: origin,
            paymentMethodID: methodID,
            paymentReference: nil,
            failureReason: nil,
            createdAt: now
        )
        let settling: [WalletRecord] = (intent ? [.settlePaymentIntent(id)] : []) + marks
        switch outcome {
        case .pending(let reference, let nextActionURL):
            // Not decided yet: the intent stays, and the gateway's event, the return page or
            // the reconciler settles it — whichever comes first, once. From now on Stripe is
            // asked about this payment by its id, never asked to pay again.
            guard origin == .purchase else { throw ProviderFailure("the card processor has not decided the payment yet") }
            try await store.setPaymentIntentReference(reference, purchase: id, account: account)
            let answer = try Answer(
                status: 202,
                PendingPurchaseView(
                    id: id,
                    status: nextActionURL == nil ? "pending" : "requires_action",
                    credits: credits,
                    amount: amount.description,
                    currency: Money.currency,
                    nextActionUrl: nextActionURL
                )
            )
            if let claim {
                try await store.completeIdempotencyKey(claim.response(answer), account: account, at: now)
            }
            return answer
        case .declined(let code, let reason):
            purchase.status = .declined
            purchase.failureReason = reason
            var records = settling + [.purchase(purchase)]
            if code == StripePaymentGateway.amountMismatch {
                // Money that is not the purchase's: nothing is credited, and someone must look.
                records.append(
                    .notification(
                        TallyStore.Notification(
                            id: ids.make("ntf"),
                            accountID: account,
                            kind: .paymentAmountMismatch,
                            message: "Purchase \(id) was not credited: \(reason). Check the payment in Stripe before refunding it.",
                            createdAt: now
                        )
                    )
                )
            }
            do {
                _ = try await store.commit(WalletTransaction(accountID: account, postings: [], records: records, request: claim, at: now))
            } catch StoreError.duplicate {
                // Already recorded by an attempt that crashed before answering.
            } catch StoreError.conflict {
                // Settled meanwhile by the reconciler.
            }
            throw TallyError.paymentDeclined(code: code, reason: reason)
        case .succeeded(let reference):
            purchase.paymentReference = reference
            let answer = try Answer(status: 201, Self.view(purchase))
            let kind: LedgerKind = origin == .recharge ? .recharge : .purchase
            do {
                _ = try await store.commit(
                    WalletTransaction(
                        accountID: account,
                        postings: [
                            Posting(
                                id: LedgerEntryID(ids.make("led")),
                                kind: kind,
                                change: .add(credits),
                                reference: id.rawValue,
                                lot: NewLot(
                                    id: LotID(ids.make("lot")),
                                    source: origin == .recharge ? .recharge : .purchase,
                                    sourceID: id.rawValue,
                                    costCents: amount.cents
                                )
                            )
                        ],
                        records: settling + [.purchase(purchase)] + extra,
                        idempotency: claim?.response(answer),
                        request: claim,
                        at: now
                    )
                )
            } catch StoreError.conflict where intent {
                // The reconciler credited it first: answer with what it recorded.
                guard let settled = try await store.purchase(id, account: account) else { throw StoreError.conflict("payment \(id)") }
                let answer = try Answer(status: 201, Self.view(settled))
                if let claim {
                    try? await store.completeIdempotencyKey(claim.response(answer), account: account, at: now)
                }
                return answer
            }
            return answer
        }
    }

    /// The payment the gateway is asked for: the same every time for one purchase id, so
    /// a processor that replays answers by key (Stripe) sees the same request again.
    func order(
        _ id: PurchaseID,
        amount: Money,
        cardToken: String,
        account: AccountID,
        saveCard: Bool,
        offSession: Bool = false
    )
        async throws -> PaymentOrder
    {
        PaymentOrder(
            amount: amount,
            cardToken: cardToken,
            idempotencyKey: id.rawValue,
            account: account,
            customer: try await gatewayCustomer(account),
            offSession: offSession,
            saveCard: saveCard && !gateway.acceptsCardNumbers,
            returnURL: offSession ? nil : returnURL(purchase: id),
            metadata: ["tally_account": account.rawValue, offSession ? "tally_recharge" : "tally_purchase": id.rawValue]
        )
    }

    /// Where a cardholder lands after confirming a payment: Billing, which says how it went.
    func returnURL(purchase: PurchaseID) -> String? {
        guard let publicURL else { return nil }
        return publicURL.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/app/billing?purchase=\(purchase)"
    }

    /// The processor's customer for an account, made the first time it is needed (for a
    /// processor that keeps customers); the first one kept is the one used ever after.
    func gatewayCustomer(_ account: AccountID) async throws -> String? {
        guard !gateway.acceptsCardNumbers else { return nil }
        if let known = try await store.gatewayCustomer(account: account) { return known }
        let name = try await store.account(account)?.name ?? account.rawValue
        guard let made = try await gateway.createCustomer(account: account, name: name) else { return nil }
        return try await store.keepGatewayCustomer(made, account: account)
    }

    // MARK: Cards the buyer gave the processor

    /// Card details are refused outright when the processor takes them on its own pages.
    func refuseCardNumbersIfProcessorTakesThem() throws {
        guard gateway.acceptsCardNumbers else {
            throw TallyError.invalid("card", "card details go to Stripe; send a Stripe PaymentMethod id in stripePaymentMethod")
        }
    }

    /// A processor's card id is taken only when the processor is real, and looks like one.
    func requireProcessorCards(_ token: String) throws {
        guard !gateway.acceptsCardNumbers else {
            throw TallyError.invalid("stripePaymentMethod", "is for Stripe, which is not switched on: give card details in card")
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_".utf8)
        guard token.hasPrefix("pm_"), token.utf8.count <= 255, token.utf8.allSatisfy(allowed.contains) else {
            throw TallyError.invalid("stripePaymentMethod", "must be a Stripe PaymentMethod id (pm_…)")
        }
    }

    /// What the processor knows of a card id; an id it does not know is the caller's mistake.
    func processorCard(_ token: String) async throws -> SavedCard {
        do {
            return try await gateway.card(token)
        } catch let refused as PaymentRequestRefused {
            throw TallyError.invalid("stripePaymentMethod", "is not a card Stripe knows: \(refused.reason)")
        } catch {
            throw TallyError.providerFailed("the card processor could not be reached; nothing was saved or charged")
        }
    }

    /// Saves a card the buyer gave the processor: kept for the account's customer once per
    /// card (by the processor's fingerprint), counted against the limit.
    func keep(processorCard token: String, account: AccountID) async throws -> PaymentMethod {
        let card = try await processorCard(token)
        if let fingerprint = card.fingerprint, let known = try await store.paymentMethod(fingerprint: fingerprint, account: account) {
            return known
        }
        guard try await store.paymentMethods(account: account).count < Self.maximumPaymentMethods else {
            throw TallyError.invalid("stripePaymentMethod", Self.tooManyCards)
        }
        let customer = try await gatewayCustomer(account)
        let attached: SavedCard
        do {
            attached = try await gateway.attach(token, customer: customer, idempotencyKey: "tally_attach_\(account)_\(token)")
        } catch let refused as PaymentRequestRefused {
            throw TallyError.invalid("stripePaymentMethod", "could not be kept: \(refused.reason)")
        } catch let error as TallyError {
            throw error
        } catch {
            throw TallyError.providerFailed("the card processor could not be reached; nothing was saved")
        }
        var kept = attached
        kept.fingerprint = attached.fingerprint ?? card.fingerprint
        do {
            return try await store.addPaymentMethod(newMethod(kept, account: account), maximum: Self.maximumPaymentMethods)
        } catch StoreError.limitReached {
            throw TallyError.invalid("stripePaymentMethod", Self.tooManyCards)
        }
    }

    /// Settles purchases whose request died between asking the gateway and crediting:
    /// the gateway is asked again with the same key (it never charges twice) and the
    /// outcome recorded. What the background reconciler runs.
    @discardableResult
    public func reconcile(olderThanSeconds: TimeInterval = 60, limit: Int = 50) async throws -> Int {
        let now = time.now()
        let intents = try await store.claimStalePaymentIntents(
            createdBefore: now.addingTimeInterval(-olderThanSeconds),
            at: now,
            // Asked again after as long as a payment is left before it is asked at all.
            leaseSeconds: max(1, min(60, Int(olderThanSeconds))),
            limit: limit
        )
        _ = await BackgroundPass.each(intents, kind: "payment", id: \.purchaseID) { intent in
            if let stripe, intent.gatewayToken == Self.checkoutToken || intent.gatewayReference != nil {
                do {
                    return try await reconcileWithStripe(intent, stripe: stripe)
                } catch let error as ProviderFailure {
                    _ = error
                    return false
                } catch TallyError.providerFailed {
                    return false
                }
            }
            let outcome: PaymentOutcome
            do {
                outcome = try await gateway.charge(
                    try await order(
                        intent.purchaseID,
                        amount: intent.amount,
                        cardToken: intent.gatewayToken,
                        account: intent.accountID,
                        saveCard: intent.saveCard
                    )
                )
            } catch {
                // Still no answer: asked again after its lease; the other payments go on.
                return false
            }
            do {
                _ = try await settle(
                    intent.purchaseID,
                    outcome: outcome,
                    credits: intent.credits,
                    amount: intent.amount,
                    methodID: intent.paymentMethodID,
                    account: intent.accountID,
                    origin: .purchase,
                    intent: true,
                    completing: nil
                )
            } catch TallyError.paymentDeclined {
                // Recorded as declined: nothing to credit.
            }
            return true
        }
        return intents.count
    }

    public func purchases(of manager: CreditManager, limit: Int = 100) async throws -> [PurchaseView] {
        try await store.purchases(account: manager.accountID, limit: limit).map(Self.view)
    }

    public struct PurchasePage: Sendable, Codable, Equatable {
        public var items: [PurchaseView]
        @Nullable public var nextCursor: String?
    }

    /// Purchases newest first, `limit` (1–500, default 100) a page; `cursor` is the
    /// previous page's `nextCursor`.
    public func purchasePage(of manager: CreditManager, limit: String?, cursor: String?) async throws -> PurchasePage {
        let size = try Paging.size(limit, default: 100)
        let after = try Paging.cursor(cursor, list: "purchases")
        let purchases = try await store.purchases(account: manager.accountID, limit: size + 1, after: after)
        let page = purchases.prefix(size)
        return PurchasePage(
            items: page.map(Self.view),
            nextCursor: purchases.count > size ? page.last?.cursor.encoded(for: "purchases") : nil
        )
    }

    // MARK: Cards

    func checkCard(_ input: CardInput) throws -> PaymentCard {
        let today = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: time.now())
        switch PaymentCard.parse(
            number: input.number,
            expMonth: input.expMonth.value,
            expYear: input.expYear.value,
            cvc: input.cvc,
            currentYear: today.year ?? 2026,
            currentMonth: today.month ?? 1
        )
        {
        case .success(let card): return card
        case .failure(let error): throw TallyError.invalid(error.field, error.reason)
        }
    }

    /// Checks a card as typed — number, month, year, CVC — but not whether it has expired,
    /// which depends on today's date.
    func checkCardShape(_ input: CardInput) throws {
        let unexpired = PaymentCard.parse(
            number: input.number,
            expMonth: input.expMonth.value,
            expYear: input.expYear.value,
            cvc: input.cvc,
            currentYear: 0,
            currentMonth: 1
        )
        if case .failure(let error) = unexpired { throw TallyError.invalid(error.field, error.reason) }
    }

    /// Saved cards an account may keep at once.
    public static let maximumPaymentMethods = 20

    static let tooManyCards = "an account keeps at most \(maximumPaymentMethods) saved cards; remove one first"

    /// Stands for a card number within one account (never across accounts), so a card is saved once.
    static func fingerprint(_ card: PaymentCard, account: AccountID) -> String {
        "fp_" + String("\(account)\n\(card.number)".sha256Hex.prefix(32))
    }

    /// The gateway's token for a checked card, as a payment method not saved yet.
    func tokenize(_ card: PaymentCard, account: AccountID) async throws -> PaymentMethod {
        let saved: SavedCard
        do {
            saved = try await gateway.save(card)
        } catch {
            throw TallyError.providerFailed("the card processor could not save the card; nothing was charged")
        }
        return PaymentMethod(
            id: PaymentMethodID(ids.make("pm")),
            accountID: account,
            brand: saved.brand,
            last4: saved.last4,
            expMonth: saved.expMonth,
            expYear: saved.expYear,
            gatewayToken: saved.token,
            createdAt: time.now(),
            fingerprint: Self.fingerprint(card, account: account)
        )
    }

    /// Saves a card, counted atomically against the limit; a card saved already is answered as it is.
    func save(_ input: CardInput, account: AccountID) async throws -> PaymentMethod {
        let card = try checkCard(input)
        if let known = try await store.paymentMethod(fingerprint: Self.fingerprint(card, account: account), account: account) {
            return known
        }
        do {
            return try await store.addPaymentMethod(try await tokenize(card, account: account), maximum: Self.maximumPaymentMethods)
        } catch StoreError.limitReached {
            throw TallyError.invalid("card", Self.tooManyCards)
        }
    }

    static func view(_ method: PaymentMethod) -> PaymentMethodView {
        PaymentMethodView(
            id: method.id,
            brand: method.brand,
            last4: method.last4,
            expMonth: method.expMonth,
            expYear: method.expYear,
            createdAt: method.createdAt
        )
    }

    static func view(_ purchase: Purchase) -> PurchaseView {
        PurchaseView(
            id: purchase.id,
            credits: purchase.credits,
            amount: purchase.amount.description,
            currency: Money.currency,
            status: purchase.status,
            origin: purchase.origin,
            paymentMethodId: purchase.paymentMethodID,
            failureReason: purchase.failureReason,
            createdAt: purchase.createdAt,
            refundedCredits: purchase.refundedCredits,
            refundedAmount: purchase.refundedAmount.description,
            dispute: purchase.dispute?.rawValue
        )
    }
}
