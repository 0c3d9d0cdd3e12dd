import Foundation
import HummingbirdBcrypt
import NIOPosix

/// Hashes and checks passwords: bcrypt, with a cost that tests may lower.
///
/// bcrypt is deliberately slow, so it runs on NIO's thread pool, never on the threads
/// that serve requests, and at most `maximumConcurrent` at once: a flood of logins is
/// answered 429 instead of stalling every other request.
public struct PasswordHasher: Sendable {
    public let cost: UInt8
    let gate: Gate

    /// Hashes in flight at most; one more is refused at once. Half the cores: bcrypt
    /// can never take the CPU the requests of everyone else need.
    public static let defaultMaximumConcurrent = max(1, ProcessInfo.processInfo.activeProcessorCount / 2)

    public init(cost: UInt8 = 12, maximumConcurrent: Int = Self.defaultMaximumConcurrent) {
        self.cost = cost
        gate = Gate(limit: maximumConcurrent)
    }

    /// Hashes a new password, off the request threads.
    public func hash(_ password: String) async throws -> String {
        try await admitted { [cost] in try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) } }
    }

    /// Runs `body` (which checks a password with `verifyAdmitted`) once there is room for
    /// one more password check; 429 when there is none, before anything is counted.
    public func admitted<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        guard gate.enter() else {
            throw TallyError.busy("too many password checks at once; try again in a moment", retryAfterSeconds: 1)
        }
        defer { gate.leave() }
        return try await body()
    }

    /// Checks a password against its hash on the thread pool; call it inside `admitted`.
    public func verifyAdmitted(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// Hashes on the calling thread: for start-up only.
    func hashNow(_ password: String) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    /// Counts work in flight against a limit.
    final class Gate: @unchecked Sendable {
        private let lock = NSLock()
        private var inFlight = 0
        let limit: Int

        init(limit: Int) {
            self.limit = max(1, limit)
        }

        func enter() -> Bool {
            lock.withLock {
                guard inFlight < limit else { return false }
                inFlight += 1
                return true
            }
        }

        func leave() {
            lock.withLock { inFlight -= 1 }
        }
    }
}
