import Foundation
import TallyCore
import TallyStore
import Testing

/// The wallet row says which spending controls an account has (`wallets.controls`), so a
/// charge reads the alerts and caps only when they exist. Each test here fails when the
/// flag is not kept in step with the alerts and caps saved: alerts or caps that stop
/// working, or removed ones that keep working.
@Suite("Store contract: spending controls", .closesItsStores)
struct SpendingControlsContractTests: ContractFixtures {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    @Test(arguments: StoreBackend.enabled)
    func savedAlertsFireAndRemovedOnesNoLonger(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await credit(store, account, Credits(whole: 100))

        _ = try await store.setBalanceAlerts([Credits(whole: 90)], account: account, origin: "set", at: now)
        try await charge(store, account, Credits(whole: 15))
        #expect(try await alertNotices(store, account) == ["balance_below"])

        _ = try await store.setBalanceAlerts([], account: account, origin: "cleared", at: now)
        try await credit(store, account, Credits(whole: 100))
        try await charge(store, account, Credits(whole: 120))
        #expect(try await alertNotices(store, account) == ["balance_below"], "a removed alert neither re-arms nor fires")

        // Saved again, with the balance already below it: fires at once, and re-arms on a purchase.
        _ = try await store.setBalanceAlerts([Credits(whole: 90)], account: account, origin: "again", at: now)
        try await credit(store, account, Credits(whole: 50))
        #expect(try await alertNotices(store, account) == ["balance_below", "balance_below", "balance_recovered"])
    }

    @Test(arguments: StoreBackend.enabled)
    func savedCapsRefuseAndClearedOnesNoLonger(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await credit(store, account, Credits(whole: 100))
        let cap = SpendCap(feature: .sms, period: .day, credits: Credits(whole: 5))

        try await store.setSpendCaps([cap], account: account, at: now)
        await #expect(throws: SpendCapReached.self) { try await hold(store, account, Credits(whole: 10)) }

        try await store.setSpendCaps([], account: account, at: now)
        try await hold(store, account, Credits(whole: 10))
        #expect(try await store.wallet(account: account)?.held == Credits(whole: 10))

        try await store.setSpendCaps([cap], account: account, at: now)
        await #expect(throws: SpendCapReached.self) { try await hold(store, account, Credits(whole: 1)) }
    }

    @Test(arguments: StoreBackend.enabled)
    func alertsAndCapsAreSwitchedEachOnItsOwn(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await credit(store, account, Credits(whole: 100))
        try await store.setSpendCaps([SpendCap(feature: .sms, period: .day, credits: Credits(whole: 5))], account: account, at: now)
        _ = try await store.setBalanceAlerts([Credits(whole: 95)], account: account, origin: "set", at: now)
        _ = try await store.setBalanceAlerts([], account: account, origin: "cleared", at: now)

        // Clearing the alerts left the caps on.
        await #expect(throws: SpendCapReached.self) { try await hold(store, account, Credits(whole: 10)) }
        try await store.setSpendCaps([], account: account, at: now)
        _ = try await store.setBalanceAlerts([Credits(whole: 95)], account: account, origin: "set", at: now)
        try await store.setSpendCaps([SpendCap(feature: .sms, period: .day, credits: Credits(whole: 50))], account: account, at: now)
        try await store.setSpendCaps([], account: account, at: now)

        // Clearing the caps left the alerts on.
        try await hold(store, account, Credits(whole: 10))
        #expect(try await alertNotices(store, account) == ["balance_below"])
    }

    /// A month's cap counts the month's earlier days and the feature's open holds: a charge
    /// within it is written (on PostgreSQL by `tally_charge`, which counts the cap itself),
    /// the one past it refused with the same figures on both engines. A day's cap of the
    /// same feature counts today alone.
    @Test(arguments: StoreBackend.enabled)
    func aChargesCapsCountTheirPeriodAndOpenHolds(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await credit(store, account, Credits(whole: 100))
        let month = SpendCap(feature: .emailValidation, period: .month, credits: Credits(whole: 3))
        let day = SpendCap(feature: .emailValidation, period: .day, credits: Credits(thousandths: 2_500))
        try await store.setSpendCaps([month, day], account: account, at: now)
        try await hold(store, account, Credits(whole: 1), feature: .emailValidation)
        let yesterday = now.addingTimeInterval(-86_400)
        #expect(PacificDay.of(yesterday).prefix(7) == PacificDay.of(now).prefix(7))
        try await validation(store, account, Credits(whole: 1), at: yesterday)
        try await validation(store, account, Credits(whole: 1), at: now)
        do {
            try await validation(store, account, Credits(thousandths: 1), at: now)
            Issue.record("a charge past the month's cap was written")
        } catch let reached as SpendCapReached {
            #expect(reached.cap == month)
            #expect(reached.spent == Credits(whole: 3))
        }
        #expect(try await store.wallet(account: account)?.available == Credits(whole: 97))
        #expect(try await store.usageLog(account: account, feature: .emailValidation, limit: 10).count == 2)
        try await store.close()
    }

    /// SQLite learnt the flag in a migration (PostgreSQL had it with the tables): the
    /// upgrade sets it from the alerts and caps each account already saved.
    @Test func alertsAndCapsSavedBeforeTheUpgradeKeepWorking() async throws {
        let account = AccountID("acct_\(UUID().uuidString)")
        let at = now.storedMilliseconds
        let earlier = try await EarlierDatabase.upgraded(
            .sqlite,
            through: "20-ledger-request-keys",
            21,
            rows: [
                "INSERT INTO accounts (id, name, created_at) VALUES ('\(account)', 'Acme', \(at))",
                "INSERT INTO wallets (account_id, available, held, used, total) VALUES ('\(account)', 0, 0, 0, 0)",
                "INSERT INTO balance_alerts (account_id, threshold, fired_at, created_at) VALUES ('\(account)', 90000, NULL, \(at))",
                "INSERT INTO spend_caps (account_id, feature, period, credits, created_at) VALUES ('\(account)', 'sms', 'day', 5000, \(at))",
            ]
        )
        let store = earlier.store
        defer { Task { try? await store.close() } }
        try await credit(store, account, Credits(whole: 100))
        try await charge(store, account, Credits(whole: 15))
        #expect(try await alertNotices(store, account) == ["balance_below"])
        await #expect(throws: SpendCapReached.self) { try await hold(store, account, Credits(whole: 10)) }
    }

    // MARK: Helpers

    func charge(_ store: any Store, _ account: AccountID, _ credits: Credits) async throws {
        _ = try await store.commit(
            WalletTransaction(
                accountID: account,
                postings: [posting(.charge, .charge(credits))],
                cappedFeatures: [.emailValidation],
                request: nil,
                at: now
            )
        )
    }

    /// Holds credits for an SMS, as `Meter.hold` does: a transaction its caps must admit.
    func hold(_ store: any Store, _ account: AccountID, _ credits: Credits, feature: Feature = .sms) async throws {
        let hold = Hold(
            id: HoldID("hld_\(UUID().uuidString)"),
            accountID: account,
            feature: feature.rawValue,
            credits: credits,
            reference: "sms",
            createdAt: now,
            expiresAt: now.addingTimeInterval(600)
        )
        _ = try await store.commit(
            WalletTransaction(
                accountID: account,
                postings: [posting(.hold, .hold(credits), reference: hold.id.rawValue)],
                records: [.hold(hold)],
                cappedFeatures: [feature],
                request: nil,
                at: now
            )
        )
    }

    /// Charges an email validation with its line at `at`, as `Validations` does: one
    /// debit, one line, its feature's caps to stay within.
    func validation(_ store: any Store, _ account: AccountID, _ credits: Credits, at: Date) async throws {
        let line = UsageLogEntry(
            id: "ev_\(UUID().uuidString)",
            accountID: account,
            feature: .emailValidation,
            status: .valid,
            credits: credits,
            day: PacificDay.of(at),
            createdAt: at,
            email: "ada@example.com"
        )
        _ = try await store.commit(
            WalletTransaction(
                accountID: account,
                postings: [posting(.charge, .charge(credits), reference: line.id)],
                records: [.usage(line)],
                cappedFeatures: [.emailValidation],
                request: nil,
                at: at
            )
        )
    }

    /// The kinds of the balance alerts' notifications, in alphabetical order.
    func alertNotices(_ store: any Store, _ account: AccountID) async throws -> [String] {
        try await store.notifications(account: account, limit: 50).map(\.kind.rawValue)
            .filter { $0 == "balance_below" || $0 == "balance_recovered" }.sorted()
    }
}
