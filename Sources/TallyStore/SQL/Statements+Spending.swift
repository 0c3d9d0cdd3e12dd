import Foundation
import TallyCore

/// Spending control: the balance alerts and the spend caps (their rules are
/// `BalanceAlertRule` and `SpendCapRule`, in TallyCore).
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

        static let caps = Statement(
            "spending.caps",
            "SELECT feature, period, credits FROM spend_caps WHERE account_id = :account ORDER BY feature, period"
        )
        static let capsOf = Statement(
            "spending.capsOf",
            "SELECT feature, period, credits FROM spend_caps WHERE account_id = :account AND feature = :feature"
        )
        static let forgetCaps = Statement("spending.forgetCaps", "DELETE FROM spend_caps WHERE account_id = :account")
        static let addCap = Statement(
            "spending.addCap",
            """
            INSERT INTO spend_caps (account_id, feature, period, credits, created_at)
            VALUES (:account, :feature, :period, :credits, :at)
            """
        )
        /// What a feature spent in a period: the rollups the usage report reads (kept in
        /// each charge's own transaction) and the credits its open holds keep.
        static let spent = Statement(
            "spending.spent",
            """
            SELECT CAST(COALESCE(SUM(credits), 0) AS BIGINT) AS credits FROM usage_rollups
            WHERE account_id = :account AND feature = :feature AND day >= :firstDay AND day <= :lastDay
            """
        )
        static let held = Statement(
            "spending.held",
            """
            SELECT CAST(COALESCE(SUM(credits), 0) AS BIGINT) AS credits FROM holds
            WHERE account_id = :account AND feature = :feature AND status = 'active'
            """
        )

        /// Sets (`on`) or clears one of the wallet row's `SpendingControls`, in the
        /// transaction that saved the alerts or caps it stands for.
        static let switchControl = Statement(
            "spending.switchControl",
            """
            UPDATE wallets SET controls = CASE WHEN :on THEN controls | :bit ELSE controls & ~:bit END
            WHERE account_id = :account
            """
        )

        static let all = [alerts, setAlertState, forgetAlerts, addAlert, caps, capsOf, forgetCaps, addCap, spent, held, switchControl]

        static func switchValues(_ control: SpendingControls, on: Bool, account: AccountID) -> KeyValuePairs<String, SQLValue> {
            ["on": .boolean(on), "bit": .integer(control.rawValue), "account": .text(account.rawValue)]
        }

        static func spentValues(_ cap: SpendCap, _ window: SpendWindow, account: AccountID) -> KeyValuePairs<String, SQLValue> {
            [
                "account": .text(account.rawValue), "feature": .text(cap.feature.rawValue), "firstDay": .text(window.firstDay),
                "lastDay": .text(window.lastDay),
            ]
        }

        static func heldValues(_ cap: SpendCap, account: AccountID) -> KeyValuePairs<String, SQLValue> {
            ["account": .text(account.rawValue), "feature": .text(cap.feature.rawValue)]
        }

        static func capValues(_ cap: SpendCap, account: AccountID, at: Date) -> KeyValuePairs<String, SQLValue> {
            [
                "account": .text(account.rawValue), "feature": .text(cap.feature.rawValue), "period": .text(cap.period.rawValue),
                "credits": .integer(cap.credits.thousandths), "at": .integer(at.storedMilliseconds),
            ]
        }

        static func alertState(_ threshold: Credits, firedAt: Date?, account: AccountID) -> KeyValuePairs<String, SQLValue> {
            [
                "firedAt": .integer(firedAt?.storedMilliseconds), "account": .text(account.rawValue),
                "threshold": .integer(threshold.thousandths),
            ]
        }
    }
}

/// What an account has switched on that its charges must consult, kept on its wallet row
/// (`wallets.controls`, on both engines) so that the posting that updates the row also says
/// whether the alerts and caps need reading: an account with neither pays no extra read.
struct SpendingControls: OptionSet, Sendable {
    let rawValue: Int
    static let alerts = SpendingControls(rawValue: 1)
    static let caps = SpendingControls(rawValue: 2)
}

extension BalanceAlert {
    /// A row of `balance_alerts`.
    init(_ row: some StoreRow) throws {
        self.init(threshold: Credits(thousandths: try row.integer("threshold")), firedAt: try row.optionalDate("fired_at"))
    }
}

extension SpendCap {
    /// A row of `spend_caps`.
    init(_ row: some StoreRow) throws {
        let feature = try row.text("feature")
        let period = try row.text("period")
        guard let known = Feature(rawValue: feature), let every = SpendPeriod(rawValue: period) else {
            throw StoreError.conflict("a spend cap names \(feature) per \(period), which Tally does not know")
        }
        self.init(feature: known, period: every, credits: Credits(thousandths: try row.integer("credits")))
    }
}
