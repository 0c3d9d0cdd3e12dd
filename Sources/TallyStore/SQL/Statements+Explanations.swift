import Foundation
import TallyCore

/// What explains one ledger entry: the entry with its request's key and the hold it
/// moved, the lots it drew from, the other entries of that hold, and the rows its
/// reference names (a usage log line, an adjustment).
extension Statements {
    enum Explanations {
        /// The hold is the one its lot movements name: every posting that holds, captures or
        /// releases records its hold beside each lot it moves.
        static let entry = Statement(
            "explanations.entry",
            """
            SELECT l.*, (SELECT m.hold_id FROM ledger_lots m
                    WHERE m.account_id = l.account_id AND m.ledger_id = l.id AND m.hold_id IS NOT NULL
                    ORDER BY m.lot_id {bytewise} LIMIT 1) AS hold_id
            FROM ledger l WHERE l.account_id = :account AND l.id = :id
            """
        )
        /// In the order they were written: the order the lots were drawn in.
        static let movements = Statement(
            "explanations.movements",
            """
            SELECT lot_id, available, held FROM ledger_lots WHERE account_id = :account AND ledger_id = :id
            ORDER BY {insertionOrder}
            """
        )
        /// The hold, its captures and releases, oldest first.
        static let holdEntries = Statement(
            "explanations.holdEntries",
            """
            SELECT l.*, CAST(:hold AS TEXT) AS hold_id FROM ledger l
            WHERE l.account_id = :account
                AND l.id IN (SELECT m.ledger_id FROM ledger_lots m WHERE m.account_id = :account AND m.hold_id = :hold)
            ORDER BY l.sequence
            """
        )
        /// The newest entry naming `reference`: what charged a log line.
        static let entryForReference = Statement(
            "explanations.entryForReference",
            "SELECT id FROM ledger WHERE account_id = :account AND reference = :id ORDER BY sequence DESC LIMIT 1"
        )
        static let usageLine = Statement("explanations.usageLine", "SELECT * FROM usage_log WHERE account_id = :account AND id = :id")
        static let adjustment = Statement(
            "explanations.adjustment",
            "SELECT * FROM adjustments WHERE account_id = :account AND id = :id"
        )

        static let all = [entry, movements, holdEntries, entryForReference, usageLine, adjustment]

        static func values(_ id: String, account: AccountID) -> KeyValuePairs<String, SQLValue> {
            ["account": .text(account.rawValue), "id": .text(id)]
        }

        static func holdValues(_ hold: HoldID, account: AccountID) -> KeyValuePairs<String, SQLValue> {
            ["account": .text(account.rawValue), "hold": .text(hold.rawValue)]
        }
    }
}

extension LedgerEntry {
    /// A row of `ledger` with the `hold_id` its statement adds; its lots are read apart.
    init(_ row: some StoreRow) throws {
        self.init(
            sequence: try row.integer("sequence"),
            id: LedgerEntryID(try row.text("id")),
            accountID: AccountID(try row.text("account_id")),
            kind: try row.word("kind", as: LedgerKind.self),
            change: WalletChange(
                available: Credits(thousandths: try row.integer("available")),
                held: Credits(thousandths: try row.integer("held")),
                used: Credits(thousandths: try row.integer("used")),
                total: Credits(thousandths: try row.integer("total"))
            ),
            availableAfter: Credits(thousandths: try row.integer("available_after")),
            reference: try row.text("reference"),
            createdAt: try row.date("created_at"),
            hold: try row.optionalText("hold_id").map(HoldID.init),
            idempotencyKey: try row.optionalText("idempotency_key")
        )
    }
}

extension LotMovement {
    /// A row of `ledger_lots`.
    init(_ row: some StoreRow) throws {
        self.init(
            lot: LotID(try row.text("lot_id")),
            available: Credits(thousandths: try row.integer("available")),
            held: Credits(thousandths: try row.integer("held"))
        )
    }
}

extension Adjustment {
    /// A row of `adjustments`.
    init(_ row: some StoreRow) throws {
        self.init(
            id: try row.text("id"),
            accountID: AccountID(try row.text("account_id")),
            credits: Credits(thousandths: try row.integer("credits")),
            reason: try row.text("reason"),
            createdBy: try row.text("created_by"),
            createdAt: try row.date("created_at")
        )
    }
}

extension UsageLogEntry {
    /// A row of `usage_log`, read by column name; a feature Tally does not know is not found.
    init(_ row: some StoreRow) throws {
        let feature = try row.text("feature")
        guard let known = Feature(rawValue: feature) else { throw StoreError.notFound("feature \(feature)") }
        try self.init(row, feature: known)
    }
}
