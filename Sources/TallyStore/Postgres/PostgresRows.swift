import Foundation
import Logging
import PostgresNIO
import TallyCore

/// Records read back from PostgreSQL rows, by column name.
extension PostgresStore {
    static func user(_ row: PostgresRow) throws -> User { try User(row.makeRandomAccess()) }

    /// A wallet's figures from the columns `available, held, used, total`.
    static func balance(_ row: PostgresRow) throws -> WalletBalance {
        let row = row.makeRandomAccess()
        return try WalletBalance(
            available: Credits(thousandths: row["available"].decode(Int64.self)),
            held: Credits(thousandths: row["held"].decode(Int64.self)),
            used: Credits(thousandths: row["used"].decode(Int64.self)),
            total: Credits(thousandths: row["total"].decode(Int64.self))
        )
    }

    static func ledgerEntry(_ row: PostgresRow) throws -> LedgerEntry {
        let change = try balance(row)
        let row = row.makeRandomAccess()
        return try LedgerEntry(
            sequence: row["sequence"].decode(Int64.self),
            id: LedgerEntryID(row["id"].decode(String.self)),
            accountID: AccountID(row["account_id"].decode(String.self)),
            kind: LedgerKind(stored: row["kind"].decode(String.self), column: "kind"),
            change: WalletChange(
                available: change.available,
                held: change.held,
                used: change.used,
                total: change.total
            ),
            availableAfter: Credits(thousandths: row["available_after"].decode(Int64.self)),
            reference: row["reference"].decode(String.self),
            createdAt: Date(storedMilliseconds: row["created_at"].decode(Int64.self))
        )
    }
}

extension PostgresConnection {
    /// Runs one statement on this connection and collects its rows. The rows are gathered
    /// on the connection's event loop and handed over once, not awaited one by one: a page
    /// or an export chunk is thousands of rows, and a suspension per row cost more than
    /// decoding them.
    func rows(_ query: PostgresQuery, _ logger: Logger) async throws -> [PostgresRow] {
        let result: EventLoopFuture<PostgresQueryResult> = self.query(query, logger: logger)
        return try await result.get().rows
    }

    /// Runs one statement inside the caller's transaction, ignoring any rows.
    func run(_ query: PostgresQuery, _ logger: Logger) async throws {
        _ = try await rows(query, logger)
    }
}

/// A row's cells read in order, each decoded as its own concrete type. Reports and
/// exports read thousands of rows: decoding a whole row as a tuple looks up generic
/// metadata for every cell, which costs more than the query.
struct PostgresCells {
    private var cells: PostgresRow.Iterator

    init(_ row: PostgresRow) { cells = row.makeIterator() }

    mutating func next<Value: PostgresDecodable>(_: Value.Type = Value.self) throws -> Value {
        guard let cell = cells.next() else { throw StoreError.conflict("a row has fewer columns than read") }
        return try cell.decode(Value.self)
    }
}
