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

        static let settings = Statement("usageGuard.settings", "SELECT * FROM usage_guards WHERE account_id = :account")
        static let set = Statement(
            "usageGuard.set",
            """
            INSERT INTO usage_guards (account_id, enabled, max_requests, window_seconds)
            VALUES (:account, :enabled, :maxRequests, :windowSeconds)
            ON CONFLICT (account_id) DO UPDATE SET enabled = excluded.enabled,
                max_requests = excluded.max_requests, window_seconds = excluded.window_seconds
            """
        )
        /// Conditional: a guard is paused once, by whichever request reached the limit first.
        static let pause = Statement(
            "usageGuard.pause",
            """
            UPDATE usage_guards SET paused = TRUE, paused_at = :at WHERE account_id = :account AND NOT paused
            RETURNING account_id
            """
        )
        static let resume = Statement(
            "usageGuard.resume",
            """
            UPDATE usage_guards SET paused = FALSE, paused_at = NULL WHERE account_id = :account AND paused
            RETURNING account_id
            """
        )
        /// On resuming, the window starts afresh: requests before the pause no longer count.
        static let forgetAll = Statement("usageGuard.forgetAll", "DELETE FROM usage_guard_requests WHERE account_id = :account")

        static let all = [settingsLocked, forgetBefore, countSince, count, settings, set, pause, resume, forgetAll]

        static func setValues(_ settings: UsageGuardSettings, account: AccountID) -> KeyValuePairs<String, SQLValue> {
            [
                "account": .text(account.rawValue), "enabled": .boolean(settings.enabled),
                "maxRequests": .integer(settings.maxRequests), "windowSeconds": .integer(settings.windowSeconds),
            ]
        }
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
