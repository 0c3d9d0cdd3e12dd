import Foundation
import GRDB
import TallyCore

extension SQLiteStore {
    /// After a transaction moved available credits: the balance alerts it fires or re-arms
    /// (`BalanceAlertRule`) and their notifications, in the same transaction.
    static func applyBalanceAlerts(_ transaction: WalletTransaction, available: Credits, _ db: Database) throws {
        let account = transaction.accountID
        let alerts = try rows(Statements.Spending.alerts, ["account": .text(account.rawValue)], in: db).map(BalanceAlert.init)
        guard !alerts.isEmpty else { return }
        let changes = BalanceAlertRule.changes(alerts, available: available)
        guard !changes.isEmpty else { return }
        // Ids derive from the transaction's first ledger entry: unique, and stable for it.
        let origin = transaction.postings.first?.id.rawValue ?? "t\(transaction.at.storedMilliseconds)"
        try write(changes, account: account, available: available, origin: origin, at: transaction.at, db)
    }

    static func write(
        _ changes: BalanceAlertChanges,
        account: AccountID,
        available: Credits,
        origin: String,
        at: Date,
        _ db: Database
    ) throws {
        for threshold in changes.fired {
            _ = try rows(Statements.Spending.setAlertState, Statements.Spending.alertState(threshold, firedAt: at, account: account), in: db)
        }
        for threshold in changes.recovered {
            _ = try rows(Statements.Spending.setAlertState, Statements.Spending.alertState(threshold, firedAt: nil, account: account), in: db)
        }
        for notice in BalanceNotice.of(changes, origin: origin, available: available) {
            try insert(Notification(notice, account: account, at: at), db)
        }
    }

    public func balanceAlerts(account: AccountID) async throws -> [BalanceAlert] {
        try await pool.read { db in
            try Self.rows(Statements.Spending.alerts, ["account": .text(account.rawValue)], in: db).map(BalanceAlert.init)
        }
    }

    public func setBalanceAlerts(_ thresholds: [Credits], account: AccountID, origin: String, at: Date) async throws -> [BalanceAlert] {
        try await write { db in
            guard let wallet = try Self.wallet(account, db) else { throw StoreError.notFound("wallet of account \(account)") }
            let existing = try Self.rows(Statements.Spending.alerts, ["account": .text(account.rawValue)], in: db).map(BalanceAlert.init)
            let (alerts, changes) = BalanceAlertRule.replacing(existing, with: thresholds, available: wallet.available, at: at)
            _ = try Self.rows(Statements.Spending.forgetAlerts, ["account": .text(account.rawValue)], in: db)
            for alert in alerts {
                _ = try Self.rows(
                    Statements.Spending.addAlert,
                    [
                        "account": .text(account.rawValue), "threshold": .integer(alert.threshold.thousandths),
                        "firedAt": .integer(alert.firedAt?.storedMilliseconds), "at": .integer(at.storedMilliseconds),
                    ],
                    in: db
                )
            }
            for notice in BalanceNotice.of(changes, origin: origin, available: wallet.available) {
                try Self.insert(Notification(notice, account: account, at: at), db)
            }
            try Self.switchControl(.alerts, on: !alerts.isEmpty, account: account, db)
            return alerts
        }
    }
}

extension SQLiteStore {
    /// Refuses a transaction that takes `feature`'s spending past one of its caps
    /// (`SpendCapRule`): counted after its own records, so its charge or hold is in the
    /// sums. Exact: SQLite has one writer.
    static func checkSpendCaps(_ feature: Feature, _ transaction: WalletTransaction, _ db: Database) throws {
        let account = transaction.accountID
        let caps = try rows(
            Statements.Spending.capsOf,
            ["account": .text(account.rawValue), "feature": .text(feature.rawValue)],
            in: db
        ).map(SpendCap.init)
        for cap in caps {
            let window = SpendCapRule.window(cap.period, at: transaction.at)
            let spent = try spent(cap, window, account: account, db)
            if SpendCapRule.passes(cap, spentWithCharge: spent) {
                throw SpendCapReached(cap: cap, spent: spent - transaction.spending(on: feature), resetsAt: window.resetsAt)
            }
        }
    }

    static func spent(_ cap: SpendCap, _ window: SpendWindow, account: AccountID, _ db: Database) throws -> Credits {
        let used = try rows(Statements.Spending.spent, Statements.Spending.spentValues(cap, window, account: account), in: db)
        let held = try rows(Statements.Spending.held, Statements.Spending.heldValues(cap, account: account), in: db)
        return Credits(thousandths: try (used.first?.integer("credits") ?? 0) + (held.first?.integer("credits") ?? 0))
    }

    public func spendCaps(account: AccountID, at: Date) async throws -> [SpendCapStanding] {
        try await pool.read { db in
            try Self.rows(Statements.Spending.caps, ["account": .text(account.rawValue)], in: db).map(SpendCap.init).map { cap in
                let window = SpendCapRule.window(cap.period, at: at)
                return SpendCapStanding(cap: cap, spent: try Self.spent(cap, window, account: account, db), resetsAt: window.resetsAt)
            }
        }
    }

    public func setSpendCaps(_ caps: [SpendCap], account: AccountID, at: Date) async throws {
        try await write { db in
            _ = try Self.rows(Statements.Spending.forgetCaps, ["account": .text(account.rawValue)], in: db)
            for cap in caps {
                _ = try Self.rows(Statements.Spending.addCap, Statements.Spending.capValues(cap, account: account, at: at), in: db)
            }
            try Self.switchControl(.caps, on: !caps.isEmpty, account: account, db)
        }
    }

    /// Sets or clears one control on the wallet row, in the transaction that changed it.
    static func switchControl(_ control: SpendingControls, on: Bool, account: AccountID, _ db: Database) throws {
        _ = try rows(Statements.Spending.switchControl, Statements.Spending.switchValues(control, on: on, account: account), in: db)
    }
}
