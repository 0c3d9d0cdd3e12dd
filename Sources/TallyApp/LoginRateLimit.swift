import Synchronization

/// Slows one address that sends logins faster than people type them, so a login flood
/// cannot take the CPU that charges and `/health` need.
///
/// Each address may send `burst` logins at once and then one every `interval` (a
/// cell-rate rule: each address has the time its next login is due). A login beyond
/// that is held for `penalty` and then answered 429 with `Retry-After`: a client that
/// waits for its answer before sending again (as nearly every client does) slows to one
/// login a second per connection, instead of being told "no" as fast as it can ask. At
/// most `maximumHeld` logins are held at once; beyond that they are refused at once.
/// Behind a reverse proxy every client shares the proxy's address.
///
/// It also holds the logins for an email someone is guessing (`LoginLock.guessingDelay`):
/// they wait, and are then checked, so the guessing slows down while the owner, however
/// long it goes on, still gets in.
public final class LoginRateLimit: Sendable {
    /// One login every `interval` after the first `burst`; a login past that waits `penalty`.
    public let interval: Duration
    public let burst: Int
    public let penalty: Duration
    /// The first wait for an email being guessed, and the longest.
    public let guessingBase: Duration
    public let guessingCap: Duration
    public static let maximumHeld = 10_000
    /// Addresses remembered at once; idle ones are forgotten first.
    static let maximumAddresses = 100_000

    private struct State {
        /// When each address's next login is due.
        var due: [String: ContinuousClock.Instant] = [:]
        var held = 0
    }

    private let state = Mutex(State())

    public init(
        interval: Duration = .milliseconds(100),
        burst: Int = 20,
        penalty: Duration = .seconds(1),
        guessingBase: Duration = .milliseconds(250),
        guessingCap: Duration = .seconds(8)
    ) {
        self.interval = interval
        self.burst = burst
        self.penalty = penalty
        self.guessingBase = guessingBase
        self.guessingCap = guessingCap
    }

    /// Holds a login for `delay` (from `LoginLock.guessingDelay`), then lets it go on to its
    /// password check. Counted with the logins held by `admit`: beyond `maximumHeld`,
    /// 429 at once.
    public func hold(for delay: Duration) async throws {
        guard delay > .zero else { return }
        let admitted = state.withLock { state in
            guard state.held < Self.maximumHeld else { return false }
            state.held += 1
            return true
        }
        guard admitted else {
            throw TallyError.busy("too many logins are waiting; try again in a moment", retryAfterSeconds: 1)
        }
        defer { state.withLock { $0.held -= 1 } }
        try await Task.sleep(for: delay)
    }

    /// Returns when a login from `address` may go ahead; throws 429 (after the penalty,
    /// or at once when too many are held) when it may not.
    public func admit(_ address: String?) async throws {
        guard let address else { return }
        let now = ContinuousClock.now
        enum Verdict { case pass, hold, refuse }
        let (interval, burst) = (self.interval, self.burst)
        let verdict: Verdict = state.withLock { state in
            if state.due.count >= Self.maximumAddresses {
                state.due = state.due.filter { $0.value > now }
                if state.due.count >= Self.maximumAddresses { state.due.removeAll() }
            }
            let due = max(state.due[address] ?? now, now)
            // The burst-th login in a row is still let through; the next one waits.
            guard due - now <= interval * (burst - 1) else {
                guard state.held < Self.maximumHeld else { return .refuse }
                state.held += 1
                return .hold
            }
            state.due[address] = due + interval
            return .pass
        }
        switch verdict {
        case .pass:
            return
        case .refuse:
            throw TallyError.busy("too many logins from this address; try again in a moment", retryAfterSeconds: 1)
        case .hold:
            try? await Task.sleep(for: penalty)
            state.withLock { $0.held -= 1 }
            throw TallyError.busy("too many logins from this address; try again in a moment", retryAfterSeconds: 1)
        }
    }
}
