import Foundation
import TallyCore
import TallyStore

/// What every store contract suite sets up: a fixed time, accounts, postings, credits.
protocol ContractFixtures {
    var now: Date { get }
}

extension ContractFixtures {
    func makeAccount(
        _ store: any Store,
        email: String = "owner-\(UUID().uuidString)@example.com"
    ) async throws
        -> AccountID
    {
        let id = AccountID("acct_\(UUID().uuidString)")
        try await store.createAccount(
            Account(id: id, name: "Acme", createdAt: now),
            owner: User(
                id: UserID("usr_\(UUID().uuidString)"),
                accountID: id,
                email: email,
                name: "Olive",
                role: .owner,
                passwordHash: "hash",
                createdAt: now
            )
        )
        return id
    }

    func posting(
        _ kind: LedgerKind,
        _ change: WalletChange,
        id: String = "led_\(UUID().uuidString)",
        reference: String = "test"
    ) -> Posting {
        Posting(id: LedgerEntryID(id), kind: kind, change: change, reference: reference)
    }

    /// Adds credits as a purchase would.
    func credit(_ store: any Store, _ account: AccountID, _ credits: Credits) async throws {
        _ = try await store.commit(
            WalletTransaction(accountID: account, postings: [posting(.purchase, .add(credits))], request: nil, at: now)
        )
    }
}
