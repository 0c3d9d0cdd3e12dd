import Foundation
import GRDB
import Testing

@testable import TallyStore

/// An answered charge survives a power cut: the SQLite connection that commits syncs the
/// write-ahead log at every commit (`synchronous = FULL`), whatever the pool set up.
@Suite struct SQLiteDurabilityTests {
    @Test func theWriterSyncsEveryCommit() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tally-durability-\(UUID().uuidString).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        let mode = try await store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(mode == 2, "PRAGMA synchronous is \(mode.map(String.init) ?? "unset"); 2 is FULL")
        let journal = try await store.pool.write { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")
        try await store.close()
    }
}
