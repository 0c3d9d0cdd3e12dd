import ArgumentParser
import Foundation
import Histogram
import TallyCore
import TallyStore

/// `tally bench`: charges one wallet as fast as the store allows and prints the figures.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure charge throughput and latency on a database.",
        discussion: """
            Creates a throwaway account, then commits --charges charges of 0.5 credits to its wallet \
            from --concurrency tasks at once, each one transaction with its ledger entry, and prints \
            charges per second and latency percentiles.
            """
    )

    @OptionGroup var database: DatabaseOption

    @Option(help: "How many charges to commit.")
    var charges = 20_000

    @Option(help: "How many charges are in flight at once.")
    var concurrency = 64

    func validate() throws {
        guard (1...10_000_000).contains(charges) else { throw ValidationError("--charges must be from 1 to 10,000,000") }
        guard (1...4_096).contains(concurrency) else { throw ValidationError("--concurrency must be from 1 to 4,096") }
    }

    func run() async throws {
        let store = try await database.openStore(creating: false)
        let now = Date()
        let account = try await Self.makeAccount(store, name: "Benchmark", now: now)
        let price = Credits(thousandths: 500)
        try await Self.addCredits(price.times(Int64(charges))!, to: account, store, reference: "bench", now: now)
        let started = ContinuousClock.now
        let perTask = (charges + concurrency - 1) / concurrency
        let histogram = try await withThrowingTaskGroup(of: Histogram<UInt64>.self) { group in
            for task in 0..<concurrency {
                let count = min(perTask, max(0, charges - task * perTask))
                group.addTask {
                    var latencies = Histogram<UInt64>(highestTrackableValue: 60_000_000)
                    for _ in 0..<count {
                        let begin = ContinuousClock.now
                        _ = try await store.commit(
                            WalletTransaction(
                                accountID: account,
                                postings: [
                                    Posting(id: LedgerEntryID("led_" + UUID().uuidString), kind: .charge, change: .charge(price), reference: "bench")
                                ],
                                request: nil,
                                at: Date()
                            )
                        )
                        let elapsed = ContinuousClock.now - begin
                        _ = latencies.record(UInt64(elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000))
                    }
                    return latencies
                }
            }
            var all = Histogram<UInt64>(highestTrackableValue: 60_000_000)
            for try await part in group { all.add(part) }
            return all
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let mismatches = try await store.verifyWallets().filter { $0.accountID == account }
        try await store.close()
        print("charges: \(charges), concurrency: \(concurrency), seconds: \(String(format: "%.2f", seconds))")
        print("throughput: \(Int(Double(charges) / seconds)) charges/s")
        for percentile in [50.0, 90.0, 99.0, 99.9] {
            print("latency p\(percentile): \(histogram.valueAtPercentile(percentile)) µs")
        }
        print(mismatches.isEmpty ? "verify: the wallet equals its ledger" : "verify: MISMATCH \(mismatches)")
    }

    /// A new account with an owner no one can log in as, for a benchmark's own data.
    /// Adds `credits` to a benchmark account's wallet as a purchase posting (no payment:
    /// throwaway databases only).
    static func addCredits(_ credits: Credits, to account: AccountID, _ store: any Store, reference: String, now: Date) async throws {
        _ = try await store.commit(
            WalletTransaction(
                accountID: account,
                postings: [
                    Posting(id: LedgerEntryID("led_" + UUID().uuidString), kind: .purchase, change: .add(credits), reference: reference)
                ],
                request: nil,
                at: now
            )
        )
    }

    static func makeAccount(_ store: any Store, name: String, now: Date) async throws -> AccountID {
        let account = AccountID("acct_bench_" + UUID().uuidString.lowercased())
        try await store.createAccount(
            Account(id: account, name: name, createdAt: now),
            owner: User(
                id: UserID("usr_bench_" + UUID().uuidString.lowercased()),
                accountID: account,
                email: "bench-\(UUID().uuidString.lowercased())@example.com",
                name: "Bench",
                role: .owner,
                passwordHash: "-",
                createdAt: now
            )
        )
        return account
    }
}
