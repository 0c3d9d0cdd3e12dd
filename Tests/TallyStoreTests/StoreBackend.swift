import Foundation
import GRDB
import PostgresNIO
import TallyCore
import TallyStore

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

/// PostgreSQL databases for the contract suite, the way SwiftPackageIndex-Server makes
/// them: the migrations run once per test run into a template, and every test gets
/// its own copy (`CREATE DATABASE … TEMPLATE`), so tests run in parallel and never
/// see each other's rows.
enum PostgresTestDatabase {
    static let serverURL = ProcessInfo.processInfo.environment["TALLY_TEST_POSTGRES_URL"]
    static let templateName = "tally_template"
    static let testPrefix = "tally_test_"

    /// The server's configuration once the template is ready; built on first use.
    private static let template = Task<PostgresClient.Configuration, any Error> { try await makeTemplate() }

    /// A new database cloned from the migrated template.
    static func make() async throws -> PostgresClient.Configuration {
        var configuration = try await template.value
        let name = testPrefix + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await withClient(configuration) { client in
            _ = try await client.query(
                PostgresQuery(unsafeSQL: "CREATE DATABASE \(quoted(name)) TEMPLATE \(quoted(templateName))")
            ).collect()
        }
        configuration.database = name
        return configuration
    }

    /// Rebuilds the template from the current migrations, and drops the copies an
    /// earlier run left behind. One test run per server at a time: a second would
    /// rebuild the template under the first.
    private static func makeTemplate() async throws -> PostgresClient.Configuration {
        guard let serverURL else { throw PostgresURLError(reason: "TALLY_TEST_POSTGRES_URL is not set") }
        let server = try PostgresClient.Configuration(url: serverURL)
        try await withClient(server) { client in
            let leftovers = try await client.query(
                "SELECT datname FROM pg_database WHERE starts_with(datname, \(testPrefix))"
            ).collect().map { try $0.decode(String.self) }
            for name in leftovers {
                // One still in use belongs to someone else: leave it.
                _ = try? await client.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(quoted(name))")).collect()
            }
            _ = try await client.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(quoted(templateName))"))
                .collect()
            _ = try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(quoted(templateName))")).collect()
        }
        var template = server
        template.database = templateName
        let store = PostgresStore(configuration: template)
        do {
            try await store.migrate()
        } catch {
            try await store.close()
            throw error
        }
        try await store.close()
        return server
    }

    /// A database name as SQL: names cannot be bound parameters.
    static func quoted(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Runs `body` with a client of its own, closed when `body` returns.
    static func withClient<T: Sendable>(
        _ configuration: PostgresClient.Configuration, _ body: (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: configuration)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }
}
