import Foundation
import PostgresNIO
import TallyCore
import TallyTestSupport
import Testing

@testable import TallyStore

/// `tally_charge`, PostgreSQL's charge in one call (`ChargeFunction`), called directly: it
/// writes what the statement-by-statement path writes, and a refusal leaves nothing written.
/// The store's own use of it is proven by the whole contract suite on PostgreSQL.
@Suite(.enabled(if: PostgresTestDatabase.serverURL != nil, "needs TALLY_TEST_POSTGRES_URL"))
struct ChargeFunctionTests: ContractFixtures {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    /// A store on a new database, an account, and `credits` in one lot.
    func charged(_ credits: Credits) async throws -> (PostgresStore, AccountID) {
        var configuration = try await PostgresTestDatabase.make()
        configuration.options.maximumConnections = 4
        let store = PostgresStore(configuration: configuration)
        let account = try await makeAccount(store)
        try await credit(store, account, credits)
        return (store, account)
    }

    func validation(_ account: AccountID, credits: Credits = Credits(thousandths: 500)) -> UsageLogEntry {
        UsageLogEntry(
            id: "use_\(UUID().uuidString)",
            accountID: account,
            feature: .emailValidation,
            status: .valid,
            credits: credits,
            day: PacificDay.of(now),
            createdAt: now,
            contactName: "Ada",
            email: "ada@example.com"
        )
    }

    func charge(
        _ account: AccountID,
        _ credits: Credits = Credits(thousandths: 500),
        line: UsageLogEntry? = nil,
        answer: IdempotentResponse? = nil,
        claim: FirstWriteClaim? = nil
    ) -> PostgresStore.OneCallCharge {
        let transaction = WalletTransaction(
            accountID: account,
            postings: [posting(.charge, .charge(credits))],
            records: line.map { [.usage($0)] } ?? [],
            idempotency: answer,
            cappedFeatures: line.map { [$0.feature] } ?? [],
            request: claim.map { .byFirstWrite($0) },
            at: now
        )
        return PostgresStore.OneCallCharge(transaction)!
    }

    func call(
        _ store: PostgresStore,
        _ charge: PostgresStore.OneCallCharge,
        effectsAfter: Bool = false
    ) async throws
        -> PostgresStore.ChargeOutcome
    {
        try await store.pooled { connection in try await PostgresStore.call(charge, effectsAfter: effectsAfter, connection, store.logger) }
    }

    /// A validation that claims key `k` with its first write, answered.
    func validationClaimingKey(_ account: AccountID) -> PostgresStore.OneCallCharge {
        charge(
            account,
            line: validation(account),
            answer: IdempotentResponse(key: "k", status: 200, body: [], claimToken: nil),
            claim: FirstWriteClaim(key: "k", requestHash: "h")
        )
    }

    /// Why the call refused `charge`; a charge it wrote is an issue of the test.
    func refusal(_ store: PostgresStore, _ charge: PostgresStore.OneCallCharge) async throws -> (any Error)? {
        let outcome = try await call(store, charge)
        guard case .refused(let error) = outcome else {
            Issue.record("not refused: \(outcome)")
            return nil
        }
        return error
    }

    func count(_ store: PostgresStore, _ table: String, _ account: AccountID) async throws -> Int64 {
        try await store.rows(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table) WHERE account_id = $1", binds: binds(account)))
            .first!.decode(Int64.self)
    }

    func binds(_ account: AccountID) -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(account.rawValue)
        return bindings
    }

    @Test func theCallIsPlannedLikeEveryStatement() async throws {
        let (store, _) = try await charged(.zero)
        var nulls = PostgresBindings(capacity: 42)
        for _ in 0..<42 { nulls.appendNull() }
        let plan = try await store.rows(PostgresQuery(unsafeSQL: "EXPLAIN " + PostgresStore.ChargeCall.sql, binds: nulls))
        #expect(!plan.isEmpty)
        try await store.close()
    }

    @Test func aChargeWritesItsEntryLotsLineAndAnsweredKeyInOneCall() async throws {
        let (store, account) = try await charged(Credits(whole: 10))
        let line = validation(account)
        let claim = FirstWriteClaim(key: "k1", requestHash: "h1")
        let outcome = try await call(
            store,
            charge(account, line: line, answer: IdempotentResponse(key: "k1", status: 200, body: [1, 2], claimToken: nil), claim: claim)
        )
        guard case .charged(let balance, let before, let effects) = outcome else {
            Issue.record("refused: \(outcome)")
            return
        }
        #expect(
            balance == WalletBalance(available: Credits(thousandths: 9_500), held: .zero, used: Credits(thousandths: 500), total: Credits(whole: 10))
        )
        #expect(before == Credits(whole: 10))
        #expect(effects == false)
        #expect(try await store.wallet(account: account) == balance)
        let entries = try await store.ledger(account: account, limit: 10, before: nil)
        #expect(entries.map(\.kind) == [.charge, .purchase])
        #expect(entries.first?.availableAfter == Credits(thousandths: 9_500))
        #expect(entries.first?.lots.map(\.available) == [Credits(thousandths: -500)])
        #expect(try await store.usageLog(account: account, feature: .emailValidation, limit: 10).map(\.id) == [line.id])
        #expect(try await store.usageRollup(account: account, from: line.day, to: line.day).map(\.credits) == [Credits(thousandths: 500)])
        #expect(try await count(store, "usage_log_days", account) == 1)
        #expect(try await count(store, "usage_log_contacts", account) == 1)
        #expect(
            try await store.claimIdempotencyKey("k1", requestHash: "h1", account: account, at: now, staleAfter: 30)
                == .replay(status: 200, body: [1, 2])
        )
        #expect(try await store.verifyWallets().isEmpty)
        #expect(try await store.verifyLots().isEmpty)
        try await store.close()
    }

    /// A busy wallet's batch (`callEach`, one statement): each call in order, each seeing
    /// the ones before it, its values (a line or none, a key answered with a body or none)
    /// each its own, and a refused call writes nothing while those after it are charged.
    @Test func aBatchCallsEachInOrderWithItsOwnValues() async throws {
        let (store, account) = try await charged(Credits(whole: 2))
        let first = validation(account, credits: Credits(whole: 1))
        let last = validation(account, credits: Credits(thousandths: 500))
        let batch = [
            charge(
                account,
                Credits(whole: 1),
                line: first,
                answer: IdempotentResponse(key: "k1", status: 200, body: [1, 2, 3], claimToken: nil),
                claim: FirstWriteClaim(key: "k1", requestHash: "h1")
            ),
            charge(account, Credits(thousandths: 250)),
            // More than is left after the two before it: refused, with what was left.
            charge(
                account,
                Credits(whole: 1),
                line: validation(account, credits: Credits(whole: 1)),
                answer: IdempotentResponse(key: "k2", status: 200, body: [9], claimToken: nil),
                claim: FirstWriteClaim(key: "k2", requestHash: "h2")
            ),
            charge(
                account,
                Credits(thousandths: 500),
                line: last,
                answer: IdempotentResponse(key: "k3", status: 201, body: [], claimToken: nil),
                claim: FirstWriteClaim(key: "k3", requestHash: "h3")
            ),
        ]
        let outcomes = try await store.transaction { connection in try await PostgresStore.callEach(batch, connection, store.logger) }
        let available = outcomes.map { outcome -> Int64? in
            guard case .charged(let balance, _, _) = outcome else { return nil }
            return balance.available.thousandths
        }
        #expect(available == [1_000, 750, nil, 250])
        guard case .refused(let error) = outcomes[2] else {
            Issue.record("not refused: \(outcomes[2])")
            return
        }
        #expect(error as? StoreError == .insufficientCredits(available: Credits(thousandths: 750)))
        #expect(Set(try await store.usageLog(account: account, feature: .emailValidation, limit: 10).map(\.id)) == [last.id, first.id])
        #expect(try await store.ledger(account: account, limit: 10, before: nil).count == 4)
        let replays = [
            try await store.claimIdempotencyKey("k1", requestHash: "h1", account: account, at: now, staleAfter: 30),
            try await store.claimIdempotencyKey("k2", requestHash: "h2", account: account, at: now, staleAfter: 30),
            try await store.claimIdempotencyKey("k3", requestHash: "h3", account: account, at: now, staleAfter: 30),
        ]
        #expect(replays == [.replay(status: 200, body: [1, 2, 3]), .claimed, .replay(status: 201, body: [])])
        #expect(try await store.verifyWallets().isEmpty)
        #expect(try await store.verifyLots().isEmpty)
        try await store.close()
    }

    /// A draw changes no column a lot index names (migration "lot-flags"): PostgreSQL
    /// updates the lot in place, writing no index entry, until the lot runs out, which
    /// takes it out of the spendable index. Counted in the transaction that draws.
    @Test func aDrawUpdatesTheLotInPlaceUntilItRunsOut() async throws {
        let (store, account) = try await charged(Credits(whole: 2))
        let counts = try await store.transaction { connection -> [Int64] in
            for _ in 0..<3 {
                guard case .charged = try await PostgresStore.call(charge(account), effectsAfter: false, connection, store.logger) else {
                    Issue.record("a draw was refused")
                    return []
                }
            }
            // The last 500 empties the lot: its flag changes, so that update is not in place.
            // (Available then falls below the cheapest use: effects to apply after the call.)
            guard case .charged = try await PostgresStore.call(charge(account), effectsAfter: true, connection, store.logger) else {
                Issue.record("the last draw was refused")
                return []
            }
            let row = try await connection.rows(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'lots'",
                store.logger
            ).first!
            let (updated, inPlace) = try row.decode((Int64, Int64).self)
            return [updated, inPlace]
        }
        #expect(counts == [4, 3])
        #expect(try await store.lots(account: account, limit: 10).map(\.remaining) == [.zero])
        #expect(try await refusal(store, charge(account)) as? StoreError == .insufficientCredits(available: .zero))
        #expect(try await store.verifyLots().isEmpty)
        try await store.close()
    }

    @Test func aRefusalWritesNothingAndReportsWhatTheStatementsReport() async throws {
        let (store, account) = try await charged(Credits(thousandths: 300))
        let error = try await refusal(store, validationClaimingKey(account))
        #expect(error as? StoreError == .insufficientCredits(available: Credits(thousandths: 300)))
        #expect(try await store.wallet(account: account)?.available == Credits(thousandths: 300))
        #expect(try await store.ledger(account: account, limit: 10, before: nil).count == 1)
        #expect(try await count(store, "usage_log", account) == 0)
        #expect(try await count(store, "usage_log_days", account) == 0)
        #expect(try await store.idempotencyKeyLookup("k", account: account).taken == false)
        try await store.close()
    }

    @Test func aTakenKeyRefusesTheWholeCharge() async throws {
        let (store, account) = try await charged(Credits(whole: 10))
        #expect(try await store.claimIdempotencyKey("k", requestHash: "h", account: account, at: now, staleAfter: 30) == .claimed)
        let error = try await refusal(store, validationClaimingKey(account))
        #expect(error as? StoreError == .idempotencyKeyTaken)
        #expect(try await store.wallet(account: account)?.available == Credits(whole: 10))
        #expect(try await count(store, "ledger_lots", account) == 1)
        #expect(try await count(store, "usage_log", account) == 0)
        #expect(try await count(store, "usage_rollups", account) == 0)
        try await store.close()
    }

    @Test func anAnswerUnderATakenOverClaimIsFencedOff() async throws {
        let (store, account) = try await charged(Credits(whole: 10))
        #expect(try await store.claimIdempotencyKey("k", requestHash: "h", account: account, at: now, staleAfter: 30) == .claimed)
        let token = RequestClaim.token(claimedAt: now)
        let late = charge(account, answer: IdempotentResponse(key: "k", status: 200, body: [1], claimToken: token - 1))
        let error = try await refusal(store, late)
        #expect(error as? StoreError == .conflict("idempotency key k is not claimed by this request or already answered"))
        #expect(try await store.wallet(account: account)?.available == Credits(whole: 10))
        #expect(try await store.ledger(account: account, limit: 10, before: nil).count == 1)
        // The claim's own request answers it with its charge.
        let own = try await call(store, charge(account, answer: IdempotentResponse(key: "k", status: 200, body: [2], claimToken: token)))
        guard case .charged(let balance, _, _) = own else {
            Issue.record("refused: \(own)")
            return
        }
        #expect(balance.available == Credits(thousandths: 9_500))
        #expect(
            try await store.claimIdempotencyKey("k", requestHash: "h", account: account, at: now, staleAfter: 30) == .replay(status: 200, body: [2])
        )
        try await store.close()
    }

    @Test func whatOnlyTheStatementsDoIsLeftToThemWithNothingWritten() async throws {
        let (store, account) = try await charged(Credits(thousandths: 10_500))
        // Auto-recharge settings: above their threshold, with no recharge owed, a debit sets
        // off nothing and is written alone.
        var settings = AutoRechargeSettings(
            enabled: true,
            thresholdCredits: Credits(whole: 2),
            rechargeCredits: Credits(whole: 50),
            paymentMethodID: "pm_1",
            maxRechargesPerDay: 3,
            maxSpendPerMonth: Money(cents: 10_000)
        )
        try await store.setAutoRecharge(settings, account: account, recharge: nil)
        guard case .charged(_, _, effects: false) = try await call(store, charge(account)) else {
            Issue.record("not written alone above the auto-recharge threshold")
            return
        }
        // Below it, the debit's effects are the store's to decide, after the call.
        settings.thresholdCredits = Credits(thousandths: 9_800)
        try await store.setAutoRecharge(settings, account: account, recharge: nil)
        guard case .leftForEffects = try await call(store, charge(account, line: validation(account))) else {
            Issue.record("written although its effects were left to no one")
            return
        }
        #expect(try await store.wallet(account: account)?.available == Credits(whole: 10))
        #expect(try await count(store, "usage_log", account) == 0)
        guard case .charged(_, _, effects: true) = try await call(store, charge(account), effectsAfter: true) else {
            Issue.record("not charged with its effects to apply")
            return
        }
        settings.thresholdCredits = Credits(whole: 2)
        try await store.setAutoRecharge(settings, account: account, recharge: nil)
        // Balance alerts: the call writes a debit that fires none, and leaves the one that
        // fires one (or re-arms one) to the statements, which tell of it.
        _ = try await store.setBalanceAlerts([Credits(whole: 5)], account: account, origin: "test", at: now)
        guard case .charged(let balance, _, _) = try await call(store, charge(account), effectsAfter: true) else {
            Issue.record("not written although no alert fires")
            return
        }
        #expect(balance.available == Credits(whole: 9))
        _ = try await store.setBalanceAlerts([Credits(thousandths: 8_800)], account: account, origin: "test", at: now)
        guard case .leftForAlerts = try await call(store, charge(account), effectsAfter: true) else {
            Issue.record("written although it fires an alert")
            return
        }
        #expect(try await store.wallet(account: account)?.available == Credits(whole: 9))
        // Spend caps: counted in the call; the charge that passes one is left to the
        // statements, which refuse it with the cap's figures.
        _ = try await store.setBalanceAlerts([], account: account, origin: "test", at: now)
        let perDay = SpendCap(feature: .emailValidation, period: .day, credits: Credits(whole: 1))
        try await store.setSpendCaps([perDay, SpendCap(feature: .sms, period: .day, credits: Credits(thousandths: 1))], account: account, at: now)
        for _ in 0..<2 {
            guard case .charged = try await call(store, charge(account, line: validation(account)), effectsAfter: true) else {
                Issue.record("not written although within its cap")
                return
            }
        }
        guard case .leftToStatements = try await call(store, charge(account, line: validation(account)), effectsAfter: true) else {
            Issue.record("written although it passes its cap")
            return
        }
        #expect(try await store.wallet(account: account)?.available == Credits(whole: 8))
        #expect(try await count(store, "usage_log", account) == 2)
        // A month's cap counts every day of the month.
        try await store.setSpendCaps(
            [SpendCap(feature: .emailValidation, period: .month, credits: Credits(thousandths: 1_200))],
            account: account,
            at: now
        )
        guard case .leftToStatements = try await call(store, charge(account, line: validation(account)), effectsAfter: true) else {
            Issue.record("written although it passes the month's cap")
            return
        }
        try await store.close()
    }

    /// Through the store: the debit that fires an alert is written statement by statement,
    /// the alert fired with it, and the account's next charge is called again.
    @Test func theChargeThatFiresAnAlertGoesByTheStatementsAndTheNextByTheCall() async throws {
        let (store, account) = try await charged(Credits(whole: 10))
        let spend: @Sendable () async throws -> WalletBalance = {
            let debit = posting(.charge, .charge(Credits(thousandths: 500)))
            return try await store.commit(WalletTransaction(accountID: account, postings: [debit], request: nil, at: now))
        }
        _ = try await store.setBalanceAlerts([Credits(whole: 9)], account: account, origin: "test", at: now)
        #expect(try await spend().available == Credits(thousandths: 9_500))
        #expect(try await spend().available == Credits(whole: 9))
        #expect(try await store.balanceAlerts(account: account).map(\.isFired) == [false])
        #expect(try await spend().available == Credits(thousandths: 8_500))
        #expect(try await store.balanceAlerts(account: account).map(\.isFired) == [true])
        #expect(store.chargeRoutes.next(account) == nil)
        #expect(try await spend().available == Credits(whole: 8))
        #expect(try await store.balanceAlerts(account: account).map(\.isFired) == [true])
        #expect(try await store.verifyWallets().isEmpty)
        #expect(try await store.verifyLots().isEmpty)
        try await store.close()
    }

    @Test func anAccountAtACapGoesStatementByStatementUntilTheCallIsAskedAgain() async throws {
        let (store, account) = try await charged(Credits(whole: 100))
        let spend: @Sendable () async throws -> Void = {
            let debit = posting(.charge, .charge(Credits(thousandths: 500)))
            let line = validation(account)
            _ = try await store.commit(
                WalletTransaction(
                    accountID: account,
                    postings: [debit],
                    records: [.usage(line)],
                    cappedFeatures: [line.feature],
                    request: nil,
                    at: now
                )
            )
        }
        let cap = SpendCap(feature: .emailValidation, period: .month, credits: Credits(thousandths: 400))
        try await store.setSpendCaps([cap], account: account, at: now)
        await #expect(throws: SpendCapReached.self) { try await spend() }
        #expect(store.chargeRoutes.next(account) == .statementByStatement)
        try await store.setSpendCaps([], account: account, at: now)
        for _ in 0..<ChargeRoutes.statementsBeforeAsking { try await spend() }
        // The last of them asked the call again, which wrote it alone.
        #expect(store.chargeRoutes.next(account) == nil)
        #expect(try await store.wallet(account: account)?.available == Credits(whole: 84))
        #expect(try await store.verifyWallets().isEmpty)
        try await store.close()
    }
}

/// What the store remembers of an account's last charges, to try the right way first.
@Suite struct ChargeRoutesTests {
    @Test func anAccountWithCapsIsAskedAgainAfterAWhile() {
        let routes = ChargeRoutes()
        let account = AccountID("acct_1")
        #expect(routes.next(account) == nil)
        routes.remember(account, .statementByStatement)
        for _ in 0..<ChargeRoutes.statementsBeforeAsking {
            #expect(routes.next(account) == .statementByStatement)
        }
        #expect(routes.next(account) == nil)
    }

    @Test func anAccountWithEffectsStaysSoUntilACallSaysOtherwise() {
        let routes = ChargeRoutes()
        let account = AccountID("acct_1")
        routes.remember(account, .withEffects)
        for _ in 0..<100 { #expect(routes.next(account) == .withEffects) }
        routes.remember(account, nil)
        #expect(routes.next(account) == nil)
    }
}
