import Foundation
import GRDB
import PostgresNIO
import TallyTestSupport

@testable import TallyStore

/// A database an earlier Tally made: its schema stopped before a migration, rows
/// written by plain SQL as that Tally wrote them, then upgraded by the current store.
struct EarlierDatabase {
    let store: any Store
    /// Reads the database directly, for what the store does not show: each row's cells
    /// as text (text columns only; NULL as nil).
    let read: @Sendable (String) async throws -> [[String?]]

    /// Migrates up to SQLite's `sqlite` / PostgreSQL's `postgres` migration, writes
    /// `rows`, then migrates the rest.
    static func upgraded(
        _ backend: StoreBackend,
        through sqlite: String,
        _ postgres: Int,
        rows: [String]
    ) async throws -> EarlierDatabase {
        guard let made = MadeStores.current else {
            preconditionFailure("an earlier database is made only in a suite marked .closesItsStores")
        }
        switch backend {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("tally-upgrade-\(UUID().uuidString).sqlite").path
            let store = try SQLiteStore(path: path)
            made.add(store, files: ["", "-wal", "-shm"].map { path + $0 })
            try store.migrate(upTo: sqlite)
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in
                for statement in rows { try db.execute(sql: statement) }
            }
            try await store.migrate()
            return EarlierDatabase(store: store) { sql in
                try await queue.read { db in
                    try Row.fetchAll(db, sql: sql).map { row in row.databaseValues.map { String.fromDatabaseValue($0) } }
                }
            }
        case .postgres:
            let database = try await PostgresTestDatabase.makeEmpty()
            var configuration = database.configuration
            configuration.options.maximumConnections = 4
            let store = PostgresStore(configuration: configuration)
            made.add(store, files: [])
            try await store.migrate(through: postgres)
            try await PostgresTestDatabase.withClient(database.configuration) { client in
                for statement in rows {
                    _ = try await client.query(PostgresQuery(unsafeSQL: statement)).collect()
                }
            }
            try await store.migrate()
            let server = database.configuration
            return EarlierDatabase(store: store) { sql in
                try await PostgresTestDatabase.withClient(server) { client in
                    try await client.query(PostgresQuery(unsafeSQL: sql)).collect().map { row in
                        try row.map { try $0.decode(String?.self) }
                    }
                }
            }
        }
    }
}
