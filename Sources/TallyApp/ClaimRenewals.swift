import Foundation
import Synchronization
import TallyCore

/// The `Idempotency-Key` claims this process's requests are answering, their leases
/// renewed together by one loop.
///
/// A request registers its claim when it starts and removes it when it is answered; the
/// loop runs only while some claim is registered, wakes every half renewal period and
/// renews each claim last renewed (or registered) at least half a period before. A claim
/// is so renewed within one period of its last renewal, as a task of its own per request
/// would renew it, without a task and a timer made and cancelled for every request —
/// most are answered long before their first renewal.
final class ClaimRenewals: Sendable {
    typealias Registration = Int
    typealias Renew = @Sendable (_ key: String, _ account: AccountID) async -> Void

    private struct Claim {
        let key: String
        let account: AccountID
        let every: Duration
        let renew: Renew
        var renewedAt: ContinuousClock.Instant
    }

    private struct State {
        var next: Registration = 0
        var claims: [Registration: Claim] = [:]
        var looping = false
    }

    private let state = Mutex(State())

    /// Registers a claim to renew every `every` until it is removed.
    func add(key: String, account: AccountID, every: Duration, renew: @escaping Renew) -> Registration {
        let (registration, start) = state.withLock { state in
            state.next += 1
            state.claims[state.next] = Claim(key: key, account: account, every: every, renew: renew, renewedAt: .now)
            defer { state.looping = true }
            return (state.next, !state.looping)
        }
        if start { Task.detached { [self] in await loop() } }
        return registration
    }

    /// Stops renewing a claim: its request is answered.
    func remove(_ registration: Registration) {
        state.withLock { _ = $0.claims.removeValue(forKey: registration) }
    }

    /// Renews what is due every half of the shortest period registered; ends when no claim is left.
    private func loop() async {
        while true {
            let pause: Duration? = state.withLock { state in
                guard let shortest = state.claims.values.map(\.every).min() else {
                    state.looping = false
                    return nil
                }
                return shortest / 2
            }
            guard let pause else { return }
            try? await Task.sleep(for: pause)
            let now = ContinuousClock.now
            let due = state.withLock { state in
                state.claims.filter { now - $0.value.renewedAt >= $0.value.every / 2 }
            }
            for (registration, claim) in due {
                await claim.renew(claim.key, claim.account)
                state.withLock { state in state.claims[registration]?.renewedAt = now }
            }
        }
    }
}
