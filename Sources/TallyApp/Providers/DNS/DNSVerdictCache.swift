import Synchronization

/// Each domain's DNS verdict, kept for its TTL; at most `capacity` domains. Sign-ups on a
/// domain while its lookup is under way wait for that lookup instead of asking again. A
/// lookup that fails is not kept: the next sign-up asks again.
actor DNSVerdictCache {
    private enum Entry {
        case looking(Task<DNSMailVerdict, any Error>)
        case known(DNSMailVerdict, until: ContinuousClock.Instant)
    }

    let capacity: Int
    private var entries: [String: Entry] = [:]

    init(capacity: Int) {
        precondition(capacity > 0, "a cache holds at least one domain")
        self.capacity = capacity
    }

    /// The domain's verdict: kept, being looked up, or looked up now with `lookUp`.
    func verdict(
        for domain: String,
        lookUp: @escaping @Sendable () async throws -> DNSMailVerdict
    ) async throws -> EmailVerdict {
        let now = ContinuousClock.now
        switch entries[domain] {
        case .known(let kept, let until) where now < until:
            return kept.verdict
        case .looking(let task):
            return try await Self.value(of: task).verdict
        case .known, nil:
            let task = Task { try await lookUp() }
            entries[domain] = .looking(task)
            Task { await self.settle(domain, task) }
            return try await Self.value(of: task).verdict
        }
    }

    /// Keeps what `task` found once it ends (a failure is forgotten).
    private func settle(_ domain: String, _ task: Task<DNSMailVerdict, any Error>) async {
        let result = await task.result
        guard case .looking = entries[domain] else { return }
        switch result {
        case .success(let found) where found.ttlSeconds > 0:
            makeRoom()
            entries[domain] = .known(found, until: .now + .seconds(Int(found.ttlSeconds)))
        default:
            entries[domain] = nil
        }
    }

    /// Below capacity: expired entries go first, then those closest to expiring.
    private func makeRoom() {
        guard entries.count >= capacity else { return }
        let now = ContinuousClock.now
        entries = entries.filter { _, entry in
            if case .known(_, let until) = entry { return until > now }
            return true
        }
        while entries.count >= capacity {
            let soonest = entries.min { left, right in
                switch (left.value, right.value) {
                case (.known(_, let a), .known(_, let b)): a < b
                case (.known, .looking): true
                default: false
                }
            }
            guard let soonest else { return }
            entries[soonest.key] = nil
        }
    }

    /// The task's value, given up as soon as the waiting caller is cancelled (its
    /// deadline passed): a blocked DNS query must not hold the caller past its deadline.
    private static func value(of task: Task<DNSMailVerdict, any Error>) async throws -> DNSMailVerdict {
        let waiter = Waiter()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiter.wait(continuation)
                Task { waiter.resume(with: await task.result) }
            }
        } onCancel: {
            waiter.resume(with: .failure(CancellationError()))
        }
    }

    /// One continuation resumed once, by whichever comes first: the answer or the cancellation.
    private final class Waiter: Sendable {
        private enum State {
            case idle
            case waiting(CheckedContinuation<DNSMailVerdict, any Error>)
            case done(Result<DNSMailVerdict, any Error>?)
        }

        private let state = Mutex(State.idle)

        func wait(_ continuation: CheckedContinuation<DNSMailVerdict, any Error>) {
            let early: Result<DNSMailVerdict, any Error>? = state.withLock { state in
                switch state {
                case .idle:
                    state = .waiting(continuation)
                    return nil
                case .done(let result):
                    state = .done(nil)
                    return result
                case .waiting:
                    preconditionFailure("a waiter waits once")
                }
            }
            if let early { continuation.resume(with: early) }
        }

        func resume(with result: Result<DNSMailVerdict, any Error>) {
            let waiting: CheckedContinuation<DNSMailVerdict, any Error>? = state.withLock { state in
                switch state {
                case .idle:
                    state = .done(result)
                    return nil
                case .waiting(let continuation):
                    state = .done(nil)
                    return continuation
                case .done:
                    return nil
                }
            }
            waiting?.resume(with: result)
        }
    }
}
