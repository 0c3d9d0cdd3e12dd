import Foundation
import Logging
import PostgresNIO
import TallyCore

extension PostgresStore {
    // MARK: Payment intents by purchase

    public func paymentIntent(_ id: PurchaseID, account: AccountID) async throws -> PaymentIntent? {
        try await rows(
            """
            SELECT * FROM payment_intents
            WHERE id = \(id.rawValue) AND account_id = \(account.rawValue) AND settled_at IS NULL
            """
        ).first.map(Self.paymentIntent)
    }

    // MARK: Gateway customers

    public func gatewayCustomer(account: AccountID) async throws -> String? {
        try await rows("SELECT gateway_customer FROM accounts WHERE id = \(account.rawValue)")
            .first?.decode(String?.self) ?? nil
    }

    /// One statement: of two processes keeping a customer at once, the second waits on the
    /// row lock and then finds the first one's customer kept.
    public func keepGatewayCustomer(_ customer: String, account: AccountID) async throws -> String {
        let kept = try await rows(
            """
            UPDATE accounts SET gateway_customer = COALESCE(gateway_customer, \(customer)) WHERE id = \(account.rawValue)
            RETURNING gateway_customer
            """
        ).first?.decode(String.self)
        guard let kept else { throw StoreError.notFound("account \(account)") }
        return kept
    }

    // MARK: The provider inbox

    /// Two statements in one transaction: the insert waits for a concurrent one of the same
    /// event to commit, and the read after it (a new snapshot) sees whichever was stored.
    public func receiveProviderEvent(_ event: ProviderEvent) async throws -> ProviderEvent {
        try await transaction { connection in
            try await connection.run(
                """
                INSERT INTO provider_events (provider, id, type, body, received_at)
                VALUES (\(event.provider), \(event.id), \(event.type), \(ByteBuffer(bytes: event.body)),
                    \(event.receivedAt.storedMilliseconds))
                ON CONFLICT (provider, id) DO NOTHING
                """,
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
                """
                UPDATE provider_events SET applied_at = \(at.storedMilliseconds)
                WHERE provider = \(provider) AND id = \(id) AND applied_at IS NULL
                RETURNING id
                """,
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
                """
                UPDATE provider_events SET problem = \(problem)
                WHERE provider = \(provider) AND id = \(id) AND applied_at IS NULL
                RETURNING id
                """,
                logger
            )
            if recorded.isEmpty, try await Self.providerEvent(provider: provider, id: id, connection, logger) == nil {
                throw StoreError.notFound("provider event \(provider) \(id)")
            }
        }
    }

    public func unappliedProviderEvents(provider: String, limit: Int) async throws -> [ProviderEvent] {
        // COLLATE "C": ties order by bytes, as SQLite orders them, whatever the database's locale.
        try await rows(
            """
            SELECT * FROM provider_events WHERE provider = \(provider) AND applied_at IS NULL
            ORDER BY received_at, id COLLATE "C" LIMIT \(max(0, limit))
            """
        ).map(Self.providerEvent)
    }

    static func providerEvent(
        provider: String,
        id: String,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> ProviderEvent? {
        try await connection.rows("SELECT * FROM provider_events WHERE provider = \(provider) AND id = \(id)", logger)
            .first.map(providerEvent)
    }

    static func providerEvent(_ row: PostgresRow) throws -> ProviderEvent {
        let row = row.makeRandomAccess()
        return try ProviderEvent(
            provider: row["provider"].decode(String.self),
            id: row["id"].decode(String.self),
            type: row["type"].decode(String.self),
            body: Array(row["body"].decode(ByteBuffer.self).readableBytesView),
            receivedAt: Date(storedMilliseconds: row["received_at"].decode(Int64.self)),
            appliedAt: row["applied_at"].decode(Int64?.self).map(Date.init(storedMilliseconds:)),
            problem: row["problem"].decode(String?.self)
        )
    }

    // MARK: Reversals

    public func reversal(_ id: String, account: AccountID) async throws -> Reversal? {
        try await rows("SELECT * FROM reversals WHERE id = \(id) AND account_id = \(account.rawValue)")
            .first.map(Self.reversal)
    }

    public func reversals(purchase: PurchaseID, account: AccountID) async throws -> [Reversal] {
        try await rows(
            """
            SELECT * FROM reversals WHERE account_id = \(account.rawValue) AND purchase_id = \(purchase.rawValue)
            ORDER BY created_at, id COLLATE "C"
            """
        ).map(Self.reversal)
    }

    static func reversal(_ row: PostgresRow) throws -> Reversal {
        let row = row.makeRandomAccess()
        return try Reversal(
            id: row["id"].decode(String.self),
            kind: Reversal.Kind(rawValue: row["kind"].decode(String.self)) ?? .dispute,
            accountID: AccountID(row["account_id"].decode(String.self)),
            purchaseID: PurchaseID(row["purchase_id"].decode(String.self)),
            lotID: LotID(row["lot_id"].decode(String.self)),
            amountCents: row["amount_cents"].decode(Int64.self),
            creditsTaken: Credits(thousandths: row["credits_taken"].decode(Int64.self)),
            shortfall: Credits(thousandths: row["shortfall"].decode(Int64.self)),
            status: Reversal.Status(rawValue: row["status"].decode(String.self)) ?? .open,
            reason: row["reason"].decode(String.self),
            createdAt: Date(storedMilliseconds: row["created_at"].decode(Int64.self)),
            closedAt: row["closed_at"].decode(Int64?.self).map(Date.init(storedMilliseconds:))
        )
    }

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
            // Conditional: of two deliveries of one event applied at once, in any process,
            // the second waits on the row lock, then finds it applied and rolls back.
            let applied = try await connection.rows(
                """
                UPDATE provider_events SET applied_at = \(at.storedMilliseconds)
                WHERE provider = \(provider) AND id = \(id) AND applied_at IS NULL
                RETURNING id
                """,
                logger
            )
            guard applied.count == 1 else {
                throw StoreError.conflict("provider event \(provider) \(id) is applied already, or was never stored")
            }
        case .reversal(let reversal):
            try await connection.run(
                """
                INSERT INTO reversals (id, account_id, kind, purchase_id, lot_id, amount_cents, credits_taken,
                    shortfall, status, reason, created_at, closed_at)
                VALUES (\(reversal.id), \(account.rawValue), \(reversal.kind.rawValue), \(reversal.purchaseID.rawValue),
                    \(reversal.lotID.rawValue), \(reversal.amountCents), \(reversal.creditsTaken.thousandths),
                    \(reversal.shortfall.thousandths), \(reversal.status.rawValue), \(reversal.reason),
                    \(reversal.createdAt.storedMilliseconds), \(reversal.closedAt?.storedMilliseconds))
                """,
                logger
            )
            try await showLatestDispute(of: reversal.purchaseID, account: account, connection, logger)
        case .closeReversal(let id, let status, let closedAt):
            guard status != .open else { throw StoreError.conflict("reversal \(id) closes won or lost, not open") }
            // Conditional: of two closings racing, in any process, the second finds it closed.
            let closed = try await connection.rows(
                """
                UPDATE reversals SET status = \(status.rawValue), closed_at = \(closedAt.storedMilliseconds)
                WHERE id = \(id) AND account_id = \(account.rawValue) AND status = 'open'
                RETURNING purchase_id
                """,
                logger
            )
            guard let purchase = try closed.first?.decode(String.self) else {
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
            """
            UPDATE purchases SET dispute_status = (
                SELECT status FROM reversals
                WHERE account_id = \(account.rawValue) AND purchase_id = \(purchase.rawValue) AND kind = 'dispute'
                ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT 1)
            WHERE id = \(purchase.rawValue) AND account_id = \(account.rawValue)
            RETURNING id
            """,
            logger
        )
        guard shown.count == 1 else { throw StoreError.notFound("purchase \(purchase) of account \(account)") }
    }
}
