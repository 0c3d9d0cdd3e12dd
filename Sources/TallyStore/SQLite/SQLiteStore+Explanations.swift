import Foundation
import GRDB
import TallyCore

/// The reads that explain one ledger entry (`Statements.Explanations`).
extension SQLiteStore {
    public func ledgerEntry(_ id: LedgerEntryID, account: AccountID) async throws -> LedgerEntry? {
        let values = Statements.Explanations.values(id.rawValue, account: account)
        return try await pool.read { db in
            guard let row = try Self.rows(Statements.Explanations.entry, values, in: db).first else { return nil }
            var entry = try LedgerEntry(row)
            entry.lots = try Self.rows(Statements.Explanations.movements, values, in: db).map(LotMovement.init)
            return entry
        }
    }

    public func ledgerEntries(hold: HoldID, account: AccountID) async throws -> [LedgerEntry] {
        try await pool.read { db in
            try Self.rows(Statements.Explanations.holdEntries, Statements.Explanations.holdValues(hold, account: account), in: db)
                .map(LedgerEntry.init)
        }
    }

    public func adjustment(_ id: String, account: AccountID) async throws -> Adjustment? {
        try await pool.read { db in
            try Self.rows(Statements.Explanations.adjustment, Statements.Explanations.values(id, account: account), in: db)
                .first.map(Adjustment.init)
        }
    }

    public func usageLine(_ id: String, account: AccountID) async throws -> UsageLogEntry? {
        try await pool.read { db in
            try Self.rows(Statements.Explanations.usageLine, Statements.Explanations.values(id, account: account), in: db)
                .first.map(UsageLogEntry.init)
        }
    }

    public func ledgerEntryID(reference: String, account: AccountID) async throws -> LedgerEntryID? {
        try await pool.read { db in
            try Self.rows(Statements.Explanations.entryForReference, Statements.Explanations.values(reference, account: account), in: db)
                .first.map { LedgerEntryID(try $0.text("id")) }
        }
    }
}
