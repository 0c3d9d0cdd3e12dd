import Foundation
import GRDB
import PostgresNIO
import Synchronization
import TallyCore
import TallyStore
import TallyTestSupport
import Testing

/// A database the contract suite runs against. Each test gets a new, migrated, empty one.
enum StoreBackend: String, CaseIterable, Sendable {
    case sqlite
    /// Runs when `TALLY_TEST_POSTGRES_URL` names a server (`scripts/postgres start` prints one).
    case postgres

    /// The backends this run covers.
    static var enabled: [StoreBackend] {
        PostgresTestDatabase.serverURL == nil ? [.sqlite] : [.sqlite, .postgres]
    }

    /// A new store, closed (and its files removed) when the test that made it ends: only
    /// within a suite marked `.closesItsStores`.
    func makeStore() async throws -> TestStore {
        guard let made = MadeStores.current else {
            preconditionFailure("a store is made only in a suite marked .closesItsStores, which closes it and removes its files")
        }
        switch self {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory
                .appendingPathComponent("tally-store-\(UUID().uuidString).sqlite").path
            let store = try SQLiteStore(path: path)
            made.add(store, files: ["", "-wal", "-shm"].map { path + $0 })
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
            let store = PostgresStore(configuration: configuration)
            made.add(store, files: [])
            return TestStore(store: store) { sql in
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

/// The stores a test made, closed when it ends — passed or failed — with their files removed.
final class MadeStores: Sendable {
    @TaskLocal static var current: MadeStores?

    struct Made: Sendable {
        let store: any Store
        let files: [String]
    }

    private let made = Mutex<[Made]>([])

    func add(_ store: any Store, files: [String]) {
        made.withLock { $0.append(Made(store: store, files: files)) }
    }

    func closeAll() async {
        let all: [Made] = made.withLock { made in
            let all = made
            made = []
            return all
        }
        for each in all {
            try? await each.store.close()
            for file in each.files { try? FileManager.default.removeItem(atPath: file) }
        }
    }
}

/// Gives each test of a suite a `MadeStores` scope: every store it makes is closed, and its
/// files removed, when it ends.
struct ClosesItsStores: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        testCase == nil ? nil : self
    }

    func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        let made = MadeStores()
        do {
            try await MadeStores.$current.withValue(made) { try await function() }
        } catch {
            await made.closeAll()
            throw error
        }
        await made.closeAll()
    }
}

extension Trait where Self == ClosesItsStores {
    /// Each test's stores are closed, and their files removed, when it ends.
    static var closesItsStores: Self { ClosesItsStores() }
}
