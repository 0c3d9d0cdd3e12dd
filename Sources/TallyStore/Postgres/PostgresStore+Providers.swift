import Foundation
import Logging
import PostgresNIO
import TallyCore

/// Payment intents, gateway customers, the providers' inbox and reversals on PostgreSQL
/// (the statements: `Statements.Providers`).
extension PostgresStore {
    // MARK: Payment intents by purchase

    // MARK: Gateway customers

    // MARK: The provider inbox

    /// Two statements in one transaction: the insert waits for a concurrent one of the same
    /// event to commit, and the read after it (a new snapshot) sees whichever was stored.
    public func receiveProviderEvent(_ event: ProviderEvent) async throws -> ProviderEvent {
        try await transaction { connection in
            _ = try await connection.rows(
                Statements.Providers.receiveEvent,
                [
                    "provider": .text(event.provider), "id": .text(event.id), "type": .text(event.type),
                    "body": .bytes(event.body), "at": .integer(event.receivedAt.storedMilliseconds),
                ],
                logger
            )
            guard let stored = try await Self.providerEvent(provider: event.provider, id: event.id, connection, logger) else {
                throw StoreError.notFound("provider event \(event.provider) \(event.id)")
            }
            return stored
        }
    }

    public func markProviderEventApplied(provider: String, id: String, at: Date) async throws {
        try await transaction { connection in
            let marked = try await connection.rows(
                Statements.Providers.markApplied,
                ["at": .integer(at.storedMilliseconds), "provider": .text(provider), "id": .text(id)],
                logger
            )
            if marked.isEmpty, try await Self.providerEvent(provider: provider, id: id, connection, logger) == nil {
                throw StoreError.notFound("provider event \(provider) \(id)")
            }
        }
    }

    public func recordProviderEventProblem(provider: String, id: String, problem: String) async throws {
        try await transaction { connection in
            let recorded = try await connection.rows(
                Statements.Providers.recordProblem,
                ["problem": .text(problem), "provider": .text(provider), "id": .text(id)],
                logger
            )
            if recorded.isEmpty, try await Self.providerEvent(provider: provider, id: id, connection, logger) == nil {
                throw StoreError.notFound("provider event \(provider) \(id)")
            }
        }
    }

    static func providerEvent(
        provider: String,
        id: String,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> ProviderEvent? {
        try await connection.rows(Statements.Providers.event, ["provider": .text(provider), "id": .text(id)], logger)
            .first.map(ProviderEvent.init)
    }

    // MARK: Reversals

    // MARK: Records of providers

    /// Writes a record of the provider inbox or of reversals inside a wallet transaction.
    static func writeProviderRecord(
        _ record: WalletRecord,
        account: AccountID,
        at: Date,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        switch record {
        case .providerEventApplied(let provider, let id):
            // Of two deliveries of one event applied at once, in any process, the second
            // waits on the row lock, then finds it applied and rolls back.
            let applied = try await connection.rows(
                Statements.Providers.markApplied,
                ["at": .integer(at.storedMilliseconds), "provider": .text(provider), "id": .text(id)],
                logger
            )
            guard applied.count == 1 else {
                throw StoreError.conflict("provider event \(provider) \(id) is applied already, or was never stored")
            }
        case .reversal(let reversal):
            _ = try await connection.rows(
                Statements.Providers.insertReversal,
                Statements.Providers.reversalValues(reversal, account: account),
                logger
            )
            try await showLatestDispute(of: reversal.purchaseID, account: account, connection, logger)
        case .closeReversal(let id, let status, let closedAt):
            guard status != .open else { throw StoreError.conflict("reversal \(id) closes won or lost, not open") }
            let closed = try await connection.rows(
                Statements.Providers.closeReversal,
                [
                    "status": .text(status.rawValue), "at": .integer(closedAt.storedMilliseconds), "id": .text(id),
                    "account": .text(account.rawValue),
                ],
                logger
            )
            guard let purchase = try closed.first?.text("purchase_id") else {
                throw StoreError.conflict("reversal \(id) is not open")
            }
            try await showLatestDispute(of: PurchaseID(purchase), account: account, connection, logger)
        default:
            preconditionFailure("not a record of providers: \(record)")
        }
    }

    /// Sets a purchase's `dispute_status` to where its latest dispute stands; throws
    /// `StoreError.notFound` (rolling back) when there is no such purchase.
    private static func showLatestDispute(
        of purchase: PurchaseID,
        account: AccountID,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        let shown = try await connection.rows(
            Statements.Providers.showLatestDispute,
            ["account": .text(account.rawValue), "purchase": .text(purchase.rawValue)],
            logger
        )
        guard shown.count == 1 else { throw StoreError.notFound("purchase \(purchase) of account \(account)") }
    }
}
