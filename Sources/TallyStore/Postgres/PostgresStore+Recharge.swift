import Foundation
import Logging
import PostgresNIO
import TallyCore

extension PostgresStore {
    // MARK: Balance effects

    /// After a transaction lowered available credits: the low-balance and depleted
    /// notifications and the due recharge that the auto-recharge policy calls for, and the
    /// recharge it leaves owed to the next spending, written in the same transaction as the
    /// debit that set them off.
    ///
    /// `before` and `after` are exact across processes: the debit holds the wallet's
    /// row lock until commit, so of concurrent debits only one crosses the threshold, and
    /// only one finds a recharge owed (each reads the flag after the one before committed)
    /// — and should two recharges ever be due at once, the partial unique index keeps one.
    static func applyBalanceEffects(
        _ transaction: WalletTransaction,
        before: Credits,
        after: Credits,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        let account = transaction.accountID
        let state = try await autoRecharge(account, connection, logger)
        let effects = AutoRechargePolicy.effects(
            before: before,
            after: after,
            settings: state?.settings,
            spending: transaction.postings.contains { $0.kind.isSpending },
            armed: state?.rechargeArmed ?? false
        )
        if let state, effects.rechargeArmed != state.rechargeArmed {
            _ = try await connection.rows(
                Statements.Recharges.arm,
                ["armed": .boolean(effects.rechargeArmed), "account": .text(account.rawValue)],
                logger
            )
        }
        guard !effects.isEmpty else { return }
        // Ids derive from the debit's first ledger entry: unique, and stable for this transaction.
        let origin = transaction.postings.first?.id.rawValue ?? "t\(transaction.at.storedMilliseconds)"
        let notifications = BalanceNotifications.make(
            effects,
            origin: origin,
            account: account,
            available: after,
            state: state,
            at: transaction.at
        )
        for notification in notifications {
            try await connection.run(insert(notification), logger)
        }
        if effects.recharge, let settings = state?.settings {
            let recharge = Recharge(
                id: "rch_" + origin,
                accountID: account,
                credits: settings.rechargeCredits,
                nextAttemptAt: transaction.at,
                createdAt: transaction.at
            )
            _ = try await connection.rows(Statements.Recharges.addPending, Statements.Recharges.pendingValues(recharge), logger)
        }
    }

    static func autoRecharge(
        _ account: AccountID,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> AutoRechargeState? {
        try await connection.rows(AutoRechargeStatement(account.rawValue), logger).first.map(autoRechargeState)
    }

    /// The settings and the recharge owed, read by every debit. The columns are named: a
    /// statement prepared on a connection keeps the row shape it was prepared with.
    struct AutoRechargeStatement: OneValueStatement {
        static let sql = """
            SELECT enabled, threshold, credits, payment_method_id, max_per_day, max_spend_month_cents, last_result,
                last_reason, last_result_at, recharge_armed
            FROM auto_recharges WHERE account_id = $1
            """
        let bindings: PostgresBindings
    }

    /// Ends or reschedules a pending recharge and shows the outcome in the settings.
    static func settle(
        _ update: RechargeUpdate,
        account: AccountID,
        at: Date,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        let settled = try await connection.rows(Statements.Recharges.settle, Statements.Recharges.settleValues(update, account: account), logger)
        guard settled.first != nil else { throw StoreError.conflict("recharge \(update.rechargeID) is not pending") }
        _ = try await connection.rows(
            Statements.Recharges.showOutcome,
            Statements.Recharges.outcomeValues(update, account: account, at: at),
            logger
        )
    }

    // MARK: Store

    public func autoRecharge(account: AccountID) async throws -> AutoRechargeState? {
        try await rows(Statements.Recharges.settings, ["account": .text(account.rawValue)]).first.map(AutoRechargeState.init)
    }

    public func setAutoRecharge(_ settings: AutoRechargeSettings, account: AccountID, recharge: Recharge?) async throws {
        try await transaction { connection in
            _ = try await connection.rows(
                Statements.Recharges.saveSettings,
                Statements.Recharges.settingsValues(settings, account: account),
                logger
            )
            if let recharge {
                _ = try await connection.rows(Statements.Recharges.addPending, Statements.Recharges.pendingValues(recharge), logger)
            }
        }
    }

    /// Leases due recharges. Claims in other processes skip the rows this one has locked
    /// (SKIP LOCKED), and one that reaches a row just leased re-checks it against the new
    /// lease and passes it by: no row goes to two workers within its lease.
    public func claimDueRecharges(at: Date, leaseSeconds: Int, limit: Int) async throws -> [Recharge] {
        let now = at.storedMilliseconds
        let leaseUntil = now + Int64(leaseSeconds) * 1000
        return try await rows(
            """
            WITH claimed AS (
                UPDATE recharges SET lease_until = \(leaseUntil)
                WHERE (account_id, id) IN (
                    SELECT account_id, id FROM recharges WHERE status = 'pending' AND next_attempt_at <= \(now)
                        AND (lease_until IS NULL OR lease_until <= \(now))
                    ORDER BY next_attempt_at, sequence LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED)
                RETURNING *
            )
            SELECT * FROM claimed ORDER BY next_attempt_at, sequence
            """
        ).map(Self.recharge)
    }

    public func rechargeSpend(account: AccountID, day: String) async throws -> RechargeSpend {
        try await RechargeSpend(rows(Statements.Recharges.spend, Statements.Recharges.spendValues(account: account, day: day)).first)
    }

    public func updateRecharge(
        _ update: RechargeUpdate,
        account: AccountID,
        notifications: [Notification],
        at: Date
    ) async throws {
        try await transaction { connection in
            try await Self.settle(update, account: account, at: at, connection, logger)
            for notification in notifications { try await connection.run(Self.insert(notification), logger) }
        }
    }

    public func recharges(account: AccountID, limit: Int) async throws -> [Recharge] {
        try await rows(Statements.Recharges.ofAccount, ["account": .text(account.rawValue), "limit": .integer(limit)]).map(Recharge.init)
    }

    // MARK: Webhooks

    public func addWebhook(_ webhook: Webhook) async throws {
        _ = try await rows(
            Statements.Webhooks.add,
            [
                "id": .text(webhook.id), "account": .text(webhook.accountID.rawValue), "url": .text(webhook.url),
                "secret": .text(webhook.secret), "at": .integer(webhook.createdAt.storedMilliseconds),
            ]
        )
    }

    public func webhooks(account: AccountID) async throws -> [Webhook] {
        try await rows(Statements.Webhooks.ofAccount, ["account": .text(account.rawValue)]).map(Webhook.init)
    }

    public func deleteWebhook(_ id: String, account: AccountID, at: Date) async throws -> Bool {
        try await transaction { connection in
            let deleted = try await connection.rows(
                Statements.Webhooks.markDeleted,
                ["at": .integer(at.storedMilliseconds), "id": .text(id), "account": .text(account.rawValue)],
                logger
            )
            guard deleted.count == 1 else { return false }
            // A removed endpoint is not called again, not even for what was still pending.
            try await connection.run(
                """
                UPDATE webhook_deliveries SET status = 'failed', lease_until = NULL
                WHERE account_id = \(account.rawValue) AND webhook_id = \(id) AND status = 'pending'
                """,
                logger
            )
            return true
        }
    }

    public func deliveries(webhook: String, account: AccountID, limit: Int) async throws -> [WebhookDelivery] {
        try await rows(
            """
            SELECT * FROM webhook_deliveries d WHERE d.account_id = \(account.rawValue) AND d.webhook_id = \(webhook)
            ORDER BY d.created_at DESC, d.id COLLATE "C" DESC LIMIT \(limit)
            """
        ).map(Self.delivery)
    }

    /// Leases due deliveries, as `claimDueRecharges` leases recharges.
    public func claimDueDeliveries(at: Date, leaseSeconds: Int, limit: Int) async throws -> [DeliveryJob] {
        let now = at.storedMilliseconds
        let leaseUntil = now + Int64(leaseSeconds) * 1000
        return try await rows(
            """
            WITH claimed AS (
                UPDATE webhook_deliveries SET lease_until = \(leaseUntil)
                WHERE (account_id, id) IN (
                    SELECT account_id, id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= \(now)
                        AND (lease_until IS NULL OR lease_until <= \(now))
                    ORDER BY next_attempt_at, sequence LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED)
                RETURNING *
            )
            SELECT d.*, w.url, w.secret, n.kind, n.message, n.data, n.created_at AS n_created_at
            FROM claimed d JOIN webhooks w ON w.account_id = d.account_id AND w.id = d.webhook_id
                JOIN notifications n ON n.account_id = d.account_id AND n.id = d.notification_id
            ORDER BY d.next_attempt_at, d.sequence
            """
        ).map { row in
            let delivery = try Self.delivery(row)
            let columns = row.makeRandomAccess()
            return try DeliveryJob(
                delivery: delivery,
                url: columns["url"].decode(String.self),
                secret: columns["secret"].decode(String.self),
                notification: Notification(
                    id: delivery.notificationID,
                    accountID: AccountID(columns["account_id"].decode(String.self)),
                    kind: NotificationKind(stored: columns["kind"].decode(String.self), column: "kind"),
                    message: columns["message"].decode(String.self),
                    data: columns["data"].decode(String.self),
                    createdAt: Date(storedMilliseconds: columns["n_created_at"].decode(Int64.self))
                )
            )
        }
    }

    public func recordDeliveryAttempt(
        _ id: String,
        status: DeliveryStatus,
        statusCode: Int?,
        nextAttemptAt: Date?,
        at: Date
    ) async throws {
        _ = try await rows(
            Statements.Webhooks.recordAttempt,
            [
                "status": .text(status.rawValue), "code": .integer(statusCode),
                "nextAttemptAt": .integer(nextAttemptAt?.storedMilliseconds),
                "deliveredAt": .integer(status == .delivered ? at.storedMilliseconds : nil), "id": .text(id),
            ]
        )
    }

    // MARK: Rows

    static func autoRechargeState(_ row: PostgresRow) throws -> AutoRechargeState {
        try AutoRechargeState(row.makeRandomAccess())
    }

    static func recharge(_ row: PostgresRow) throws -> Recharge { try Recharge(row.makeRandomAccess()) }

    static func delivery(_ row: PostgresRow) throws -> WebhookDelivery { try WebhookDelivery(row.makeRandomAccess()) }
}
