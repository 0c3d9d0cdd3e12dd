import Foundation
import TallyCore
import TallyStore

/// Credit lots: what is left of each addition to a wallet, grants, adjustments,
/// refunds of purchases, and the expiry of credits.
///
/// A lot's figures move only with the ledger entry that moves the wallet's, in the
/// same transaction (the store does that); this service decides what to write.
public struct Lots: Sendable {
    let store: any Store
    let gateway: any PaymentGateway
    let time: any TimeSource
    let ids: any IDSource
    let idempotency: Idempotency
    /// How long before credits expire their account is told (`credits_expiring`).
    public var expiryNotice: Duration = .seconds(7 * 86_400)

    // MARK: Requests and answers

    public struct LotView: Sendable, Codable, Equatable {
        public var id: LotID
        public var source: LotSource
        public var sourceId: String
        public var credits: Credits
        /// Credits of the lot that can still be spent.
        public var remaining: Credits
        /// Credits of the lot held by actions in flight.
        public var held: Credits
        public var costCents: Int64
        @Nullable public var expiresAt: Date?
        public var priority: Int
        @Nullable public var reason: String?
        public var createdAt: Date
    }

    public struct NewGrant: Sendable, Codable {
        public var credits: Credits
        public var reason: String
        public var expiresAt: Date?
        public var priority: WholeNumber?

        public init(credits: Credits, reason: String, expiresAt: Date? = nil, priority: Int? = nil) {
            self.credits = credits
            self.reason = reason
            self.expiresAt = expiresAt
            self.priority = priority.map { WholeNumber($0) }
        }
    }

    public struct GrantView: Sendable, Codable, Equatable {
        public var id: LotID
        public var credits: Credits
        public var remaining: Credits
        public var reason: String
        @Nullable public var expiresAt: Date?
        public var priority: Int
        public var createdAt: Date
    }

    public struct NewAdjustment: Sendable, Codable {
        /// Signed: added when positive, removed when negative.
        public var credits: Credits
        public var reason: String
    }

    public struct AdjustmentView: Sendable, Codable, Equatable {
        public var id: String
        public var credits: Credits
        public var reason: String
        public var createdAt: Date
    }

    public struct NewRefund: Sendable, Codable {
        public var credits: Credits
    }

    public struct RefundView: Sendable, Codable, Equatable {
        public var id: RefundID
        public var purchaseId: PurchaseID
        public var credits: Credits
        public var amount: String
        public var currency: String
        public var status: RefundStatus
        @Nullable public var failureReason: String?
        public var createdAt: Date
    }

    /// The longest reason a grant or an adjustment keeps.
    public static let maximumReasonLength = 500

    // MARK: Grants and adjustments

    /// Adds free credits to an account as a lot of their own. The operator's.
    public func grant(
        _ request: NewGrant,
        account: AccountID,
        by actor: String,
        idempotency key: IdempotencyRequest?
    ) async throws -> Answer {
        var problems: [FieldError] = []
        if let problem = Self.amountProblem(request.credits, signed: false) { problems.append(FieldError("credits", problem)) }
        let reason = request.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        if let problem = Self.reasonProblem(reason) { problems.append(FieldError("reason", problem)) }
        let priority = request.priority?.value ?? LotOrder.defaultPriority
        if !LotOrder.priorities.contains(priority) {
            problems.append(FieldError("priority", "must be from \(LotOrder.priorities.lowerBound) to \(LotOrder.priorities.upperBound)"))
        }
        guard problems.isEmpty else { throw TallyError.invalid(problems) }
        // An account is never removed: a replay finds it as its first request did.
        try await requireAccount(account)
        return try await idempotency.run(account: account, request: key) { completing in
            // Checked against the clock only once the key is known to be new: a replay
            // after `expiresAt` has passed answers the grant it made.
            let now = time.now()
            if let expiresAt = request.expiresAt, expiresAt <= now {
                throw TallyError.invalid("expiresAt", "must be in the future")
            }
            let lot = NewLot(
                id: LotID(ids.make("lot")),
                source: .grant,
                sourceID: "",
                expiresAt: request.expiresAt.map(Self.toMilliseconds),
                priority: priority,
                reason: reason,
                createdBy: actor
            )
            let view = GrantView(
                id: lot.id,
                credits: request.credits,
                remaining: request.credits,
                reason: reason,
                expiresAt: lot.expiresAt,
                priority: priority,
                createdAt: Self.toMilliseconds(now)
            )
            let answer = try Answer(status: 201, view)
            var granted = lot
            granted.sourceID = lot.id.rawValue
            _ = try await store.commit(
                WalletTransaction(
                    accountID: account,
                    postings: [
                        Posting(
                            id: LedgerEntryID(ids.make("led")),
                            kind: .grant,
                            change: .add(request.credits),
                            reference: lot.id.rawValue,
                            lot: granted
                        )
                    ],
                    idempotency: completing?.response(answer),
                    request: completing,
                    at: now
                )
            )
            return answer
        }
    }

    /// Adds or removes credits by hand, with a reason. The operator's. Never takes
    /// available credits below zero; removed credits are drawn from lots like a charge.
    public func adjust(
        _ request: NewAdjustment,
        account: AccountID,
        by actor: String,
        idempotency key: IdempotencyRequest?
    ) async throws -> Answer {
        var problems: [FieldError] = []
        if let problem = Self.amountProblem(request.credits, signed: true) { problems.append(FieldError("credits", problem)) }
        let reason = request.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        if let problem = Self.reasonProblem(reason) { problems.append(FieldError("reason", problem)) }
        guard problems.isEmpty else { throw TallyError.invalid(problems) }
        try await requireAccount(account)
        return try await idempotency.run(account: account, request: key) { completing in
            let now = time.now()
            let id = ids.make("adj")
            let adjustment = Adjustment(
                id: id,
                accountID: account,
                credits: request.credits,
                reason: reason,
                createdBy: actor,
                createdAt: now
            )
            let posting =
                request.credits > .zero
                ? Posting(
                    id: LedgerEntryID(ids.make("led")),
                    kind: .adjustment,
                    change: .add(request.credits),
                    reference: id,
                    lot: NewLot(id: LotID(ids.make("lot")), source: .adjustment, sourceID: id, reason: reason, createdBy: actor)
                )
                : Posting(id: LedgerEntryID(ids.make("led")), kind: .adjustment, change: .remove(-request.credits), reference: id)
            let answer = try Answer(
                status: 201,
                AdjustmentView(id: id, credits: request.credits, reason: reason, createdAt: Self.toMilliseconds(now))
            )
            do {
                _ = try await store.commit(
                    WalletTransaction(
                        accountID: account,
                        postings: [posting],
                        records: [.adjustment(adjustment)],
                        idempotency: completing?.response(answer),
                        request: completing,
                        at: now
                    )
                )
            } catch StoreError.insufficientCredits(let available) {
                throw TallyError.invalid(
                    "credits",
                    "would take available credits below zero: \(available) are available"
                )
            }
            return answer
        }
    }

    // MARK: Refunds

    /// Gives back money for unused credits of a purchase: the credits leave their lot
    /// and the refund is recorded in one transaction, then the gateway is asked with the
    /// refund's id as its key. A refused refund puts the credits back in their lot.
    public func refund(
        _ purchaseID: PurchaseID,
        _ request: NewRefund,
        account: AccountID,
        idempotency key: IdempotencyRequest?
    ) async throws -> Answer {
        if let problem = Self.amountProblem(request.credits, signed: false) { throw TallyError.invalid("credits", problem) }
        // A purchase is never removed (and it names its account): a replay finds it too.
        guard try await store.purchase(purchaseID, account: account) != nil else {
            throw TallyError.notFound("no purchase \(purchaseID)")
        }
        return try await idempotency.run(account: account, request: key) { completing in
            // What the purchase and its lot hold now is read only once the key is known to
            // be new (or its refund unsettled): a replay answers its first answer, however
            // much of the lot was spent since.
            guard let purchase = try await store.purchase(purchaseID, account: account),
                purchase.status == .succeeded, let payment = purchase.paymentReference
            else {
                throw TallyError.invalid("purchase", "was declined: nothing was paid, so nothing can be refunded")
            }
            // Keyed requests get a refund id derived from their key, so a retry asks the
            // gateway with the same refund key and cannot refund twice.
            let id = RefundID(completing.map { "re_" + String("\(account)\n\($0.key)".sha256Hex.prefix(26)) } ?? ids.make("re"))
            if let existing = try await store.refund(id, account: account) {
                return try await finish(existing, payment: payment, completing: completing)
            }
            guard let lot = try await store.lot(purchase: purchaseID, account: account) else {
                throw TallyError.conflict("purchase \(purchaseID) has no credits of its own to refund")
            }
            guard request.credits <= lot.remaining else { throw Self.overUnused(lot.remaining) }
            let earlier = try await store.refunds(purchase: purchaseID, account: account)
                .filter { $0.status != .failed }
                .reduce(Credits.zero) { $0 + $1.credits }
            guard earlier + request.credits <= purchase.credits else { throw Self.overUnused(purchase.credits - earlier) }
            let now = time.now()
            let refund = Refund(
                id: id,
                accountID: account,
                purchaseID: purchaseID,
                lotID: lot.id,
                credits: request.credits,
                amount: RefundAmount.cents(
                    price: purchase.amount,
                    credits: purchase.credits,
                    refundedBefore: earlier,
                    refunding: request.credits
                ),
                status: .pending,
                createdAt: now
            )
            do {
                _ = try await store.commit(
                    WalletTransaction(
                        accountID: account,
                        postings: [
                            oneLot(.refund, .remove(request.credits), reference: id.rawValue, lot: lot.id)
                        ],
                        records: [.refund(refund)],
                        request: completing,
                        at: now
                    )
                )
            } catch StoreError.conflict, StoreError.insufficientCredits {
                // Spent meanwhile: the lot keeps less than asked.
                let left = try await store.lot(lot.id, account: account)?.remaining ?? .zero
                throw Self.overUnused(left)
            }
            return try await finish(refund, payment: payment, completing: completing)
        }
    }

    /// Asks the gateway about a pending refund and records its outcome; a settled refund
    /// answers what it came to.
    private func finish(_ refund: Refund, payment: String, completing claim: RequestClaim?) async throws -> Answer {
        switch refund.status {
        case .succeeded:
            return try await complete(Answer(status: 201, Self.view(refund)), claim: claim, account: refund.accountID)
        case .failed:
            throw TallyError.refundDeclined(code: "refund_failed", reason: refund.failureReason ?? "the refund was refused")
        case .pending:
            let outcome: RefundOutcome
            do {
                // A refund the processor accepted is asked about by its id, never asked for again.
                if let reference = refund.gatewayReference, let now = try await gateway.refundStatus(reference) {
                    outcome = now
                } else {
                    outcome = try await gateway.refund(refund.amount, payment: payment, idempotencyKey: refund.id.rawValue)
                }
            } catch {
                throw TallyError.refundUnsettled(refund.id)
            }
            return try await settle(refund, outcome: outcome, completing: claim)
        }
    }

    /// Stores an answer for a key whose refund was settled before (by the reconciler).
    private func complete(_ answer: Answer, claim: RequestClaim?, account: AccountID) async throws -> Answer {
        if let claim {
            try? await store.completeIdempotencyKey(claim.response(answer), account: account, at: time.now())
        }
        return answer
    }

    /// Records the gateway's answer to a refund: succeeded, or refused with its credits
    /// back in their lot — once, whoever settles it first.
    func settle(_ refund: Refund, outcome: RefundOutcome, completing claim: RequestClaim?) async throws -> Answer {
        let now = time.now()
        var settled = refund
        switch outcome {
        case .pending(let reference):
            // Accepted, not given back yet: its credits stay out of the wallet until the
            // processor's event (or the reconciler, asking by its id) says how it ended.
            try await store.setRefundReference(reference, refund: refund.id, account: refund.accountID)
            return try await complete(Answer(status: 202, Self.view(refund)), claim: claim, account: refund.accountID)
        case .succeeded(let reference):
            settled.status = .succeeded
            settled.gatewayReference = reference
            let answer = try Answer(status: 201, Self.view(settled))
            do {
                _ = try await store.commit(
                    WalletTransaction(
                        accountID: refund.accountID,
                        postings: [],
                        records: [.settleRefund(refund.id, status: .succeeded, gatewayReference: reference, failureReason: nil)],
                        idempotency: claim?.response(answer),
                        request: claim,
                        at: now
                    )
                )
            } catch StoreError.conflict {
                guard let recorded = try await store.refund(refund.id, account: refund.accountID), recorded.status != .pending else {
                    throw StoreError.conflict("refund \(refund.id)")
                }
                return try await finish(recorded, payment: "", completing: claim)
            }
            return answer
        case .declined(let code, let reason):
            do {
                _ = try await store.commit(
                    WalletTransaction(
                        accountID: refund.accountID,
                        postings: [
                            oneLot(.refund, .add(refund.credits), reference: refund.id.rawValue, lot: refund.lotID)
                        ],
                        records: [.settleRefund(refund.id, status: .failed, gatewayReference: nil, failureReason: reason)],
                        request: claim,
                        at: now
                    )
                )
            } catch StoreError.conflict {
                // Settled meanwhile by the reconciler or a retry.
            }
            throw TallyError.refundDeclined(code: code, reason: reason)
        }
    }

    /// Settles refunds whose request died before the gateway's answer was recorded: the
    /// gateway is asked again with the same key. What the payment reconciler also runs.
    @discardableResult
    public func reconcileRefunds(olderThanSeconds: TimeInterval = 60, limit: Int = 50) async throws -> Int {
        let now = time.now()
        let refunds = try await store.claimStaleRefunds(
            createdBefore: now.addingTimeInterval(-olderThanSeconds),
            at: now,
            // Asked again after as long as a refund is left before it is asked at all.
            leaseSeconds: max(1, min(60, Int(olderThanSeconds))),
            limit: limit
        )
        _ = await BackgroundPass.each(refunds, kind: "refund", id: \.id) { refund in
            guard let payment = try await store.purchase(refund.purchaseID, account: refund.accountID)?.paymentReference else {
                return false
            }
            do {
                _ = try await finish(refund, payment: payment, completing: nil)
            } catch TallyError.refundDeclined, TallyError.refundUnsettled {
                // Recorded as refused, or still no answer: asked again after its lease.
            }
            return true
        }
        return refunds.count
    }

    // MARK: Expiry

    /// Announces credits about to expire, and takes expired credits out of their wallets
    /// as `expiry` ledger entries, each credit once. What the background worker runs.
    @discardableResult
    public func expire(limit: Int = 100) async throws -> Int {
        let now = time.now()
        let expiring = try await store.lotsExpiring(at: now, before: now.addingTimeInterval(Self.seconds(expiryNotice)), limit: limit)
        // A lot that cannot be announced or expired is set aside; the others, of every account, go on.
        var done = await BackgroundPass.each(expiring, kind: "expiry notice", id: \.id) { lot in
            guard let expiresAt = lot.expiresAt else { return false }
            do {
                _ = try await store.commit(
                    WalletTransaction(
                        accountID: lot.accountID,
                        postings: [],
                        records: [
                            .expiryNotice(lot.id),
                            .notification(
                                notification(
                                    lot,
                                    kind: .creditsExpiring,
                                    message: "\(lot.remaining) credits expire on \(PacificDay.of(expiresAt))",
                                    at: now
                                )
                            ),
                        ],
                        request: nil,
                        at: now
                    )
                )
                return true
            } catch StoreError.conflict {
                // Announced meanwhile by another process.
                return false
            }
        }
        let expired = try await store.claimExpiredLots(at: now, leaseSeconds: 30, limit: limit)
        done += await BackgroundPass.each(expired, kind: "expiring lot", id: \.id) { claimed in
            var lot = claimed
            // A debit may draw from the lot between the read and the write: read it again and retry.
            for _ in 0..<3 {
                guard lot.remaining > .zero else { break }
                do {
                    _ = try await store.commit(
                        WalletTransaction(
                            accountID: lot.accountID,
                            postings: [
                                oneLot(.expiry, .remove(lot.remaining), reference: lot.id.rawValue, lot: lot.id)
                            ],
                            records: [
                                .notification(
                                    notification(
                                        lot,
                                        kind: .creditsExpired,
                                        message: "\(lot.remaining) credits expired",
                                        at: now
                                    )
                                )
                            ],
                            request: nil,
                            at: now
                        )
                    )
                    return true
                } catch StoreError.conflict, StoreError.insufficientCredits {
                    guard let fresh = try await store.lot(lot.id, account: lot.accountID) else { return false }
                    lot = fresh
                }
            }
            return false
        }
        return done
    }

    /// A posting that moves the credits of one lot only.
    private func oneLot(_ kind: LedgerKind, _ change: WalletChange, reference: String, lot: LotID) -> Posting {
        Posting(id: LedgerEntryID(ids.make("led")), kind: kind, change: change, reference: reference, fromLot: lot)
    }

    private func notification(_ lot: CreditLot, kind: NotificationKind, message: String, at: Date) -> TallyStore.Notification {
        let data: [String: String] = [
            "lotId": lot.id.rawValue,
            "credits": lot.remaining.description,
            "expiresAt": lot.expiresAt.map { ISO8601DateFormatter().string(from: $0) } ?? "",
        ]
        let json = (try? APIEncoding.encoder.encode(data)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return TallyStore.Notification(id: ids.make("ntf"), accountID: lot.accountID, kind: kind, message: message, data: json, createdAt: at)
    }

    // MARK: Rules

    private func requireAccount(_ account: AccountID) async throws {
        guard try await store.account(account) != nil else { throw TallyError.notFound("no account \(account)") }
    }

    static func overUnused(_ unused: Credits) -> TallyError {
        .invalid("credits", "must be at most \(unused), the purchase's unused credits")
    }

    /// Why an amount of credits cannot be granted, adjusted or refunded, if it cannot.
    static func amountProblem(_ credits: Credits, signed: Bool) -> String? {
        let size = signed && credits < .zero ? -credits : credits
        if credits == .zero || (!signed && credits < .zero) {
            return signed ? "must not be 0" : "must be more than 0"
        }
        if size > Catalog.maximumPurchase {
            return "must be at most \(Catalog.maximumPurchase.thousandths / 1000) credits at once"
        }
        return nil
    }

    static func reasonProblem(_ reason: String) -> String? {
        if reason.isEmpty { return "is required: say why" }
        if reason.unicodeScalars.count > maximumReasonLength { return "must be at most \(maximumReasonLength) characters" }
        return nil
    }

    /// Times are kept to the millisecond; answers say what is kept.
    static func toMilliseconds(_ date: Date) -> Date { Date(storedMilliseconds: date.storedMilliseconds) }

    static func seconds(_ duration: Duration) -> TimeInterval { TimeInterval(duration.components.seconds) }

    static func view(_ lot: CreditLot) -> LotView {
        LotView(
            id: lot.id,
            source: lot.source,
            sourceId: lot.sourceID,
            credits: lot.credits,
            remaining: lot.remaining,
            held: lot.held,
            costCents: lot.costCents,
            expiresAt: lot.expiresAt,
            priority: lot.priority,
            reason: lot.reason,
            createdAt: lot.createdAt
        )
    }

    static func view(_ refund: Refund) -> RefundView {
        RefundView(
            id: refund.id,
            purchaseId: refund.purchaseID,
            credits: refund.credits,
            amount: refund.amount.description,
            currency: Money.currency,
            status: refund.status,
            failureReason: refund.failureReason,
            createdAt: refund.createdAt
        )
    }
}
