import Foundation
import TallyCore
import TallyStore
import Testing

/// The store contract for credit lots: every credit added is a lot, every debit draws
/// lots in `LotOrder` (or from one named lot), and the lots always add up to their
/// wallet and to their ledger movements. Every conformance of `Store` must pass these.
@Suite("Lots contract", .closesItsStores)
struct LotsContractTests: ContractFixtures {
    let now = Date(timeIntervalSince1970: 1_790_000_000)
    let day: TimeInterval = 86_400

    /// How a write that raced others ended.
    enum Outcome: Sendable, Equatable {
        case committed, insufficient, conflict
    }

    // MARK: Helpers

    func ledgerID() -> LedgerEntryID { LedgerEntryID("led_\(UUID().uuidString)") }

    func hoursFromNow(_ hours: Int) -> Date { now.addingTimeInterval(TimeInterval(hours) * 3_600) }

    /// A lot to make, named `lot_<name>`.
    func newLot(
        _ name: String,
        source: LotSource = .grant,
        sourceID: String? = nil,
        priority: Int = LotOrder.defaultPriority,
        expiresAt: Date? = nil,
        costCents: Int64 = 0
    ) -> NewLot {
        NewLot(
            id: LotID("lot_\(name)"),
            source: source,
            sourceID: sourceID ?? "src_\(name)",
            costCents: costCents,
            expiresAt: expiresAt,
            priority: priority
        )
    }

    func makePurchase(_ account: AccountID, _ id: String, credits: Credits, cents: Int64) -> Purchase {
        Purchase(
            id: PurchaseID(id),
            accountID: account,
            credits: credits,
            amount: Money(cents: cents),
            status: .succeeded,
            origin: .purchase,
            paymentMethodID: nil,
            paymentReference: "ch_\(id)",
            failureReason: nil,
            createdAt: now
        )
    }

    /// Adds `credits` as one lot: `lot`, or the one the store derives from the posting.
    @discardableResult
    func add(
        _ store: any Store,
        _ account: AccountID,
        _ credits: Credits,
        lot: NewLot?,
        kind: LedgerKind = .grant,
        reference: String = "test",
        records: [WalletRecord] = [],
        at: Date? = nil
    ) async throws -> WalletBalance {
        try await store.commit(
            WalletTransaction(
                accountID: account,
                postings: [Posting(id: ledgerID(), kind: kind, change: .add(credits), reference: reference, lot: lot)],
                records: records,
                request: nil,
                at: at ?? now
            )
        )
    }

    /// Adds a purchase's credits as `lot`, with the purchase's row.
    @discardableResult
    func buy(_ store: any Store, _ purchase: Purchase, lot: NewLot, at: Date? = nil) async throws -> WalletBalance {
        try await add(
            store,
            purchase.accountID,
            purchase.credits,
            lot: lot,
            kind: .purchase,
            reference: purchase.id.rawValue,
            records: [.purchase(purchase)],
            at: at
        )
    }

    /// Spends `credits` outright, drawing lots in `LotOrder`.
    @discardableResult
    func charge(
        _ store: any Store,
        _ account: AccountID,
        _ credits: Credits,
        id: LedgerEntryID? = nil
    ) async throws
        -> WalletBalance
    {
        try await store.commit(
            WalletTransaction(
                accountID: account,
                postings: [Posting(id: id ?? ledgerID(), kind: .charge, change: .charge(credits), reference: "test")],
                request: nil,
                at: now
            )
        )
    }

    /// One posting that takes credits from (or gives them back to) `lot` alone.
    func fromLot(_ kind: LedgerKind, _ change: WalletChange, _ lot: LotID, id: LedgerEntryID? = nil) -> Posting {
        Posting(id: id ?? ledgerID(), kind: kind, change: change, reference: lot.rawValue, fromLot: lot)
    }

    @discardableResult
    func commit(
        _ store: any Store,
        _ account: AccountID,
        _ postings: [Posting],
        records: [WalletRecord] = [],
        at: Date? = nil
    ) async throws -> WalletBalance {
        try await store.commit(WalletTransaction(accountID: account, postings: postings, records: records, request: nil, at: at ?? now))
    }

    /// Commits a transaction racing others: a refusal is an outcome, any other error fails the test.
    func attempt(_ store: any Store, _ transaction: WalletTransaction) async throws -> Outcome {
        do {
            _ = try await store.commit(transaction)
            return .committed
        } catch StoreError.insufficientCredits {
            return .insufficient
        } catch StoreError.conflict {
            return .conflict
        }
    }

    func expectConflict(sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async {
        let error = await #expect(throws: StoreError.self, sourceLocation: sourceLocation) { try await body() }
        guard case .conflict = error else {
            Issue.record("expected a conflict, got \(String(describing: error))", sourceLocation: sourceLocation)
            return
        }
    }

    /// The account's ledger entry `id`, with its lot movements.
    func entry(
        _ store: any Store,
        _ account: AccountID,
        _ id: LedgerEntryID,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> LedgerEntry {
        let entries = try await store.ledger(account: account, limit: 500, before: nil)
        return try #require(entries.first(where: { $0.id == id }), sourceLocation: sourceLocation)
    }

    func moved(_ lot: NewLot, _ available: Credits, held: Credits = .zero) -> LotMovement {
        LotMovement(lot: lot.id, available: available, held: held)
    }

    /// The account's lots by id, once checked: their spendable and held credits add up to
    /// the wallet's, none is below zero or above what it began with, and `verifyLots`
    /// finds nothing anywhere.
    @discardableResult
    func checkLots(
        _ store: any Store,
        _ account: AccountID,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [LotID: CreditLot] {
        let lots = try await store.lots(account: account, limit: 100)
        let wallet = try #require(try await store.wallet(account: account), sourceLocation: sourceLocation)
        let remaining = lots.reduce(Credits.zero) { $0 + $1.remaining }
        let held = lots.reduce(Credits.zero) { $0 + $1.held }
        #expect(remaining == wallet.available, "lots remaining vs wallet available", sourceLocation: sourceLocation)
        #expect(held == wallet.held, "lots held vs wallet held", sourceLocation: sourceLocation)
        for lot in lots {
            let sane = lot.remaining >= .zero && lot.held >= .zero && lot.remaining + lot.held <= lot.credits
            #expect(sane, "lot \(lot.id): \(lot.remaining)/\(lot.held) of \(lot.credits)", sourceLocation: sourceLocation)
        }
        #expect(Set(lots.map(\.id)).count == lots.count, "a lot listed twice", sourceLocation: sourceLocation)
        #expect(try await store.verifyLots() == [], sourceLocation: sourceLocation)
        return Dictionary(lots.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Each lot's `remaining/held`, in the order given.
    func figures(_ lots: [LotID: CreditLot], _ order: [NewLot]) -> [String] {
        order.map { lot in lots[lot.id].map { "\($0.remaining)/\($0.held)" } ?? "missing" }
    }

    // MARK: Drawing lots

    /// A charge draws lots in `LotOrder` — lower priority first, then the soonest expiry
    /// (never-expiring lots last), then the oldest — whatever order they were added in.
    /// Each ledger entry names what it did to each lot, and `lots(account:limit:)` lists
    /// the live lots in draw order, then the spent ones newest first.
    @Test(arguments: StoreBackend.enabled)
    func aChargeDrawsLotsInLotOrder(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let lasting = newLot("lasting")
        let older = newLot("older", expiresAt: now.addingTimeInterval(day))
        let newer = newLot("newer", expiresAt: now.addingTimeInterval(day))
        let first = newLot("first", priority: 50)
        // Added out of draw order, each made at its own time.
        try await add(store, account, .whole(20), lot: lasting, at: hoursFromNow(-5))
        try await add(store, account, .whole(9), lot: newer, at: hoursFromNow(-3))
        try await add(store, account, .whole(5), lot: first, at: hoursFromNow(-1))
        try await add(store, account, .whole(7), lot: older, at: hoursFromNow(-4))

        let grants = try await store.ledger(account: account, limit: 10, before: nil)
        #expect(grants.count == 4)
        for grant in grants {
            #expect(grant.lots.count == 1)
            #expect(grant.lots.first?.available == grant.change.available && grant.lots.first?.held == .zero)
        }
        #expect(Set(grants.flatMap { $0.lots.map(\.lot) }) == Set([lasting.id, older.id, newer.id, first.id]))

        let made = try await checkLots(store, account)
        let madeOlder = try #require(made[older.id])
        #expect(madeOlder.credits == .whole(7) && madeOlder.remaining == .whole(7) && madeOlder.held == .zero)
        #expect(madeOlder.createdAt == hoursFromNow(-4) && madeOlder.expiresAt == now.addingTimeInterval(day))
        #expect(madeOlder.source == .grant && madeOlder.sourceID == "src_older" && madeOlder.accountID == account)
        #expect(made[first.id]?.priority == 50 && made[lasting.id]?.expiresAt == nil)

        // 18.5 credits: all of `first` (priority 50), all of `older`, then 6.5 of `newer`.
        let firstCharge = ledgerID()
        try await charge(store, account, Credits(thousandths: 18_500), id: firstCharge)
        let drawn = try await entry(store, account, firstCharge).lots
        #expect(drawn.count == 3)
        #expect(
            Set(drawn) == [moved(first, .whole(-5)), moved(older, .whole(-7)), moved(newer, Credits(thousandths: -6_500))]
        )
        let afterFirst = try await store.lots(account: account, limit: 10)
        #expect(afterFirst.map(\.id) == [newer.id, lasting.id, first.id, older.id])
        #expect(afterFirst.map(\.remaining) == [Credits(thousandths: 2_500), .whole(20), .zero, .zero])

        // 10 credits: the rest of `newer`, then the never-expiring lot.
        let secondCharge = ledgerID()
        try await charge(store, account, .whole(10), id: secondCharge)
        #expect(
            Set(try await entry(store, account, secondCharge).lots)
                == [moved(newer, Credits(thousandths: -2_500)), moved(lasting, Credits(thousandths: -7_500))]
        )
        let listed = try await store.lots(account: account, limit: 10)
        #expect(listed.map(\.id) == [lasting.id, first.id, newer.id, older.id])
        #expect(listed.map(\.remaining) == [Credits(thousandths: 12_500), .zero, .zero, .zero])
        #expect(listed.map(\.credits) == [.whole(20), .whole(5), .whole(9), .whole(7)])
        #expect(try await store.lots(account: account, limit: 2).map(\.id) == [lasting.id, first.id])

        // An overdraw is refused by the wallet, before any lot is touched.
        await #expect(throws: StoreError.insufficientCredits(available: Credits(thousandths: 12_500))) {
            try await charge(store, account, .whole(13))
        }
        #expect(try await store.lots(account: account, limit: 10) == listed)
        try await checkLots(store, account)
        #expect(try await store.verifyWallets().isEmpty)
    }

    /// A hold draws its credits in lot order into each lot's `held`; capturing part of it
    /// spends held credits of the hold's own lots, and releasing the rest gives them back
    /// to the lot they came from — not to a lot a charge drew meanwhile.
    @Test(arguments: StoreBackend.enabled)
    func aHoldCapturesAndReleasesFromTheLotsItDrew(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let a = newLot("a", priority: 10)
        let b = newLot("b", priority: 20)
        let c = newLot("c", priority: 30)
        for lot in [c, b, a] { try await add(store, account, .whole(10), lot: lot) }

        let hold = Hold(
            id: HoldID("hld_lots"),
            accountID: account,
            feature: Feature.sms.rawValue,
            credits: .whole(15),
            reference: "ref_hld_lots",
            createdAt: now,
            expiresAt: now.addingTimeInterval(300)
        )
        let holding = Posting(id: ledgerID(), kind: .hold, change: .hold(hold.credits), reference: hold.id.rawValue, hold: hold.id)
        try await commit(store, account, [holding], records: [.hold(hold)])
        var lots = try await checkLots(store, account)
        #expect(figures(lots, [a, b, c]) == ["0.000/10.000", "5.000/5.000", "10.000/0.000"])
        #expect(
            Set(try await entry(store, account, holding.id).lots)
                == [moved(a, .whole(-10), held: .whole(10)), moved(b, .whole(-5), held: .whole(5))]
        )
        #expect(try await store.verifyWallets().isEmpty)

        // A charge meanwhile takes the rest of b, then some of c.
        try await charge(store, account, .whole(7))
        lots = try await checkLots(store, account)
        #expect(figures(lots, [a, b, c]) == ["0.000/10.000", "0.000/5.000", "8.000/0.000"])

        // Capturing 12 spends held credits of the hold's lots, in lot order: a, then b.
        let capture = Posting(id: ledgerID(), kind: .capture, change: .capture(.whole(12)), reference: hold.id.rawValue, hold: hold.id)
        try await commit(store, account, [capture])
        lots = try await checkLots(store, account)
        #expect(figures(lots, [a, b, c]) == ["0.000/0.000", "0.000/3.000", "8.000/0.000"])
        #expect(
            Set(try await entry(store, account, capture.id).lots)
                == [moved(a, .zero, held: .whole(-10)), moved(b, .zero, held: .whole(-2))]
        )

        // The rest goes back to b, where it came from.
        let release = Posting(id: ledgerID(), kind: .release, change: .release(.whole(3)), reference: hold.id.rawValue, hold: hold.id)
        try await commit(
            store,
            account,
            [release],
            records: [.settleHold(hold.id, status: .captured, capturedCredits: .whole(12))]
        )
        lots = try await checkLots(store, account)
        #expect(figures(lots, [a, b, c]) == ["0.000/0.000", "3.000/0.000", "8.000/0.000"])
        #expect(try await entry(store, account, release.id).lots == [moved(b, .whole(3), held: .whole(-3))])
        #expect(
            try await store.wallet(account: account)
                == WalletBalance(available: .whole(11), held: .zero, used: .whole(19), total: .whole(30))
        )
        #expect(try await store.verifyWallets().isEmpty)
    }

    /// Concurrent charges drawing across lot boundaries: exactly as many succeed as the
    /// lots cover, the others are refused whole, and wallet, lots and ledger agree.
    @Test(arguments: StoreBackend.enabled)
    func concurrentChargesDrawEachLotExactlyOnce(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let batch = (1...5).map { newLot("batch\($0)") }
        for (index, lot) in batch.enumerated() {
            try await add(store, account, .whole(10), lot: lot, at: hoursFromNow(index - 5))
        }
        let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    try await attempt(
                        store,
                        WalletTransaction(
                            accountID: account,
                            postings: [posting(.charge, .charge(Credits(thousandths: 1_500)))],
                            request: nil,
                            at: now
                        )
                    )
                }
            }
            return try await group.reduce(into: [Outcome]()) { $0.append($1) }
        }
        // 50 credits cover 33 charges of 1.5 (49.5); the other 7 find 0.5 left.
        #expect(outcomes.filter { $0 == .committed }.count == 33)
        #expect(outcomes.filter { $0 == .insufficient }.count == 7)
        #expect(
            try await store.wallet(account: account)
                == WalletBalance(
                    available: Credits(thousandths: 500),
                    held: .zero,
                    used: Credits(thousandths: 49_500),
                    total: .whole(50)
                )
        )
        let lots = try await checkLots(store, account)
        #expect(batch.compactMap { lots[$0.id]?.remaining } == [.zero, .zero, .zero, .zero, Credits(thousandths: 500)])

        let charges = try await store.ledger(account: account, limit: 100, before: nil).filter { $0.kind == .charge }
        #expect(charges.count == 33)
        for charge in charges {
            #expect(charge.lots.reduce(Credits.zero) { $0 + $1.available } == Credits(thousandths: -1_500))
        }
        // Drawn one at a time, only the charges crossing 10, 20 and 40 credits span two
        // lots (30 falls exactly between two charges).
        #expect(charges.filter { $0.lots.count == 2 }.count == 3)
        #expect(try await store.verifyWallets().isEmpty)
    }

    // MARK: Listing

    /// `lots(account:limit:after:)` pages by keyset: each page goes on just after the last
    /// lot of the one before — through the lots with credits left (held ones included) in
    /// draw order, then on to the spent ones, newest first, ties broken by id — so paging
    /// with any page size lists every lot once, in the order of one long page.
    @Test(arguments: StoreBackend.enabled)
    func lotsArePagedWithCreditsFirstInDrawOrderThenSpentNewestFirst(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let other = try await makeAccount(store, email: "other@example.com")
        let inDay = now.addingTimeInterval(day)
        let inTwoDays = now.addingTimeInterval(2 * day)
        let lots: [(NewLot, Int64, Date)] = [
            (newLot("p10", priority: 10), 5, hoursFromNow(-6)),
            (newLot("e1", expiresAt: inDay), 5, hoursFromNow(-5)),
            (newLot("tieB"), 5, hoursFromNow(-4)),
            (newLot("tieA"), 5, hoursFromNow(-4)),
            (newLot("e2b", expiresAt: inTwoDays), 5, hoursFromNow(-3)),
            (newLot("e2a", expiresAt: inTwoDays), 5, hoursFromNow(-3)),
            (newLot("spentX", priority: 0), 1, hoursFromNow(-2)),
            (newLot("spentY", priority: 0), 1, hoursFromNow(-2)),
            (newLot("late", priority: 200), 5, hoursFromNow(-1)),
        ]
        for (lot, credits, at) in lots { try await add(store, account, .whole(credits), lot: lot, at: at) }
        try await add(store, other, .whole(7), lot: newLot("foreign"))
        // 12 credits empty spentX, spentY, p10 and e1; a hold then takes all of e2a.
        try await charge(store, account, .whole(12))
        let hold = Posting(id: ledgerID(), kind: .hold, change: .hold(.whole(5)), reference: "hld_page", hold: HoldID("hld_page"))
        try await commit(store, account, [hold])

        let expected = ["e2a", "e2b", "tieA", "tieB", "late", "spentY", "spentX", "e1", "p10"].map { LotID("lot_\($0)") }
        let whole = try await store.lots(account: account, limit: 100, after: nil)
        #expect(whole.map(\.id) == expected)
        #expect(whole.first?.held == .whole(5) && whole.first?.remaining == .zero)
        #expect(try await store.lots(account: account, limit: 100) == whole)
        for size in 1...10 {
            var listed: [CreditLot] = []
            var after: LotCursor?
            for _ in 0..<20 {
                let page = try await store.lots(account: account, limit: size, after: after)
                #expect(page.count <= size)
                listed += page
                guard page.count == size, let last = page.last else { break }
                after = last.cursor
            }
            #expect(listed.map(\.id) == expected, "pages of \(size)")
        }
        // Past the last lot, nothing; a cursor survives its text form.
        let last = try #require(whole.last)
        #expect(try await store.lots(account: account, limit: 10, after: last.cursor).isEmpty)
        #expect(LotCursor(last.cursor.encoded) == last.cursor)
        #expect(LotCursor(whole[2].cursor.encoded) == whole[2].cursor)
        #expect(try await store.lots(account: other, limit: 10, after: nil).map(\.id) == [LotID("lot_foreign")])
    }

    // MARK: One lot

    /// A posting with `fromLot` moves credits of that one lot, out of draw order, and only
    /// when the lot keeps enough: otherwise it is a conflict and nothing is written, though
    /// the wallet as a whole could pay. Credits given back return to that lot.
    @Test(arguments: StoreBackend.enabled)
    func aPostingFromOneLotTakesOnlyWhatThatLotKeeps(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let other = try await makeAccount(store, email: "other@example.com")
        let a = newLot("a")
        let b = newLot("b")
        let foreign = newLot("foreign")
        try await add(store, account, .whole(10), lot: a, at: hoursFromNow(-2))
        try await add(store, account, .whole(10), lot: b, at: hoursFromNow(-1))
        try await add(store, other, .whole(50), lot: foreign)
        let wallet = try await store.wallet(account: account)
        let ledger = try await store.ledger(account: account, limit: 100, before: nil)

        // b keeps 10 of the 12 asked; another account's lot is no lot of this wallet.
        await expectConflict { _ = try await commit(store, account, [fromLot(.refund, .remove(.whole(12)), b.id)]) }
        await expectConflict { _ = try await commit(store, account, [fromLot(.refund, .remove(.whole(5)), foreign.id)]) }
        #expect(try await store.wallet(account: account) == wallet)
        #expect(try await store.ledger(account: account, limit: 100, before: nil) == ledger)
        var lots = try await checkLots(store, account)
        #expect(figures(lots, [a, b]) == ["10.000/0.000", "10.000/0.000"])
        #expect(try await store.lot(foreign.id, account: other)?.remaining == .whole(50))

        // Enough kept: b alone gives, though a would be drawn first.
        let taking = ledgerID()
        try await commit(store, account, [fromLot(.refund, .remove(.whole(4)), b.id, id: taking)])
        lots = try await checkLots(store, account)
        #expect(figures(lots, [a, b]) == ["10.000/0.000", "6.000/0.000"])
        #expect(try await entry(store, account, taking).lots == [moved(b, .whole(-4))])
        #expect(
            try await store.wallet(account: account)
                == WalletBalance(available: .whole(16), held: .zero, used: .zero, total: .whole(16))
        )

        // Credits given back (a refund the gateway refused) return to b; no lot is made.
        let giving = ledgerID()
        try await commit(store, account, [fromLot(.refund, .add(.whole(3)), b.id, id: giving)])
        lots = try await checkLots(store, account)
        #expect(lots.count == 2)
        #expect(figures(lots, [a, b]) == ["10.000/0.000", "9.000/0.000"])
        #expect(try await entry(store, account, giving).lots == [moved(b, .whole(3))])
        #expect(
            try await store.wallet(account: account)
                == WalletBalance(available: .whole(19), held: .zero, used: .zero, total: .whole(19))
        )
        #expect(try await store.verifyWallets().isEmpty)
    }

    // MARK: Expired lots

    /// An expired lot is claimed once per lease. Charges racing its expiry never draw it —
    /// its credits are the expiry's from the instant it expires — and the expiry takes all
    /// of the lot's spendable credits or nothing: asked for fewer than the lot keeps, it is
    /// refused whole, so a lot expires once. The wallet loses just what expired.
    @Test(arguments: StoreBackend.enabled)
    func anExpiryTakesAllOfItsLotOnceWhileChargesDrawOthers(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let expiring = newLot("expiring", expiresAt: now.addingTimeInterval(-1))
        let lasting = newLot("lasting", source: .purchase)
        try await add(store, account, .whole(30), lot: expiring, at: hoursFromNow(-2))
        try await add(store, account, .whole(40), lot: lasting, kind: .purchase, at: hoursFromNow(-1))

        let claimed = try await store.claimExpiredLots(at: now, leaseSeconds: 60, limit: 10)
        #expect(claimed.map(\.id) == [expiring.id])
        let read = try #require(claimed.first).remaining
        #expect(read == .whole(30))
        #expect(try await store.claimExpiredLots(at: now.addingTimeInterval(30), leaseSeconds: 60, limit: 10).isEmpty)

        // Fewer than the lot keeps: refused whole, nothing written.
        let wallet = try await store.wallet(account: account)
        await expectConflict { _ = try await commit(store, account, [fromLot(.expiry, .remove(.whole(20)), expiring.id)]) }
        #expect(try await store.wallet(account: account) == wallet)
        #expect(try await store.lot(expiring.id, account: account)?.remaining == .whole(30))

        // 10 charges of 2.5 race the expiry. The expiring lot would be drawn first (soonest
        // expiry), but its expiry has come: every charge draws the lasting lot, and the
        // expiry takes all 30 whichever commits first.
        let expiry = fromLot(.expiry, .remove(read), expiring.id)
        let (expired, charged) = try await withThrowingTaskGroup(of: (Bool, Outcome).self) { group in
            for index in 0..<10 {
                if index == 3 {
                    group.addTask {
                        let outcome = try await attempt(store, WalletTransaction(accountID: account, postings: [expiry], request: nil, at: now))
                        return (true, outcome)
                    }
                }
                group.addTask {
                    let charge = posting(.charge, .charge(Credits(thousandths: 2_500)))
                    let outcome = try await attempt(store, WalletTransaction(accountID: account, postings: [charge], request: nil, at: now))
                    return (false, outcome)
                }
            }
            var expiryOutcome: Outcome?
            var chargeOutcomes: [Outcome] = []
            for try await result in group {
                if result.0 { expiryOutcome = result.1 } else { chargeOutcomes.append(result.1) }
            }
            return (expiryOutcome, chargeOutcomes)
        }
        #expect(expired == .committed)
        #expect(charged == [Outcome](repeating: .committed, count: 10))
        #expect(
            try await store.wallet(account: account)
                == WalletBalance(available: .whole(15), held: .zero, used: .whole(25), total: .whole(40))
        )
        let lots = try await checkLots(store, account)
        #expect(figures(lots, [expiring, lasting]) == ["0.000/0.000", "15.000/0.000"])
        #expect(try await entry(store, account, expiry.id).lots == [moved(expiring, -read)])
        let ledger = try await store.ledger(account: account, limit: 100, before: nil)
        for charge in ledger where charge.kind == .charge {
            #expect(charge.lots == [moved(lasting, Credits(thousandths: -2_500))])
        }
        #expect(ledger.filter { $0.kind == .expiry }.count == 1)

        // Expired once: never claimed again, and a second expiry finds nothing to take.
        let later = now.addingTimeInterval(61)
        #expect(try await store.claimExpiredLots(at: later, leaseSeconds: 60, limit: 10).isEmpty)
        await expectConflict { _ = try await commit(store, account, [fromLot(.expiry, .remove(.whole(1)), expiring.id)], at: later) }
        try await checkLots(store, account)
        #expect(try await store.verifyWallets().isEmpty)
    }

    /// From the instant of its `expiresAt` a lot's credits are no debit's, though the expiry
    /// has not taken them out of the wallet yet: a charge, a hold and a negative adjustment
    /// draw other lots, and a refund of the lot is refused. When only expired credits would
    /// cover a debit, the wallet refuses it as insufficient, naming the credits still
    /// spendable, and nothing is written; once the expiry has taken them, every credit
    /// left can be spent.
    @Test(arguments: StoreBackend.enabled)
    func aDebitNeverDrawsFromALotWhoseExpiryHasCome(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let expiresAt = now.addingTimeInterval(60)
        let expiring = newLot("expiring", priority: 10, expiresAt: expiresAt)
        let lasting = newLot("lasting")
        try await add(store, account, .whole(30), lot: expiring, at: hoursFromNow(-2))
        try await add(store, account, .whole(20), lot: lasting, at: hoursFromNow(-1))
        func at(_ seconds: TimeInterval) -> Date { expiresAt.addingTimeInterval(seconds) }

        // A moment before the expiry the lot is drawn first (priority 10).
        let early = posting(.charge, .charge(.whole(5)))
        try await commit(store, account, [early], at: at(-0.001))
        #expect(try await entry(store, account, early.id).lots == [moved(expiring, .whole(-5))])

        // At the instant of the expiry and after, only the lasting lot is drawn.
        let charge = posting(.charge, .charge(.whole(4)))
        try await commit(store, account, [charge], at: at(0))
        #expect(try await entry(store, account, charge.id).lots == [moved(lasting, .whole(-4))])
        let hold = Hold(
            id: HoldID("hld_after_expiry"),
            accountID: account,
            feature: Feature.sms.rawValue,
            credits: .whole(6),
            reference: "ref_after_expiry",
            createdAt: at(1),
            expiresAt: at(301)
        )
        let holding = Posting(id: ledgerID(), kind: .hold, change: .hold(hold.credits), reference: hold.id.rawValue, hold: hold.id)
        try await commit(store, account, [holding], records: [.hold(hold)], at: at(1))
        #expect(try await entry(store, account, holding.id).lots == [moved(lasting, .whole(-6), held: .whole(6))])
        let adjusting = posting(.adjustment, .remove(.whole(3)))
        try await commit(store, account, [adjusting], at: at(2))
        #expect(try await entry(store, account, adjusting.id).lots == [moved(lasting, .whole(-3))])
        await expectConflict { _ = try await commit(store, account, [fromLot(.refund, .remove(.whole(1)), expiring.id)], at: at(3)) }

        // 7 credits of the lasting lot are left and 25 of the expired one, which the wallet
        // still counts: a debit of 8 is refused, naming the 7 that can be spent.
        let wallet = try #require(try await store.wallet(account: account))
        #expect(wallet == WalletBalance(available: .whole(32), held: .whole(6), used: .whole(9), total: .whole(47)))
        let ledger = try await store.ledger(account: account, limit: 100, before: nil)
        let refused: [Posting] = [
            posting(.charge, .charge(.whole(8))),
            Posting(id: ledgerID(), kind: .hold, change: .hold(.whole(8)), reference: "hld_refused", hold: HoldID("hld_refused")),
            posting(.adjustment, .remove(.whole(8))),
        ]
        for debit in refused {
            await #expect(throws: StoreError.insufficientCredits(available: .whole(7))) {
                try await commit(store, account, [debit], at: at(4))
            }
        }
        #expect(try await store.wallet(account: account) == wallet)
        #expect(try await store.ledger(account: account, limit: 100, before: nil) == ledger)
        var lots = try await checkLots(store, account)
        #expect(figures(lots, [expiring, lasting]) == ["25.000/0.000", "7.000/6.000"])

        // The expiry takes the 25; the 7 left are all spendable.
        #expect(try await store.claimExpiredLots(at: at(5), leaseSeconds: 60, limit: 10).map(\.id) == [expiring.id])
        try await commit(store, account, [fromLot(.expiry, .remove(.whole(25)), expiring.id)], at: at(5))
        #expect(try await store.nextExpiry(account: account) == nil)
        try await commit(store, account, [posting(.charge, .charge(.whole(7)))], at: at(6))
        #expect(
            try await store.wallet(account: account)
                == WalletBalance(available: .zero, held: .whole(6), used: .whole(16), total: .whole(22))
        )
        lots = try await checkLots(store, account)
        #expect(figures(lots, [expiring, lasting]) == ["0.000/0.000", "0.000/6.000"])
        #expect(try await store.verifyWallets().isEmpty)
    }

    /// Credits a hold gives back to a lot that has expired leave the wallet in the same
    /// transaction, as an `expiry` entry naming the lot (its movement naming the hold) —
    /// whether the expiry took the lot's other credits already or not, and when the
    /// release was stamped just before the expiry but written after it. No debit spends
    /// them, the wallet shows no expiry in the past, the lot is never claimed again, and
    /// captured held credits are spent as ever.
    @Test(arguments: StoreBackend.enabled)
    func aReleaseOntoAnExpiredLotExpiresItsCreditsAtOnce(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let expiresAt = now.addingTimeInterval(3_600)
        let trial = newLot("trial", priority: 10, expiresAt: expiresAt)
        let lasting = newLot("lasting")
        try await add(store, account, .whole(30), lot: trial, at: hoursFromNow(-2))
        try await add(store, account, .whole(10), lot: lasting, at: hoursFromNow(-1))
        func at(_ seconds: TimeInterval) -> Date { expiresAt.addingTimeInterval(seconds) }

        // Four holds take 25 of the trial lot.
        var holds: [String: HoldID] = [:]
        for (name, credits) in [("a", 10), ("b", 5), ("c", 5), ("d", 5)] {
            let hold = Hold(
                id: HoldID("hld_\(name)"),
                accountID: account,
                feature: Feature.sms.rawValue,
                credits: .whole(Int64(credits)),
                reference: "ref_\(name)",
                createdAt: now,
                expiresAt: at(3_600)
            )
            holds[name] = hold.id
            let holding = Posting(id: ledgerID(), kind: .hold, change: .hold(hold.credits), reference: hold.id.rawValue, hold: hold.id)
            try await commit(store, account, [holding], records: [.hold(hold)])
        }
        var lots = try await checkLots(store, account)
        #expect(figures(lots, [trial, lasting]) == ["5.000/25.000", "10.000/0.000"])

        func release(_ name: String, _ credits: Int64, at time: Date) async throws -> LedgerEntry {
            let hold = try #require(holds[name])
            let release = Posting(id: ledgerID(), kind: .release, change: .release(.whole(credits)), reference: hold.rawValue, hold: hold)
            try await commit(store, account, [release], records: [.settleHold(hold, status: .released, capturedCredits: .zero)], at: time)
            #expect(try await entry(store, account, release.id).lots == [moved(trial, .whole(credits), held: .whole(-credits))])
            // The newest entry takes them out again: an expiry of the trial lot.
            let newest = try #require(try await store.ledger(account: account, limit: 1, before: nil).first)
            #expect(newest.kind == .expiry && newest.reference == trial.id.rawValue)
            #expect(newest.change == .remove(.whole(credits)))
            #expect(newest.lots == [moved(trial, .whole(-credits))])
            return newest
        }

        // Released after the expiry, before the worker ran: a's 10 leave at once, the lot
        // keeps its 5 spendable credits for the worker.
        _ = try await release("a", 10, at: at(1))
        lots = try await checkLots(store, account)
        #expect(figures(lots, [trial, lasting]) == ["5.000/15.000", "10.000/0.000"])
        #expect(try await store.wallet(account: account)?.available == .whole(15))

        // The worker takes the 5.
        #expect(try await store.claimExpiredLots(at: at(2), leaseSeconds: 60, limit: 10).map(\.id) == [trial.id])
        try await commit(store, account, [fromLot(.expiry, .remove(.whole(5)), trial.id)], at: at(2))

        // Released after the worker: b's 5 leave at once.
        _ = try await release("b", 5, at: at(3))
        // Stamped a second before the expiry but written after the worker: c's 5 leave too.
        _ = try await release("c", 5, at: at(-1))
        // Captured after the expiry: d's 5 are spent, as an action in flight spends them.
        let capture = Posting(id: ledgerID(), kind: .capture, change: .capture(.whole(5)), reference: "hld_d", hold: holds["d"])
        let captured = try #require(holds["d"])
        try await commit(store, account, [capture], records: [.settleHold(captured, status: .captured, capturedCredits: .whole(5))], at: at(4))
        #expect(try await entry(store, account, capture.id).lots == [moved(trial, .zero, held: .whole(-5))])

        lots = try await checkLots(store, account)
        #expect(figures(lots, [trial, lasting]) == ["0.000/0.000", "10.000/0.000"])
        #expect(
            try await store.wallet(account: account)
                == WalletBalance(available: .whole(10), held: .zero, used: .whole(5), total: .whole(15))
        )
        #expect(try await store.nextExpiry(account: account) == nil)
        #expect(try await store.claimExpiredLots(at: at(120), leaseSeconds: 60, limit: 10).isEmpty)
        // One expiry of the lot's own and one per hold that gave credits back.
        let expiries = try await store.ledger(account: account, limit: 100, before: nil).filter { $0.kind == .expiry }
        #expect(expiries.count == 4)
        #expect(expiries.reduce(Credits.zero) { $0 - $1.change.available } == .whole(25))

        // What is left is the lasting lot's, all of it spendable.
        let charge = posting(.charge, .charge(.whole(10)))
        try await commit(store, account, [charge], at: at(5))
        #expect(try await entry(store, account, charge.id).lots == [moved(lasting, .whole(-10))])
        try await checkLots(store, account)
        #expect(try await store.verifyWallets().isEmpty)
    }

    /// `verifyLots` names a movement that drew a lot at or after its expiry (other than the
    /// expiry) and a lot expired twice by the same hand — here written behind the store's
    /// back — and says nothing of a lot expired once plus once per hold.
    @Test(arguments: StoreBackend.enabled)
    func verifyNamesADrawAfterExpiryAndALotExpiredTwice(backend: StoreBackend) async throws {
        let test = try await backend.makeStore()
        let store = test.store
        let account = try await makeAccount(store)
        let expiresAt = now.addingTimeInterval(3_600)
        let late = newLot("late", expiresAt: expiresAt)
        try await add(store, account, .whole(10), lot: late, at: hoursFromNow(-1))
        let charge = posting(.charge, .charge(.whole(4)))
        try await commit(store, account, [charge], at: expiresAt.addingTimeInterval(-60))
        try await commit(store, account, [fromLot(.expiry, .remove(.whole(6)), late.id)], at: expiresAt.addingTimeInterval(1))
        try await checkLots(store, account)

        // The lot's expiry moved before the charge, and a second expiry of its own.
        let movedExpiry = expiresAt.addingTimeInterval(-120).storedMilliseconds
        try await test.tamper("UPDATE lots SET expires_at = \(movedExpiry) WHERE id = '\(late.id)'")
        try await test.tamper(
            """
            INSERT INTO ledger (id, account_id, kind, available, held, used, total, available_after, reference, created_at)
            VALUES ('led_again', '\(account)', 'expiry', 0, 0, 0, 0, 0, '\(late.id)', \(expiresAt.storedMilliseconds + 5_000))
            """
        )
        try await test.tamper(
            """
            INSERT INTO ledger_lots (ledger_id, lot_id, account_id, hold_id, available, held)
            VALUES ('led_again', '\(late.id)', '\(account)', NULL, 0, 0)
            """
        )
        let problems = try await store.verifyLots()
        #expect(problems.count == 2, "\(problems)")
        #expect(problems.first?.hasPrefix("ledger entry \(charge.id) drew 4.000 credits from lot \(late.id) at ") == true, "\(problems)")
        #expect(problems.last == "lot \(late.id) expired 2 times", "\(problems)")
    }

    // MARK: Refunds

    /// A refund races charges on the purchase lot it refunds: the lot never gives more than
    /// its 100 credits. Either the refund takes its 60 and one charge the rest (with some
    /// of the bonus lot), or a charge draws the lot first and the refund writes nothing.
    @Test(arguments: StoreBackend.enabled)
    func aRefundRacingChargesNeverTakesMoreThanItsLot(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let purchase = makePurchase(account, "pur_race", credits: .whole(100), cents: 2_000)
        let bought = newLot("bought", source: .purchase, sourceID: purchase.id.rawValue, costCents: 2_000)
        let bonus = newLot("bonus", priority: 200)
        try await buy(store, purchase, lot: bought, at: hoursFromNow(-2))
        try await add(store, account, .whole(50), lot: bonus, at: hoursFromNow(-1))

        let refund = Refund(
            id: RefundID("rfd_race"),
            accountID: account,
            purchaseID: purchase.id,
            lotID: bought.id,
            credits: .whole(60),
            amount: Money(cents: 1_200),
            status: .pending,
            createdAt: now
        )
        let refunding = WalletTransaction(
            accountID: account,
            postings: [fromLot(.refund, .remove(refund.credits), bought.id)],
            records: [.refund(refund)],
            request: nil,
            at: now
        )
        let (refunded, charged) = try await withThrowingTaskGroup(of: (Bool, Outcome).self) { group in
            group.addTask {
                let charge = posting(.charge, .charge(.whole(50)))
                let outcome = try await attempt(store, WalletTransaction(accountID: account, postings: [charge], request: nil, at: now))
                return (false, outcome)
            }
            group.addTask {
                let outcome = try await attempt(store, refunding)
                return (true, outcome)
            }
            group.addTask {
                let charge = posting(.charge, .charge(.whole(50)))
                let outcome = try await attempt(store, WalletTransaction(accountID: account, postings: [charge], request: nil, at: now))
                return (false, outcome)
            }
            var refundOutcome: Outcome?
            var chargeOutcomes: [Outcome] = []
            for try await result in group {
                if result.0 { refundOutcome = result.1 } else { chargeOutcomes.append(result.1) }
            }
            return (refundOutcome, chargeOutcomes)
        }

        let lots = try await checkLots(store, account)
        let wallet = try await store.wallet(account: account)
        if refunded == .committed {
            #expect(charged.filter { $0 == .committed }.count == 1)
            #expect(charged.filter { $0 == .insufficient }.count == 1)
            #expect(wallet == WalletBalance(available: .whole(40), held: .zero, used: .whole(50), total: .whole(90)))
            #expect(figures(lots, [bought, bonus]) == ["0.000/0.000", "40.000/0.000"])
            #expect(try await store.refund(refund.id, account: account) == refund)
            #expect(try await store.refunds(purchase: purchase.id, account: account) == [refund])
        } else {
            // Refused by the lot (a charge drew it first) or by the wallet (both did).
            #expect(refunded == .conflict || refunded == .insufficient)
            #expect(charged == [.committed, .committed])
            #expect(wallet == WalletBalance(available: .whole(50), held: .zero, used: .whole(100), total: .whole(150)))
            #expect(figures(lots, [bought, bonus]) == ["0.000/0.000", "50.000/0.000"])
            #expect(try await store.refund(refund.id, account: account) == nil)
            #expect(try await store.refunds(purchase: purchase.id, account: account).isEmpty)
        }
        // Exactly the lot's 100 credits left it, counting the refund's and the charges' draws.
        let taken = try await store.ledger(account: account, limit: 100, before: nil)
            .flatMap(\.lots)
            .filter { $0.lot == bought.id && $0.available < .zero }
            .reduce(Credits.zero) { $0 - $1.available }
        #expect(taken == .whole(100))
        #expect(try await store.verifyWallets().isEmpty)
    }

    /// A pending refund reads back by id and by purchase and is leased to one reconciler;
    /// it settles once (a second settlement is a conflict), and once succeeded its credits
    /// and money count on its purchase.
    @Test(arguments: StoreBackend.enabled)
    func aRefundSettlesOnceAndCountsOnItsPurchase(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let other = try await makeAccount(store, email: "other@example.com")
        let purchase = makePurchase(account, "pur_refund", credits: .whole(100), cents: 2_000)
        let bought = newLot("bought", source: .purchase, sourceID: purchase.id.rawValue, costCents: 2_000)
        try await buy(store, purchase, lot: bought)
        try await charge(store, account, .whole(30))

        let refund = Refund(
            id: RefundID("rfd_1"),
            accountID: account,
            purchaseID: purchase.id,
            lotID: bought.id,
            credits: .whole(60),
            amount: Money(cents: 1_200),
            status: .pending,
            createdAt: now
        )
        try await commit(store, account, [fromLot(.refund, .remove(refund.credits), bought.id)], records: [.refund(refund)])
        #expect(try await store.refund(refund.id, account: account) == refund)
        #expect(try await store.refund(refund.id, account: other) == nil)
        #expect(try await store.refunds(purchase: purchase.id, account: account) == [refund])
        #expect(try await store.refunds(purchase: purchase.id, account: other).isEmpty)
        #expect(try await store.lot(bought.id, account: account)?.remaining == .whole(10))
        #expect(try await store.purchase(purchase.id, account: account)?.refundedCredits == .zero)

        // Left pending past its request, it is leased to one reconciler.
        let stale = now.addingTimeInterval(120)
        #expect(try await store.claimStaleRefunds(createdBefore: now, at: stale, leaseSeconds: 60, limit: 10).isEmpty)
        #expect(try await store.claimStaleRefunds(createdBefore: stale, at: stale, leaseSeconds: 60, limit: 10) == [refund])
        #expect(try await store.claimStaleRefunds(createdBefore: stale, at: stale, leaseSeconds: 60, limit: 10).isEmpty)

        let settle = WalletTransaction(
            accountID: account,
            postings: [],
            records: [.settleRefund(refund.id, status: .succeeded, gatewayReference: "re_1", failureReason: nil)],
            request: nil,
            at: stale
        )
        _ = try await store.commit(settle)
        var settled = refund
        settled.status = .succeeded
        settled.gatewayReference = "re_1"
        #expect(try await store.refund(refund.id, account: account) == settled)
        let refundedPurchase = try #require(try await store.purchase(purchase.id, account: account))
        #expect(refundedPurchase.refundedCredits == .whole(60))
        #expect(refundedPurchase.refundedAmount == Money(cents: 1_200))

        // Settled once: settling again, either way, is a conflict and changes nothing.
        await expectConflict { _ = try await store.commit(settle) }
        await expectConflict {
            _ = try await commit(
                store,
                account,
                [],
                records: [.settleRefund(refund.id, status: .failed, gatewayReference: nil, failureReason: "late")]
            )
        }
        #expect(try await store.refund(refund.id, account: account) == settled)
        #expect(try await store.purchase(purchase.id, account: account) == refundedPurchase)
        let muchLater = stale.addingTimeInterval(600)
        #expect(try await store.claimStaleRefunds(createdBefore: muchLater, at: muchLater, leaseSeconds: 60, limit: 10).isEmpty)
        #expect(
            try await store.wallet(account: account)
                == WalletBalance(available: .whole(10), held: .zero, used: .whole(30), total: .whole(40))
        )
        try await checkLots(store, account)
        #expect(try await store.verifyWallets().isEmpty)
    }

    // MARK: Expiry and lookups

    /// `nextExpiry` sums the spendable credits of the lots at the soonest expiry;
    /// `lotsExpiring` lists each lot about to expire until its notice is recorded, and a
    /// lot's expiry is announced once.
    @Test(arguments: StoreBackend.enabled)
    func theNextExpiryAndItsNotice(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let other = try await makeAccount(store, email: "other@example.com")
        let dayOne = now.addingTimeInterval(day)
        let dayTwo = now.addingTimeInterval(2 * day)
        let soon = newLot("soon", expiresAt: dayOne)
        let laterA = newLot("laterA", expiresAt: dayTwo)
        let laterB = newLot("laterB", expiresAt: dayTwo)
        try await add(store, account, .whole(3), lot: soon, at: hoursFromNow(-4))
        try await add(store, account, .whole(10), lot: laterA, at: hoursFromNow(-3))
        try await add(store, account, .whole(5), lot: laterB, at: hoursFromNow(-2))
        try await add(store, account, .whole(20), lot: newLot("lasting"), at: hoursFromNow(-1))
        try await add(store, other, .whole(8), lot: newLot("otherLasting"))
        #expect(try await store.nextExpiry(account: other) == nil)

        var next = try #require(try await store.nextExpiry(account: account))
        #expect(next.credits == .whole(3) && next.at == dayOne)
        // Spent, `soon` no longer counts: next are the two lots of day two.
        try await charge(store, account, .whole(3))
        next = try #require(try await store.nextExpiry(account: account))
        #expect(next.credits == .whole(15) && next.at == dayTwo)
        try await charge(store, account, .whole(2))
        next = try #require(try await store.nextExpiry(account: account))
        #expect(next.credits == .whole(13) && next.at == dayTwo)

        let horizon = now.addingTimeInterval(3 * day)
        let expiring = try await store.lotsExpiring(at: now, before: horizon, limit: 10)
        #expect(expiring.map(\.id).sorted() == [laterA.id, laterB.id])
        #expect(try await store.lotsExpiring(at: now, before: dayOne, limit: 10).isEmpty)
        #expect(try await store.lotsExpiring(at: dayTwo, before: horizon, limit: 10).isEmpty)

        // Announced, a lot is listed no more; announced again, it is a conflict.
        try await commit(store, account, [], records: [.expiryNotice(laterA.id)])
        #expect(try await store.lotsExpiring(at: now, before: horizon, limit: 10).map(\.id) == [laterB.id])
        await expectConflict { _ = try await commit(store, account, [], records: [.expiryNotice(laterA.id)]) }
        // Another account cannot announce this account's lot.
        await expectConflict { _ = try await commit(store, other, [], records: [.expiryNotice(laterB.id)]) }
        #expect(try await store.lotsExpiring(at: now, before: horizon, limit: 10).map(\.id) == [laterB.id])
        try await checkLots(store, account)
    }

    /// A purchase's credits become its lot — the one given, or without one the lot the store
    /// derives from the posting — found by the purchase, and by nothing of another account.
    @Test(arguments: StoreBackend.enabled)
    func aPurchaseFindsItsLot(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let other = try await makeAccount(store, email: "other@example.com")

        let plain = makePurchase(account, "pur_plain", credits: .whole(100), cents: 2_000)
        let adding = ledgerID()
        try await commit(
            store,
            account,
            [Posting(id: adding, kind: .purchase, change: .add(plain.credits), reference: plain.id.rawValue)],
            records: [.purchase(plain)]
        )
        let derived = try #require(try await store.lot(purchase: plain.id, account: account))
        #expect(derived.id == LotID("lot_" + adding.rawValue))
        #expect(derived.accountID == account && derived.source == .purchase && derived.sourceID == plain.id.rawValue)
        #expect(derived.credits == .whole(100) && derived.remaining == .whole(100) && derived.held == .zero)
        #expect(derived.expiresAt == nil && derived.priority == LotOrder.defaultPriority && derived.createdAt == now)
        #expect(try await store.lot(derived.id, account: account) == derived)

        let recharge = makePurchase(account, "pur_recharge", credits: .whole(25), cents: 500)
        let given = newLot("recharge", source: .recharge, sourceID: recharge.id.rawValue, expiresAt: now.addingTimeInterval(day), costCents: 500)
        try await add(store, account, recharge.credits, lot: given, kind: .recharge, reference: recharge.id.rawValue, records: [.purchase(recharge)])
        let found = try #require(try await store.lot(purchase: recharge.id, account: account))
        #expect(found.id == given.id && found.source == .recharge && found.costCents == 500)
        #expect(found.expiresAt == now.addingTimeInterval(day))

        #expect(try await store.lot(purchase: plain.id, account: other) == nil)
        #expect(try await store.lot(derived.id, account: other) == nil)
        #expect(try await store.lot(purchase: PurchaseID("pur_missing"), account: account) == nil)
        #expect(try await store.lot(LotID("lot_missing"), account: account) == nil)
        try await checkLots(store, account)
    }
}

extension Credits {
    /// Whole credits, spelled short: `.whole(10)`.
    fileprivate static func whole(_ count: Int64) -> Credits { Credits(whole: count) }
}
