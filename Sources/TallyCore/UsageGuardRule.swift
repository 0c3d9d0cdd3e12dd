import Foundation

/// A limit of credit-check requests per sliding window.
public struct UsageGuardSettings: Sendable, Hashable {
    public var enabled: Bool
    public var maxRequests: Int
    public var windowSeconds: Int
    public var paused: Bool
    public var pausedAt: Date?

    public init(enabled: Bool, maxRequests: Int, windowSeconds: Int, paused: Bool = false, pausedAt: Date? = nil) {
        self.enabled = enabled
        self.maxRequests = maxRequests
        self.windowSeconds = windowSeconds
        self.paused = paused
        self.pausedAt = pausedAt
    }

    public static let off = UsageGuardSettings(enabled: false, maxRequests: 0, windowSeconds: 0)
}

/// Why the usage guard stopped a credit check.
public enum UsageGuardRefusal: Error, Sendable, Hashable {
    /// Checks are paused until a super admin resumes them.
    case paused
    /// This request would exceed the limit: it is blocked and checks pause.
    case limitReached
}

/// The usage guard's rule, once for both databases: a guarded request is admitted when
/// the guard is off, or on, not paused, and fewer than `maxRequests` requests were
/// admitted in the `windowSeconds` before it (a request exactly `windowSeconds` old has
/// left the window). The stores call it inside the transaction that holds the request's
/// price, with what they read there, and only count and write.
public enum UsageGuardRule {
    /// Where the window starts for a request at `at`: requests at or before it no longer
    /// count. Nil when the guard is off (nothing to count); throws `.paused` when checks
    /// are paused.
    public static func windowStart(_ settings: UsageGuardSettings?, at: Date) throws(UsageGuardRefusal) -> Date? {
        guard let settings, settings.enabled else { return nil }
        if settings.paused { throw .paused }
        return at.addingTimeInterval(-TimeInterval(settings.windowSeconds))
    }

    /// Admits a request when fewer than `maxRequests` were admitted in its window; throws
    /// `.limitReached` otherwise.
    public static func admit(_ settings: UsageGuardSettings, requestsInWindow: Int) throws(UsageGuardRefusal) {
        guard requestsInWindow < settings.maxRequests else { throw .limitReached }
    }
}
