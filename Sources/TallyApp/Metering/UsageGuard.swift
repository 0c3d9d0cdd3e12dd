import Foundation
import TallyCore
import TallyStore

/// The usage guard: at most N credit-check requests per sliding window. The
/// request that exceeds it is blocked and pauses checks until a super admin resumes them.
public struct UsageGuard: Sendable {
    let store: any Store
    let time: any TimeSource
    let ids: any IDSource

    public static let maximumRequests = 1_000_000
    /// Thirty days.
    public static let maximumWindowSeconds = 2_592_000

    public struct Settings: Sendable, Codable, Equatable {
        public var enabled: Bool
        public var maxRequests: WholeNumber
        public var windowSeconds: WholeNumber
    }

    public struct View: Sendable, Codable, Equatable {
        public var enabled: Bool
        public var maxRequests: Int
        public var windowSeconds: Int
        public var paused: Bool
        @Nullable public var pausedAt: Date?
    }

    public func settings(of caller: FeatureCaller) async throws -> View {
        Self.view(try await store.usageGuard(account: caller.accountID))
    }

    public func update(_ settings: Settings, by manager: CreditManager) async throws -> View {
        var errors = [FieldError]()
        if !(1...Self.maximumRequests).contains(settings.maxRequests.value) {
            errors.append(FieldError("maxRequests", "must be from 1 to \(Self.maximumRequests)"))
        }
        if !(1...Self.maximumWindowSeconds).contains(settings.windowSeconds.value) {
            errors.append(FieldError("windowSeconds", "must be from 1 to \(Self.maximumWindowSeconds) (30 days)"))
        }
        guard errors.isEmpty else { throw TallyError.invalid(errors) }
        try await store.setUsageGuard(
            UsageGuardSettings(enabled: settings.enabled, maxRequests: settings.maxRequests.value, windowSeconds: settings.windowSeconds.value),
            account: manager.accountID
        )
        return Self.view(try await store.usageGuard(account: manager.accountID))
    }

    public func resume(by manager: CreditManager) async throws -> View {
        let now = time.now()
        _ = try await store.resumeUsageGuard(
            account: manager.accountID,
            at: now,
            notification: Notification(
                id: ids.make("ntf"),
                accountID: manager.accountID,
                kind: .usageGuardResumed,
                message: "Credit checks were resumed by \(manager.user.email).",
                createdAt: now
            )
        )
        return Self.view(try await store.usageGuard(account: manager.accountID))
    }

    /// Pauses checks after a request exceeded the limit; the super admins are notified once.
    func pause(account: AccountID) async throws {
        let now = time.now()
        let settings = try await store.usageGuard(account: account)
        _ = try await store.pauseUsageGuard(
            account: account,
            at: now,
            notification: Notification(
                id: ids.make("ntf"),
                accountID: account,
                kind: .usageGuardPaused,
                message:
                    "Credit checks are paused: more than \(settings.maxRequests) requests in \(settings.windowSeconds) seconds. A super admin must resume them.",
                data: #"{"maxRequests":\#(settings.maxRequests),"windowSeconds":\#(settings.windowSeconds)}"#,
                createdAt: now
            )
        )
    }

    static func view(_ settings: UsageGuardSettings) -> View {
        View(
            enabled: settings.enabled,
            maxRequests: settings.maxRequests,
            windowSeconds: settings.windowSeconds,
            paused: settings.paused,
            pausedAt: settings.pausedAt
        )
    }
}
