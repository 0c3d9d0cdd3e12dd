import Foundation
import PostgresNIO
import TallyCore

/// The reads that explain one ledger entry (`Statements.Explanations`).
extension PostgresStore {
    /// Two statements, and no snapshot is needed: an entry and its lot movements commit
    /// together and are never changed.
    public func ledgerEntry(_ id: LedgerEntryID, account: AccountID) async throws -> LedgerEntry? {
        let values = Statements.Explanations.values(id.rawValue, account: account)
        guard let row = try await rows(Statements.Explanations.entry, values).first else { return nil }
        var entry = try LedgerEntry(row)
        entry.lots = try await rows(Statements.Explanations.movements, values).map(LotMovement.init)
        return entry
    }

    public func ledgerEntries(hold: HoldID, account: AccountID) async throws -> [LedgerEntry] {
        try await rows(Statements.Explanations.holdEntries, Statements.Explanations.holdValues(hold, account: account))
            .map(LedgerEntry.init)
    }

    public func adjustment(_ id: String, account: AccountID) async throws -> Adjustment? {
        try await rows(Statements.Explanations.adjustment, Statements.Explanations.values(id, account: account))
            .first.map(Adjustment.init)
    }

    public func usageLine(_ id: String, account: AccountID) async throws -> UsageLogEntry? {
        try await rows(Statements.Explanations.usageLine, Statements.Explanations.values(id, account: account))
            .first.map(UsageLogEntry.init)
    }

    public func ledgerEntryID(reference: String, account: AccountID) async throws -> LedgerEntryID? {
        try await rows(Statements.Explanations.entryForReference, Statements.Explanations.values(reference, account: account))
            .first.map { LedgerEntryID(try $0.text("id")) }
    }
}
