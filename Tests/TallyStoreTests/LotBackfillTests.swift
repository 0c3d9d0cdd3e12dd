import Foundation
import GRDB
import PostgresNIO
import TallyCore
import TallyTestSupport
import Testing

@testable import TallyStore

/// Upgrading a database an earlier Tally made (before lots existed) gives every
/// wallet lots that hold exactly its credits, so an upgrade loses nothing.
@Suite(.closesItsStores) struct LotBackfillTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    /// The rows an earlier Tally wrote for one account: a purchase of 100 credits, a
    /// recharge of 50, 120 spent and 10 held by an active hold — and an account with nothing.
    func earlierRows(_ account: String, _ empty: String) -> [String] {
        let at = now.storedMilliseconds
        return [
            "INSERT INTO accounts (id, name, created_at) VALUES ('\(account)', 'Acme', \(at))",
            "INSERT INTO accounts (id, name, created_at) VALUES ('\(empty)', 'Empty', \(at))",
            "INSERT INTO wallets (account_id, available, held, used, total) VALUES ('\(account)', 20000, 10000, 120000, 150000)",
            "INSERT INTO wallets (account_id, available, held, used, total) VALUES ('\(empty)', 0, 0, 0, 0)",
            """
            INSERT INTO purchases (id, account_id, credits, amount_cents, currency, status, origin, created_at)
            VALUES ('pur_one', '\(account)', 100000, 1000, 'USD', 'succeeded', 'purchase', \(at)),
                ('pur_two', '\(account)', 50000, 500, 'USD', 'succeeded', 'recharge', \(at + 1000))
            """,
            """
            INSERT INTO ledger (id, account_id, kind, available, held, used, total, available_after, reference, created_at)
            VALUES ('led_one', '\(account)', 'purchase', 100000, 0, 0, 100000, 100000, 'pur_one', \(at)),
                ('led_two', '\(account)', 'recharge', 50000, 0, 0, 50000, 150000, 'pur_two', \(at + 1000)),
                ('led_spent', '\(account)', 'charge', -120000, 0, 120000, 0, 30000, 'log_1', \(at + 2000)),
                ('led_held', '\(account)', 'hold', -10000, 10000, 0, 0, 20000, 'hold_old', \(at + 3000))
            """,
            """
            INSERT INTO holds (id, account_id, feature, credits, reference, status, captured_credits, created_at, expires_at)
            VALUES ('hold_old', '\(account)', 'sms', 10000, 'sms', 'active', 0, \(at + 3000), \(at + 600_000))
            """,
        ]
    }

    /// A store whose schema stops before lots, filled by `earlierRows`, then upgraded.
    func upgraded(_ backend: StoreBackend, account: String, empty: String) async throws -> any Store {
        try await EarlierDatabase.upgraded(backend, through: "11-recharge-intents", 11, rows: earlierRows(account, empty)).store
    }

    @Test(arguments: StoreBackend.enabled)
    func anUpgradeGivesEveryWalletLotsHoldingItsCredits(_ backend: StoreBackend) async throws {
        let account = AccountID("acct_\(UUID().uuidString)")
        let empty = AccountID("acct_\(UUID().uuidString)")
        let store = try await upgraded(backend, account: account.rawValue, empty: empty.rawValue)
        defer { Task { try? await store.close() } }

        // The oldest credits were spent first: what is left belongs to the recharge.
        let expected = LotBackfill.shares(
            additions: [Credits(whole: 100), Credits(whole: 50)],
            available: Credits(whole: 20),
            held: Credits(whole: 10)
        )
        let lots = try await store.lots(account: account, limit: 10)
        let byPurchase = Dictionary(uniqueKeysWithValues: lots.map { ($0.sourceID, $0) })
        #expect(lots.count == 2)
        #expect(byPurchase["pur_one"]?.source == .purchase)
        #expect(byPurchase["pur_one"]?.costCents == 1000)
        #expect(byPurchase["pur_one"]?.remaining == expected[0].remaining)
        #expect(byPurchase["pur_one"]?.held == expected[0].held)
        #expect(byPurchase["pur_two"]?.source == .recharge)
        #expect(byPurchase["pur_two"]?.credits == Credits(whole: 50))
        #expect(byPurchase["pur_two"]?.remaining == Credits(whole: 20))
        #expect(byPurchase["pur_two"]?.held == Credits(whole: 10))
        #expect(try await store.lots(account: empty, limit: 10).isEmpty)
        #expect(try await store.verifyLots() == [])
        #expect(try await store.verifyWallets() == [])

        // The hold made before lots ends as any other: its credits return to the lot holding them.
        _ = try await store.commit(
            WalletTransaction(
                accountID: account,
                postings: [
                    Posting(
                        id: LedgerEntryID("led_release"),
                        kind: .release,
                        change: .release(Credits(whole: 10)),
                        reference: "hold_old",
                        hold: HoldID("hold_old")
                    )
                ],
                records: [.settleHold(HoldID("hold_old"), status: .released, capturedCredits: .zero)],
                request: nil,
                at: now
            )
        )
        _ = try await store.commit(
            WalletTransaction(
                accountID: account,
                postings: [Posting(id: LedgerEntryID("led_after"), kind: .charge, change: .charge(Credits(whole: 25)), reference: "log_2")],
                request: nil,
                at: now
            )
        )
        let after = try await store.lot(purchase: PurchaseID("pur_two"), account: account)
        #expect(after?.remaining == Credits(whole: 5))
        #expect(after?.held == .zero)
        #expect(try await store.verifyLots() == [])
        #expect(try await store.verifyWallets() == [])
    }
}
