import Foundation
import TallyCore
import TallyStore
import TallyTestSupport
import Testing

/// Wallet transactions that wait on a busy PostgreSQL wallet are committed together, each
/// in its own savepoint: one's refusal or error must undo its own writes only, and the
/// others must commit as if each had been alone.
@Suite struct PostgresWalletQueueTests: ContractFixtures {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    enum Outcome: Sendable { case charged, refused, duplicate }

    /// A store of four connections on a database of its own, and an account that bought
    /// its credits with `purchase`.
    func walletBought(with purchase: Posting) async throws -> (PostgresStore, AccountID) {
        var configuration = try await PostgresTestDatabase.make()
        configuration.options.maximumConnections = 4
        let store = PostgresStore(configuration: configuration)
        let account = try await makeAccount(store)
        _ = try await store.commit(WalletTransaction(accountID: account, postings: [purchase], request: nil, at: now))
        return (store, account)
    }

    @Test(.enabled(if: PostgresTestDatabase.serverURL != nil, "needs TALLY_TEST_POSTGRES_URL"))
    func waitingTransactionsCommitTogetherEachOnItsOwn() async throws {
        let purchase = posting(.purchase, .add(Credits(whole: 10)))
        let (store, account) = try await walletBought(with: purchase)
        // 40 charges of half a credit against 10 credits, and among them 8 purchases that
        // reuse the first purchase's ledger id. A duplicate fails in the database, which
        // aborts the transaction it runs in: unless its savepoint alone is rolled back, the
        // charges committed with it fail too; and a purchase that counted would let more
        // than 20 charges pass.
        let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
            for index in 0..<48 {
                group.addTask {
                    let entry =
                        index % 6 == 0
                        ? posting(.purchase, .add(Credits(whole: 1)), id: purchase.id.rawValue)
                        : posting(.charge, .charge(Credits(thousandths: 500)))
                    do {
                        _ = try await store.commit(WalletTransaction(accountID: account, postings: [entry], request: nil, at: now))
                        return .charged
                    } catch StoreError.insufficientCredits {
                        return .refused
                    } catch StoreError.duplicate {
                        return .duplicate
                    }
                }
            }
            return try await group.reduce(into: [Outcome]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == .charged }.count == 20)
        #expect(outcomes.filter { $0 == .refused }.count == 20)
        #expect(outcomes.filter { $0 == .duplicate }.count == 8)
        let wallet = try #require(try await store.wallet(account: account))
        #expect(wallet == WalletBalance(available: .zero, held: .zero, used: Credits(whole: 10), total: Credits(whole: 10)))
        #expect(try await store.verifyWallets().isEmpty)
        // The charges waited on the busy wallet and were committed together.
        #expect(store.walletTransactionsCommittedTogether > 0)
        try await store.close()
    }

    /// Charges of the common shape that wait on a busy wallet are committed together, each a
    /// call of `tally_charge` in the batch's transaction: each is refused or charged as it
    /// would be alone, and once the wallet is nearly empty (the calls set off balance
    /// effects) each is followed by its effects.
    @Test(.enabled(if: PostgresTestDatabase.serverURL != nil, "needs TALLY_TEST_POSTGRES_URL"))
    func chargesCommittedTogetherAreEachChargedOrRefusedAsAlone() async throws {
        let (store, account) = try await walletBought(with: posting(.purchase, .add(Credits(whole: 30))))
        // 40 charges of half a credit leave 10 credits: none sets anything off. Then 30 more
        // against those 10: the wallet nearly empty, the last calls set effects off.
        let charges: @Sendable (Int) async throws -> [Outcome] = { count in
            try await withThrowingTaskGroup(of: Outcome.self) { group in
                for _ in 0..<count {
                    group.addTask {
                        do {
                            _ = try await store.commit(
                                WalletTransaction(
                                    accountID: account,
                                    postings: [posting(.charge, .charge(Credits(thousandths: 500)))],
                                    request: nil,
                                    at: now
                                )
                            )
                            return .charged
                        } catch StoreError.insufficientCredits {
                            return .refused
                        }
                    }
                }
                return try await group.reduce(into: [Outcome]()) { $0.append($1) }
            }
        }
        #expect(try await charges(40).allSatisfy { $0 == .charged })
        #expect(store.walletTransactionsCommittedTogether > 0)
        #expect(try await store.wallet(account: account)?.available == Credits(whole: 10))
        let last = try await charges(30)
        #expect(last.filter { $0 == .charged }.count == 20)
        #expect(last.filter { $0 == .refused }.count == 10)
        let wallet = try #require(try await store.wallet(account: account))
        #expect(wallet == WalletBalance(available: .zero, held: .zero, used: Credits(whole: 30), total: Credits(whole: 30)))
        #expect(try await store.verifyWallets().isEmpty)
        #expect(try await store.verifyLots().isEmpty)
        try await store.close()
    }

    /// A charge written in one call (`tally_charge`) that fails in the database — its ledger
    /// id is taken — aborts the batch it runs in: the batch is applied again, each in its
    /// savepoint, and only the duplicate fails.
    @Test(.enabled(if: PostgresTestDatabase.serverURL != nil, "needs TALLY_TEST_POSTGRES_URL"))
    func aChargeThatFailsInTheDatabaseFailsAlone() async throws {
        let (store, account) = try await walletBought(with: posting(.purchase, .add(Credits(whole: 100))))
        let first = posting(.charge, .charge(Credits(thousandths: 500)))
        _ = try await store.commit(WalletTransaction(accountID: account, postings: [first], request: nil, at: now))
        let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
            for index in 0..<48 {
                group.addTask {
                    let entry = posting(.charge, .charge(Credits(thousandths: 500)), id: index % 6 == 0 ? first.id.rawValue : "led_\(UUID())")
                    do {
                        _ = try await store.commit(WalletTransaction(accountID: account, postings: [entry], request: nil, at: now))
                        return .charged
                    } catch StoreError.duplicate(field: "id") {
                        return .duplicate
                    }
                }
            }
            return try await group.reduce(into: [Outcome]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == .charged }.count == 40)
        #expect(outcomes.filter { $0 == .duplicate }.count == 8)
        let wallet = try #require(try await store.wallet(account: account))
        #expect(wallet.used == Credits(thousandths: 20_500))
        #expect(try await store.verifyWallets().isEmpty)
        #expect(try await store.verifyLots().isEmpty)
        #expect(store.walletTransactionsCommittedTogether > 0)
        try await store.close()
    }
}
