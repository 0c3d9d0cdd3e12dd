import Foundation
import GRDB
import TallyCore

extension SQLiteStore {
    // MARK: Payment intents by purchase

    public func paymentIntent(_ id: PurchaseID, account: AccountID) async throws -> PaymentIntent? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT * FROM payment_intents WHERE id = ? AND account_id = ? AND settled_at IS NULL",
                arguments: [id.rawValue, account.rawValue]
            ).map(Self.paymentIntent)
        }
    }

    // MARK: Gateway customers

    public func gatewayCustomer(account: AccountID) async throws -> String? {
        try await pool.read { db in
            try String.fetchOne(
                db,
                sql: "SELECT gateway_customer FROM accounts WHERE id = ?",
                arguments: [account.rawValue]
            )
        }
    }

    /// One statement: the customer kept already stays, whoever asks second.
    public func keepGatewayCustomer(_ customer: String, account: AccountID) async throws -> String {
        try await write { db in
            let kept = try String.fetchOne(
                db,
                sql: """
                    UPDATE accounts SET gateway_customer = COALESCE(gateway_customer, ?) WHERE id = ?
                    RETURNING gateway_customer
                    """,
                arguments: [customer, account.rawValue]
            )
            guard let kept else { throw StoreError.notFound("account \(account)") }
            return kept
        }
    }

    // MARK: The provider inbox

    public func receiveProviderEvent(_ event: ProviderEvent) async throws -> ProviderEvent {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO provider_events (provider, id, type, body, received_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (provider, id) DO NOTHING
                    """,
                arguments: [event.provider, event.id, event.type, Data(event.body), event.receivedAt.storedMilliseconds]
            )
            guard let stored = try Self.providerEvent(provider: event.provider, id: event.id, db) else {
                throw StoreError.notFound("provider event \(event.provider) \(event.id)")
            }
            return stored
        }
    }

    public func markProviderEventApplied(provider: String, id: String, at: Date) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE provider_events SET applied_at = ? WHERE provider = ? AND id = ? AND applied_at IS NULL",
                arguments: [at.storedMilliseconds, provider, id]
            )
            if db.changesCount == 0, try Self.providerEvent(provider: provider, id: id, db) == nil {
                throw StoreError.notFound("provider event \(provider) \(id)")
            }
        }
    }

    public func recordProviderEventProblem(provider: String, id: String, problem: String) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE provider_events SET problem = ? WHERE provider = ? AND id = ? AND applied_at IS NULL",
                arguments: [problem, provider, id]
            )
            if db.changesCount == 0, try Self.providerEvent(provider: provider, id: id, db) == nil {
                throw StoreError.notFound("provider event \(provider) \(id)")
            }
        }
    }

    public func unappliedProviderEvents(provider: String, limit: Int) async throws -> [ProviderEvent] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM provider_events WHERE provider = ? AND applied_at IS NULL
                    ORDER BY received_at, id LIMIT ?
                    """,
                arguments: [provider, max(0, limit)]
            ).map(Self.providerEvent)
        }
    }

    static func providerEvent(provider: String, id: String, _ db: Database) throws -> ProviderEvent? {
        try Row.fetchOne(
            db,
            sql: "SELECT * FROM provider_events WHERE provider = ? AND id = ?",
            arguments: [provider, id]
        ).map(Self.providerEvent)
    }

    static func providerEvent(_ row: Row) -> ProviderEvent {
        ProviderEvent(
            provider: row["provider"],
            id: row["id"],
            type: row["type"],
            body: [UInt8](row["body"] as Data? ?? Data()),
            receivedAt: Date(storedMilliseconds: row["received_at"]),
            appliedAt: (row["applied_at"] as Int64?).map(Date.init(storedMilliseconds:)),
            problem: row["problem"]
        )
    }

    // MARK: Reversals

    public func reversal(_ id: String, account: AccountID) async throws -> Reversal? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT * FROM reversals WHERE id = ? AND account_id = ?",
                arguments: [id, account.rawValue]
            ).map(Self.reversal)
        }
    }

    public func reversals(purchase: PurchaseID, account: AccountID) async throws -> [Reversal] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM reversals WHERE account_id = ? AND purchase_id = ? ORDER BY created_at, id",
                arguments: [account.rawValue, purchase.rawValue]
            ).map(Self.reversal)
        }
    }

    static func reversal(_ row: Row) -> Reversal {
        Reversal(
            id: row["id"],
            kind: Reversal.Kind(rawValue: row["kind"]) ?? .dispute,
            accountID: AccountID(row["account_id"]),
            purchaseID: PurchaseID(row["purchase_id"]),
            lotID: LotID(row["lot_id"]),
            amountCents: row["amount_cents"],
            creditsTaken: Credits(thousandths: row["credits_taken"]),
            shortfall: Credits(thousandths: row["shortfall"]),
            status: Reversal.Status(rawValue: row["status"]) ?? .open,
            reason: row["reason"],
            createdAt: Date(storedMilliseconds: row["created_at"]),
            closedAt: (row["closed_at"] as Int64?).map(Date.init(storedMilliseconds:))
        )
    }

    // MARK: Records of providers

    /// Writes a record of the provider inbox or of reversals inside a wallet transaction.
    static func writeProviderRecord(_ record: WalletRecord, account: AccountID, at: Date, _ db: Database) throws {
        switch record {
        case .providerEventApplied(let provider, let id):
            try db.execute(
                sql: "UPDATE provider_events SET applied_at = ? WHERE provider = ? AND id = ? AND applied_at IS NULL",
                arguments: [at.storedMilliseconds, provider, id]
            )
            guard db.changesCount == 1 else {
                throw StoreError.conflict("provider event \(provider) \(id) is applied already, or was never stored")
            }
        case .reversal(let reversal):
            try db.execute(
                sql: """
                    INSERT INTO reversals (id, account_id, kind, purchase_id, lot_id, amount_cents, credits_taken,
                        shortfall, status, reason, created_at, closed_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    reversal.id, account.rawValue, reversal.kind.rawValue, reversal.purchaseID.rawValue,
                    reversal.lotID.rawValue, reversal.amountCents, reversal.creditsTaken.thousandths,
                    reversal.shortfall.thousandths, reversal.status.rawValue, reversal.reason,
                    reversal.createdAt.storedMilliseconds, reversal.closedAt?.storedMilliseconds,
                ]
            )
            try showLatestDispute(of: reversal.purchaseID, account: account, db)
        case .closeReversal(let id, let status, let closedAt):
            guard status != .open else { throw StoreError.conflict("reversal \(id) closes won or lost, not open") }
            let purchase = try String.fetchOne(
                db,
                sql: """
                    UPDATE reversals SET status = ?, closed_at = ?
                    WHERE id = ? AND account_id = ? AND status = 'open'
                    RETURNING purchase_id
                    """,
                arguments: [status.rawValue, closedAt.storedMilliseconds, id, account.rawValue]
            )
            guard let purchase else { throw StoreError.conflict("reversal \(id) is not open") }
            try showLatestDispute(of: PurchaseID(purchase), account: account, db)
        default:
            preconditionFailure("not a record of providers: \(record)")
        }
    }

    /// Sets a purchase's `dispute_status` to where its latest dispute stands; throws
    /// `StoreError.notFound` (rolling back) when there is no such purchase.
    private static func showLatestDispute(of purchase: PurchaseID, account: AccountID, _ db: Database) throws {
        try db.execute(
            sql: """
                UPDATE purchases SET dispute_status = (
                    SELECT status FROM reversals WHERE account_id = ? AND purchase_id = ? AND kind = 'dispute'
                    ORDER BY created_at DESC, id DESC LIMIT 1)
                WHERE id = ? AND account_id = ?
                """,
            arguments: [account.rawValue, purchase.rawValue, purchase.rawValue, account.rawValue]
        )
        guard db.changesCount == 1 else { throw StoreError.notFound("purchase \(purchase) of account \(account)") }
    }
}
