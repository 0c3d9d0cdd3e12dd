import Foundation
import TallyCore
import TallyStore
import Testing

/// The store contract for counting login attempts: atomic under concurrency, so the
/// limit holds across every Tally process on one database.
@Suite("Login attempts contract", .closesItsStores)
struct LoginAttemptsContractTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    @Test(arguments: StoreBackend.enabled)
    func concurrentAttemptsPastTheLimitAreLocked(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let now = now
        let results = try await withThrowingTaskGroup(of: LoginAttempt.self) { group in
            for _ in 0..<31 {
                group.addTask {
                    try await store.countLoginAttempt(email: "olive@example.com", at: now, windowSeconds: 900, maximum: 10)
                }
            }
            return try await group.reduce(into: [LoginAttempt]()) { $0.append($1) }
        }
        #expect(results.filter { $0 == .allowed }.count == 10)
        #expect(results.filter { $0 == .locked(retryAfterSeconds: 900) }.count == 21)
        // Another email is not affected; the window's end unlocks.
        #expect(try await store.countLoginAttempt(email: "pat@example.com", at: now, windowSeconds: 900, maximum: 10) == .allowed)
        let later = now.addingTimeInterval(600)
        #expect(
            try await store.countLoginAttempt(email: "olive@example.com", at: later, windowSeconds: 900, maximum: 10)
                == .locked(retryAfterSeconds: 300)
        )
        let after = now.addingTimeInterval(900)
        #expect(try await store.countLoginAttempt(email: "olive@example.com", at: after, windowSeconds: 900, maximum: 10) == .allowed)
        // A right password clears the count.
        for _ in 0..<9 { _ = try await store.countLoginAttempt(email: "olive@example.com", at: after, windowSeconds: 900, maximum: 10) }
        try await store.clearLoginAttempts(email: "olive@example.com")
        for _ in 0..<10 {
            #expect(try await store.countLoginAttempt(email: "olive@example.com", at: after, windowSeconds: 900, maximum: 10) == .allowed)
        }
        #expect(try await store.countLoginAttempt(email: "olive@example.com", at: after, windowSeconds: 900, maximum: 10) != .allowed)
    }
}
