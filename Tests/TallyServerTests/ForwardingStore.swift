import Foundation
import TallyCore
import TallyStore

/// A store that hands every call to `base`, role by role: a test store conforms to it and
/// implements only the calls it changes (`FaultyStore` refuses some writes). Tally is
/// assembled from one `Store`, and Swift has no automatic delegation, so each requirement
/// is forwarded here once, in the order of `Store.swift`.
protocol ForwardingStore: Store {
    /// The real store every call goes to unless the conformer says otherwise.
    var base: any Store { get }
}

// MARK: Schema and connections

extension ForwardingStore {
    func migrate() async throws { try await base.migrate() }
    func ping() async throws { try await base.ping() }
    func close() async throws { try await base.close() }
}

// MARK: AccountsStore

extension ForwardingStore {
    func createAccount(_ account: Account, owner: User) async throws { try await base.createAccount(account, owner: owner) }
    func account(_ id: AccountID) async throws -> Account? { try await base.account(id) }

    func setUSBusinessEntity(_ verified: Bool, account: AccountID) async throws -> Bool {
        try await base.setUSBusinessEntity(verified, account: account)
    }

    func createUser(_ user: User) async throws { try await base.createUser(user) }
    func user(email: String) async throws -> User? { try await base.user(email: email) }
    func createSession(_ session: Session) async throws { try await base.createSession(session) }

    func user(sessionTokenHash: String, now: Date) async throws -> User? {
        try await base.user(sessionTokenHash: sessionTokenHash, now: now)
    }

    func deleteSession(tokenHash: String) async throws { try await base.deleteSession(tokenHash: tokenHash) }
    func createAPIKey(_ key: APIKey) async throws { try await base.createAPIKey(key) }
    func apiKey(keyHash: String) async throws -> APIKey? { try await base.apiKey(keyHash: keyHash) }
    func apiKey(keyHash: String, lookingUp idempotencyKey: String) async throws -> (APIKey, KeyLookup)? {
        try await base.apiKey(keyHash: keyHash, lookingUp: idempotencyKey)
    }
    func apiKeys(account: AccountID) async throws -> [APIKey] { try await base.apiKeys(account: account) }

    func revokeAPIKey(_ id: APIKeyID, account: AccountID, at: Date) async throws -> Bool {
        try await base.revokeAPIKey(id, account: account, at: at)
    }

    func countLoginAttempt(email: String, at: Date, windowSeconds: Int, maximum: Int) async throws -> LoginAttempt {
        try await base.countLoginAttempt(email: email, at: at, windowSeconds: windowSeconds, maximum: maximum)
    }

    func countLoginAttempts(key: String, at: Date, windowSeconds: Int) async throws -> Int {
        try await base.countLoginAttempts(key: key, at: at, windowSeconds: windowSeconds)
    }

    func clearLoginAttempts(email: String) async throws { try await base.clearLoginAttempts(email: email) }
}

// MARK: LedgerStore

extension ForwardingStore {
    func addPaymentMethod(_ method: PaymentMethod, maximum: Int) async throws -> PaymentMethod {
        try await base.addPaymentMethod(method, maximum: maximum)
    }

    func paymentMethod(fingerprint: String, account: AccountID) async throws -> PaymentMethod? {
        try await base.paymentMethod(fingerprint: fingerprint, account: account)
    }

    func paymentMethods(account: AccountID) async throws -> [PaymentMethod] { try await base.paymentMethods(account: account) }

    func paymentMethod(_ id: PaymentMethodID, account: AccountID) async throws -> PaymentMethod? {
        try await base.paymentMethod(id, account: account)
    }

    func deletePaymentMethod(_ id: PaymentMethodID, account: AccountID, at: Date) async throws -> Bool {
        try await base.deletePaymentMethod(id, account: account, at: at)
    }

    func recordPurchase(_ purchase: Purchase) async throws { try await base.recordPurchase(purchase) }

    func purchases(account: AccountID, limit: Int, after: LogCursor?) async throws -> [Purchase] {
        try await base.purchases(account: account, limit: limit, after: after)
    }

    func purchase(_ id: PurchaseID, account: AccountID) async throws -> Purchase? { try await base.purchase(id, account: account) }

    func rechargeIntent(recharge: String, account: AccountID) async throws -> PaymentIntent? {
        try await base.rechargeIntent(recharge: recharge, account: account)
    }

    func releaseRechargeIntent(_ id: PurchaseID, account: AccountID) async throws {
        try await base.releaseRechargeIntent(id, account: account)
    }

    func recordPaymentIntent(_ intent: PaymentIntent) async throws { try await base.recordPaymentIntent(intent) }

    func claimStalePaymentIntents(createdBefore: Date, at: Date, leaseSeconds: Int, limit: Int) async throws -> [PaymentIntent] {
        try await base.claimStalePaymentIntents(createdBefore: createdBefore, at: at, leaseSeconds: leaseSeconds, limit: limit)
    }

    func paymentIntent(_ id: PurchaseID, account: AccountID) async throws -> PaymentIntent? {
        try await base.paymentIntent(id, account: account)
    }

    func setRefundReference(_ reference: String, refund: RefundID, account: AccountID) async throws {
        try await base.setRefundReference(reference, refund: refund, account: account)
    }

    func setPaymentIntentReference(_ reference: String, purchase: PurchaseID, account: AccountID) async throws {
        try await base.setPaymentIntentReference(reference, purchase: purchase, account: account)
    }

    func wallet(account: AccountID) async throws -> WalletBalance? { try await base.wallet(account: account) }
    func commit(_ transaction: WalletTransaction) async throws -> WalletBalance { try await base.commit(transaction) }

    func ledger(account: AccountID, limit: Int, before: Int64?, window: Range<Date>?) async throws -> [LedgerEntry] {
        try await base.ledger(account: account, limit: limit, before: before, window: window)
    }

    func verifyWallets() async throws -> [WalletMismatch] { try await base.verifyWallets() }

    func ledgerEntry(_ id: LedgerEntryID, account: AccountID) async throws -> LedgerEntry? {
        try await base.ledgerEntry(id, account: account)
    }

    func ledgerEntries(hold: HoldID, account: AccountID) async throws -> [LedgerEntry] {
        try await base.ledgerEntries(hold: hold, account: account)
    }

    func adjustment(_ id: String, account: AccountID) async throws -> Adjustment? { try await base.adjustment(id, account: account) }

    func ledgerEntryID(reference: String, account: AccountID) async throws -> LedgerEntryID? {
        try await base.ledgerEntryID(reference: reference, account: account)
    }

    func lots(account: AccountID, limit: Int, after: LotCursor?) async throws -> [CreditLot] {
        try await base.lots(account: account, limit: limit, after: after)
    }

    func lot(_ id: LotID, account: AccountID) async throws -> CreditLot? { try await base.lot(id, account: account) }

    func lot(purchase: PurchaseID, account: AccountID) async throws -> CreditLot? {
        try await base.lot(purchase: purchase, account: account)
    }

    func nextExpiry(account: AccountID) async throws -> (credits: Credits, at: Date)? { try await base.nextExpiry(account: account) }

    func claimExpiredLots(at: Date, leaseSeconds: Int, limit: Int) async throws -> [CreditLot] {
        try await base.claimExpiredLots(at: at, leaseSeconds: leaseSeconds, limit: limit)
    }

    func lotsExpiring(at: Date, before: Date, limit: Int) async throws -> [CreditLot] {
        try await base.lotsExpiring(at: at, before: before, limit: limit)
    }

    func refund(_ id: RefundID, account: AccountID) async throws -> Refund? { try await base.refund(id, account: account) }

    func refunds(purchase: PurchaseID, account: AccountID) async throws -> [Refund] {
        try await base.refunds(purchase: purchase, account: account)
    }

    func claimStaleRefunds(createdBefore: Date, at: Date, leaseSeconds: Int, limit: Int) async throws -> [Refund] {
        try await base.claimStaleRefunds(createdBefore: createdBefore, at: at, leaseSeconds: leaseSeconds, limit: limit)
    }

    func verifyLots() async throws -> [String] { try await base.verifyLots() }
}

// MARK: ProviderInboxStore

extension ForwardingStore {
    func gatewayCustomer(account: AccountID) async throws -> String? { try await base.gatewayCustomer(account: account) }

    func keepGatewayCustomer(_ customer: String, account: AccountID) async throws -> String {
        try await base.keepGatewayCustomer(customer, account: account)
    }

    func receiveProviderEvent(_ event: ProviderEvent) async throws -> ProviderEvent { try await base.receiveProviderEvent(event) }

    func markProviderEventApplied(provider: String, id: String, at: Date) async throws {
        try await base.markProviderEventApplied(provider: provider, id: id, at: at)
    }

    func recordProviderEventProblem(provider: String, id: String, problem: String) async throws {
        try await base.recordProviderEventProblem(provider: provider, id: id, problem: problem)
    }

    func unappliedProviderEvents(provider: String, limit: Int) async throws -> [ProviderEvent] {
        try await base.unappliedProviderEvents(provider: provider, limit: limit)
    }

    func reversal(_ id: String, account: AccountID) async throws -> Reversal? { try await base.reversal(id, account: account) }

    func reversals(purchase: PurchaseID, account: AccountID) async throws -> [Reversal] {
        try await base.reversals(purchase: purchase, account: account)
    }
}

// MARK: MeteringStore

extension ForwardingStore {
    func hold(_ id: HoldID, account: AccountID) async throws -> Hold? { try await base.hold(id, account: account) }
    func expiredHolds(at: Date, limit: Int) async throws -> [Hold] { try await base.expiredHolds(at: at, limit: limit) }

    func recordSMSOutcome(_ outcome: SMSOutcome, hold: HoldID, account: AccountID, at: Date) async throws -> Bool {
        try await base.recordSMSOutcome(outcome, hold: hold, account: account, at: at)
    }

    func recordSMSCarrier(_ carrierID: String, segments: Int?, hold: HoldID, account: AccountID) async throws -> Bool {
        try await base.recordSMSCarrier(carrierID, segments: segments, hold: hold, account: account)
    }

    func smsSend(account: AccountID, idempotencyKey: String) async throws -> SMSSend? {
        try await base.smsSend(account: account, idempotencyKey: idempotencyKey)
    }

    func smsSend(messageID: String) async throws -> SMSSend? { try await base.smsSend(messageID: messageID) }

    func unsettledSMS(answeredBefore: Date, unansweredBefore: Date, limit: Int) async throws -> [SMSSend] {
        try await base.unsettledSMS(answeredBefore: answeredBefore, unansweredBefore: unansweredBefore, limit: limit)
    }

    func usageLog(account: AccountID, feature: Feature, limit: Int) async throws -> [UsageLogEntry] {
        try await base.usageLog(account: account, feature: feature, limit: limit)
    }

    func usageLine(_ id: String, account: AccountID) async throws -> UsageLogEntry? { try await base.usageLine(id, account: account) }

    func usageRollup(account: AccountID, from: String, to: String) async throws -> [FeatureUsage] {
        try await base.usageRollup(account: account, from: from, to: to)
    }

    func putEvent(_ id: String, config: String, account: AccountID, at: Date) async throws {
        try await base.putEvent(id, config: config, account: account, at: at)
    }

    func event(_ id: String, account: AccountID) async throws -> String? { try await base.event(id, account: account) }
    func usageGuard(account: AccountID) async throws -> UsageGuardSettings { try await base.usageGuard(account: account) }

    func setUsageGuard(_ settings: UsageGuardSettings, account: AccountID) async throws {
        try await base.setUsageGuard(settings, account: account)
    }

    func pauseUsageGuard(account: AccountID, at: Date, notification: TallyStore.Notification) async throws -> Bool {
        try await base.pauseUsageGuard(account: account, at: at, notification: notification)
    }

    func resumeUsageGuard(account: AccountID, at: Date, notification: TallyStore.Notification) async throws -> Bool {
        try await base.resumeUsageGuard(account: account, at: at, notification: notification)
    }

    func notifications(account: AccountID, limit: Int) async throws -> [TallyStore.Notification] {
        try await base.notifications(account: account, limit: limit)
    }

    func events(account: AccountID, limit: Int) async throws -> [EventRecord] { try await base.events(account: account, limit: limit) }
}

// MARK: ReportsStore

extension ForwardingStore {
    func usageByDay(account: AccountID, range: PacificDateRange) async throws -> [DayUsage] {
        try await base.usageByDay(account: account, range: range)
    }

    func logLines(account: AccountID, query: LogQuery) async throws -> [UsageLogEntry] {
        try await base.logLines(account: account, query: query)
    }

    func logSummary(account: AccountID, query: LogQuery) async throws -> LogSummary {
        try await base.logSummary(account: account, query: query)
    }
}

// MARK: RechargeStore

extension ForwardingStore {
    func autoRecharge(account: AccountID) async throws -> AutoRechargeState? { try await base.autoRecharge(account: account) }

    func setAutoRecharge(_ settings: AutoRechargeSettings, account: AccountID, recharge: Recharge?) async throws {
        try await base.setAutoRecharge(settings, account: account, recharge: recharge)
    }

    func claimDueRecharges(at: Date, leaseSeconds: Int, limit: Int) async throws -> [Recharge] {
        try await base.claimDueRecharges(at: at, leaseSeconds: leaseSeconds, limit: limit)
    }

    func rechargeSpend(account: AccountID, day: String) async throws -> RechargeSpend {
        try await base.rechargeSpend(account: account, day: day)
    }

    func updateRecharge(_ update: RechargeUpdate, account: AccountID, notifications: [TallyStore.Notification], at: Date) async throws {
        try await base.updateRecharge(update, account: account, notifications: notifications, at: at)
    }

    func recharges(account: AccountID, limit: Int) async throws -> [Recharge] { try await base.recharges(account: account, limit: limit) }
    func addWebhook(_ webhook: Webhook) async throws { try await base.addWebhook(webhook) }
    func webhooks(account: AccountID) async throws -> [Webhook] { try await base.webhooks(account: account) }

    func deleteWebhook(_ id: String, account: AccountID, at: Date) async throws -> Bool {
        try await base.deleteWebhook(id, account: account, at: at)
    }

    func deliveries(webhook: String, account: AccountID, limit: Int) async throws -> [WebhookDelivery] {
        try await base.deliveries(webhook: webhook, account: account, limit: limit)
    }

    func claimDueDeliveries(at: Date, leaseSeconds: Int, limit: Int) async throws -> [DeliveryJob] {
        try await base.claimDueDeliveries(at: at, leaseSeconds: leaseSeconds, limit: limit)
    }

    func recordDeliveryAttempt(_ id: String, status: DeliveryStatus, statusCode: Int?, nextAttemptAt: Date?, at: Date) async throws {
        try await base.recordDeliveryAttempt(id, status: status, statusCode: statusCode, nextAttemptAt: nextAttemptAt, at: at)
    }
}

// MARK: SpendingStore

extension ForwardingStore {
    func balanceAlerts(account: AccountID) async throws -> [BalanceAlert] { try await base.balanceAlerts(account: account) }

    func setBalanceAlerts(_ thresholds: [Credits], account: AccountID, origin: String, at: Date) async throws -> [BalanceAlert] {
        try await base.setBalanceAlerts(thresholds, account: account, origin: origin, at: at)
    }

    func spendCaps(account: AccountID, at: Date) async throws -> [SpendCapStanding] { try await base.spendCaps(account: account, at: at) }

    func setSpendCaps(_ caps: [SpendCap], account: AccountID, at: Date) async throws {
        try await base.setSpendCaps(caps, account: account, at: at)
    }
}

// MARK: IdempotencyStore

extension ForwardingStore {
    func claimIdempotencyKey(
        _ key: String,
        requestHash: String,
        account: AccountID,
        at: Date,
        staleAfter: TimeInterval,
        lease: ClaimLease?
    ) async throws -> IdempotencyClaim {
        try await base.claimIdempotencyKey(key, requestHash: requestHash, account: account, at: at, staleAfter: staleAfter, lease: lease)
    }

    func renewIdempotencyClaim(_ key: String, account: AccountID, until: Date) async throws {
        try await base.renewIdempotencyClaim(key, account: account, until: until)
    }

    func idempotencyKeyLookup(_ key: String, account: AccountID) async throws -> KeyLookup {
        try await base.idempotencyKeyLookup(key, account: account)
    }

    func completeIdempotencyKey(_ response: IdempotentResponse, account: AccountID, at: Date) async throws {
        try await base.completeIdempotencyKey(response, account: account, at: at)
    }

    func releaseIdempotencyKey(_ key: String, account: AccountID, claimToken: Int64?) async throws {
        try await base.releaseIdempotencyKey(key, account: account, claimToken: claimToken)
    }
}
