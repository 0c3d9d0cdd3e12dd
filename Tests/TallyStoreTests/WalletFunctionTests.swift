import Foundation
import PostgresNIO
import TallyCore
import TallyTestSupport
import Testing

@testable import TallyStore

/// `tally_hold`, `tally_settle` and `tally_credit` (`HoldFunctions`), called directly: a
/// hold placed, then captured and released, and a purchase's credits write exactly what
/// the statements write for the same transactions on another database; a refusal writes
/// nothing; what only the statements do is left to them. The store's own use of them is
/// proven by the contract suite on PostgreSQL, whose holds and purchases go through them.
@Suite(.enabled(if: PostgresTestDatabase.serverURL != nil, "needs TALLY_TEST_POSTGRES_URL"))
struct WalletFunctionTests: ContractFixtures {
    let now = Date(timeIntervalSince1970: 1_790_000_000)
    let account = AccountID("acct_holds")
    let hold = HoldID("hld_1")

    /// A store on a new database with the account and three lots of 10 credits, drawn
    /// `a`, `b`, then `c`; `c` expires in a minute.
    func store() async throws -> PostgresStore {
        var configuration = try await PostgresTestDatabase.make()
        configuration.options.maximumConnections = 4
        let store = PostgresStore(configuration: configuration)
        try await store.createAccount(
            Account(id: account, name: "Acme", createdAt: now),
            owner: User(
                id: UserID("usr_holds"),
                accountID: account,
                email: "holds@example.com",
                name: "Olive",
                role: .owner,
                passwordHash: "hash",
                createdAt: now
            )
        )
        for (name, priority, expiry) in [("c", 30, now.addingTimeInterval(60)), ("b", 20, nil), ("a", 10, nil)] {
            let lot = NewLot(id: LotID("lot_\(name)"), source: .grant, sourceID: "src_\(name)", expiresAt: expiry, priority: priority)
            let adding = Posting(id: LedgerEntryID("led_add_\(name)"), kind: .grant, change: .add(.whole(10)), reference: "test", lot: lot)
            _ = try await store.commit(WalletTransaction(accountID: account, postings: [adding], request: nil, at: now))
        }
        return store
    }

    /// A hold of `credits` as the API places it, answering key `k` claimed by this write.
    func placing(_ credits: Credits, id: HoldID? = nil, at: Date? = nil) -> WalletTransaction {
        let id = id ?? hold
        let at = at ?? now
        let placed = Hold(
            id: id,
            accountID: account,
            feature: "render",
            credits: credits,
            reference: "job_1",
            createdAt: at,
            expiresAt: at.addingTimeInterval(300)
        )
        return WalletTransaction(
            accountID: account,
            postings: [Posting(id: LedgerEntryID("led_\(id)"), kind: .hold, change: .hold(credits), reference: id.rawValue, hold: id)],
            records: [.hold(placed)],
            idempotency: IdempotentResponse(key: "k_\(id)", status: 201, body: [1], claimToken: nil),
            request: .byFirstWrite(FirstWriteClaim(key: "k_\(id)", requestHash: "h")),
            at: at
        )
    }

    /// The hold's capture of `captured` and release of the rest of `held`, as the API settles it.
    func settling(_ captured: Credits, of held: Credits, id: HoldID? = nil, at: Date? = nil) -> WalletTransaction {
        let id = id ?? hold
        let at = at ?? now
        var postings: [Posting] = []
        if captured.isPositive {
            postings.append(Posting(id: LedgerEntryID("led_cap_\(id)"), kind: .capture, change: .capture(captured), reference: id.rawValue, hold: id))
        }
        if (held - captured).isPositive {
            postings.append(
                Posting(id: LedgerEntryID("led_rel_\(id)"), kind: .release, change: .release(held - captured), reference: id.rawValue, hold: id)
            )
        }
        var records: [WalletRecord] = [.settleHold(id, status: captured.isPositive ? .captured : .released, capturedCredits: captured)]
        if captured.isPositive {
            records.append(.heldUsage(HeldUsage(feature: "render", day: PacificDay.of(at), credits: captured)))
        }
        return WalletTransaction(
            accountID: account,
            postings: postings,
            records: records,
            idempotency: IdempotentResponse(key: "s_\(id)", status: 200, body: [2], claimToken: nil),
            request: .byFirstWrite(FirstWriteClaim(key: "s_\(id)", requestHash: "h")),
            at: at
        )
    }

    func charging(_ credits: Credits) -> WalletTransaction {
        WalletTransaction(
            accountID: account,
            postings: [Posting(id: LedgerEntryID("led_charge"), kind: .charge, change: .charge(credits), reference: "test")],
            request: nil,
            at: now
        )
    }

    /// What one call of the transaction's function did.
    func call(_ store: PostgresStore, _ transaction: WalletTransaction) async throws -> PostgresStore.ChargeOutcome {
        let call = try #require(PostgresStore.OneCall(transaction))
        return try await store.pooled { connection in try await PostgresStore.call(call, effectsAfter: false, connection, store.logger) }
    }

    /// Writes the transaction statement by statement, as the store did before the functions.
    func statements(_ store: PostgresStore, _ transaction: WalletTransaction) async throws {
        _ = try await store.transaction { connection in try await PostgresStore.apply(transaction, connection, store.logger) }
    }

    /// Everything the account's money is: its wallet, each entry with its lots, hold and
    /// key, its lots, the hold, the day's rollups and the keys' answers.
    func everything(_ store: PostgresStore) async throws -> [String] {
        var lines = ["\(try #require(try await store.wallet(account: account)))"]
        for summary in try await store.ledger(account: account, limit: 20, before: nil) {
            var entry = try #require(try await store.ledgerEntry(summary.id, account: account))
            entry.sequence = 0
            entry.lots.sort { $0.lot.rawValue < $1.lot.rawValue }
            lines.append("\(entry)")
        }
        for lot in try await store.lots(account: account, limit: 20, after: nil) {
            lines.append("\(lot.id) \(lot.remaining) \(lot.held)")
        }
        lines.append("\(String(describing: try await store.hold(hold, account: account)))")
        let day = PacificDay.of(now)
        lines.append("\(try await store.usageRollup(account: account, from: day, to: day))")
        for key in ["k_\(hold)", "s_\(hold)"] {
            lines.append("\(try await store.claimIdempotencyKey(key, requestHash: "h", account: account, at: now, staleAfter: 30))")
        }
        return lines
    }

    @Test func aHoldAndItsSettlementWriteWhatTheStatementsWrite() async throws {
        let called = try await store()
        let written = try await store()
        // Held 15: all of a, 5 of b. A charge of 7 then takes the rest of b and 2 of c.
        // Captured 12 (10 of a, 2 of b), released 3 to b, in one call.
        for transaction in [placing(.whole(15)), charging(.whole(7)), settling(.whole(12), of: .whole(15))] {
            if transaction.postings.first?.kind == .charge {
                _ = try await called.commit(transaction)
            } else {
                let outcome = try await call(called, transaction)
                guard case .charged = outcome else {
                    Issue.record("not written by the call: \(outcome)")
                    return
                }
            }
            try await statements(written, transaction)
        }
        let figures = try await everything(called)
        #expect(figures == (try await everything(written)))
        #expect(figures[0] == "\(WalletBalance(available: .whole(11), held: .zero, used: .whole(19), total: .whole(30)))")
        #expect(try await called.lot(LotID("lot_b"), account: account)?.remaining == .whole(3))
        #expect(try await called.verifyWallets().isEmpty)
        #expect(try await called.verifyLots().isEmpty)
        try await called.close()
        try await written.close()
    }

    @Test func aSettledHoldIsRefusedWithNothingWritten() async throws {
        let store = try await store()
        for placed in [placing(.whole(4)), placing(.whole(5), id: HoldID("hld_other"))] {
            guard case .charged = try await call(store, placed) else {
                Issue.record("the hold was not placed")
                return
            }
        }
        let settled = try await call(store, settling(.zero, of: .whole(4)))
        guard case .charged(let balance, let before, effects: false) = settled else {
            Issue.record("not released: \(settled)")
            return
        }
        #expect(balance.available == .whole(25) && before == .whole(21))
        // Captured after its release: the wallet still holds the other hold's credits, but
        // this hold is no longer active.
        var again = settling(.whole(4), of: .whole(4))
        again.idempotency = nil
        again.claim = nil
        let refused = try await call(store, again)
        guard case .refused(let error) = refused else {
            Issue.record("settled twice: \(refused)")
            return
        }
        #expect(error as? StoreError == .conflict("hold \(hold) is no longer active"))
        #expect(try await store.wallet(account: account) == WalletBalance(available: .whole(25), held: .whole(5), used: .zero, total: .whole(30)))
        #expect(try await store.ledger(account: account, limit: 20, before: nil).count == 6)
        #expect(try await store.hold(hold, account: account)?.status == .released)
        // A hold beyond what the lots hold is refused as the statements refuse it.
        let short = try await call(store, placing(.whole(26), id: HoldID("hld_short")))
        guard case .refused(let shortError) = short else {
            Issue.record("held more than there is: \(short)")
            return
        }
        #expect(shortError as? StoreError == .insufficientCredits(available: .whole(25)))
        #expect(try await store.hold(HoldID("hld_short"), account: account) == nil)
        #expect(try await store.idempotencyKeyLookup("k_hld_short", account: account).taken == false)
        try await store.close()
    }

    /// Credits a release gives back to a lot whose expiry has come leave the wallet again
    /// at once, as an expiry: the call leaves that to the statements, writing nothing.
    @Test func creditsGoingBackToAnExpiredLotAreLeftToTheStatements() async throws {
        let store = try await store()
        // 25 held: a, b and 5 of c, which expires a minute from now.
        _ = try await store.commit(placing(.whole(25)))
        let later = now.addingTimeInterval(120)
        let release = settling(.whole(15), of: .whole(25), at: later)
        guard case .leftForLots = try await call(store, release) else {
            Issue.record("the call gave credits back to an expired lot")
            return
        }
        #expect(try await store.wallet(account: account)?.held == .whole(25))
        #expect(try await store.hold(hold, account: account)?.status == .active)
        // The store then writes it statement by statement: 15 captured from a and b, 10
        // released to b and c, the 5 of c expired again at once.
        let balance = try await store.commit(release)
        #expect(balance == WalletBalance(available: .whole(10), held: .zero, used: .whole(15), total: .whole(25)))
        #expect(try await store.ledger(account: account, limit: 20, before: nil).map(\.kind).prefix(3) == [.expiry, .release, .capture])
        #expect(try await store.verifyWallets().isEmpty)
        #expect(try await store.verifyLots().isEmpty)
        try await store.close()
    }

    /// A message's hold and its record, as `Meter.hold` writes them for `SMSMessages.send`
    /// (statement by statement: the record rides with the hold), and its settlement:
    /// captured with its log line when `sent`, else released.
    func message(_ id: String, _ price: Credits) -> (hold: WalletTransaction, line: UsageLogEntry) {
        let holdID = HoldID("hld_\(id)")
        var line = UsageLogEntry(
            id: id,
            accountID: account,
            feature: .sms,
            status: .pending,
            credits: .zero,
            day: PacificDay.of(now),
            createdAt: now,
            contactEmail: "ada@example.com",
            phone: "+33612345678"
        )
        line.iso = "FR"
        line.segments = 1
        line.encoding = "gsm7"
        let held = Hold(
            id: holdID,
            accountID: account,
            feature: Feature.sms.rawValue,
            credits: price,
            reference: id,
            createdAt: now,
            expiresAt: now.addingTimeInterval(600)
        )
        let send = SMSSend(holdID: holdID, accountID: account, idempotencyKey: "k_\(id)", line: line, createdAt: now)
        let hold = WalletTransaction(
            accountID: account,
            postings: [Posting(id: LedgerEntryID("led_\(id)"), kind: .hold, change: .hold(price), reference: holdID.rawValue, hold: holdID)],
            records: [.hold(held), .smsSend(send)],
            cappedFeatures: [.sms],
            request: nil,
            at: now
        )
        return (hold, line)
    }

    func settlingMessage(_ id: String, _ price: Credits, sent: Bool) -> WalletTransaction {
        let holdID = HoldID("hld_\(id)")
        var line = message(id, price).line
        let posting: Posting
        if sent {
            posting = Posting(id: LedgerEntryID("led_cap_\(id)"), kind: .capture, change: .capture(price), reference: id, hold: holdID)
            line.status = .sent
            line.credits = price
            line.sentAt = now
        } else {
            posting = Posting(id: LedgerEntryID("led_rel_\(id)"), kind: .release, change: .release(price), reference: holdID.rawValue, hold: holdID)
            line.status = .failed
            line.reason = "the carrier never got the message"
        }
        return WalletTransaction(
            accountID: account,
            postings: [posting],
            records: [
                .settleHold(holdID, status: sent ? .captured : .released, capturedCredits: sent ? price : .zero), .usage(line),
                .settleSMS(holdID),
            ],
            idempotency: IdempotentResponse(key: "k_\(id)", status: 200, body: [4], claimToken: nil),
            request: nil,
            at: now
        )
    }

    @Test func aMessagesSettlementWritesWhatTheStatementsWrite() async throws {
        let called = try await store()
        let written = try await store()
        for store in [called, written] {
            for id in ["sms_1", "sms_2"] {
                #expect(try await store.claimIdempotencyKey("k_\(id)", requestHash: "h", account: account, at: now, staleAfter: 30) == .claimed)
            }
        }
        for id in ["sms_1", "sms_2"] {
            guard case .charged = try await call(called, message(id, .whole(2)).hold) else {
                Issue.record("the message's hold was not placed by the call")
                return
            }
            try await statements(written, message(id, .whole(2)).hold)
            #expect(try await called.smsSend(messageID: id) == (try await written.smsSend(messageID: id)))
            #expect(try await called.hold(HoldID("hld_\(id)"), account: account) == (try await written.hold(HoldID("hld_\(id)"), account: account)))
        }
        for settlement in [settlingMessage("sms_1", .whole(2), sent: true), settlingMessage("sms_2", .whole(2), sent: false)] {
            let outcome = try await call(called, settlement)
            guard case .charged = outcome else {
                Issue.record("not written by the call: \(outcome)")
                return
            }
            try await statements(written, settlement)
        }
        #expect(try await everything(called) == (try await everything(written)))
        let lines = try await called.usageLog(account: account, feature: .sms, limit: 10)
        #expect(lines == (try await written.usageLog(account: account, feature: .sms, limit: 10)))
        #expect(Set(lines.map(\.status)) == [.sent, .failed])
        for id in ["sms_1", "sms_2"] {
            #expect(try await called.smsSend(messageID: id)?.settledAt == now)
            #expect(
                try await called.claimIdempotencyKey("k_\(id)", requestHash: "h", account: account, at: now, staleAfter: 30)
                    == .replay(status: 200, body: [4])
            )
        }
        #expect(try await called.wallet(account: account) == WalletBalance(available: .whole(28), held: .zero, used: .whole(2), total: .whole(30)))
        // Settled once: the message's second settlement is refused and writes nothing.
        #expect(try await called.claimIdempotencyKey("k_sms_3", requestHash: "h", account: account, at: now, staleAfter: 30) == .claimed)
        _ = try await called.commit(message("sms_3", .whole(2)).hold)
        _ = try await called.commit(settlingMessage("sms_3", .whole(2), sent: false))
        var again = settlingMessage("sms_3", .whole(2), sent: false)
        again.postings[0].id = LedgerEntryID("led_again")
        again.records[0] = .settleHold(HoldID("hld_sms_3"), status: .released, capturedCredits: .zero)
        again.idempotency = nil
        guard case .refused(let error) = try await call(called, again) else {
            Issue.record("settled twice")
            return
        }
        #expect(error is StoreError)
        #expect(try await called.wallet(account: account)?.available == .whole(28))
        #expect(try await called.verifyWallets().isEmpty)
        #expect(try await called.verifyLots().isEmpty)
        try await called.close()
        try await written.close()
    }

    /// A message's hold counts against its feature's caps, with the feature's other open
    /// holds: the hold that passes one is left to the statements, which refuse it with the
    /// cap's figures.
    @Test func aMessagesHoldPastItsCapIsLeftToTheStatements() async throws {
        let store = try await store()
        try await store.setSpendCaps([SpendCap(feature: .sms, period: .day, credits: .whole(3))], account: account, at: now)
        guard case .charged = try await call(store, message("sms_1", .whole(2)).hold) else {
            Issue.record("the hold within its cap was not placed")
            return
        }
        guard case .leftToStatements = try await call(store, message("sms_2", .whole(2)).hold) else {
            Issue.record("the hold past its cap was placed")
            return
        }
        #expect(try await store.smsSend(messageID: "sms_2") == nil)
        await #expect(throws: SpendCapReached.self) { _ = try await store.commit(message("sms_2", .whole(2)).hold) }
        #expect(try await store.wallet(account: account)?.held == .whole(2))
        try await store.close()
    }

    /// A purchase's credits, as `Purchases` writes them: added as a lot of their own, with
    /// the purchase and (when it was asked of the gateway first) its payment intent settled.
    func buying(_ id: String, _ credits: Credits, settlingIntent: Bool) -> WalletTransaction {
        let purchase = Purchase(
            id: PurchaseID(id),
            accountID: account,
            credits: credits,
            amount: Money(cents: credits.thousandths / 50),
            status: .succeeded,
            origin: .purchase,
            paymentMethodID: PaymentMethodID("pm_1"),
            paymentReference: "pi_\(id)",
            failureReason: nil,
            createdAt: now
        )
        let lot = NewLot(id: LotID("lot_\(id)"), source: .purchase, sourceID: id, costCents: purchase.amount.cents)
        return WalletTransaction(
            accountID: account,
            postings: [Posting(id: LedgerEntryID("led_\(id)"), kind: .purchase, change: .add(credits), reference: id, lot: lot)],
            records: (settlingIntent ? [.settlePaymentIntent(PurchaseID(id))] : []) + [.purchase(purchase)],
            idempotency: IdempotentResponse(key: "k_\(id)", status: 201, body: [3], claimToken: nil),
            request: .byFirstWrite(FirstWriteClaim(key: "k_\(id)", requestHash: "h")),
            at: now
        )
    }

    func recordIntent(_ store: PostgresStore, _ id: String, _ credits: Credits) async throws {
        try await store.recordPaymentIntent(
            PaymentIntent(
                purchaseID: PurchaseID(id),
                accountID: account,
                credits: credits,
                amount: Money(cents: credits.thousandths / 50),
                paymentMethodID: PaymentMethodID("pm_1"),
                gatewayToken: "tok_1",
                createdAt: now
            )
        )
    }

    @Test func aPurchasesCreditsWriteWhatTheStatementsWrite() async throws {
        let called = try await store()
        let written = try await store()
        for store in [called, written] { try await recordIntent(store, "pur_2", .whole(50)) }
        for transaction in [buying("pur_1", .whole(20), settlingIntent: false), buying("pur_2", .whole(50), settlingIntent: true)] {
            let outcome = try await call(called, transaction)
            guard case .charged(let balance, _, effects: false) = outcome else {
                Issue.record("not written by the call: \(outcome)")
                return
            }
            #expect(balance == (try await called.wallet(account: account)))
            try await statements(written, transaction)
        }
        #expect(try await everything(called) == (try await everything(written)))
        for id in ["pur_1", "pur_2"] {
            #expect(try await called.purchase(PurchaseID(id), account: account) == (try await written.purchase(PurchaseID(id), account: account)))
            let key = "k_\(id)"
            #expect(
                try await called.claimIdempotencyKey(key, requestHash: "h", account: account, at: now, staleAfter: 30)
                    == .replay(status: 201, body: [3])
            )
        }
        #expect(try await called.wallet(account: account)?.available == .whole(100))
        #expect(try await called.lot(LotID("lot_pur_2"), account: account)?.costCents == 1_000)
        #expect(try await called.paymentIntent(PurchaseID("pur_2"), account: account) == nil)
        // Its intent settled, the same payment is not credited twice: nothing is written.
        var again = buying("pur_2", .whole(50), settlingIntent: true)
        again.postings[0].id = LedgerEntryID("led_again")
        again.postings[0].lot?.id = LotID("lot_again")
        again.idempotency = nil
        again.claim = nil
        guard case .refused(let error) = try await call(called, again) else {
            Issue.record("credited twice")
            return
        }
        #expect(error as? StoreError == .conflict("payment pur_2 is settled already"))
        #expect(try await called.wallet(account: account)?.available == .whole(100))
        #expect(try await called.verifyWallets().isEmpty)
        #expect(try await called.verifyLots().isEmpty)
        try await called.close()
        try await written.close()
    }

    /// Which transactions the functions write whole: the API's holds and settlements and
    /// the sweeper's expiries; not a feature's own hold (capped, guarded or with its
    /// message), nor a capture or release on its own.
    @Test func theFunctionsTakeTheHoldsOfTheAPIAndNoOtherTransaction() {
        func kind(_ transaction: WalletTransaction) -> String? {
            switch PostgresStore.OneCall(transaction) {
            case .charge: "charge"
            case .hold: "hold"
            case .settle: "settle"
            case .credit: "credit"
            case nil: nil
            }
        }
        #expect(kind(placing(.whole(2))) == "hold")
        #expect(kind(settling(.whole(1), of: .whole(2))) == "settle")
        #expect(kind(settling(.whole(2), of: .whole(2))) == "settle")
        #expect(kind(settling(.zero, of: .whole(2))) == "settle")
        let release = Posting(id: LedgerEntryID("led_x"), kind: .release, change: .release(.whole(2)), reference: hold.rawValue, hold: hold)
        let expiry = WalletTransaction(
            accountID: account,
            postings: [release],
            records: [.settleHold(hold, status: .expired, capturedCredits: .zero)],
            request: nil,
            at: now
        )
        #expect(kind(expiry) == "settle")
        #expect(kind(buying("pur_1", .whole(1), settlingIntent: true)) == "credit")
        #expect(kind(buying("pur_1", .whole(1), settlingIntent: false)) == "credit")
        var withAnother = buying("pur_1", .whole(1), settlingIntent: false)
        withAnother.records.insert(.settleSMS(hold), at: 0)
        #expect(kind(withAnother) == nil)
        #expect(kind(settlingMessage("sms_1", .whole(1), sent: true)) == "settle")
        #expect(kind(settlingMessage("sms_1", .whole(1), sent: false)) == "settle")
        #expect(kind(message("sms_1", .whole(1)).hold) == "hold")
        var marked = settlingMessage("sms_1", .whole(1), sent: true)
        marked.records.append(.settleSMS(hold))
        #expect(kind(marked) == nil)

        var capped = placing(.whole(2))
        capped.cappedFeatures = [.sms]
        #expect(kind(capped) == nil)
        var guarded = placing(.whole(2))
        guarded.guardedRequest = true
        #expect(kind(guarded) == nil)
        var withMessage = placing(.whole(2))
        withMessage.records.append(.settleSMS(hold))
        #expect(kind(withMessage) == nil)
        var alone = settling(.whole(1), of: .whole(2))
        alone.records = []
        #expect(kind(alone) == nil)
        var reversed = settling(.whole(1), of: .whole(2))
        reversed.postings.reverse()
        #expect(kind(reversed) == nil)
        var miscounted = settling(.whole(1), of: .whole(2))
        miscounted.records[0] = .settleHold(hold, status: .captured, capturedCredits: .whole(2))
        #expect(kind(miscounted) == nil)
    }
}

extension Credits {
    fileprivate static func whole(_ count: Int64) -> Credits { Credits(whole: count) }
}
