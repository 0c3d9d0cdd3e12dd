import Foundation
import TallyCore

/// The reads that explain one ledger entry, on either engine (`Statements.Explanations`).
extension StatementRunning {
    /// Two statements, and no snapshot is needed: an entry and its lot movements commit
    /// together and are never changed.
    public func ledgerEntry(_ id: LedgerEntryID, account: AccountID) async throws -> LedgerEntry? {
        let values = Statements.Explanations.values(id.rawValue, account: account)
        guard var entry = try await read(Statements.Explanations.entry, values, as: { try LedgerEntry($0) }).first else { return nil }
        entry.lots = try await read(Statements.Explanations.movements, values, as: { try LotMovement($0) })
        return entry
    }

    public func ledgerEntries(hold: HoldID, account: AccountID) async throws -> [LedgerEntry] {
        try await read(
            Statements.Explanations.holdEntries,
            Statements.Explanations.holdValues(hold, account: account),
            as: { try LedgerEntry($0) }
        )
    }

    public func adjustment(_ id: String, account: AccountID) async throws -> Adjustment? {
        try await read(Statements.Explanations.adjustment, Statements.Explanations.values(id, account: account), as: { try Adjustment($0) })
            .first
    }

    public func usageLine(_ id: String, account: AccountID) async throws -> UsageLogEntry? {
        try await read(Statements.Explanations.usageLine, Statements.Explanations.values(id, account: account), as: { try UsageLogEntry($0) })
            .first
    }

    public func ledgerEntryID(reference: String, account: AccountID) async throws -> LedgerEntryID? {
        try await read(
            Statements.Explanations.entryForReference,
            Statements.Explanations.values(reference, account: account),
            as: { LedgerEntryID(try $0.text("id")) }
        ).first
    }
}
