import Foundation
import PostgresNIO
import TallyStore

/// PostgreSQL databases for the tests, the way SwiftPackageIndex-Server makes them:
/// the migrations run once per test run into a template, and every test gets its own
/// copy (`CREATE DATABASE … TEMPLATE`), so tests run in parallel and never see each
/// other's rows.
///
/// The server is `TALLY_TEST_POSTGRES_URL` (`scripts/postgres start` prints one).
/// Shared by the store contract suite, the HTTP suite and the command tests.
public enum PostgresTestDatabase {
    public static let serverURL = ProcessInfo.processInfo.environment["TALLY_TEST_POSTGRES_URL"]
    public static let templateName = "tally_template"
    public static let testPrefix = "tally_test_"

    /// The server's configuration once the template is ready; built on first use.
    private static let template = Task<PostgresClient.Configuration, any Error> { try await makeTemplate() }

    /// A new database cloned from the migrated template.
    public static func make() async throws -> PostgresClient.Configuration {
        try await create(fromTemplate: true).configuration
    }

    /// A new database cloned from the migrated template, as a `postgres://` URL too.
    public static func makeWithURL() async throws -> (configuration: PostgresClient.Configuration, url: String) {
        try await create(fromTemplate: true)
    }

    /// A new, empty database (no schema): for `tally migrate` to fill.
    public static func makeEmpty() async throws -> (configuration: PostgresClient.Configuration, url: String) {
        try await create(fromTemplate: false)
    }

    private static func create(
        fromTemplate: Bool
    ) async throws -> (
        configuration: PostgresClient.Configuration, url: String
    ) {
        // Waiting for the template also waits for the clean-up of earlier runs' copies,
        // which would otherwise drop a new empty database before it is used.
        var configuration = try await template.value
        let name = testPrefix + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let sql =
            fromTemplate
            ? "CREATE DATABASE \(quoted(name)) TEMPLATE \(quoted(templateName))"
            : "CREATE DATABASE \(quoted(name))"
        try await withClient(configuration) { client in
            _ = try await client.query(PostgresQuery(unsafeSQL: sql)).collect()
        }
        configuration.database = name
        return (configuration, try url(database: name))
    }

    /// The server's URL with its database replaced by `name`.
    public static func url(database name: String) throws -> String {
        guard let serverURL, var components = URLComponents(string: serverURL) else {
            throw PostgresURLError(reason: "TALLY_TEST_POSTGRES_URL is not set")
        }
        components.path = "/" + name
        guard let url = components.string else { throw PostgresURLError(reason: "cannot name database \(name)") }
        return url
    }

    /// Rebuilds the template from the current migrations. One test run per server at a
    /// time: a second would rebuild the template under the first. The copies earlier runs
    /// left behind are dropped by `scripts/postgres clean` (scripts/test runs it between
    /// passes), not here: dropping scores of them through this client has stalled a run.
    private static func makeTemplate() async throws -> PostgresClient.Configuration {
        guard let serverURL else { throw PostgresURLError(reason: "TALLY_TEST_POSTGRES_URL is not set") }
        let server = try PostgresClient.Configuration(url: serverURL)
        try await withClient(server) { client in
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
    public static func quoted(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Runs `body` with a client of its own, closed when `body` returns.
    public static func withClient<T: Sendable>(
        _ configuration: PostgresClient.Configuration,
        _ body: (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: configuration)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }
}

/// The backend a test suite that is not about the store runs on:
/// `TALLY_TEST_BACKEND` is `sqlite` (the default) or `postgres`.
public enum TestBackend: String, Sendable {
    case sqlite
    case postgres

    /// The backend `TALLY_TEST_BACKEND` names.
    public static func selected() throws -> TestBackend {
        let name = ProcessInfo.processInfo.environment["TALLY_TEST_BACKEND"] ?? ""
        guard let backend = name.isEmpty ? .sqlite : TestBackend(rawValue: name.lowercased()) else {
            throw TestBackendError(description: "TALLY_TEST_BACKEND is '\(name)': expected sqlite or postgres")
        }
        if backend == .postgres && PostgresTestDatabase.serverURL == nil {
            throw TestBackendError(
                description: "TALLY_TEST_BACKEND=postgres needs TALLY_TEST_POSTGRES_URL (scripts/postgres start prints it)"
            )
        }
        return backend
    }

    /// A new, migrated, empty store. `maximumConnections` bounds a PostgreSQL store's
    /// pool: tests run in parallel, each with its own. The caller closes it; `withStore`
    /// also cleans up after it.
    public func makeStore(name: String = "tally-test", maximumConnections: Int = 6) async throws -> any Store {
        try await open(name: name, maximumConnections: maximumConnections).store
    }

    /// Runs `body` with a new, migrated, empty store, then closes it, whether `body`
    /// returned or threw, and removes a SQLite store's files (the database, its WAL and
    /// shared memory). A PostgreSQL copy stays for `scripts/postgres clean`, which drops
    /// them all in one go between runs.
    public func withStore<T>(
        name: String = "tally-test",
        maximumConnections: Int = 6,
        _ body: (any Store) async throws -> T
    ) async throws -> T {
        let (store, files) = try await open(name: name, maximumConnections: maximumConnections)
        defer {
            for file in files { try? FileManager.default.removeItem(atPath: file) }
        }
        let value: T
        do {
            value = try await body(store)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
        return value
    }

    /// A new, migrated, empty store and the files it keeps on disk (none for PostgreSQL).
    private func open(name: String, maximumConnections: Int) async throws -> (store: any Store, files: [String]) {
        switch self {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory
                .appendingPathComponent("\(name)-\(UUID().uuidString).sqlite").path
            let files = [path, path + "-wal", path + "-shm"]
            let store = try SQLiteStore(path: path)
            do {
                try await store.migrate()
            } catch {
                try? await store.close()
                for file in files { try? FileManager.default.removeItem(atPath: file) }
                throw error
            }
            return (store, files)
        case .postgres:
            var configuration = try await PostgresTestDatabase.make()
            configuration.options.maximumConnections = maximumConnections
            return (PostgresStore(configuration: configuration), [])
        }
    }
}

public struct TestBackendError: Error, CustomStringConvertible {
    public let description: String
}
