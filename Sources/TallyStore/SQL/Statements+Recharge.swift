import Foundation
import TallyCore

/// Webhook endpoints and their deliveries' outcomes (leasing due deliveries stays per
/// engine: PostgreSQL skips rows other processes hold, SQLite has one writer).
extension Statements {
    enum Webhooks {
        static let add = Statement(
            "webhooks.add",
            "INSERT INTO webhooks (id, account_id, url, secret, created_at) VALUES (:id, :account, :url, :secret, :at)"
        )
        static let ofAccount = Statement(
            "webhooks.ofAccount",
            "SELECT * FROM webhooks WHERE account_id = :account AND deleted_at IS NULL ORDER BY created_at, id {bytewise}"
        )
        /// Conditional: an endpoint is removed once.
        static let markDeleted = Statement(
            "webhooks.markDeleted",
            """
            UPDATE webhooks SET deleted_at = :at WHERE id = :id AND account_id = :account AND deleted_at IS NULL
            RETURNING id
            """
        )
        /// One attempt's outcome; a delivery settled already is left alone.
        static let recordAttempt = Statement(
            "webhooks.recordAttempt",
            """
            UPDATE webhook_deliveries SET status = :status, attempts = attempts + 1, last_status_code = :code,
                next_attempt_at = :nextAttemptAt, lease_until = NULL, delivered_at = COALESCE(:deliveredAt, delivered_at)
            WHERE id = :id AND status = 'pending'
            """
        )

        static let all = [add, ofAccount, markDeleted, recordAttempt]
    }
}

extension Webhook {
    /// A row of `webhooks`.
    init(_ row: some StoreRow) throws {
        self.init(
            id: try row.text("id"),
            accountID: AccountID(try row.text("account_id")),
            url: try row.text("url"),
            secret: try row.text("secret"),
            createdAt: try row.date("created_at")
        )
    }
}

extension WebhookDelivery {
    /// A row of `webhook_deliveries`.
    init(_ row: some StoreRow) throws {
        self.init(
            id: try row.text("id"),
            webhookID: try row.text("webhook_id"),
            notificationID: try row.text("notification_id"),
            status: DeliveryStatus(rawValue: try row.text("status")) ?? .pending,
            attempts: Int(try row.integer("attempts")),
            lastStatusCode: try row.optionalInt("last_status_code"),
            nextAttemptAt: try row.optionalDate("next_attempt_at"),
            deliveredAt: try row.optionalDate("delivered_at")
        )
    }
}

extension Recharge {
    /// A row of `recharges`.
    init(_ row: some StoreRow) throws {
        self.init(
            id: try row.text("id"),
            accountID: AccountID(try row.text("account_id")),
            status: RechargeStatus(rawValue: try row.text("status")) ?? .pending,
            credits: Credits(thousandths: try row.integer("credits")),
            attempts: Int(try row.integer("attempts")),
            nextAttemptAt: try row.date("next_attempt_at"),
            reason: try row.optionalText("reason"),
            createdAt: try row.date("created_at")
        )
    }
}

extension AutoRechargeState {
    /// A row of `auto_recharges`.
    init(_ row: some StoreRow) throws {
        self.init(
            settings: AutoRechargeSettings(
                enabled: try row.boolean("enabled"),
                thresholdCredits: Credits(thousandths: try row.integer("threshold")),
                rechargeCredits: Credits(thousandths: try row.integer("credits")),
                paymentMethodID: try row.text("payment_method_id"),
                maxRechargesPerDay: Int(try row.integer("max_per_day")),
                maxSpendPerMonth: Money(cents: try row.integer("max_spend_month_cents"))
            ),
            lastResult: try row.optionalText("last_result").map { try RechargeResult(stored: $0, column: "last_result") },
            lastReason: try row.optionalText("last_reason"),
            lastResultAt: try row.optionalDate("last_result_at"),
            rechargeArmed: try row.boolean("recharge_armed")
        )
    }
}
