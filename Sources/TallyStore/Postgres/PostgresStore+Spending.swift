import Foundation
import Logging
import PostgresNIO
import TallyCore

extension PostgresStore {
    /// After a transaction moved available credits: the balance alerts it fires or re-arms
    /// (`BalanceAlertRule`) and their notifications, in the same transaction. Exact across
    /// processes: the transaction holds the wallet's row lock until commit, so of concurrent
    /// charges crossing a threshold one finds it armed and the next finds it fired.
    static func applyBalanceAlerts(
        _ transaction: WalletTransaction,
        available: Credits,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        let account = transaction.accountID
        let alerts = try await connection.rows(Statements.Spending.alerts, ["account": .text(account.rawValue)], logger)
            .map(BalanceAlert.init)
        guard !alerts.isEmpty else { return }
        let changes = BalanceAlertRule.changes(alerts, available: available)
        guard !changes.isEmpty else { return }
        // Ids derive from the transaction's first ledger entry: unique, and stable for it.
        let origin = transaction.postings.first?.id.rawValue ?? "t\(transaction.at.storedMilliseconds)"
        try await write(changes, account: account, available: available, origin: origin, at: transaction.at, connection, logger)
    }

    static func write(
        _ changes: BalanceAlertChanges,
        account: AccountID,
        available: Credits,
        origin: String,
        at: Date,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        for threshold in changes.fired {
            _ = try await connection.rows(
                Statements.Spending.setAlertState,
                Statements.Spending.alertState(threshold, firedAt: at, account: account),
                logger
            )
        }
        for threshold in changes.recovered {
            _ = try await connection.rows(
                Statements.Spending.setAlertState,
                Statements.Spending.alertState(threshold, firedAt: nil, account: account),
                logger
            )
        }
        for notice in BalanceNotice.of(changes, origin: origin, available: available) {
            try await connection.run(insert(Notification(notice, account: account, at: at)), logger)
        }
    }

    public func balanceAlerts(account: AccountID) async throws -> [BalanceAlert] {
        try await rows(Statements.Spending.alerts, ["account": .text(account.rawValue)]).map(BalanceAlert.init)
    }

    public func setBalanceAlerts(_ thresholds: [Credits], account: AccountID, origin: String, at: Date) async throws -> [BalanceAlert] {
        try await transaction { connection in
            // The wallet's row lock: no charge moves the balance between the read and the write.
            guard let wallet = try await Self.wallet(account, connection, logger, lock: true) else {
                throw StoreError.notFound("wallet of account \(account)")
            }
            let existing = try await connection.rows(Statements.Spending.alerts, ["account": .text(account.rawValue)], logger)
                .map(BalanceAlert.init)
            let (alerts, changes) = BalanceAlertRule.replacing(existing, with: thresholds, available: wallet.available, at: at)
            _ = try await connection.rows(Statements.Spending.forgetAlerts, ["account": .text(account.rawValue)], logger)
            for alert in alerts {
                _ = try await connection.rows(
                    Statements.Spending.addAlert,
                    [
                        "account": .text(account.rawValue), "threshold": .integer(alert.threshold.thousandths),
                        "firedAt": .integer(alert.firedAt?.storedMilliseconds), "at": .integer(at.storedMilliseconds),
                    ],
                    logger
                )
            }
            for notice in BalanceNotice.of(changes, origin: origin, available: wallet.available) {
                try await connection.run(Self.insert(Notification(notice, account: account, at: at)), logger)
            }
            try await Self.switchControl(.alerts, on: !alerts.isEmpty, account: account, connection, logger)
            return alerts
        }
    }
}

extension PostgresStore {
    /// Refuses a transaction that takes `feature`'s spending past one of its caps
    /// (`SpendCapRule`): counted after its own records, so its charge or hold is in the
    /// sums. Exact across processes: the transaction's posting holds the wallet's row lock
    /// until commit, so concurrent charges of the account count in turn, each seeing the
    /// ones committed before it.
    static func checkSpendCaps(
        _ feature: Feature,
        _ transaction: WalletTransaction,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        let account = transaction.accountID
        let caps = try await connection.rows(
            Statements.Spending.capsOf,
            ["account": .text(account.rawValue), "feature": .text(feature.rawValue)],
            logger
        ).map(SpendCap.init)
        for cap in caps {
            let window = SpendCapRule.window(cap.period, at: transaction.at)
            let spent = try await spent(cap, window, account: account, connection, logger)
            if SpendCapRule.passes(cap, spentWithCharge: spent) {
                throw SpendCapReached(cap: cap, spent: spent - transaction.spending(on: feature), resetsAt: window.resetsAt)
            }
        }
    }

    static func spent(
        _ cap: SpendCap,
        _ window: SpendWindow,
        account: AccountID,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> Credits {
        let used = try await connection.rows(Statements.Spending.spent, Statements.Spending.spentValues(cap, window, account: account), logger)
        let held = try await connection.rows(Statements.Spending.held, Statements.Spending.heldValues(cap, account: account), logger)
        return Credits(thousandths: try (used.first?.integer("credits") ?? 0) + (held.first?.integer("credits") ?? 0))
    }

    public func spendCaps(account: AccountID, at: Date) async throws -> [SpendCapStanding] {
        try await transaction { connection in
            var standings: [SpendCapStanding] = []
            for cap in try await connection.rows(Statements.Spending.caps, ["account": .text(account.rawValue)], logger).map(SpendCap.init) {
                let window = SpendCapRule.window(cap.period, at: at)
                let spent = try await Self.spent(cap, window, account: account, connection, logger)
                standings.append(SpendCapStanding(cap: cap, spent: spent, resetsAt: window.resetsAt))
            }
            return standings
        }
    }

    public func setSpendCaps(_ caps: [SpendCap], account: AccountID, at: Date) async throws {
        try await transaction { connection in
            // The wallet's row lock first, as a charge takes it: no charge counts against half-written caps.
            guard try await Self.wallet(account, connection, logger, lock: true) != nil else {
                throw StoreError.notFound("wallet of account \(account)")
            }
            _ = try await connection.rows(Statements.Spending.forgetCaps, ["account": .text(account.rawValue)], logger)
            for cap in caps {
                _ = try await connection.rows(Statements.Spending.addCap, Statements.Spending.capValues(cap, account: account, at: at), logger)
            }
            try await Self.switchControl(.caps, on: !caps.isEmpty, account: account, connection, logger)
        }
    }
}

extension PostgresStore {
    /// Sets or clears one control on the wallet row, in the transaction that changed it.
    static func switchControl(
        _ control: SpendingControls,
        on: Bool,
        account: AccountID,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        _ = try await connection.rows(
            Statements.Spending.switchControl,
            Statements.Spending.switchValues(control, on: on, account: account),
            logger
        )
    }
}
