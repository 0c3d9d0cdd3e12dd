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

    // MARK: Requests and answers

    public struct CardInput: Sendable, Codable {
        public var number: String
        public var expMonth: Int
        public var expYear: Int
        public var cvc: String

        public init(number: String, expMonth: Int, expYear: Int, cvc: String) {
            self.number = number
            self.expMonth = expMonth
            self.expYear = expYear
            self.cvc = cvc
        }
    }

    public struct NewPaymentMethod: Sendable, Codable {
        public var card: CardInput
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
        /// Keep a new card for later purchases: saved only when its payment succeeds,
        /// and only once per card number. Off unless asked for.
        public var saveCard: Bool?

        public init(credits: Credits, paymentMethodId: PaymentMethodID?, card: CardInput?, saveCard: Bool? = nil) {
            self.credits = credits
            self.paymentMethodId = paymentMethodId
            self.card = card
            self.saveCard = saveCard
        }
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
    }

    // MARK: Payment methods

    /// Checks a card, saves it at the gateway and keeps its token.
    public func addPaymentMethod(
        _ request: NewPaymentMethod,
        by manager: CreditManager
    ) async throws
        -> PaymentMethodView
    {
        let method = try await save(request.card, account: manager.accountID)
        return Self.view(method)
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
        switch (request.paymentMethodId, request.card) {
        case (nil, nil): throw TallyError.invalid("paymentMethodId", "is required unless a card is given")
        case (.some, .some): throw TallyError.invalid("card", "give either paymentMethodId or card, not both")
        case (.some, nil): break
        case (nil, .some(let card)): try checkCardShape(card)
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
                completing.map { "pur_" + String("\(account)\n\($0)".sha256Hex.prefix(26)) } ?? ids.make("pur")
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
        completing key: String?,
        with extra: [WalletRecord] = [],
        methodKept: Bool = true
    ) async throws -> Answer {
        // A person's purchase is written down before the gateway is asked, so that a
        // crash between payment and credit is settled by the reconciler. (A recharge's
        // own row plays that part.)
        let intent = origin == .purchase
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
                        createdAt: time.now()
                    )
                )
            } catch StoreError.duplicate {
                // A retry of the same keyed purchase: the intent is already written.
            }
        }
        let outcome: PaymentOutcome
        do {
            outcome = try await gateway.charge(amount, cardToken: method.gatewayToken, idempotencyKey: id.rawValue)
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
            completing: key,
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
        completing key: String?,
        with extra: [WalletRecord] = []
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
        let settling: [WalletRecord] = intent ? [.settlePaymentIntent(id)] : []
        switch outcome {
        case .declined(let code, let reason):
            purchase.status = .declined
            purchase.failureReason = reason
            do {
                _ = try await store.commit(
                    WalletTransaction(accountID: account, postings: [], records: [.purchase(purchase)] + settling, at: now)
                )
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
                        records: [.purchase(purchase)] + extra + settling,
                        idempotency: key.map { IdempotentResponse(key: $0, status: answer.status, body: answer.body) },
                        at: now
                    )
                )
            } catch StoreError.conflict where intent {
                // The reconciler credited it first: answer with what it recorded.
                guard let settled = try await store.purchase(id, account: account) else { throw StoreError.conflict("payment \(id)") }
                let answer = try Answer(status: 201, Self.view(settled))
                if let key {
                    try? await store.completeIdempotencyKey(
                        IdempotentResponse(key: key, status: answer.status, body: answer.body),
                        account: account,
                        at: now
                    )
                }
                return answer
            }
            return answer
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
            leaseSeconds: 60,
            limit: limit
        )
        _ = await BackgroundPass.each(intents, kind: "payment", id: \.purchaseID) { intent in
            let outcome: PaymentOutcome
            do {
                outcome = try await gateway.charge(
                    intent.amount,
                    cardToken: intent.gatewayToken,
                    idempotencyKey: intent.purchaseID.rawValue
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
            expMonth: input.expMonth,
            expYear: input.expYear,
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
            expMonth: input.expMonth,
            expYear: input.expYear,
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
            refundedAmount: purchase.refundedAmount.description
        )
    }
}
