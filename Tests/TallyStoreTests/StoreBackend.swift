import Foundation
import GRDB
import PostgresNIO
import TallyCore
import TallyStore
import TallyTestSupport

/// A database the contract suite runs against. Each test gets a new, migrated, empty one.
enum StoreBackend: String, CaseIterable, Sendable {
    case sqlite
    /// Runs when `TALLY_TEST_POSTGRES_URL` names a server (`scripts/postgres start` prints one).
    case postgres

    /// The backends this run covers.
    static var enabled: [StoreBackend] {
        PostgresTestDatabase.serverURL == nil ? [.sqlite] : [.sqlite, .postgres]
    }

    func makeStore() async throws -> TestStore {
        switch self {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory
                .appendingPathComponent("tally-store-\(UUID().uuidString).sqlite").path
            let store = try SQLiteStore(path: path)
            try await store.migrate()
            return TestStore(store: store) { sql in
                // A second connection, the way a careless hand would edit the file.
                let queue = try DatabaseQueue(path: path)
                try await queue.write { db in try db.execute(sql: sql) }
            }
        case .postgres:
            let database = try await PostgresTestDatabase.make()
            var configuration = database
            // Tests run in parallel, each with its own pool: keep every pool small.
            configuration.options.maximumConnections = 8
            return TestStore(store: PostgresStore(configuration: configuration)) { sql in
                // Another client, the way a careless hand would edit the database.
                try await PostgresTestDatabase.withClient(database) { client in
                    _ = try await client.query(PostgresQuery(unsafeSQL: sql)).collect()
                }
            }
        }
    }
}

/// A store under test, and a way to run raw SQL behind its back.
struct TestStore: Sendable {
    let store: any Store
    let tamper: @Sendable (String) async throws -> Void
}
