import Dispatch
import Foundation
import GRDB
import TallyCore
import Testing

@testable import TallyStore

/// Short reads on the caller's thread: they see every answered write, and they never
/// wait for a connection (a caller that finds both busy reads through the pool).
@Suite struct SQLiteQuickReadTests: ContractFixtures {
    let now = Date()

    @Test func aQuickReadSeesTheCommitBeforeIt() async throws {
        try await withStore { store in
            let account = try await makeAccount(store)
            for step in 1...20 {
                let answered = try await store.commit(
                    WalletTransaction(
                        accountID: account,
                        postings: [posting(.purchase, .add(Credits(thousandths: 1_500)))],
                        request: nil,
                        at: now
                    )
                )
                let read = try await store.wallet(account: account)
                #expect(read == answered)
                #expect(read?.available == Credits(thousandths: 1_500 * Int64(step)))
            }
        }
    }

    @Test(.timeLimit(.minutes(1))) func aQuickReadNeverWaitsForAConnection() async throws {
        try await withStore { store in
            // Both quick connections taken by reads in flight: a third answers nil at once
            // instead of waiting for one of them (which would never end here).
            var thirdFoundOne = true
            let outer = try store.quick.read { _ in
                try store.quick.read { _ in
                    thirdFoundOne = try store.quick.read { db in try Int.fetchOne(db, sql: "SELECT 1") } != nil
                    return true
                }
            }
            #expect(outer == true)
            #expect(!thirdFoundOne)
            // Released: the next quick read gets a connection.
            let next = try store.quick.read { db in try Int.fetchOne(db, sql: "SELECT 2") }
            #expect(next == 2)

            // While another thread holds both, `quickRead` answers through the pool
            // (waiting for a quick connection would outlast the time limit).
            let held = DispatchSemaphore(value: 0)
            let release = DispatchSemaphore(value: 0)
            Thread {
                _ = try? store.quick.read { _ in
                    try store.quick.read { _ in
                        held.signal()
                        release.wait()
                    }
                }
            }
            .start()
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    held.wait()
                    continuation.resume()
                }
            }
            defer { release.signal() }
            let fallback = try await store.quickRead { db in try Int.fetchOne(db, sql: "SELECT 3") }
            #expect(fallback == 3)
        }
    }

    private func withStore(_ body: (SQLiteStore) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tally-quick-\(UUID().uuidString).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        do {
            try await body(store)
        } catch {
            try await store.close()
            throw error
        }
        try await store.close()
    }
}
