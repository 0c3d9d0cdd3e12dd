import Foundation
import TallyCore
import TallyStore
import TallyTestSupport
import Testing

/// The usage guard's admission, on each database, against a plain model of its rule: a
/// guarded request is admitted exactly when the guard is off, or on, not paused, and
/// fewer than `maxRequests` requests were admitted in the `windowSeconds` before it.
/// Seeded random request times, limits, windows and pauses; a failure names its seed.
@Suite("Usage guard against its model", .closesItsStores)
struct UsageGuardModelTests: ContractFixtures {
    let now = Date(timeIntervalSince1970: 1_790_000_000)
    static let seed: UInt64 = ProcessInfo.processInfo.environment["TALLY_PROPERTY_SEED"].flatMap { UInt64($0) } ?? 20_261_130

    @Test(arguments: StoreBackend.enabled)
    func admissionFollowsTheSlidingWindowRule(_ backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        var random = SplitMix64(seed: Self.seed)
        for round in 0..<4 {
            let account = try await makeAccount(store)
            let settings = UsageGuardSettings(
                enabled: round != 3,
                maxRequests: Int.random(in: 1...6, using: &random),
                windowSeconds: Int.random(in: 2...20, using: &random)
            )
            try await store.setUsageGuard(settings, account: account)
            var admitted: [Date] = []
            var paused = false
            var at = now
            for step in 0..<60 {
                at = at.addingTimeInterval(Double(Int.random(in: 0...3_000, using: &random)) / 1_000)
                if settings.enabled, Int.random(in: 0..<20, using: &random) == 0 {
                    let notice = Notification(id: "ntf_\(UUID().uuidString)", accountID: account, kind: .usageGuardPaused, message: "", createdAt: at)
                    if paused {
                        _ = try await store.resumeUsageGuard(account: account, at: at, notification: notice)
                    } else {
                        _ = try await store.pauseUsageGuard(account: account, at: at, notification: notice)
                    }
                    paused.toggle()
                }
                let inWindow = admitted.filter { $0 > at.addingTimeInterval(-Double(settings.windowSeconds)) }.count
                let expected = !settings.enabled || (!paused && inWindow < settings.maxRequests)
                var actual = true
                do {
                    _ = try await store.commit(WalletTransaction(accountID: account, postings: [], guardedRequest: true, request: nil, at: at))
                } catch is UsageGuardRefusal {
                    actual = false
                }
                #expect(
                    actual == expected,
                    "seed \(Self.seed) round \(round) step \(step): \(settings), paused \(paused), \(inWindow) in the window"
                )
                if actual { admitted.append(at) }
            }
        }
        try await store.close()
    }
}
