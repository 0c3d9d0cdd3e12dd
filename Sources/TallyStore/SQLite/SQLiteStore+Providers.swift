import Foundation
import GRDB
import TallyCore

/// Payment intents, gateway customers, the providers' inbox and reversals on SQLite (the
/// statements: `Statements.Providers`).
extension SQLiteStore {
    // MARK: Payment intents by purchase

    // MARK: Gateway customers

    // MARK: The provider inbox

    public func receiveProviderEvent(_ event: ProviderEvent) async throws -> ProviderEvent {
        try await write { db in
            _ = try Self.rows(
                Statements.Providers.receiveEvent,
                [
                    "provider": .text(event.provider), "id": .text(event.id), "type": .text(event.type),
                    "body": .bytes(event.body), "at": .integer(event.receivedAt.storedMilliseconds),
                ],
                in: db
            )
            guard let stored = try Self.providerEvent(provider: event.provider, id: event.id, db) else {
                throw StoreError.notFound("provider event \(event.provider) \(event.id)")
            }
            return stored
        }
    }

    public func markProviderEventApplied(provider: String, id: String, at: Date) async throws {
        try await write { db in
            let marked = try Self.rows(
                Statements.Providers.markApplied,
                ["at": .integer(at.storedMilliseconds), "provider": .text(provider), "id": .text(id)],
                in: db
            )
            if marked.isEmpty, try Self.providerEvent(provider: provider, id: id, db) == nil {
                throw StoreError.notFound("provider event \(provider) \(id)")
            }
        }
    }

    public func recordProviderEventProblem(provider: String, id: String, problem: String) async throws {
        try await write { db in
            let recorded = try Self.rows(
                Statements.Providers.recordProblem,
                ["problem": .text(problem), "provider": .text(provider), "id": .text(id)],
                in: db
            )
            if recorded.isEmpty, try Self.providerEvent(provider: provider, id: id, db) == nil {
                throw StoreError.notFound("provider event \(provider) \(id)")
            }
        }
    }

    static func providerEvent(provider: String, id: String, _ db: Database) throws -> ProviderEvent? {
        try rows(Statements.Providers.event, ["provider": .text(provider), "id": .text(id)], in: db).first.map(ProviderEvent.init)
    }

    // MARK: Reversals

    // MARK: Records of providers

    /// Writes a record of the provider inbox or of reversals inside a wallet transaction.
    static func writeProviderRecord(_ record: WalletRecord, account: AccountID, at: Date, _ db: Database) throws {
        switch record {
        case .providerEventApplied(let provider, let id):
            let applied = try rows(
                Statements.Providers.markApplied,
                ["at": .integer(at.storedMilliseconds), "provider": .text(provider), "id": .text(id)],
                in: db
            )
            guard applied.count == 1 else {
                throw StoreError.conflict("provider event \(provider) \(id) is applied already, or was never stored")
            }
        case .reversal(let reversal):
            _ = try rows(Statements.Providers.insertReversal, Statements.Providers.reversalValues(reversal, account: account), in: db)
            try showLatestDispute(of: reversal.purchaseID, account: account, db)
        case .closeReversal(let id, let status, let closedAt):
            guard status != .open else { throw StoreError.conflict("reversal \(id) closes won or lost, not open") }
            let closed = try rows(
                Statements.Providers.closeReversal,
                [
                    "status": .text(status.rawValue), "at": .integer(closedAt.storedMilliseconds), "id": .text(id),
                    "account": .text(account.rawValue),
                ],
                in: db
            )
            guard let purchase = try closed.first?.text("purchase_id") else {
                throw StoreError.conflict("reversal \(id) is not open")
            }
            try showLatestDispute(of: PurchaseID(purchase), account: account, db)
        default:
            preconditionFailure("not a record of providers: \(record)")
        }
    }

    /// Sets a purchase's `dispute_status` to where its latest dispute stands; throws
    /// `StoreError.notFound` (rolling back) when there is no such purchase.
    private static func showLatestDispute(of purchase: PurchaseID, account: AccountID, _ db: Database) throws {
        let shown = try rows(
            Statements.Providers.showLatestDispute,
            ["account": .text(account.rawValue), "purchase": .text(purchase.rawValue)],
            in: db
        )
        guard shown.count == 1 else { throw StoreError.notFound("purchase \(purchase) of account \(account)") }
    }
}
