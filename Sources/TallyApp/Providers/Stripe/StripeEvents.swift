import Foundation
import Logging
import TallyCore
import TallyStore

/// Stripe's events (`POST /v1/providers/stripe/events`, PROVIDERS.md): each checked by its
/// `Stripe-Signature`, stored by its id before anything is read from it, then applied
/// once — the credits it moves and its mark as applied in one transaction where it moves
/// any. A replay, or an event that comes after what it reports was settled another way
/// (the synchronous answer, the return page, the reconciler), changes nothing.
public struct StripeEvents: Sendable {
    let gateway: StripePaymentGateway
    let store: any Store
    let time: any TimeSource
    let ids: any IDSource
    let purchases: Purchases
    let lots: Lots
    /// Signatures are measured on the machine's clock, not on the time requests are stamped with.
    var wallClock: @Sendable () -> Date = { Date() }

    static let provider = "stripe"

    /// The types Tally acts on; any other is stored and answered 200.
    public static let handledTypes: Set<String> = [
        "payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled",
        "checkout.session.completed", "checkout.session.async_payment_succeeded", "checkout.session.async_payment_failed",
        "refund.updated", "charge.refunded", "charge.dispute.created", "charge.dispute.closed",
    ]

    /// An event whose object Tally cannot read: kept, answered 500 so Stripe sends it again.
    public struct Unreadable: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Receives one event: verified, stored, applied. Throws `TallyError.badRequest` for a
    /// bad signature or a body that is no event (nothing stored), `Unreadable` for an
    /// event kept but not applied.
    public func receive(_ body: [UInt8], signature: String?) async throws {
        do {
            try StripeSignature.verify(
                payload: body,
                header: signature,
                secret: gateway.settings.webhookSecret,
                now: Int64(wallClock().timeIntervalSince1970)
            )
        } catch {
            throw TallyError.badRequest("Stripe-Signature: \(error)")
        }
        guard let event = StripeEvent.read(body), !event.id.isEmpty, event.id.utf8.count <= 255 else {
            throw TallyError.badRequest("the body is not a Stripe event")
        }
        let received = ProviderEvent(provider: Self.provider, id: event.id, type: event.type, body: body, receivedAt: time.now())
        let stored: ProviderEvent
        do {
            stored = try await store.receiveProviderEvent(received)
        } catch StoreError.duplicate {
            // The same event, delivered twice at once: the other copy stored it.
            stored = try await store.receiveProviderEvent(received)
        }
        guard stored.appliedAt == nil else { return }
        do {
            try await apply(event)
        } catch let unreadable as Unreadable {
            try? await store.recordProviderEventProblem(provider: Self.provider, id: event.id, problem: unreadable.description)
            throw unreadable
        }
        try await store.markProviderEventApplied(provider: Self.provider, id: event.id, at: time.now())
    }

    /// Applies an event stored and not applied yet.
    func apply(_ event: StripeEvent) async throws {
        switch event.type {
        case "payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled":
            try await settlePayment(read(StripePaymentIntent.self, event), event: event)
        case "refund.updated":
            try await settleRefund(read(RefundObject.self, event))
        case "charge.refunded":
            try await refundedOutside(read(ChargeObject.self, event), event: event)
        case "charge.dispute.created":
            try await disputeOpened(read(DisputeObject.self, event), event: event)
        case "charge.dispute.closed":
            try await disputeClosed(read(DisputeObject.self, event), event: event)
        case "checkout.session.completed", "checkout.session.async_payment_succeeded", "checkout.session.async_payment_failed":
            try await settleCheckout(read(StripeCheckoutSession.self, event), event: event)
        default:
            return
        }
    }

    func read<T: Decodable>(_ type: T.Type, _ event: StripeEvent) throws -> T {
        do {
            return try event.object(as: type)
        } catch {
            throw Unreadable(description: "\(event.type) \(event.id): its object could not be read as Tally expects")
        }
    }

    // MARK: Payments

    /// A PaymentIntent Tally made for a person's purchase, settled once: credited when
    /// Stripe received the purchase's dollars, recorded as declined when it failed.
    func settlePayment(_ payment: StripePaymentIntent, event: StripeEvent) async throws {
        guard let purchase = payment.metadata?["tally_purchase"], let account = payment.metadata?["tally_account"] else { return }
        let accountID = AccountID(account)
        // Recharges are settled by their own worker, which asks again with the same key.
        guard let intent = try await store.paymentIntent(PurchaseID(purchase), account: accountID), intent.rechargeID == nil else {
            return
        }
        _ = try await purchases.record(intent, payment: payment, marks: [.providerEventApplied(provider: Self.provider, id: event.id)])
    }

    /// A Checkout session completed (or its delayed payment decided): the card it kept,
    /// or the purchase it paid, settled once.
    func settleCheckout(_ session: StripeCheckoutSession, event: StripeEvent) async throws {
        guard let account = session.metadata?["tally_account"] else { return }
        do {
            _ = try await purchases.settle(session: session, account: AccountID(account), event: event.id)
        } catch TallyError.notFound {
            // A purchase Tally did not make.
        }
    }

    // MARK: Refunds

    struct RefundObject: Decodable {
        var id: String
        var status: String
        var amount: Int64
        var paymentIntent: String?
        var failureReason: String?
        var metadata: [String: String]?
    }

    /// A refund Tally asked for, settled once: given back, or its credits returned to
    /// their lot when Stripe could not give the money back.
    func settleRefund(_ object: RefundObject) async throws {
        guard let refundID = object.metadata?["tally_refund"], let paymentIntent = object.paymentIntent,
            let account = try await account(of: paymentIntent),
            let refund = try await store.refund(RefundID(refundID), account: account), refund.status == .pending
        else { return }
        let outcome = StripePaymentGateway.outcome(
            StripeRefund(
                id: object.id,
                status: object.status,
                amount: object.amount,
                paymentIntent: paymentIntent,
                failureReason: object.failureReason
            )
        )
        if case .pending = outcome { return }
        do {
            _ = try await lots.settle(refund, outcome: outcome, completing: nil)
        } catch TallyError.refundDeclined {
            // Its credits are back in their lot.
        } catch StoreError.conflict {
            // Settled first by the reconciler or a retry.
        }
    }

    /// The Tally account a PaymentIntent was made for, asked of Stripe.
    func account(of paymentIntent: String) async throws -> AccountID? {
        guard let intent = try await gateway.paymentIntent(paymentIntent) else { return nil }
        return intent.metadata?["tally_account"].map(AccountID.init)
    }

    // MARK: Money taken back: outside refunds and disputes

    struct ChargeObject: Decodable {
        var id: String
        var paymentIntent: String?
        var metadata: [String: String]?
        /// All refunded so far, in cents: Tally's own refunds and any made outside it.
        var amountRefunded: Int64
    }

    struct DisputeObject: Decodable {
        var id: String
        var amount: Int64
        var currency: String
        var paymentIntent: String?
        var reason: String?
        var status: String
    }

    /// A refund made in Stripe's dashboard takes back the purchase's unused credits up
    /// to the refunded amount. What Stripe gave back in all, less Tally's own refunds
    /// (never taken a second time) and the outside refunds recorded already, is new.
    func refundedOutside(_ charge: ChargeObject, event: StripeEvent) async throws {
        guard let paymentIntent = charge.paymentIntent, let purchase = try await purchase(of: paymentIntent, metadata: charge.metadata) else {
            return
        }
        let own = try await store.refunds(purchase: purchase.id, account: purchase.accountID)
            .filter { $0.status != .failed }
            .reduce(Int64(0)) { $0 + $1.amount.cents }
        let recorded = try await store.reversals(purchase: purchase.id, account: purchase.accountID)
            .filter { $0.kind == .refund }
            .reduce(Int64(0)) { $0 + $1.amountCents }
        let outside = charge.amountRefunded - own - recorded
        guard outside > 0 else { return }
        try await takeBack(
            purchase,
            id: "\(charge.id)_refunded_\(charge.amountRefunded)",
            kind: .refund,
            amountCents: outside,
            reason: "refunded outside Tally",
            event: event
        )
    }

    func disputeOpened(_ dispute: DisputeObject, event: StripeEvent) async throws {
        guard let paymentIntent = dispute.paymentIntent, let purchase = try await purchase(of: paymentIntent, metadata: nil) else { return }
        try await takeBack(purchase, id: dispute.id, kind: .dispute, amountCents: dispute.amount, reason: dispute.reason ?? "disputed", event: event)
    }

    /// A dispute decided: `won` gives its credits back to their lot; `lost` keeps them out.
    func disputeClosed(_ dispute: DisputeObject, event: StripeEvent) async throws {
        guard let paymentIntent = dispute.paymentIntent, let purchase = try await purchase(of: paymentIntent, metadata: nil) else { return }
        // A dispute whose opening event never came is opened first.
        if try await store.reversal(dispute.id, account: purchase.accountID) == nil {
            try await takeBack(
                purchase,
                id: dispute.id,
                kind: .dispute,
                amountCents: dispute.amount,
                reason: dispute.reason ?? "disputed",
                event: nil
            )
        }
        guard let reversal = try await store.reversal(dispute.id, account: purchase.accountID), reversal.status == .open else { return }
        let won = dispute.status == "won"
        let now = time.now()
        let postings =
            won && reversal.creditsTaken > .zero
            ? [
                Posting(
                    id: LedgerEntryID(ids.make("led")),
                    kind: .dispute,
                    change: .add(reversal.creditsTaken),
                    reference: dispute.id,
                    fromLot: reversal.lotID
                )
            ]
            : []
        let message =
            won
            ? "The dispute of purchase \(purchase.id) was decided for you: \(reversal.creditsTaken) credits are back in the wallet."
            : "The dispute of purchase \(purchase.id) was lost: the \(reversal.creditsTaken) credits it took back stay out of the wallet."
        do {
            _ = try await store.commit(
                WalletTransaction(
                    accountID: purchase.accountID,
                    postings: postings,
                    records: [
                        .closeReversal(dispute.id, status: won ? .won : .lost, at: now),
                        .providerEventApplied(provider: Self.provider, id: event.id),
                        .notification(notification(won ? .disputeWon : .disputeLost, message, account: purchase.accountID)),
                    ],
                    request: nil,
                    at: now
                )
            )
        } catch StoreError.conflict {
            // Closed already by an earlier copy of this event.
        }
    }

    /// The purchase a PaymentIntent paid for, from the metadata Tally gave it.
    func purchase(of paymentIntent: String, metadata: [String: String]?) async throws -> Purchase? {
        var metadata = metadata
        if metadata?["tally_purchase"] == nil { metadata = try await gateway.paymentIntent(paymentIntent)?.metadata }
        guard let purchase = metadata?["tally_purchase"] ?? metadata?["tally_recharge"], let account = metadata?["tally_account"] else {
            return nil
        }
        return try await store.purchase(PurchaseID(purchase), account: AccountID(account))
    }

    /// Takes the purchase's unused credits for `amountCents` of its price out of its lot,
    /// never below zero: what was spent already is recorded as the shortfall.
    func takeBack(
        _ purchase: Purchase,
        id: String,
        kind: Reversal.Kind,
        amountCents: Int64,
        reason: String,
        event: StripeEvent?
    ) async throws {
        guard purchase.status == .succeeded, purchase.amount.cents > 0,
            try await store.reversal(id, account: purchase.accountID) == nil,
            let lot = try await store.lot(purchase: purchase.id, account: purchase.accountID)
        else { return }
        let cents = min(max(amountCents, 0), purchase.amount.cents)
        let worth = Credits(
            thousandths: purchase.amount.cents.dividingFullWidth(purchase.credits.thousandths.multipliedFullWidth(by: cents)).quotient
        )
        for _ in 0..<5 {
            let remaining = try await store.lot(lot.id, account: purchase.accountID)?.remaining ?? .zero
            let taken = min(worth, remaining)
            let now = time.now()
            let reversal = Reversal(
                id: id,
                kind: kind,
                accountID: purchase.accountID,
                purchaseID: purchase.id,
                lotID: lot.id,
                amountCents: cents,
                creditsTaken: taken,
                shortfall: worth - taken,
                status: kind == .dispute ? .open : .lost,
                reason: reason,
                createdAt: now,
                closedAt: kind == .dispute ? nil : now
            )
            let what =
                kind == .dispute ? "A dispute (\(reason)) of purchase \(purchase.id)" : "A refund made outside Tally of purchase \(purchase.id)"
            let shortfall = reversal.shortfall > .zero ? "; \(reversal.shortfall) credits were spent already and are recorded as a shortfall" : ""
            var records: [WalletRecord] = [
                .reversal(reversal),
                .notification(
                    notification(
                        kind == .dispute ? .disputeOpened : .refundOutside,
                        "\(what) took back \(taken) credits (USD \(Money(cents: cents)))\(shortfall).",
                        account: purchase.accountID
                    )
                ),
            ]
            if let event { records.append(.providerEventApplied(provider: Self.provider, id: event.id)) }
            do {
                _ = try await store.commit(
                    WalletTransaction(
                        accountID: purchase.accountID,
                        postings: taken > .zero
                            ? [
                                Posting(
                                    id: LedgerEntryID(ids.make("led")),
                                    kind: kind == .dispute ? .dispute : .refund,
                                    change: .remove(taken),
                                    reference: id,
                                    fromLot: lot.id
                                )
                            ] : [],
                        records: records,
                        request: nil,
                        at: now
                    )
                )
                return
            } catch StoreError.duplicate {
                return
            } catch StoreError.insufficientCredits {
                // Spent meanwhile: take what is left.
                continue
            } catch StoreError.conflict where event != nil {
                if try await store.reversal(id, account: purchase.accountID) != nil { return }
                continue
            }
        }
        throw StoreError.conflict("the credits of purchase \(purchase.id) kept changing while a dispute took them back")
    }

    func notification(_ kind: NotificationKind, _ message: String, account: AccountID) -> TallyStore.Notification {
        TallyStore.Notification(id: ids.make("ntf"), accountID: account, kind: kind, message: message, createdAt: time.now())
    }
}
