import Foundation
import GRDB
import TallyCore
import TallyStore

/// A database the contract suite runs against. Each test gets a new, migrated, empty one.
enum StoreBackend: String, CaseIterable, Sendable {
    case sqlite

    /// The backends this run covers.
    static var enabled: [StoreBackend] { [.sqlite] }

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
        }
    }
}

/// A store under test, and a way to run raw SQL behind its back.
struct TestStore: Sendable {
    let store: any Store
    let tamper: @Sendable (String) async throws -> Void
}
