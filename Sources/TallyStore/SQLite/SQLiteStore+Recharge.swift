import Foundation
import GRDB
import TallyCore

extension SQLiteStore {
    /// After a transaction lowered available credits: the low-balance and depleted
    /// notifications and the due recharge that the auto-recharge policy calls for, and the
    /// recharge it leaves owed to the next spending, written in the same transaction as the
    /// debit that set them off.
    static func applyBalanceEffects(_ transaction: WalletTransaction, before: Credits, after: Credits, _ db: Database) throws {
        let state = try autoRecharge(transaction.accountID, db)
        let effects = AutoRechargePolicy.effects(
            before: before,
            after: after,
            settings: state?.settings,
            spending: transaction.postings.contains { $0.kind.isSpending },
            armed: state?.rechargeArmed ?? false
        )
        if let state, effects.rechargeArmed != state.rechargeArmed {
            _ = try rows(
                Statements.Recharges.arm,
                ["armed": .boolean(effects.rechargeArmed), "account": .text(transaction.accountID.rawValue)],
                in: db
            )
        }
        guard !effects.isEmpty else { return }
        // Ids derive from the debit's first ledger entry: unique, and stable for this transaction.
        let origin = transaction.postings.first?.id.rawValue ?? "t\(transaction.at.storedMilliseconds)"
        let account = transaction.accountID
        for notification in BalanceNotifications.make(effects, origin: origin, account: account, available: after, state: state, at: transaction.at) {
            try insert(notification, db)
        }
        if effects.recharge, let settings = state?.settings {
            try insertPending(
                Recharge(
                    id: "rch_" + origin,
                    accountID: account,
                    credits: settings.rechargeCredits,
                    nextAttemptAt: transaction.at,
                    createdAt: transaction.at
                ),
                db
            )
        }
    }

    static func insertPending(_ recharge: Recharge, _ db: Database) throws {
        _ = try rows(Statements.Recharges.addPending, Statements.Recharges.pendingValues(recharge), in: db)
    }

    static func autoRecharge(_ account: AccountID, _ db: Database) throws -> AutoRechargeState? {
        try rows(Statements.Recharges.settings, ["account": .text(account.rawValue)], in: db).first.map(AutoRechargeState.init)
    }

    /// Ends or reschedules a pending recharge and shows the outcome in the settings.
    static func settle(_ update: RechargeUpdate, account: AccountID, at: Date, _ db: Database) throws {
        let settled = try rows(Statements.Recharges.settle, Statements.Recharges.settleValues(update, account: account), in: db)
        guard settled.count == 1 else { throw StoreError.conflict("recharge \(update.rechargeID) is not pending") }
        _ = try rows(Statements.Recharges.showOutcome, Statements.Recharges.outcomeValues(update, account: account, at: at), in: db)
    }

    // MARK: Store

    public func autoRecharge(account: AccountID) async throws -> AutoRechargeState? {
        try await pool.read { db in try Self.autoRecharge(account, db) }
    }

    public func setAutoRecharge(_ settings: AutoRechargeSettings, account: AccountID, recharge: Recharge?) async throws {
        try await write { db in
            _ = try Self.rows(Statements.Recharges.saveSettings, Statements.Recharges.settingsValues(settings, account: account), in: db)
            if let recharge { try Self.insertPending(recharge, db) }
        }
    }

    public func claimDueRecharges(at: Date, leaseSeconds: Int, limit: Int) async throws -> [Recharge] {
        try await write { db in
            let now = at.storedMilliseconds
            let rows = try Row.fetchAll(
                db,
                sql: """
                    UPDATE recharges SET lease_until = ?
                    WHERE id IN (
                        SELECT id FROM recharges WHERE status = 'pending' AND next_attempt_at <= ?
                            AND (lease_until IS NULL OR lease_until <= ?)
                        ORDER BY next_attempt_at LIMIT ?)
                    RETURNING *
                    """,
                arguments: [now + Int64(leaseSeconds) * 1000, now, now, limit]
            )
            return try rows.map(Recharge.init)
        }
    }

    public func rechargeSpend(account: AccountID, day: String) async throws -> RechargeSpend {
        try await pool.read { db in
            try RechargeSpend(Self.rows(Statements.Recharges.spend, Statements.Recharges.spendValues(account: account, day: day), in: db).first)
        }
    }

    public func updateRecharge(_ update: RechargeUpdate, account: AccountID, notifications: [Notification], at: Date) async throws {
        try await write { db in
            try Self.settle(update, account: account, at: at, db)
            for notification in notifications { try Self.insert(notification, db) }
        }
    }

    public func recharges(account: AccountID, limit: Int) async throws -> [Recharge] {
        try await pool.read { db in
            try Self.rows(Statements.Recharges.ofAccount, ["account": .text(account.rawValue), "limit": .integer(limit)], in: db)
                .map(Recharge.init)
        }
    }

    // MARK: Webhooks

    public func addWebhook(_ webhook: Webhook) async throws {
        try await write { db in
            _ = try Self.rows(
                Statements.Webhooks.add,
                [
                    "id": .text(webhook.id), "account": .text(webhook.accountID.rawValue), "url": .text(webhook.url),
                    "secret": .text(webhook.secret), "at": .integer(webhook.createdAt.storedMilliseconds),
                ],
                in: db
            )
        }
    }

    public func webhooks(account: AccountID) async throws -> [Webhook] {
        try await pool.read { db in
            try Self.rows(Statements.Webhooks.ofAccount, ["account": .text(account.rawValue)], in: db).map(Webhook.init)
        }
    }

    public func deleteWebhook(_ id: String, account: AccountID, at: Date) async throws -> Bool {
        try await write { db in
            let deleted = try Self.rows(
                Statements.Webhooks.markDeleted,
                ["at": .integer(at.storedMilliseconds), "id": .text(id), "account": .text(account.rawValue)],
                in: db
            )
            guard deleted.count == 1 else { return false }
            // A removed endpoint is not called again, not even for what was still pending.
            try db.execute(
                sql: "UPDATE webhook_deliveries SET status = 'failed', lease_until = NULL WHERE webhook_id = ? AND status = 'pending'",
                arguments: [id]
            )
            return true
        }
    }

    public func deliveries(webhook: String, account: AccountID, limit: Int) async throws -> [WebhookDelivery] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT d.* FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
                    WHERE d.webhook_id = ? AND w.account_id = ? ORDER BY d.created_at DESC, d.id DESC LIMIT ?
                    """,
                arguments: [webhook, account.rawValue, limit]
            ).map(WebhookDelivery.init)
        }
    }

    public func claimDueDeliveries(at: Date, leaseSeconds: Int, limit: Int) async throws -> [DeliveryJob] {
        try await write { db in
            let now = at.storedMilliseconds
            let ids = try String.fetchAll(
                db,
                sql: """
                    UPDATE webhook_deliveries SET lease_until = ?
                    WHERE id IN (
                        SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ?
                            AND (lease_until IS NULL OR lease_until <= ?)
                        ORDER BY next_attempt_at LIMIT ?)
                    RETURNING id
                    """,
                arguments: [now + Int64(leaseSeconds) * 1000, now, now, limit]
            )
            guard !ids.isEmpty else { return [] }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT d.*, w.url, w.secret, n.account_id, n.kind, n.message, n.data, n.created_at AS n_created_at
                    FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
                    JOIN notifications n ON n.id = d.notification_id
                    WHERE d.id IN (\(ids.map { _ in "?" }.joined(separator: ",")))
                    ORDER BY d.next_attempt_at
                    """,
                arguments: StatementArguments(ids)
            ).map { row in
                DeliveryJob(
                    delivery: try WebhookDelivery(row),
                    url: row["url"],
                    secret: row["secret"],
                    notification: Notification(
                        id: row["notification_id"],
                        accountID: AccountID(row["account_id"]),
                        kind: try NotificationKind(stored: row["kind"], column: "kind"),
                        message: row["message"],
                        data: row["data"],
                        createdAt: Date(storedMilliseconds: row["n_created_at"])
                    )
                )
            }
        }
    }

    public func recordDeliveryAttempt(
        _ id: String,
        status: DeliveryStatus,
        statusCode: Int?,
        nextAttemptAt: Date?,
        at: Date
    ) async throws {
        try await write { db in
            _ = try Self.rows(
                Statements.Webhooks.recordAttempt,
                [
                    "status": .text(status.rawValue), "code": .integer(statusCode),
                    "nextAttemptAt": .integer(nextAttemptAt?.storedMilliseconds),
                    "deliveredAt": .integer(status == .delivered ? at.storedMilliseconds : nil), "id": .text(id),
                ],
                in: db
            )
        }
    }
}
