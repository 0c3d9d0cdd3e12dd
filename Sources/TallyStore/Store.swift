import Foundation
import TallyCore

/// Everything Tally persists, by role, with a SQLite and a PostgreSQL conformance. Both
/// pass the same contract suite. A service asks for the role it needs (reports read
/// through `ReportsStore`, which a replica may serve).
///
/// A store never decides a policy: it applies what the services decided, and
/// enforces the money invariants itself — a debit is one conditional update in
/// the same transaction as its ledger entry, so no balance can go negative.
public protocol Store: AccountsStore, LedgerStore, ProviderInboxStore, MeteringStore, ReportsStore, RechargeStore,
    SpendingStore, IdempotencyStore
{
    /// Creates or upgrades the schema.
    func migrate() async throws
    /// Answers once the database can run a query.
    func ping() async throws
    /// Closes the connections.
    func close() async throws
}

/// Accounts, their people, sessions and API keys, and the counters of login attempts.
public protocol AccountsStore: Sendable {
    /// Creates an account, its empty wallet and its owner in one transaction.
    func createAccount(_ account: Account, owner: User) async throws
    func account(_ id: AccountID) async throws -> Account?
    /// Sets the US business entity verification; false when there is no such account.
    func setUSBusinessEntity(_ verified: Bool, account: AccountID) async throws -> Bool
    /// Throws `StoreError.duplicate(field: "email")` when the email is taken.
    func createUser(_ user: User) async throws
    func user(email: String) async throws -> User?
    func createSession(_ session: Session) async throws
    /// The user of an unexpired session.
    func user(sessionTokenHash: String, now: Date) async throws -> User?
    /// Ends a login session.
    func deleteSession(tokenHash: String) async throws
    func createAPIKey(_ key: APIKey) async throws
    /// The key with this hash, unless it was revoked.
    func apiKey(keyHash: String) async throws -> APIKey?
    /// The key with this hash, unless it was revoked, with `idempotencyKey` looked up in its
    /// account as `idempotencyKeyLookup` does, in one read.
    func apiKey(keyHash: String, lookingUp idempotencyKey: String) async throws -> (APIKey, KeyLookup)?
    /// The account's unrevoked API keys, oldest first.
    func apiKeys(account: AccountID) async throws -> [APIKey]
    /// Revokes a key for good; false when there is no such live key in the account.
    func revokeAPIKey(_ id: APIKeyID, account: AccountID, at: Date) async throws -> Bool

    /// Counts a login attempt for `email` before its password is checked, atomically:
    /// `.locked` once more than `maximum` attempts were counted since the window began
    /// (`windowSeconds` from the first of them), with the seconds until it ends.
    func countLoginAttempt(email: String, at: Date, windowSeconds: Int, maximum: Int) async throws -> LoginAttempt
    /// Counts a login attempt under `key` atomically, like `countLoginAttempt`, but never
    /// locks: answers how many were counted since the window began, this one included.
    func countLoginAttempts(key: String, at: Date, windowSeconds: Int) async throws -> Int
    /// Forgets an email's counted attempts: its password was right.
    func clearLoginAttempts(email: String) async throws
}

/// Money: payment methods and purchases, the wallet and its ledger, lots, refunds and adjustments. Every change of a balance is a `WalletTransaction`.
public protocol LedgerStore: Sendable {
    /// Saves a card, counted atomically against `maximum` live cards: answers the card
    /// saved, or the live card with the same fingerprint when there is one. Throws
    /// `StoreError.limitReached` when the account keeps `maximum` cards already.
    func addPaymentMethod(_ method: PaymentMethod, maximum: Int) async throws -> PaymentMethod
    /// The account's live card with this fingerprint.
    func paymentMethod(fingerprint: String, account: AccountID) async throws -> PaymentMethod?
    /// The account's saved, undeleted payment methods, oldest first.
    func paymentMethods(account: AccountID) async throws -> [PaymentMethod]
    func paymentMethod(_ id: PaymentMethodID, account: AccountID) async throws -> PaymentMethod?
    /// False when there is no such undeleted method in the account.
    func deletePaymentMethod(_ id: PaymentMethodID, account: AccountID, at: Date) async throws -> Bool
    /// Records a purchase that moved no credits (a declined payment).
    func recordPurchase(_ purchase: Purchase) async throws
    /// The account's purchases, newest first (by time, then id), after `after` when given.
    func purchases(account: AccountID, limit: Int, after: LogCursor?) async throws -> [Purchase]
    func purchase(_ id: PurchaseID, account: AccountID) async throws -> Purchase?
    /// Writes a payment intent before the gateway is asked; `StoreError.duplicate` when it exists.
    /// The unsettled payment intent of a recharge, if its payment was asked for.
    func rechargeIntent(recharge: String, account: AccountID) async throws -> PaymentIntent?
    /// Hands a recharge's unsettled payment intent to the payment reconciler (the recharge
    /// gave up while its payment's outcome is unknown).
    func releaseRechargeIntent(_ id: PurchaseID, account: AccountID) async throws
    func recordPaymentIntent(_ intent: PaymentIntent) async throws
    /// Unsettled intents created before `createdBefore` (their request died), each leased
    /// for `leaseSeconds` so no other worker takes it meanwhile.
    func claimStalePaymentIntents(
        createdBefore: Date,
        at: Date,
        leaseSeconds: Int,
        limit: Int
    ) async throws
        -> [PaymentIntent]

    /// An unsettled payment intent by its purchase id (a person's or a recharge's).
    func paymentIntent(_ id: PurchaseID, account: AccountID) async throws -> PaymentIntent?
    /// Keeps the gateway's id of a pending refund (Stripe's `re_…`): asked about by it from then on.
    func setRefundReference(_ reference: String, refund: RefundID, account: AccountID) async throws
    /// Keeps the gateway's id of an unsettled payment (`pi_…`, `cs_…`); harmless if kept already.
    func setPaymentIntentReference(_ reference: String, purchase: PurchaseID, account: AccountID) async throws

    func wallet(account: AccountID) async throws -> WalletBalance?
    /// Applies every posting of the transaction to the wallet with its ledger
    /// entry, writes its records and completes its idempotency key, atomically.
    /// Throws `StoreError.insufficientCredits` (and writes nothing) when a
    /// posting would take available credits below zero.
    func commit(_ transaction: WalletTransaction) async throws -> WalletBalance
    /// Ledger entries newest first, before the sequence `before` when given, created
    /// within `window` when given.
    func ledger(account: AccountID, limit: Int, before: Int64?, window: Range<Date>?) async throws -> [LedgerEntry]
    /// Recomputes every wallet from its ledger: one mismatch per disagreeing wallet.
    func verifyWallets() async throws -> [WalletMismatch]
    /// One entry of the account, with its lots in the order they were drawn, the hold it
    /// moved and the key of the request that wrote it; nil for another account's entry.
    func ledgerEntry(_ id: LedgerEntryID, account: AccountID) async throws -> LedgerEntry?
    /// The entries that held, captured or released a hold, oldest first (without their lots).
    func ledgerEntries(hold: HoldID, account: AccountID) async throws -> [LedgerEntry]
    func adjustment(_ id: String, account: AccountID) async throws -> Adjustment?
    /// The newest entry whose reference is `reference` (a log line it charged).
    func ledgerEntryID(reference: String, account: AccountID) async throws -> LedgerEntryID?

    /// The account's lots: those with credits left (spendable or held) first, in draw
    /// order, then the spent ones, newest first; at most `limit`, from just after `after`.
    func lots(account: AccountID, limit: Int, after: LotCursor?) async throws -> [CreditLot]
    func lot(_ id: LotID, account: AccountID) async throws -> CreditLot?
    /// The lot a purchase's credits became.
    func lot(purchase: PurchaseID, account: AccountID) async throws -> CreditLot?
    /// The soonest instant credits expire at, and how many spendable credits expire then.
    func nextExpiry(account: AccountID) async throws -> (credits: Credits, at: Date)?
    /// Lots with spendable credits whose expiry has come, each leased for `leaseSeconds`.
    func claimExpiredLots(at: Date, leaseSeconds: Int, limit: Int) async throws -> [CreditLot]
    /// Lots with spendable credits expiring after `at` and by `before` whose expiry was not announced yet.
    func lotsExpiring(at: Date, before: Date, limit: Int) async throws -> [CreditLot]
    func refund(_ id: RefundID, account: AccountID) async throws -> Refund?
    /// The purchase's refunds, oldest first.
    func refunds(purchase: PurchaseID, account: AccountID) async throws -> [Refund]
    /// Pending refunds created before `createdBefore` (their request died), each leased.
    func claimStaleRefunds(createdBefore: Date, at: Date, leaseSeconds: Int, limit: Int) async throws -> [Refund]
    /// Checks the lots against their wallets and their movements: one sentence per
    /// disagreement (spendable and held credits equal the wallet's, every lot's
    /// movements add up to its figures, no lot below zero, every entry's movements
    /// add up to the entry).
    func verifyLots() async throws -> [String]
}

/// What payment providers leave with Tally: gateway customers, their events (stored before they are applied, applied once), reversals.
public protocol ProviderInboxStore: Sendable {
    /// The payment gateway's customer for an account (Stripe's `cus_…`), if one was made.
    func gatewayCustomer(account: AccountID) async throws -> String?
    /// Keeps `customer` as the account's gateway customer unless one is kept already,
    /// and answers the one kept (the first writer wins; a second customer is never kept).
    func keepGatewayCustomer(_ customer: String, account: AccountID) async throws -> String
    /// Stores an event by (provider, id) unless it is stored already, and answers the
    /// event as stored (its `appliedAt` says whether it was applied).
    func receiveProviderEvent(_ event: ProviderEvent) async throws -> ProviderEvent
    /// Marks an event applied when it moved nothing (what it asked was done already, or
    /// it is for something Tally did not make). Applying twice is harmless.
    func markProviderEventApplied(provider: String, id: String, at: Date) async throws
    /// Keeps why an event could not be applied; it stays unapplied.
    func recordProviderEventProblem(provider: String, id: String, problem: String) async throws
    /// Events stored but not applied, oldest first.
    func unappliedProviderEvents(provider: String, limit: Int) async throws -> [ProviderEvent]
    /// A dispute or outside refund by the provider's id.
    func reversal(_ id: String, account: AccountID) async throws -> Reversal?
    /// A purchase's disputes and outside refunds, oldest first.
    func reversals(purchase: PurchaseID, account: AccountID) async throws -> [Reversal]
}

/// Metered features: holds, messages on their way to the carrier, the usage log, events, the usage guard and notifications.
public protocol MeteringStore: Sendable {
    func hold(_ id: HoldID, account: AccountID) async throws -> Hold?
    /// Active holds past their expiry, oldest first — but not the hold of a message whose
    /// settlement is pending: the message reconciler settles those.
    func expiredHolds(at: Date, limit: Int) async throws -> [Hold]
    /// Writes the carrier's answer to a message, once: false when it had one already.
    func recordSMSOutcome(_ outcome: SMSOutcome, hold: HoldID, account: AccountID, at: Date) async throws -> Bool
    /// Writes the carrier's id of a message it accepted, and its segment count, once:
    /// false when the message had a carrier id already.
    func recordSMSCarrier(_ carrierID: String, segments: Int?, hold: HoldID, account: AccountID) async throws -> Bool
    /// The message sent with `key`, settled or not.
    func smsSend(account: AccountID, idempotencyKey: String) async throws -> SMSSend?
    /// The message with Tally's id `messageID` (the id its API answer and log line show), of any account.
    func smsSend(messageID: String) async throws -> SMSSend?
    /// Messages not settled yet whose carrier answered before `answeredBefore`, or that
    /// were handed over before `unansweredBefore` and never got an answer written; oldest first.
    func unsettledSMS(answeredBefore: Date, unansweredBefore: Date, limit: Int) async throws -> [SMSSend]
    /// The account's usage log lines for one feature, newest first.
    func usageLog(account: AccountID, feature: Feature, limit: Int) async throws -> [UsageLogEntry]
    /// One usage log line of the account, whichever its log.
    func usageLine(_ id: String, account: AccountID) async throws -> UsageLogEntry?
    /// Uses and credits per feature over Pacific days `from...to` (`YYYY-MM-DD`), from the rollups.
    func usageRollup(account: AccountID, from: String, to: String) async throws -> [FeatureUsage]
    /// Stores an event's configuration (JSON) under its id.
    func putEvent(_ id: String, config: String, account: AccountID, at: Date) async throws
    func event(_ id: String, account: AccountID) async throws -> String?
    func usageGuard(account: AccountID) async throws -> UsageGuardSettings
    /// Saves the limit; pausing and resuming are separate.
    func setUsageGuard(_ settings: UsageGuardSettings, account: AccountID) async throws
    /// Pauses credit checks; writes `notification` only when this call paused them.
    func pauseUsageGuard(account: AccountID, at: Date, notification: Notification) async throws -> Bool
    /// Resumes credit checks; writes `notification` only when they were paused.
    func resumeUsageGuard(account: AccountID, at: Date, notification: Notification) async throws -> Bool
    /// The account's notifications, newest first.
    func notifications(account: AccountID, limit: Int) async throws -> [Notification]

    /// The account's scheduler events, by id, at most `limit`.
    func events(account: AccountID, limit: Int) async throws -> [EventRecord]
}

/// The reads behind usage reports and logs, which a read-only replica may serve (`tally serve --read-database`).
public protocol ReportsStore: Sendable {
    /// Uses and credits per Pacific day and feature over `range`, from the rollups only
    /// (O(days), whatever the size of the log); days without use are absent.
    func usageByDay(account: AccountID, range: PacificDateRange) async throws -> [DayUsage]
    /// One page of a log, newest first: at most `query.limit` lines after `query.after`.
    func logLines(account: AccountID, query: LogQuery) async throws -> [UsageLogEntry]
    /// Lines, credits and messages sent that match the query, its cursor and limit aside.
    /// Without a search it reads the per-day counts, not the log.
    func logSummary(account: AccountID, query: LogQuery) async throws -> LogSummary
}

/// Auto-recharge and webhooks.
public protocol RechargeStore: Sendable {
    func autoRecharge(account: AccountID) async throws -> AutoRechargeState?
    /// Saves the settings; with `recharge`, also records that recharge as due (at most one pending per wallet).
    func setAutoRecharge(_ settings: AutoRechargeSettings, account: AccountID, recharge: Recharge?) async throws
    /// Pending recharges due at `at`, each leased for `leaseSeconds` so no other worker takes it meanwhile.
    func claimDueRecharges(at: Date, leaseSeconds: Int, limit: Int) async throws -> [Recharge]
    /// Recharges bought on Pacific day `day` and spent in its month (`day`'s first 7 characters).
    func rechargeSpend(account: AccountID, day: String) async throws -> RechargeSpend
    /// Ends or reschedules a recharge attempt that added no credits, with its notification.
    func updateRecharge(_ update: RechargeUpdate, account: AccountID, notifications: [Notification], at: Date) async throws
    func recharges(account: AccountID, limit: Int) async throws -> [Recharge]
    func addWebhook(_ webhook: Webhook) async throws
    func webhooks(account: AccountID) async throws -> [Webhook]
    func deleteWebhook(_ id: String, account: AccountID, at: Date) async throws -> Bool
    func deliveries(webhook: String, account: AccountID, limit: Int) async throws -> [WebhookDelivery]
    /// Deliveries due at `at`, leased for `leaseSeconds`.
    func claimDueDeliveries(at: Date, leaseSeconds: Int, limit: Int) async throws -> [DeliveryJob]
    /// Records one delivery attempt: delivered, to be retried at `nextAttemptAt`, or failed for good.
    func recordDeliveryAttempt(
        _ id: String,
        status: DeliveryStatus,
        statusCode: Int?,
        nextAttemptAt: Date?,
        at: Date
    ) async throws
}

/// Spending control: the balance alerts (decided by `BalanceAlertRule` in the transaction
/// of every change of available credits) and the spend caps (`SpendCapRule`, in the
/// transaction of every charge marked `WalletTransaction.cappedFeatures`).
public protocol SpendingStore: Sendable {
    /// The account's alerts, highest threshold first.
    func balanceAlerts(account: AccountID) async throws -> [BalanceAlert]
    /// Replaces the account's thresholds, against the wallet as it is now: a threshold
    /// kept keeps its state, one the balance is below fires at once with its notification
    /// (its id derived from `origin`). Answers the alerts, highest first.
    func setBalanceAlerts(_ thresholds: [Credits], account: AccountID, origin: String, at: Date) async throws -> [BalanceAlert]
    /// The account's spend caps and what each period has spent by `at`.
    func spendCaps(account: AccountID, at: Date) async throws -> [SpendCapStanding]
    /// Replaces the account's spend caps.
    func setSpendCaps(_ caps: [SpendCap], account: AccountID, at: Date) async throws
}

/// `Idempotency-Key` claims and their answers.
public protocol IdempotencyStore: Sendable {
    /// Claims `key` for a request whose canonical form hashes to `requestHash`.
    /// A claim left in progress is taken over once it is older than `staleAfter`, or
    /// once its lease ran out (its request's process is gone); a new claim takes
    /// `lease` (nil: no lease, only `staleAfter` counts).
    func claimIdempotencyKey(
        _ key: String,
        requestHash: String,
        account: AccountID,
        at: Date,
        staleAfter: TimeInterval,
        lease: ClaimLease?
    ) async throws -> IdempotencyClaim
    /// Extends the lease of `key`'s claim while its request is still being answered.
    func renewIdempotencyClaim(_ key: String, account: AccountID, until: Date) async throws
    /// Whether `key` was claimed by any request of the account, and the account's available
    /// credits, in one read: a first write's lookup and its request's balance pre-check.
    func idempotencyKeyLookup(_ key: String, account: AccountID) async throws -> KeyLookup
    /// Stores the answer of a request that moved nothing.
    func completeIdempotencyKey(_ response: IdempotentResponse, account: AccountID, at: Date) async throws
    /// Forgets a claim whose request failed before answering, so it can be retried;
    /// with `claimToken`, only while the claim is still that one.
    func releaseIdempotencyKey(_ key: String, account: AccountID, claimToken: Int64?) async throws
}

extension IdempotencyStore {
    public func releaseIdempotencyKey(_ key: String, account: AccountID) async throws {
        try await releaseIdempotencyKey(key, account: account, claimToken: nil)
    }
}

extension LedgerStore {
    /// The account's newest purchases.
    public func purchases(account: AccountID, limit: Int) async throws -> [Purchase] {
        try await purchases(account: account, limit: limit, after: nil)
    }

    /// Ledger entries newest first, before the sequence `before` when given.
    public func ledger(account: AccountID, limit: Int, before: Int64?) async throws -> [LedgerEntry] {
        try await ledger(account: account, limit: limit, before: before, window: nil)
    }
}

extension IdempotencyStore {
    /// Claims `key` without a lease: only `staleAfter` frees a claim left in progress.
    public func claimIdempotencyKey(
        _ key: String,
        requestHash: String,
        account: AccountID,
        at: Date,
        staleAfter: TimeInterval
    ) async throws -> IdempotencyClaim {
        try await claimIdempotencyKey(key, requestHash: requestHash, account: account, at: at, staleAfter: staleAfter, lease: nil)
    }
}

/// How long a claim's request is known to be alive, on the wall clock of the machines
/// that run Tally (not the clock requests are stamped with): a running request renews
/// its claim's lease, so a claim whose lease ran out belongs to a request whose process
/// is gone (`kill -9`, a lost machine) and can be taken over at once instead of after
/// the longest work a claim guards.
public struct ClaimLease: Sendable, Hashable {
    /// Now, on the wall clock.
    public var now: Date
    /// Until when the new claim is alive without a renewal.
    public var until: Date

    public init(now: Date, until: Date) {
        self.now = now
        self.until = until
    }
}
