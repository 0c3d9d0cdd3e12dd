import Foundation
import TallyStore
import Testing

/// The store contract for counting every address's login attempts at one email: atomic
/// under concurrency and never locking, so the delay grows with each attempt across
/// every Tally process on one database.
@Suite("Login attempt count contract", .closesItsStores)
struct LoginAttemptCountContractTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    @Test(arguments: StoreBackend.enabled)
    func concurrentAttemptsEachGetTheirOwnCount(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let now = now
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<25 {
                group.addTask { try await store.countLoginAttempts(key: "olive@example.com", at: now, windowSeconds: 900) }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(counts.sorted() == Array(1...25))
        // Past any lock's limit it still counts; another key is its own.
        #expect(try await store.countLoginAttempts(key: "olive@example.com", at: now.addingTimeInterval(899), windowSeconds: 900) == 26)
        #expect(try await store.countLoginAttempts(key: "olive@example.com 192.0.2.1", at: now, windowSeconds: 900) == 1)
        // The window's end starts it again, and so does clearing it.
        #expect(try await store.countLoginAttempts(key: "olive@example.com", at: now.addingTimeInterval(900), windowSeconds: 900) == 1)
        try await store.clearLoginAttempts(email: "olive@example.com")
        #expect(try await store.countLoginAttempts(key: "olive@example.com", at: now.addingTimeInterval(901), windowSeconds: 900) == 1)
    }
}
