import Foundation
import TallyCore
import TallyStore
import Testing

/// The store contract for what payment providers tell Tally after the fact: their events
/// are stored once by (provider, id) and applied once, in the transaction that moves their
/// credits; a dispute or an outside refund is a reversal of its purchase whose credits the
/// transaction's own postings move; an account keeps one gateway customer. Every
/// conformance of `Store` must pass these.
@Suite("Provider inbox contract", .closesItsStores)
struct ProviderInboxContractTests: ContractFixtures {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    // MARK: Helpers

    func event(_ id: String, provider: String = "stripe", body: String = "{}", at: Date? = nil) -> ProviderEvent {
        ProviderEvent(
            provider: provider,
            id: id,
            type: "charge.dispute.created",
            body: Array(body.utf8),
            receivedAt: at ?? now
        )
    }

    func ledgerID() -> LedgerEntryID { LedgerEntryID("led_\(UUID().uuidString)") }

    /// Buys `credits` for `cents` as purchase `id`, its credits one lot `lot_<id>`.
    func buy(_ store: any Store, _ account: AccountID, _ id: String, credits: Credits, cents: Int64) async throws -> (Purchase, LotID) {
        let purchase = Purchase(
            id: PurchaseID(id),
            accountID: account,
            credits: credits,
            amount: Money(cents: cents),
            status: .succeeded,
            origin: .purchase,
            paymentMethodID: nil,
            paymentReference: "pi_\(id)",
            failureReason: nil,
            createdAt: now
        )
        let lot = NewLot(id: LotID("lot_\(id)"), source: .purchase, sourceID: id, costCents: cents)
        _ = try await store.commit(
            WalletTransaction(
                accountID: account,
                postings: [Posting(id: ledgerID(), kind: .purchase, change: .add(credits), reference: id, lot: lot)],
                records: [.purchase(purchase)],
                request: nil,
                at: now
            )
        )
        return (purchase, lot.id)
    }

    func dispute(_ id: String, _ purchase: Purchase, lot: LotID, taken: Credits, shortfall: Credits = .zero) -> Reversal {
        Reversal(
            id: id,
            kind: .dispute,
            accountID: purchase.accountID,
            purchaseID: purchase.id,
            lotID: lot,
            amountCents: purchase.amount.cents,
            creditsTaken: taken,
            shortfall: shortfall,
            status: .open,
            reason: "fraudulent",
            createdAt: now
        )
    }

    /// A posting that takes credits from (or gives them back to) `lot` alone.
    func fromLot(_ kind: LedgerKind, _ change: WalletChange, _ lot: LotID, reference: String) -> Posting {
        Posting(id: ledgerID(), kind: kind, change: change, reference: reference, fromLot: lot)
    }

    private func expect(
        _ expected: StoreError.Kind,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async {
        let error = await #expect(throws: StoreError.self, sourceLocation: sourceLocation) { try await body() }
        guard let error, StoreError.Kind(error) == expected else {
            Issue.record("expected \(expected), got \(String(describing: error))", sourceLocation: sourceLocation)
            return
        }
    }

    /// The wallet, its ledger's length, and what `verifyWallets` and `verifyLots` find.
    func state(_ store: any Store, _ account: AccountID) async throws -> (WalletBalance?, Int) {
        let wallet = try await store.wallet(account: account)
        let entries = try await store.ledger(account: account, limit: 500, before: nil).count
        return (wallet, entries)
    }

    func expectVerified(_ store: any Store, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        #expect(try await store.verifyWallets() == [], sourceLocation: sourceLocation)
        #expect(try await store.verifyLots() == [], sourceLocation: sourceLocation)
    }

    // MARK: The inbox

    /// A provider delivers an event again and again: it is stored once, and keeps the body
    /// it came with first.
    @Test(arguments: StoreBackend.enabled)
    func anEventReceivedTwiceIsStoredOnceWithItsFirstBody(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let first = event("evt_1", body: #"{"first":true}"#)
        #expect(try await store.receiveProviderEvent(first) == first)
        var again = event("evt_1", body: #"{"second":true}"#, at: now.addingTimeInterval(60))
        again.type = "charge.dispute.closed"
        #expect(try await store.receiveProviderEvent(again) == first)
        #expect(try await store.unappliedProviderEvents(provider: "stripe", limit: 10) == [first])
        // The same id from another provider is another event.
        let other = event("evt_1", provider: "twilio")
        #expect(try await store.receiveProviderEvent(other) == other)
        #expect(try await store.unappliedProviderEvents(provider: "stripe", limit: 10) == [first])
    }

    /// An event applied in the transaction that moves its credits is marked applied by it;
    /// a second transaction applying it (a delivery racing the first) rolls back whole,
    /// and so does one applying an event never stored.
    @Test(arguments: StoreBackend.enabled)
    func anEventIsAppliedOnceWithTheCreditsItMoves(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        _ = try await store.receiveProviderEvent(event("evt_paid"))
        let applying = { (event: String) in
            WalletTransaction(
                accountID: account,
                postings: [posting(.purchase, .add(Credits(whole: 100)))],
                records: [.providerEventApplied(provider: "stripe", id: event)],
                request: nil,
                at: now.addingTimeInterval(5)
            )
        }
        _ = try await store.commit(applying("evt_paid"))
        let applied = try await store.receiveProviderEvent(event("evt_paid"))
        #expect(applied.appliedAt == now.addingTimeInterval(5))
        #expect(try await store.unappliedProviderEvents(provider: "stripe", limit: 10).isEmpty)
        let before = try await state(store, account)
        #expect(before.0?.available == Credits(whole: 100))

        await expect(.conflict) { _ = try await store.commit(applying("evt_paid")) }
        await expect(.conflict) { _ = try await store.commit(applying("evt_never_stored")) }
        let after = try await state(store, account)
        #expect(after.0 == before.0)
        #expect(after.1 == before.1)
        #expect(try await store.lots(account: account, limit: 10).count == 1)
        try await expectVerified(store)
    }

    /// An event that moved nothing is marked applied on its own; marking it again changes
    /// nothing, and a transaction applying it afterwards rolls back.
    @Test(arguments: StoreBackend.enabled)
    func markingAnEventAppliedTwiceIsHarmless(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        _ = try await store.receiveProviderEvent(event("evt_done"))
        try await store.markProviderEventApplied(provider: "stripe", id: "evt_done", at: now.addingTimeInterval(1))
        try await store.markProviderEventApplied(provider: "stripe", id: "evt_done", at: now.addingTimeInterval(2))
        #expect(try await store.receiveProviderEvent(event("evt_done")).appliedAt == now.addingTimeInterval(1))
        #expect(try await store.unappliedProviderEvents(provider: "stripe", limit: 10).isEmpty)
        await expect(.conflict) {
            _ = try await store.commit(
                WalletTransaction(
                    accountID: account,
                    postings: [posting(.purchase, .add(Credits(whole: 10)))],
                    records: [.providerEventApplied(provider: "stripe", id: "evt_done")],
                    request: nil,
                    at: now
                )
            )
        }
        #expect(try await store.wallet(account: account)?.total == .zero)
        await expect(.notFound) { try await store.markProviderEventApplied(provider: "stripe", id: "evt_unknown", at: now) }
    }

    /// An event that could not be applied keeps why, stays unapplied and is listed, oldest
    /// first, with the provider's other unapplied events, at most `limit`.
    @Test(arguments: StoreBackend.enabled)
    func aProblemIsKeptAndTheEventStaysUnapplied(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        _ = try await store.receiveProviderEvent(event("evt_late", at: now.addingTimeInterval(20)))
        _ = try await store.receiveProviderEvent(event("evt_odd", at: now.addingTimeInterval(10)))
        _ = try await store.receiveProviderEvent(event("evt_applied", at: now))
        _ = try await store.receiveProviderEvent(event("evt_elsewhere", provider: "twilio", at: now))
        try await store.markProviderEventApplied(provider: "stripe", id: "evt_applied", at: now)
        try await store.recordProviderEventProblem(provider: "stripe", id: "evt_odd", problem: "no purchase pur_x")
        try await store.recordProviderEventProblem(provider: "stripe", id: "evt_odd", problem: "unknown shape")

        let unapplied = try await store.unappliedProviderEvents(provider: "stripe", limit: 10)
        #expect(unapplied.map(\.id) == ["evt_odd", "evt_late"])
        #expect(unapplied.first?.problem == "unknown shape")
        #expect(unapplied.first?.appliedAt == nil)
        #expect(try await store.unappliedProviderEvents(provider: "stripe", limit: 1).map(\.id) == ["evt_odd"])
        #expect(try await store.unappliedProviderEvents(provider: "twilio", limit: 10).map(\.id) == ["evt_elsewhere"])
        await expect(.notFound) { try await store.recordProviderEventProblem(provider: "stripe", id: "evt_unknown", problem: "?") }
    }

    // MARK: Gateway customers

    /// The first customer kept for an account stays: a second one (two requests making a
    /// customer at once) is answered the first, and nothing else is kept.
    @Test(arguments: StoreBackend.enabled)
    func theFirstGatewayCustomerKeptWins(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let other = try await makeAccount(store)
        #expect(try await store.gatewayCustomer(account: account) == nil)
        #expect(try await store.keepGatewayCustomer("cus_first", account: account) == "cus_first")
        #expect(try await store.keepGatewayCustomer("cus_second", account: account) == "cus_first")
        #expect(try await store.gatewayCustomer(account: account) == "cus_first")
        #expect(try await store.gatewayCustomer(account: other) == nil)

        let kept = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<8 {
                group.addTask { try await store.keepGatewayCustomer("cus_racer_\(index)", account: other) }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(kept.count == 1)
        #expect(try await store.gatewayCustomer(account: other) == kept.first)
        await expect(.notFound) { _ = try await store.keepGatewayCustomer("cus_x", account: AccountID("acct_missing")) }
    }

    // MARK: Reversals

    /// A dispute takes the purchase's unused credits out of its lot (a `dispute` entry) and
    /// shows as open on the purchase; won, the credits go back to the lot. Closing it twice
    /// rolls the second closing back whole, and the wallet, ledger and lots still agree.
    @Test(arguments: StoreBackend.enabled)
    func aDisputeTakesItsLotsCreditsAndAWonOneGivesThemBack(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let (purchase, lot) = try await buy(store, account, "pur_disputed", credits: Credits(whole: 100), cents: 2_000)
        _ = try await store.commit(
            WalletTransaction(accountID: account, postings: [posting(.charge, .charge(Credits(whole: 30)))], request: nil, at: now)
        )
        let opened = dispute("dp_1", purchase, lot: lot, taken: Credits(whole: 70), shortfall: Credits(whole: 30))
        let taking = fromLot(.dispute, .remove(opened.creditsTaken), lot, reference: opened.id)
        _ = try await store.commit(WalletTransaction(accountID: account, postings: [taking], records: [.reversal(opened)], request: nil, at: now))

        #expect(try await store.wallet(account: account)?.available == .zero)
        #expect(try await store.lot(lot, account: account)?.remaining == .zero)
        #expect(try await store.purchase(purchase.id, account: account)?.dispute == .open)
        #expect(try await store.purchases(account: account, limit: 10).first?.dispute == .open)
        #expect(try await store.reversal("dp_1", account: account) == opened)
        #expect(try await store.reversals(purchase: purchase.id, account: account) == [opened])
        let entry = try #require(try await store.ledger(account: account, limit: 1, before: nil).first)
        #expect(entry.kind == .dispute)
        #expect(entry.lots == [LotMovement(lot: lot, available: -opened.creditsTaken, held: .zero)])
        try await expectVerified(store)

        let closedAt = now.addingTimeInterval(86_400)
        let winning = {
            WalletTransaction(
                accountID: account,
                postings: [fromLot(.dispute, .add(opened.creditsTaken), lot, reference: opened.id)],
                records: [.closeReversal("dp_1", status: .won, at: closedAt)],
                request: nil,
                at: closedAt
            )
        }
        _ = try await store.commit(winning())
        var won = opened
        won.status = .won
        won.closedAt = closedAt
        #expect(try await store.reversal("dp_1", account: account) == won)
        #expect(try await store.purchase(purchase.id, account: account)?.dispute == .won)
        #expect(try await store.lot(lot, account: account)?.remaining == Credits(whole: 70))
        #expect(try await store.wallet(account: account)?.available == Credits(whole: 70))

        let before = try await state(store, account)
        await expect(.conflict) { _ = try await store.commit(winning()) }
        let after = try await state(store, account)
        #expect(after.0 == before.0)
        #expect(after.1 == before.1)
        #expect(try await store.lot(lot, account: account)?.remaining == Credits(whole: 70))
        try await expectVerified(store)
    }

    /// A lost dispute moves nothing more: its credits stay out, the purchase shows it lost.
    @Test(arguments: StoreBackend.enabled)
    func aLostDisputeKeepsItsCreditsOut(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let (purchase, lot) = try await buy(store, account, "pur_lost", credits: Credits(whole: 50), cents: 1_000)
        let opened = dispute("dp_lost", purchase, lot: lot, taken: Credits(whole: 50))
        _ = try await store.commit(
            WalletTransaction(
                accountID: account,
                postings: [fromLot(.dispute, .remove(opened.creditsTaken), lot, reference: opened.id)],
                records: [.reversal(opened)],
                request: nil,
                at: now
            )
        )
        _ = try await store.commit(
            WalletTransaction(accountID: account, postings: [], records: [.closeReversal("dp_lost", status: .lost, at: now)], request: nil, at: now)
        )
        #expect(try await store.reversal("dp_lost", account: account)?.status == .lost)
        #expect(try await store.purchase(purchase.id, account: account)?.dispute == .lost)
        #expect(try await store.wallet(account: account)?.total == .zero)
        try await expectVerified(store)
    }

    /// A reversal recorded again (its event delivered twice, applied by two processes) is a
    /// duplicate, and the transaction carrying it moves nothing. An outside refund is
    /// final at once and is no dispute of its purchase.
    @Test(arguments: StoreBackend.enabled)
    func aReversalRecordedTwiceIsADuplicateAndMovesNothing(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let (purchase, lot) = try await buy(store, account, "pur_refunded", credits: Credits(whole: 100), cents: 2_000)
        let refund = Reversal(
            id: "re_outside",
            kind: .refund,
            accountID: account,
            purchaseID: purchase.id,
            lotID: lot,
            amountCents: 400,
            creditsTaken: Credits(whole: 20),
            shortfall: .zero,
            status: .lost,
            reason: "requested_by_customer",
            createdAt: now
        )
        let refunding = {
            WalletTransaction(
                accountID: account,
                postings: [fromLot(.refund, .remove(refund.creditsTaken), lot, reference: refund.id)],
                records: [.reversal(refund)],
                request: nil,
                at: now
            )
        }
        _ = try await store.commit(refunding())
        let before = try await state(store, account)
        #expect(before.0?.available == Credits(whole: 80))
        await #expect(throws: StoreError.duplicate(field: "id")) { _ = try await store.commit(refunding()) }
        let after = try await state(store, account)
        #expect(after.0 == before.0)
        #expect(after.1 == before.1)
        #expect(try await store.reversals(purchase: purchase.id, account: account) == [refund])
        #expect(try await store.purchase(purchase.id, account: account)?.dispute == nil)
        // An outside refund is closed already: there is nothing to close.
        await expect(.conflict) {
            _ = try await store.commit(
                WalletTransaction(
                    accountID: account,
                    postings: [],
                    records: [.closeReversal(refund.id, status: .won, at: now)],
                    request: nil,
                    at: now
                )
            )
        }
        try await expectVerified(store)
    }

    /// A reversal of a purchase the account never made writes nothing.
    @Test(arguments: StoreBackend.enabled)
    func aReversalOfAnUnknownPurchaseMovesNothing(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let (purchase, lot) = try await buy(store, account, "pur_known", credits: Credits(whole: 10), cents: 200)
        var stray = dispute("dp_stray", purchase, lot: lot, taken: Credits(whole: 10))
        stray.purchaseID = PurchaseID("pur_unknown")
        await expect(.notFound) {
            _ = try await store.commit(
                WalletTransaction(
                    accountID: account,
                    postings: [fromLot(.dispute, .remove(stray.creditsTaken), lot, reference: stray.id)],
                    records: [.reversal(stray)],
                    request: nil,
                    at: now
                )
            )
        }
        #expect(try await store.wallet(account: account)?.available == Credits(whole: 10))
        #expect(try await store.reversal("dp_stray", account: account) == nil)
    }

    // MARK: Payment intents by purchase

    /// A payment intent is found by its purchase id until it is settled.
    @Test(arguments: StoreBackend.enabled)
    func aPaymentIntentIsFoundByItsPurchaseUntilSettled(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let other = try await makeAccount(store)
        let intent = PaymentIntent(
            purchaseID: PurchaseID("pur_pending"),
            accountID: account,
            credits: Credits(whole: 100),
            amount: Money(cents: 2_000),
            paymentMethodID: PaymentMethodID("pm_1"),
            gatewayToken: "tok",
            createdAt: now
        )
        #expect(try await store.paymentIntent(intent.purchaseID, account: account) == nil)
        try await store.recordPaymentIntent(intent)
        #expect(try await store.paymentIntent(intent.purchaseID, account: account) == intent)
        #expect(try await store.paymentIntent(intent.purchaseID, account: other) == nil)
        _ = try await store.commit(
            WalletTransaction(
                accountID: account,
                postings: [posting(.purchase, .add(intent.credits))],
                records: [.settlePaymentIntent(intent.purchaseID)],
                request: nil,
                at: now
            )
        )
        #expect(try await store.paymentIntent(intent.purchaseID, account: account) == nil)
    }
}

extension StoreError {
    /// A store error's case, its details aside.
    fileprivate enum Kind: Sendable, Equatable {
        case insufficientCredits, duplicate, notFound, conflict, limitReached, idempotencyKeyTaken

        init(_ error: StoreError) {
            switch error {
            case .insufficientCredits: self = .insufficientCredits
            case .duplicate: self = .duplicate
            case .notFound: self = .notFound
            case .conflict: self = .conflict
            case .limitReached: self = .limitReached
            case .idempotencyKeyTaken: self = .idempotencyKeyTaken
            }
        }
    }
}
