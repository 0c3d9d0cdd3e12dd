import Foundation
import TallyCore

/// Automatic recharges: their settings, the recharges due and their outcomes (leasing due
/// recharges stays per engine: PostgreSQL skips rows other processes hold, SQLite has one
/// writer; so does PostgreSQL's read of the settings on the charge path, a statement
/// prepared on each connection, `AutoRechargeStatement`).
extension Statements {
    enum Recharges {
        static let settings = Statement("recharges.settings", "SELECT * FROM auto_recharges WHERE account_id = :account")
        /// Saving drops a recharge owed to the next spending (see `AutoRechargePolicy.rechargeOnSave`).
        static let saveSettings = Statement(
            "recharges.saveSettings",
            """
            INSERT INTO auto_recharges (account_id, enabled, threshold, credits, payment_method_id, max_per_day,
                max_spend_month_cents)
            VALUES (:account, :enabled, :threshold, :credits, :paymentMethod, :maxPerDay, :maxSpendMonthCents)
            ON CONFLICT (account_id) DO UPDATE SET enabled = excluded.enabled, threshold = excluded.threshold,
                credits = excluded.credits, payment_method_id = excluded.payment_method_id,
                max_per_day = excluded.max_per_day, max_spend_month_cents = excluded.max_spend_month_cents,
                recharge_armed = FALSE
            """
        )
        /// Whether a recharge is owed to the next spending (`BalanceEffects.rechargeArmed`).
        static let arm = Statement("recharges.arm", "UPDATE auto_recharges SET recharge_armed = :armed WHERE account_id = :account")
        /// Records a due recharge unless one is already in flight: one per wallet. Without a
        /// conflict target, DO NOTHING covers the partial unique index "one pending per
        /// account" (and a repeated id); on PostgreSQL it waits for a concurrent insert to
        /// commit or roll back first. (Its other constraints hold by construction: the
        /// credits are the saved settings', which are positive.)
        static let addPending = Statement(
            "recharges.addPending",
            """
            INSERT INTO recharges (id, account_id, status, credits, attempts, next_attempt_at, created_at)
            VALUES (:id, :account, 'pending', :credits, 0, :nextAttemptAt, :createdAt)
            ON CONFLICT DO NOTHING
            """
        )
        /// Ends or reschedules a pending recharge. Conditional on the row still being
        /// pending: of two settlements racing (in any process, on PostgreSQL the second waits
        /// on the row lock) the second finds it settled.
        static let settle = Statement(
            "recharges.settle",
            """
            UPDATE recharges SET status = :status, attempts = :attempts, next_attempt_at = :nextAttemptAt, reason = :reason,
                settled_day = :settledDay, amount_cents = :amountCents, lease_until = NULL
            WHERE id = :id AND account_id = :account AND status = 'pending'
            RETURNING account_id
            """
        )
        /// A settled recharge's outcome, shown with the settings; a failure that calls for
        /// it switches automatic recharges off.
        static let showOutcome = Statement(
            "recharges.showOutcome",
            """
            UPDATE auto_recharges SET last_result = :result, last_reason = :reason, last_result_at = :at,
                enabled = CASE WHEN :disable THEN FALSE ELSE enabled END
            WHERE account_id = :account
            """
        )
        /// The recharges that succeeded on a Pacific day and what those of its month cost.
        static let spend = Statement(
            "recharges.spend",
            """
            SELECT CAST(COUNT(*) FILTER (WHERE settled_day = :day) AS BIGINT) AS today,
                CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) AS month
            FROM recharges
            WHERE account_id = :account AND status = 'succeeded' AND substr(settled_day, 1, 7) = :month
            """
        )
        static let ofAccount = Statement(
            "recharges.ofAccount",
            """
            SELECT * FROM recharges WHERE account_id = :account
            ORDER BY created_at DESC, {insertionOrder} DESC LIMIT :limit
            """
        )

        static let all = [settings, saveSettings, arm, addPending, settle, showOutcome, spend, ofAccount]

        static func settingsValues(_ settings: AutoRechargeSettings, account: AccountID) -> KeyValuePairs<String, SQLValue> {
            [
                "account": .text(account.rawValue), "enabled": .boolean(settings.enabled),
                "threshold": .integer(settings.thresholdCredits.thousandths), "credits": .integer(settings.rechargeCredits.thousandths),
                "paymentMethod": .text(settings.paymentMethodID), "maxPerDay": .integer(settings.maxRechargesPerDay),
                "maxSpendMonthCents": .integer(settings.maxSpendPerMonth.cents),
            ]
        }

        static func pendingValues(_ recharge: Recharge) -> KeyValuePairs<String, SQLValue> {
            [
                "id": .text(recharge.id), "account": .text(recharge.accountID.rawValue), "credits": .integer(recharge.credits.thousandths),
                "nextAttemptAt": .integer(recharge.nextAttemptAt.storedMilliseconds),
                "createdAt": .integer(recharge.createdAt.storedMilliseconds),
            ]
        }

        static func settleValues(_ update: RechargeUpdate, account: AccountID) -> KeyValuePairs<String, SQLValue> {
            [
                "status": .text(update.status.rawValue), "attempts": .integer(update.attempts),
                "nextAttemptAt": .integer(update.nextAttemptAt.storedMilliseconds), "reason": .text(update.reason),
                "settledDay": .text(update.settledDay), "amountCents": .integer(update.amount?.cents),
                "id": .text(update.rechargeID), "account": .text(account.rawValue),
            ]
        }

        static func outcomeValues(_ update: RechargeUpdate, account: AccountID, at: Date) -> KeyValuePairs<String, SQLValue> {
            [
                "result": .text(update.lastResult.rawValue), "reason": .text(update.reason), "at": .integer(at.storedMilliseconds),
                "disable": .boolean(update.disable), "account": .text(account.rawValue),
            ]
        }

        static func spendValues(account: AccountID, day: String) -> KeyValuePairs<String, SQLValue> {
            ["account": .text(account.rawValue), "day": .text(day), "month": .text(String(day.prefix(7)))]
        }
    }

    /// Webhook endpoints and their deliveries' outcomes (leasing due deliveries stays per
    /// engine: PostgreSQL skips rows other processes hold, SQLite has one writer).
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
            status: try row.word("status", as: DeliveryStatus.self),
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
            status: try row.word("status", as: RechargeStatus.self),
            credits: Credits(thousandths: try row.integer("credits")),
            attempts: Int(try row.integer("attempts")),
            nextAttemptAt: try row.date("next_attempt_at"),
            reason: try row.optionalText("reason"),
            createdAt: try row.date("created_at")
        )
    }
}

extension RechargeSpend {
    /// The row of `Statements.Recharges.spend` (an aggregate without GROUP BY answers one
    /// row, even over no recharges: none reads as nothing spent).
    init(_ row: (some StoreRow)?) throws {
        self.init(
            rechargesToday: Int(try row?.integer("today") ?? 0),
            spentThisMonth: Money(cents: try row?.integer("month") ?? 0)
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
