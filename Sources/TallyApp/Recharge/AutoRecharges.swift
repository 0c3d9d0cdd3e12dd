import Foundation
import TallyCore
import TallyStore

/// Auto-recharge: settings, and the worker that buys due recharges.
///
/// The debit that crosses the threshold records the recharge as due in its own
/// transaction (one pending per wallet, by a unique index). The worker writes down a
/// payment intent (its payment key derived from the recharge and attempt) before it
/// asks the card processor, then credits the wallet, settles the intent and the
/// recharge and notifies in one transaction. A payment whose answer was lost (a crash,
/// a processor error) is asked again with the same key before anything else — before
/// the settings, the card or the caps are looked at again — so a card charged is
/// credited exactly once, whatever the owner changed meanwhile.
public struct AutoRecharges: Sendable {
    let store: any Store
    let time: any TimeSource
    let ids: any IDSource
    let purchases: Purchases
    public static let defaultMaxRechargesPerDay = 5
    public static let defaultMaxSpendPerMonth = Money(cents: 500_000)
    /// How long a worker owns a claimed recharge before another may retry it.
    public static let leaseSeconds = 60

    public struct Settings: Sendable, Codable {
        public var enabled: Bool
        public var thresholdCredits: Credits
        public var rechargeCredits: Credits
        public var paymentMethodId: PaymentMethodID
        public var maxRechargesPerDay: WholeNumber?
        public var maxSpendPerMonth: MoneyInput?
    }

    public func configure(_ request: Settings, by manager: CreditManager) async throws -> Wallets.AutoRechargeView {
        var errors = [FieldError]()
        if !request.thresholdCredits.isPositive {
            errors.append(FieldError("thresholdCredits", "must be more than zero"))
        } else if request.thresholdCredits > Catalog.maximumPurchase {
            errors.append(FieldError("thresholdCredits", "must be at most \(Catalog.maximumPurchase)"))
        }
        if case .failure(let error) = Catalog.purchasePrice(of: request.rechargeCredits) {
            errors.append(FieldError("rechargeCredits", error.reason))
        }
        let perDay = request.maxRechargesPerDay?.value ?? Self.defaultMaxRechargesPerDay
        if !(0...1_000).contains(perDay) {
            errors.append(FieldError("maxRechargesPerDay", "must be from 0 to 1000"))
        }
        let perMonth = request.maxSpendPerMonth?.money ?? Self.defaultMaxSpendPerMonth
        if perMonth.cents < 0 {
            errors.append(FieldError("maxSpendPerMonth", "must not be negative"))
        }
        if try await store.paymentMethod(request.paymentMethodId, account: manager.accountID) == nil {
            errors.append(FieldError("paymentMethodId", "is not a saved payment method of this account"))
        }
        guard errors.isEmpty else { throw TallyError.invalid(errors) }
        let settings = AutoRechargeSettings(
            enabled: request.enabled,
            thresholdCredits: request.thresholdCredits,
            rechargeCredits: request.rechargeCredits,
            paymentMethodID: request.paymentMethodId.rawValue,
            maxRechargesPerDay: perDay,
            maxSpendPerMonth: perMonth
        )
        let available = try await store.wallet(account: manager.accountID)?.available ?? .zero
        let now = time.now()
        let due =
            AutoRechargePolicy.rechargeOnSave(available: available, settings: settings)
            ? Recharge(id: ids.make("rch"), accountID: manager.accountID, credits: settings.rechargeCredits, nextAttemptAt: now, createdAt: now)
            : nil
        try await store.setAutoRecharge(settings, account: manager.accountID, recharge: due)
        return Wallets.view(try await store.autoRecharge(account: manager.accountID))
    }

    /// Buys every due recharge once; what the background worker runs.
    @discardableResult
    public func runDue(limit: Int = 50) async throws -> Int {
        let due = try await store.claimDueRecharges(at: time.now(), leaseSeconds: Self.leaseSeconds, limit: limit)
        _ = await BackgroundPass.each(due, kind: "recharge", id: \.id) { recharge in
            do {
                try await process(recharge)
            } catch {
                // One account's trouble never stops the others' recharges; it is recorded and named.
                try? await unreachable(recharge, error: error)
                throw error
            }
            return true
        }
        return due.count
    }

    func process(_ recharge: Recharge) async throws {
        let account = recharge.accountID
        // A payment asked for already is finished first, whatever the settings say now.
        if let intent = try await store.rechargeIntent(recharge: recharge.id, account: account) {
            return try await pay(recharge, intent: intent)
        }
        let now = time.now()
        let day = PacificDay.of(now)
        func end(
            _ status: RechargeStatus,
            result: RechargeResult,
            reason: String,
            disable: Bool = false,
            notify kinds: [(NotificationKind, String)]
        ) async throws {
            let update = RechargeUpdate(
                rechargeID: recharge.id,
                status: status,
                attempts: recharge.attempts,
                nextAttemptAt: now,
                reason: reason,
                lastResult: result,
                disable: disable
            )
            try await store.updateRecharge(update, account: account, notifications: kinds.map { notification($0.0, $0.1, account: account) }, at: now)
        }
        guard let state = try await store.autoRecharge(account: account), state.settings.enabled else {
            return try await end(.failed, result: .disabled, reason: "auto-recharge was turned off", notify: [])
        }
        let settings = state.settings
        guard let method = try await store.paymentMethod(PaymentMethodID(settings.paymentMethodID), account: account) else {
            let reason = "the payment method was removed"
            return try await end(
                .failed,
                result: .disabled,
                reason: reason,
                disable: true,
                notify: [(.rechargeDisabled, "Auto-recharge was switched off: \(reason).")]
            )
        }
        guard case .success(let price) = Catalog.purchasePrice(of: recharge.credits) else {
            return try await end(.failed, result: .failed, reason: "the recharge amount cannot be bought", notify: [])
        }
        let spend = try await store.rechargeSpend(account: account, day: day)
        if let cap = AutoRechargePolicy.cap(
            rechargesToday: spend.rechargesToday,
            spentThisMonth: spend.spentThisMonth,
            price: price,
            settings: settings
        ) {
            let reason =
                cap == .daily
                ? "the limit of \(settings.maxRechargesPerDay) recharges a day was reached"
                : "USD \(price) more would pass the limit of USD \(settings.maxSpendPerMonth) a month"
            return try await end(
                .capped,
                result: .capped,
                reason: reason,
                notify: [(.rechargeCapped, "An automatic recharge of \(recharge.credits) credits was not bought: \(reason).")]
            )
        }
        let attempt = recharge.attempts + 1
        let intent = PaymentIntent(
            purchaseID: PurchaseID("pur_\(recharge.id)_\(attempt)"),
            accountID: account,
            credits: recharge.credits,
            amount: price,
            paymentMethodID: method.id,
            gatewayToken: method.gatewayToken,
            createdAt: now,
            rechargeID: recharge.id
        )
        do {
            try await store.recordPaymentIntent(intent)
        } catch StoreError.duplicate {
            // Written by a worker that stopped before asking: asked now, with the same key.
        }
        try await pay(recharge, intent: intent)
    }

    /// Asks the card processor for a recharge's payment (the same key every time for one
    /// intent), then credits, settles and notifies in one transaction, or records the
    /// decline with its back-off. An error without an answer is thrown to `unreachable`.
    func pay(_ recharge: Recharge, intent: PaymentIntent) async throws {
        let account = recharge.accountID
        let now = time.now()
        let attempt = recharge.attempts + 1
        let outcome: PaymentOutcome
        do {
            outcome = try await purchases.gateway.charge(
                try await purchases.order(
                    intent.purchaseID,
                    amount: intent.amount,
                    cardToken: intent.gatewayToken,
                    account: account,
                    saveCard: false,
                    offSession: true
                )
            )
        } catch let refused as PaymentRequestRefused {
            outcome = .declined(code: "invalid_request", reason: "the card processor refused the payment: \(refused.reason)")
        }
        let card = try await store.paymentMethod(intent.paymentMethodID, account: account).map { " (card ending \($0.last4))" } ?? ""
        let succeeded = RechargeUpdate(
            rechargeID: recharge.id,
            status: .succeeded,
            attempts: attempt,
            nextAttemptAt: now,
            reason: nil,
            settledDay: PacificDay.of(now),
            amount: intent.amount,
            lastResult: .succeeded
        )
        do {
            _ = try await purchases.settle(
                intent.purchaseID,
                outcome: outcome,
                credits: intent.credits,
                amount: intent.amount,
                methodID: intent.paymentMethodID,
                account: account,
                origin: .recharge,
                intent: true,
                completing: nil,
                with: [
                    .recharge(succeeded),
                    .notification(
                        notification(
                            .rechargeSucceeded,
                            "Auto-recharge added \(intent.credits) credits for USD \(intent.amount)\(card).",
                            account: account
                        )
                    ),
                ]
            )
        } catch TallyError.paymentDeclined(_, let reason) {
            try await failedAttempt(
                recharge,
                reason: reason,
                message: "An automatic recharge of \(recharge.credits) credits failed: \(reason)."
            )
        } catch StoreError.conflict {
            // Settled meanwhile by another worker: nothing more to do.
        }
    }

    /// The card processor (or anything else) failed without an answer: recorded, counted
    /// as an attempt, notified and tried again after its back-off — with the same payment
    /// key, since the intent stays, so a payment that did go through is found by the retry
    /// and never made twice. After the last attempt auto-recharge is switched off and the
    /// intent, its outcome still unknown, goes to the payment reconciler, which keeps
    /// asking and credits it if the card was charged.
    func unreachable(_ recharge: Recharge, error: any Error) async throws {
        let account = recharge.accountID
        let reason = "the card processor could not be reached"
        let final = recharge.attempts + 1 >= AutoRechargePolicy.maximumAttempts
        if final, let intent = try await store.rechargeIntent(recharge: recharge.id, account: account) {
            try await store.releaseRechargeIntent(intent.purchaseID, account: account)
        }
        try await failedAttempt(
            recharge,
            reason: reason,
            message: final
                ? "An automatic recharge of \(recharge.credits) credits could not be paid: \(reason)."
                : "An automatic recharge of \(recharge.credits) credits could not be paid yet: \(reason); Tally tries again."
        )
    }

    /// Records one failed attempt (a decline or no answer) with its `recharge_failed`
    /// notification: retried after the attempt's back-off, or, after the last attempt,
    /// failed with auto-recharge switched off and `recharge_disabled` sent.
    func failedAttempt(_ recharge: Recharge, reason: String, message: String) async throws {
        let now = time.now()
        let account = recharge.accountID
        let attempt = recharge.attempts + 1
        let final = attempt >= AutoRechargePolicy.maximumAttempts
        var kinds: [(NotificationKind, String)] = [(.rechargeFailed, message)]
        if final {
            kinds.append((.rechargeDisabled, "Auto-recharge was switched off after \(attempt) failed payments."))
        }
        let update = RechargeUpdate(
            rechargeID: recharge.id,
            status: final ? .failed : .pending,
            attempts: attempt,
            nextAttemptAt: now.addingTimeInterval(TimeInterval(AutoRechargePolicy.retryDelaySeconds(afterAttempt: attempt))),
            reason: reason,
            lastResult: final ? .disabled : .failed,
            disable: final
        )
        try await store.updateRecharge(
            update,
            account: account,
            notifications: kinds.map { notification($0.0, $0.1, account: account) },
            at: now
        )
    }

    func notification(_ kind: NotificationKind, _ message: String, account: AccountID) -> TallyStore.Notification {
        Notification(id: ids.make("ntf"), accountID: account, kind: kind, message: message, createdAt: time.now())
    }
}

/// An amount of dollars as a request gives it: `"500.00"`, `"500"` or `500`.
public struct MoneyInput: Sendable, Codable, Hashable {
    public var money: Money

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text: String
        if let string = try? container.decode(String.self) {
            text = string
        } else if let number = try? container.decode(Decimal.self) {
            text = number.description
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be an amount of dollars such as \"500.00\"")
        }
        guard let money = Money.parse(text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "must be a non-negative amount of dollars with at most two decimals"
            )
        }
        self.money = money
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(money.description)
    }
}
