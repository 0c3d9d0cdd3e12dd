import Foundation

/// Refuses logins for an email after too many wrong passwords in a window,
/// so a password cannot be guessed by brute force. Kept per process.
public final class LoginThrottle: @unchecked Sendable {
    public static let maximumFailures = 10
    public static let windowSeconds: TimeInterval = 900
    /// Emails remembered at most, so a flood of made-up addresses cannot grow memory without bound.
    static let maximumTracked = 100_000

    private let lock = NSLock()
    private var failures: [String: [Date]] = [:]

    public init() {}

    /// Whether `email` may try a password now.
    func allows(_ email: String, at now: Date) -> Bool {
        lock.withLock {
            recent(email, at: now).count < Self.maximumFailures
        }
    }

    func recordFailure(_ email: String, at now: Date) {
        lock.withLock {
            if failures.count >= Self.maximumTracked { failures.removeAll(keepingCapacity: true) }
            failures[email] = recent(email, at: now) + [now]
        }
    }

    func recordSuccess(_ email: String) {
        lock.withLock { failures[email] = nil }
    }

    private func recent(_ email: String, at now: Date) -> [Date] {
        (failures[email] ?? []).filter { now.timeIntervalSince($0) < Self.windowSeconds }
    }
}
