import Foundation
import GRDB
import PostgresNIO

/// What an engine gives the store code written once for both: one shared statement run on
/// its own, its rows handed to a record's `StoreRow` initializer. A store method that is
/// only "run this statement, read its rows" lives in `Shared/`, not twice in the engines;
/// what differs (transactions of several statements, the charge's apply, search) stays
/// with each engine.
protocol StatementRunning: Sendable {
    /// Runs a statement that writes, in a transaction of its own (on SQLite, the writer's
    /// next group commit), and reads what it returns.
    func written<T: Sendable>(
        _ statement: Statement,
        _ values: KeyValuePairs<String, SQLValue>,
        as record: @escaping @Sendable (any StoreRow) throws -> T
    ) async throws -> [T]

    /// Runs a statement that only reads, and reads its rows.
    func read<T: Sendable>(
        _ statement: Statement,
        _ values: KeyValuePairs<String, SQLValue>,
        as record: @escaping @Sendable (any StoreRow) throws -> T
    ) async throws -> [T]
}

extension StatementRunning {
    /// Runs a statement that writes; how many rows it returned (its `RETURNING` rows: those it changed).
    @discardableResult
    func written(_ statement: Statement, _ values: KeyValuePairs<String, SQLValue>) async throws -> Int {
        try await written(statement, values, as: { _ in () }).count
    }
}

extension SQLiteStore: StatementRunning {
    func written<T: Sendable>(
        _ statement: Statement,
        _ values: KeyValuePairs<String, SQLValue>,
        as record: @escaping @Sendable (any StoreRow) throws -> T
    ) async throws -> [T] {
        try await write { db in try Self.rows(statement, values, in: db).map(record) }
    }

    func read<T: Sendable>(
        _ statement: Statement,
        _ values: KeyValuePairs<String, SQLValue>,
        as record: @escaping @Sendable (any StoreRow) throws -> T
    ) async throws -> [T] {
        try await pool.read { db in try Self.rows(statement, values, in: db).map(record) }
    }
}

extension PostgresStore: StatementRunning {
    func written<T: Sendable>(
        _ statement: Statement,
        _ values: KeyValuePairs<String, SQLValue>,
        as record: @escaping @Sendable (any StoreRow) throws -> T
    ) async throws -> [T] {
        try await rows(statement, values).map(record)
    }

    func read<T: Sendable>(
        _ statement: Statement,
        _ values: KeyValuePairs<String, SQLValue>,
        as record: @escaping @Sendable (any StoreRow) throws -> T
    ) async throws -> [T] {
        try await rows(statement, values).map(record)
    }
}
