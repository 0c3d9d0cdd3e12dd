import Foundation
import Synchronization
import TallyCore

/// One customer of the platform. It has exactly one wallet.
public struct Account: Sendable, Hashable {
    public var id: AccountID
    public var name: String
    /// Credit score and DTI checks are only for accounts verified as US business entities.
    public var usBusinessEntity: Bool
    public var createdAt: Date

    public init(id: AccountID, name: String, usBusinessEntity: Bool = false, createdAt: Date) {
        self.id = id
        self.name = name
        self.usBusinessEntity = usBusinessEntity
        self.createdAt = createdAt
    }
}

/// A person of an account, who logs in with an email and a password.
public struct User: Sendable, Hashable {
    public var id: UserID
    public var accountID: AccountID
    /// Lower-cased; unique across the installation, since login is by email.
    public var email: String
    public var name: String
    public var role: Role
    /// A bcrypt hash; the password itself is never stored.
    public var passwordHash: String
    public var createdAt: Date

    public init(
        id: UserID,
        accountID: AccountID,
        email: String,
        name: String,
        role: Role,
        passwordHash: String,
        createdAt: Date
    ) {
        self.id = id
        self.accountID = accountID
        self.email = email
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.createdAt = createdAt
    }
}

/// A login session. Only the SHA-256 of its bearer token is stored.
public struct Session: Sendable, Hashable {
    public var tokenHash: String
    public var userID: UserID
    /// The user's account.
    public var accountID: AccountID
    public var createdAt: Date
    public var expiresAt: Date

    public init(tokenHash: String, userID: UserID, accountID: AccountID, createdAt: Date, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.userID = userID
        self.accountID = accountID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// An account API key for the platform's backend. Only the SHA-256 of the key is stored.
public struct APIKey: Sendable, Hashable {
    public var id: APIKeyID
    public var accountID: AccountID
    public var name: String
    public var keyHash: String
    public var createdAt: Date

    public init(id: APIKeyID, accountID: AccountID, name: String, keyHash: String, createdAt: Date) {
        self.id = id
        self.accountID = accountID
        self.name = name
        self.keyHash = keyHash
        self.createdAt = createdAt
    }
}

/// A saved card. The gateway token stands for the card; its number is never stored.
public struct PaymentMethod: Sendable, Hashable {
    public var id: PaymentMethodID
    public var accountID: AccountID
    public var brand: String
    public var last4: String
    public var expMonth: Int
    public var expYear: Int
    public var gatewayToken: String
    public var createdAt: Date
    /// Stands for the card number within the account, so one card is saved once.
    public var fingerprint: String?

    public init(
        id: PaymentMethodID,
        accountID: AccountID,
        brand: String,
        last4: String,
        expMonth: Int,
        expYear: Int,
        gatewayToken: String,
        createdAt: Date,
        fingerprint: String? = nil
    ) {
        self.fingerprint = fingerprint
        self.id = id
        self.accountID = accountID
        self.brand = brand
        self.last4 = last4
        self.expMonth = expMonth
        self.expYear = expYear
        self.gatewayToken = gatewayToken
        self.createdAt = createdAt
    }
}

/// Whether a payment went through.
public enum PurchaseStatus: String, Sendable, Hashable, Codable {
    case succeeded, declined
}

/// Why credits were bought: by a person, or by auto-recharge.
public enum PurchaseOrigin: String, Sendable, Hashable, Codable {
    case purchase, recharge
}

/// One attempt to buy credits, paid or declined.
public struct Purchase: Sendable, Hashable {
    public var id: PurchaseID
    public var accountID: AccountID
    public var credits: Credits
    public var amount: Money
    public var status: PurchaseStatus
    public var origin: PurchaseOrigin
    public var paymentMethodID: PaymentMethodID?
    /// The gateway's reference for the payment.
    public var paymentReference: String?
    /// Why a payment was declined.
    public var failureReason: String?
    public var createdAt: Date
    /// What succeeded refunds gave back of it so far.
    public var refundedCredits: Credits = .zero
    public var refundedAmount: Money = Money(cents: 0)
    /// Where its latest dispute stands (`open`, `won`, `lost`); `nil` when never disputed.
    public var dispute: Reversal.Status? = nil

    public init(
        id: PurchaseID,
        accountID: AccountID,
        credits: Credits,
        amount: Money,
        status: PurchaseStatus,
        origin: PurchaseOrigin,
        paymentMethodID: PaymentMethodID?,
        paymentReference: String?,
        failureReason: String?,
        createdAt: Date,
        refundedCredits: Credits = .zero,
        refundedAmount: Money = Money(cents: 0)
    ) {
        self.refundedCredits = refundedCredits
        self.refundedAmount = refundedAmount
        self.id = id
        self.accountID = accountID
        self.credits = credits
        self.amount = amount
        self.status = status
        self.origin = origin
        self.paymentMethodID = paymentMethodID
        self.paymentReference = paymentReference
        self.failureReason = failureReason
        self.createdAt = createdAt
    }

    /// The position just after this purchase, for the next page of the list.
    public var cursor: LogCursor { LogCursor(createdAtMilliseconds: createdAt.storedMilliseconds, id: id.rawValue) }
}

/// A payment about to be asked of the gateway, written before the gateway is
/// called: if the process dies between payment and credit, the reconciler asks
/// the gateway again with the same key and settles it — credits added once, or
/// the decline recorded — so no paid credit is ever lost.
public struct PaymentIntent: Sendable, Hashable {
    /// The purchase it becomes; also the gateway's payment key.
    public var purchaseID: PurchaseID
    public var accountID: AccountID
    public var credits: Credits
    public var amount: Money
    public var paymentMethodID: PaymentMethodID
    public var gatewayToken: String
    public var createdAt: Date
    /// The recharge it pays for: the recharge worker settles it, not the payment reconciler.
    public var rechargeID: String?
    /// The buyer asked to keep the new card it pays with (asked of the gateway again
    /// with the same parameters after a lost answer).
    public var saveCard: Bool
    /// The gateway's id of the payment (Stripe's `pi_…`, or the Checkout session's
    /// `cs_…`) once it answered without deciding: asked about by this id from then on.
    public var gatewayReference: String?

    public init(
        purchaseID: PurchaseID,
        accountID: AccountID,
        credits: Credits,
        amount: Money,
        paymentMethodID: PaymentMethodID,
        gatewayToken: String,
        createdAt: Date,
        rechargeID: String? = nil,
        saveCard: Bool = false,
        gatewayReference: String? = nil
    ) {
        self.rechargeID = rechargeID
        self.saveCard = saveCard
        self.gatewayReference = gatewayReference
        self.purchaseID = purchaseID
        self.accountID = accountID
        self.credits = credits
        self.amount = amount
        self.paymentMethodID = paymentMethodID
        self.gatewayToken = gatewayToken
        self.createdAt = createdAt
    }
}

/// One entry of the append-only ledger.
public struct LedgerEntry: Sendable, Hashable {
    /// The order entries were written in; also the pagination cursor.
    public var sequence: Int64
    public var id: LedgerEntryID
    public var accountID: AccountID
    public var kind: LedgerKind
    public var change: WalletChange
    /// Available credits right after this entry.
    public var availableAfter: Credits
    /// What the entry is for: a purchase id, a hold id, a log row id.
    public var reference: String
    public var createdAt: Date
    /// The lots it moved credits of (none for entries written before lots existed).
    public var lots: [LotMovement] = []
    /// The hold it holds, captures or releases (read with one entry, not with a page).
    public var hold: HoldID?
    /// The `Idempotency-Key` of the request that wrote it (read with one entry, not with a page).
    public var idempotencyKey: String?
}

/// A ledger entry to write: how it moves credits and why.
///
/// The store also moves the credits of the wallet's lots with it, in the same
/// transaction: credits added make a new lot (`lot`, or one derived from the kind);
/// a debit or a hold draws from lots in `LotOrder`, or from `fromLot` alone; a capture
/// or release of a hold moves the credits that hold drew.
public struct Posting: Sendable, Hashable {
    public var id: LedgerEntryID
    public var kind: LedgerKind
    public var change: WalletChange
    public var reference: String
    /// The hold this posting holds, captures or releases.
    public var hold: HoldID?
    /// The lot credits added become.
    public var lot: NewLot?
    /// The one lot credits are taken from (or given back to): a refund, an expiry.
    public var fromLot: LotID?

    public init(
        id: LedgerEntryID,
        kind: LedgerKind,
        change: WalletChange,
        reference: String,
        hold: HoldID? = nil,
        lot: NewLot? = nil,
        fromLot: LotID? = nil
    ) {
        self.id = id
        self.kind = kind
        self.change = change
        self.reference = reference
        self.hold = hold
        self.lot = lot
        self.fromLot = fromLot
    }

    /// The lot a posting that adds credits without saying which lot they become makes.
    var derivedLot: NewLot {
        let source: LotSource =
            switch kind {
            case .purchase: .purchase
            case .recharge: .recharge
            case .grant: .grant
            default: .adjustment
            }
        return NewLot(id: LotID("lot_" + id.rawValue), source: source, sourceID: reference)
    }
}

/// A lot about to be made by the posting that adds its credits.
public struct NewLot: Sendable, Hashable {
    public var id: LotID
    public var source: LotSource
    /// The purchase, recharge's purchase, grant or adjustment it came from.
    public var sourceID: String
    /// What was paid for its credits, in cents (0 for a grant).
    public var costCents: Int64
    public var expiresAt: Date?
    public var priority: Int
    /// Why it was granted or adjusted.
    public var reason: String?
    /// Who granted it: `operator`, or a user's id.
    public var createdBy: String?

    public init(
        id: LotID,
        source: LotSource,
        sourceID: String,
        costCents: Int64 = 0,
        expiresAt: Date? = nil,
        priority: Int = LotOrder.defaultPriority,
        reason: String? = nil,
        createdBy: String? = nil
    ) {
        self.id = id
        self.source = source
        self.sourceID = sourceID
        self.costCents = costCents
        self.expiresAt = expiresAt
        self.priority = priority
        self.reason = reason
        self.createdBy = createdBy
    }
}

/// A lot of credits in a wallet.
public struct CreditLot: Sendable, Hashable {
    public var id: LotID
    public var accountID: AccountID
    public var source: LotSource
    public var sourceID: String
    /// Credits the lot began with.
    public var credits: Credits
    /// Credits of the lot that can be spent now.
    public var remaining: Credits
    /// Credits of the lot held by actions in flight.
    public var held: Credits
    public var costCents: Int64
    public var expiresAt: Date?
    public var priority: Int
    public var reason: String?
    public var createdBy: String?
    public var createdAt: Date

    public init(
        id: LotID,
        accountID: AccountID,
        source: LotSource,
        sourceID: String,
        credits: Credits,
        remaining: Credits,
        held: Credits,
        costCents: Int64,
        expiresAt: Date?,
        priority: Int,
        reason: String?,
        createdBy: String?,
        createdAt: Date
    ) {
        self.id = id
        self.accountID = accountID
        self.source = source
        self.sourceID = sourceID
        self.credits = credits
        self.remaining = remaining
        self.held = held
        self.costCents = costCents
        self.expiresAt = expiresAt
        self.priority = priority
        self.reason = reason
        self.createdBy = createdBy
        self.createdAt = createdAt
    }

    public var position: LotPosition {
        LotPosition(
            id: id,
            priority: priority,
            expiresAt: expiresAt?.storedMilliseconds,
            createdAt: createdAt.storedMilliseconds,
            remaining: remaining
        )
    }
}

/// What one ledger entry did to one lot.
public struct LotMovement: Sendable, Hashable {
    public var lot: LotID
    /// The change to the lot's spendable credits.
    public var available: Credits
    /// The change to the lot's held credits.
    public var held: Credits

    public init(lot: LotID, available: Credits, held: Credits) {
        self.lot = lot
        self.available = available
        self.held = held
    }
}

/// Whether a refund reached the card.
public enum RefundStatus: String, Sendable, Hashable, Codable {
    /// Its credits are out of the wallet; the gateway's answer is not known yet.
    case pending
    case succeeded
    /// The gateway refused it; its credits went back to their lot.
    case failed
}

/// Money given back for a purchase's unused credits.
public struct Refund: Sendable, Hashable {
    public var id: RefundID
    public var accountID: AccountID
    public var purchaseID: PurchaseID
    public var lotID: LotID
    public var credits: Credits
    public var amount: Money
    public var status: RefundStatus
    public var gatewayReference: String?
    public var failureReason: String?
    public var createdAt: Date

    public init(
        id: RefundID,
        accountID: AccountID,
        purchaseID: PurchaseID,
        lotID: LotID,
        credits: Credits,
        amount: Money,
        status: RefundStatus,
        gatewayReference: String? = nil,
        failureReason: String? = nil,
        createdAt: Date
    ) {
        self.id = id
        self.accountID = accountID
        self.purchaseID = purchaseID
        self.lotID = lotID
        self.credits = credits
        self.amount = amount
        self.status = status
        self.gatewayReference = gatewayReference
        self.failureReason = failureReason
        self.createdAt = createdAt
    }
}

/// Credits the operator added or removed by hand, and why.
public struct Adjustment: Sendable, Hashable {
    public var id: String
    public var accountID: AccountID
    /// Signed: added when positive, removed when negative.
    public var credits: Credits
    public var reason: String
    public var createdBy: String
    public var createdAt: Date

    public init(id: String, accountID: AccountID, credits: Credits, reason: String, createdBy: String, createdAt: Date) {
        self.id = id
        self.accountID = accountID
        self.credits = credits
        self.reason = reason
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}

/// A row written in the same transaction as a wallet's postings.
public enum WalletRecord: Sendable, Hashable {
    case purchase(Purchase)
    /// A new active hold.
    case hold(Hold)
    /// Ends an active hold; throws `StoreError.conflict` (rolling back) when it is no longer active.
    case settleHold(HoldID, status: HoldStatus, capturedCredits: Credits)
    /// A usage log line; a charged line also adds to the day's usage rollup.
    case usage(UsageLogEntry)
    /// The capture of a platform's own hold, added to the day's usage rollup.
    case heldUsage(HeldUsage)
    case notification(Notification)
    /// A notification told once: written unless one with its id is written already (then
    /// nothing is written for it, and nothing fails).
    case notificationOnce(Notification)
    /// Settles a recharge (paid and credited) in the same transaction as its credits.
    case recharge(RechargeUpdate)
    /// Settles a payment intent; throws `StoreError.conflict` (rolling back) when it was settled already.
    case settlePaymentIntent(PurchaseID)
    /// Saves the card a payment just proved, unless a live card with its fingerprint is
    /// saved already or the account keeps its maximum (then nothing is saved, nothing fails).
    case savePaymentMethod(PaymentMethod, maximum: Int)
    /// A message about to be handed to the carrier (written with its hold); throws
    /// `StoreError.duplicate(field: "idempotency_key")` when its key has a message already.
    case smsSend(SMSSend)
    /// Marks a message settled; throws `StoreError.conflict` (rolling back) when it was settled already.
    case settleSMS(HoldID)
    /// A refund whose credits this transaction takes out of its lot.
    case refund(Refund)
    /// Ends a pending refund; throws `StoreError.conflict` (rolling back) when it is not pending.
    /// A succeeded refund adds to its purchase's refunded figures.
    case settleRefund(RefundID, status: RefundStatus, gatewayReference: String?, failureReason: String?)
    case adjustment(Adjustment)
    /// Marks that a lot's coming expiry was announced; throws `StoreError.conflict` when it was already.
    case expiryNotice(LotID)
    /// Marks a provider's event applied in the transaction that moves its credits;
    /// throws `StoreError.conflict` (rolling back) when it was applied already.
    case providerEventApplied(provider: String, id: String)
    /// A dispute or outside refund whose `creditsTaken` this transaction takes out of its
    /// lot; throws `StoreError.duplicate` when its id is recorded already.
    case reversal(Reversal)
    /// Ends an open dispute (`won`: this transaction puts its credits back in their lot;
    /// `lost`); throws `StoreError.conflict` (rolling back) when it is not open.
    case closeReversal(String, status: Reversal.Status, at: Date)
}

/// The first answer to an idempotent request, kept to answer its replays.
public struct IdempotentResponse: Sendable, Hashable {
    public var key: String
    public var status: Int
    public var body: [UInt8]
    /// The claim this answer belongs to (its fencing token): the answer, and the
    /// transaction it rides in, are refused if the claim was taken over meanwhile.
    public var claimToken: Int64?

    public init(key: String, status: Int, body: [UInt8], claimToken: Int64?) {
        self.key = key
        self.status = status
        self.body = body
        self.claimToken = claimToken
    }
}

/// How the request a piece of work answers holds its `Idempotency-Key`: handed by the
/// idempotency runner to the operation, and by the operation to every wallet transaction
/// and answer it writes. Nothing reaches them from the task's context: work done for no
/// request (a sweep, a provider's event) names none.
///
/// A claim left in progress may be taken over once it is stale; if the first request
/// was only slow, not dead, its late answer must not land. Each claim's fencing token is
/// the time it was taken (stored as `claimed_at`); answers carry the token, and storing
/// one whose claim was taken over fails — and with it the charge it completes.
public enum RequestClaim: Sendable, Hashable {
    /// Claimed by a commit of its own, at the time `token` stands for.
    case claimed(key: String, token: Int64)
    /// To be claimed by the request's first wallet transaction (see `FirstWriteClaim`).
    case byFirstWrite(FirstWriteClaim)

    /// The request's `Idempotency-Key`.
    public var key: String {
        switch self {
        case .claimed(let key, _): key
        case .byFirstWrite(let claim): claim.key
        }
    }

    /// The fencing token: the claim's, or its first write's once that committed (`nil` before).
    public var token: Int64? {
        switch self {
        case .claimed(_, let token): token
        case .byFirstWrite(let claim): claim.token
        }
    }

    /// The claim a wallet transaction may have to take with its own commit.
    public var firstWrite: FirstWriteClaim? {
        if case .byFirstWrite(let claim) = self { claim } else { nil }
    }

    /// The stored answer of the request, fenced by the claim as it stands now.
    public func response(status: Int, body: [UInt8]) -> IdempotentResponse {
        IdempotentResponse(key: key, status: status, body: body, claimToken: token)
    }

    /// The token of a claim taken at `date`.
    public static func token(claimedAt date: Date) -> Int64 { date.storedMilliseconds }
}

/// An `Idempotency-Key` claimed by its request's first write instead of a commit of its own.
///
/// A request whose work before its first write is only reads (and lookups that may run
/// again) need not spend a durable commit on claiming its key: the first wallet
/// transaction it commits inserts the key — already answered, when that transaction
/// carries the answer — and fails with `StoreError.idempotencyKeyTaken`, writing
/// nothing, when another request holds the key by then. Once that commit is made the
/// key is claimed as any other, with the insert's time as its fencing token.
public final class FirstWriteClaim: Sendable, Hashable {
    public let key: String
    public let requestHash: String
    /// Until when (wall clock) the claim is known to be alive; see `ClaimLease`.
    public let leaseUntil: Date?
    /// The account's available credits, read with the key's lookup before any work (`nil`
    /// when not read): the balance the request's pre-check may take instead of reading it
    /// again, until the request's first write (`availableBeforeAnyWrite`).
    public let available: Credits?
    /// `claimed_at` of the committed claim in milliseconds; 0 until then.
    private let claimedAt = Atomic<Int64>(0)

    public init(key: String, requestHash: String, leaseUntil: Date? = nil, available: Credits? = nil) {
        self.key = key
        self.requestHash = requestHash
        self.leaseUntil = leaseUntil
        self.available = available
    }

    /// `available`, while nothing of this request is written (no write has claimed the key).
    public var availableBeforeAnyWrite: Credits? { token == nil ? available : nil }

    /// The committed claim's fencing token, `nil` while no write has claimed the key.
    public var token: Int64? {
        let claimed = claimedAt.load(ordering: .acquiring)
        return claimed == 0 ? nil : claimed
    }

    /// Records that a committed transaction stamped `at` claimed the key.
    public func committed(at: Date) {
        claimedAt.store(at.storedMilliseconds, ordering: .releasing)
    }

    public static func == (left: FirstWriteClaim, right: FirstWriteClaim) -> Bool { left === right }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

/// Whether an `Idempotency-Key` is taken on an account, and the account's available
/// credits, read together (`Store.idempotencyKeyLookup`).
public struct KeyLookup: Sendable, Hashable {
    public var taken: Bool
    /// `nil` when the account has no wallet.
    public var available: Credits?

    public init(taken: Bool, available: Credits?) {
        self.taken = taken
        self.available = available
    }
}

/// One money decision: every posting, every row that goes with them, and the
/// idempotent answer, committed together or not at all.
public struct WalletTransaction: Sendable, Hashable {
    public var accountID: AccountID
    public var postings: [Posting]
    public var records: [WalletRecord]
    public var idempotency: IdempotentResponse?
    /// When set, the transaction is a credit-check request the usage guard must admit
    /// first: it throws `UsageGuardRefusal` (writing nothing) when paused or at the limit.
    public var guardedRequest: Bool
    /// The features whose spend caps this transaction's spending (charges, or a hold a
    /// feature places) must stay within: it throws `SpendCapReached` (writing nothing)
    /// when it would pass one. Never set on a capture, whose work is done already.
    public var cappedFeatures: [Feature]
    /// The request's key, when this transaction may be the write that claims it.
    public var claim: FirstWriteClaim?
    /// The `Idempotency-Key` of the request this transaction answers, kept on its ledger
    /// entries; a settlement done later for a request (a message the carrier reported sent)
    /// names that request's key through the answer it stores.
    public var requestKey: String?
    public var at: Date

    public init(
        accountID: AccountID,
        postings: [Posting],
        records: [WalletRecord] = [],
        idempotency: IdempotentResponse? = nil,
        guardedRequest: Bool = false,
        cappedFeatures: [Feature] = [],
        request: RequestClaim?,
        at: Date
    ) {
        self.accountID = accountID
        self.postings = postings
        self.records = records
        self.idempotency = idempotency
        self.guardedRequest = guardedRequest
        self.cappedFeatures = cappedFeatures
        self.claim = request?.firstWrite
        self.requestKey = request?.key ?? idempotency?.key
        self.at = at
    }

    /// What this transaction spends on `feature`: its log lines' credits and its holds'.
    public func spending(on feature: Feature) -> Credits {
        let spent = records.reduce(Int64(0)) { total, record in
            switch record {
            case .usage(let entry) where entry.feature == feature: total + entry.credits.thousandths
            case .hold(let hold) where hold.feature == feature.rawValue: total + hold.credits.thousandths
            default: total
            }
        }
        return Credits(thousandths: spent)
    }

    /// The key this transaction must insert: its claim, while no earlier write made it.
    public var unclaimed: FirstWriteClaim? {
        guard let claim, claim.token == nil else { return nil }
        return claim
    }
}

/// What claiming an idempotency key found.
public enum IdempotencyClaim: Sendable, Hashable {
    /// The key is new and now belongs to this request.
    case claimed
    /// The key was used by the same request, which answered this.
    case replay(status: Int, body: [UInt8])
    /// The same request is being answered right now.
    case inProgress
    /// The key was used by a different request.
    case mismatch

    /// Whether a claim still in progress belongs to a request that cannot still be
    /// running: it is older than `staleAfter` (longer than any work a claim guards), or
    /// its lease ran out on the wall clock (its process stopped renewing it: it is gone).
    /// The one rule both stores apply.
    public static func isAbandoned(
        claimedAt: Date,
        leaseUntil: Date?,
        at: Date,
        staleAfter: TimeInterval,
        lease: ClaimLease?
    ) -> Bool {
        if at.timeIntervalSince(claimedAt) > staleAfter { return true }
        guard let leaseUntil, let lease else { return false }
        return leaseUntil < lease.now
    }
}

/// A wallet whose figures differ from what its ledger adds up to.
public struct WalletMismatch: Sendable, Hashable, CustomStringConvertible {
    public var accountID: AccountID
    public var wallet: WalletBalance
    public var ledger: WalletBalance
    /// What the account's active holds add up to: the wallet's `held` must equal it.
    public var activeHolds: Credits

    public init(accountID: AccountID, wallet: WalletBalance, ledger: WalletBalance, activeHolds: Credits) {
        self.accountID = accountID
        self.wallet = wallet
        self.ledger = ledger
        self.activeHolds = activeHolds
    }

    /// A wallet agrees when its figures are consistent, equal its ledger, and its held
    /// credits are exactly its active holds.
    public static func check(
        _ accountID: AccountID,
        wallet: WalletBalance,
        ledger: WalletBalance,
        activeHolds: Credits
    ) -> WalletMismatch? {
        guard wallet != ledger || !wallet.isConsistent || wallet.held != activeHolds else { return nil }
        return WalletMismatch(accountID: accountID, wallet: wallet, ledger: ledger, activeHolds: activeHolds)
    }

    public var description: String {
        "account \(accountID): wallet available=\(wallet.available) held=\(wallet.held) used=\(wallet.used) "
            + "total=\(wallet.total), ledger available=\(ledger.available) held=\(ledger.held) "
            + "used=\(ledger.used) total=\(ledger.total), active holds=\(activeHolds)"
    }
}

/// Why the store refused a write. Nothing was written.
public enum StoreError: Error, Sendable, Hashable {
    /// The debit would take available credits below zero.
    case insufficientCredits(available: Credits)
    /// A unique value is taken, e.g. `email`.
    case duplicate(field: String)
    /// The row the write depends on does not exist.
    case notFound(String)
    /// The write conflicts with the row's current state.
    case conflict(String)
    /// The account keeps as many of these as it may.
    case limitReached(String)
    /// A `FirstWriteClaim`'s key was claimed by another request first; nothing was written.
    case idempotencyKeyTaken
}
