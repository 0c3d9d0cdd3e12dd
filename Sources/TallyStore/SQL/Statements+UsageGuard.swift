import Foundation
import TallyCore

/// The usage guard: its settings, and the requests counted in its sliding window (the
/// rule itself is `UsageGuardRule`, in TallyCore).
extension Statements {
    enum UsageGuard {
        /// Inside the transaction that holds a request's price: on PostgreSQL the guard
        /// row's lock makes concurrent requests of the account take turns until each
        /// commits or rolls back, and under READ COMMITTED each statement after the lock
        /// sees the requests of the turns before; SQLite has one writer.
        static let settingsLocked = Statement(
            "usageGuard.settingsLocked",
            "SELECT * FROM usage_guards WHERE account_id = :account {lockRow}"
        )
        static let forgetBefore = Statement(
            "usageGuard.forgetBefore",
            "DELETE FROM usage_guard_requests WHERE account_id = :account AND at <= :windowStart"
        )
        static let countSince = Statement(
            "usageGuard.countSince",
            "SELECT COUNT(*) AS requests FROM usage_guard_requests WHERE account_id = :account AND at > :windowStart"
        )
        static let count = Statement(
            "usageGuard.count",
            "INSERT INTO usage_guard_requests (account_id, at) VALUES (:account, :at)"
        )

        static let all = [settingsLocked, forgetBefore, countSince, count]
    }
}

extension UsageGuardSettings {
    /// A row of `usage_guards`.
    init(_ row: some StoreRow) throws {
        self.init(
            enabled: try row.boolean("enabled"),
            maxRequests: Int(try row.integer("max_requests")),
            windowSeconds: Int(try row.integer("window_seconds")),
            paused: try row.boolean("paused"),
            pausedAt: try row.optionalDate("paused_at")
        )
    }
}
