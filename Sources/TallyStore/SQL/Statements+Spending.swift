import Foundation
import TallyCore

/// Spending control: the balance alerts (the rule itself is `BalanceAlertRule`, in TallyCore).
extension Statements {
    enum Spending {
        static let alerts = Statement(
            "spending.alerts",
            "SELECT threshold, fired_at FROM balance_alerts WHERE account_id = :account ORDER BY threshold DESC"
        )
        /// Written in the transaction that moved the credits: the wallet's lock (PostgreSQL)
        /// or the one writer (SQLite) makes concurrent charges take turns, so one fires it.
        static let setAlertState = Statement(
            "spending.setAlertState",
            "UPDATE balance_alerts SET fired_at = :firedAt WHERE account_id = :account AND threshold = :threshold"
        )
        static let forgetAlerts = Statement("spending.forgetAlerts", "DELETE FROM balance_alerts WHERE account_id = :account")
        static let addAlert = Statement(
            "spending.addAlert",
            """
            INSERT INTO balance_alerts (account_id, threshold, fired_at, created_at)
            VALUES (:account, :threshold, :firedAt, :at)
            """
        )

        static let all = [alerts, setAlertState, forgetAlerts, addAlert]

        static func alertState(_ threshold: Credits, firedAt: Date?, account: AccountID) -> KeyValuePairs<String, SQLValue> {
            [
                "firedAt": .integer(firedAt?.storedMilliseconds), "account": .text(account.rawValue),
                "threshold": .integer(threshold.thousandths),
            ]
        }
    }
}

extension BalanceAlert {
    /// A row of `balance_alerts`.
    init(_ row: some StoreRow) throws {
        self.init(threshold: Credits(thousandths: try row.integer("threshold")), firedAt: try row.optionalDate("fired_at"))
    }
}
