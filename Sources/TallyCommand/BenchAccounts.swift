import ArgumentParser
import Foundation
import TallyApp
import TallyCore
import TallyStore

/// `tally bench-accounts`: accounts ready for a load test over HTTP, each with credits
/// and an API key; prints `account key` per line for the load generator.
struct BenchAccounts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-accounts",
        abstract: "Create accounts with credits and an API key each, for load tests over HTTP.",
        discussion: """
            Writes --accounts new accounts to the database (created and migrated when missing), \
            adds --credits credits to each wallet and gives each an API key, then prints one line \
            per account: its id and its key. For throwaway databases only (scripts/bench uses it).
            """
    )

    @OptionGroup var database: DatabaseOption

    @Option(help: "How many accounts to create.")
    var accounts = 1

    @Option(help: "Whole credits added to each wallet.")
    var credits: Int64 = 1_000_000

    func validate() throws {
        guard (1...100_000).contains(accounts) else { throw ValidationError("--accounts must be from 1 to 100,000") }
        guard (1...1_000_000_000).contains(credits) else { throw ValidationError("--credits must be from 1 to 1,000,000,000") }
    }

    func run() async throws {
        let store = try await database.openStore()
        let now = Date()
        for _ in 0..<accounts {
            let account = try await Bench.makeAccount(store, name: "Load test", now: now)
            try await Bench.addCredits(Credits(whole: credits), to: account, store, reference: "load test", now: now)
            let (record, key) = Accounts.newAPIKey(
                id: APIKeyID("key_" + UUID().uuidString.lowercased()),
                account: account,
                name: "Load test",
                at: now
            )
            try await store.createAPIKey(record)
            print("\(account) \(key)")
        }
        try await store.close()
    }
}
