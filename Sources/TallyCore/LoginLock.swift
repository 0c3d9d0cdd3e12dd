import Foundation

/// The wrong-password lock, the one place its rule is written.
///
/// Each login is counted before its password is checked, per email and sender address,
/// in a window that opens with the first attempt and lasts `windowSeconds`. Past
/// `maximumFailures` attempts in the window, that address is locked out of that email
/// until the window ends (429 with `Retry-After`); other addresses are not. The right
/// password clears the counts. Past `maximumFailures` attempts from every address
/// together, each login for the email first waits `guessingDelay` (someone is
/// guessing), and the account is told once. The stores only count, in one statement
/// (`Statements.Logins`), and hand the counter to `verdict`.
public enum LoginLock {
    /// Attempts per email and address in one window before the address is locked out.
    public static let maximumFailures = 10
    /// How long a window lasts from its first attempt.
    public static let windowSeconds = 900

    /// The verdict on a login, from its counter as the store left it after counting it:
    /// `attempts` in the window that began at `windowStart`.
    public static func verdict(
        attempts: Int64,
        windowStart: Date,
        at: Date,
        windowSeconds: Int = windowSeconds,
        maximum: Int = maximumFailures
    ) -> LoginAttempt {
        guard attempts > Int64(maximum) else { return .allowed }
        let ends = windowStart.addingTimeInterval(TimeInterval(windowSeconds))
        return .locked(retryAfterSeconds: max(1, Int(ends.timeIntervalSince(at).rounded(.up))))
    }

    /// How long a login waits when its email's logins, from every address, were counted
    /// `attempts` times in the window, this one included: nothing for the first
    /// `freeAttempts`, then `base`, doubling with each attempt up to `cap`.
    public static func guessingDelay(attempts: Int, freeAttempts: Int, base: Duration, cap: Duration) -> Duration {
        let over = attempts - freeAttempts
        guard over > 0 else { return .zero }
        var delay = base
        for _ in 1..<min(over, 32) where delay < cap { delay *= 2 }
        return min(delay, cap)
    }
}

/// A login's verdict from the wrong-password lock.
public enum LoginAttempt: Sendable, Hashable {
    case allowed
    case locked(retryAfterSeconds: Int)
}
