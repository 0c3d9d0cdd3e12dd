import Foundation
import GRDB
import PostgresNIO
import TallyStore
import TallyTestSupport
import Testing

/// The statements written once for both engines (`Statements`): each renders to static
/// text with each engine's placeholders, and each is one both engines accept against the
/// migrated schema (`EXPLAIN` compiles and plans it without running it).
@Suite("Shared statements")
struct SharedStatementsTests {
    @Test func namedValuesBecomeEachEnginesNumberedPlaceholders() {
        let statement = Statement(
            "test.render",
            "SELECT id::text, ':kept' FROM t WHERE a = :account AND (b = :key OR c = :account) LIMIT :limit"
        )
        #expect(statement.values == ["account", "key", "limit"])
        #expect(statement.sqlite == "SELECT id::text, ':kept' FROM t WHERE a = ?1 AND (b = ?2 OR c = ?1) LIMIT ?3")
        #expect(statement.postgres == "SELECT id::text, ':kept' FROM t WHERE a = $1 AND (b = $2 OR c = $1) LIMIT $3")
    }

    @Test func everyStatementHasAUniqueName() {
        let names = Statements.all.map(\.name)
        #expect(Set(names).count == names.count, "\(names)")
    }

    @Test func sqlitePlansEveryStatement() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tally-statements-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        let queue = try DatabaseQueue(path: path)
        for statement in Statements.all {
            let nulls = StatementArguments(Array(repeating: DatabaseValue.null, count: statement.values.count))
            do {
                let plan = try queue.read { db in
                    try Row.fetchAll(db, sql: "EXPLAIN " + statement.sqlite, arguments: nulls)
                }
                #expect(!plan.isEmpty, "\(statement): no plan")
            } catch {
                Issue.record("\(statement) on SQLite: \(error)\n\(statement.sqlite)")
            }
        }
    }

    @Test(.enabled(if: PostgresTestDatabase.serverURL != nil)) func postgresPlansEveryStatement() async throws {
        // A database cloned from the migrated template.
        let database = try await PostgresTestDatabase.make()
        try await PostgresTestDatabase.withClient(database) { client in
            for statement in Statements.all {
                var nulls = PostgresBindings(capacity: statement.values.count)
                for _ in statement.values { nulls.appendNull() }
                do {
                    let plan = try await client.query(PostgresQuery(unsafeSQL: "EXPLAIN " + statement.postgres, binds: nulls)).collect()
                    #expect(!plan.isEmpty, "\(statement): no plan")
                } catch {
                    Issue.record("\(statement) on PostgreSQL: \(String(reflecting: error))\n\(statement.postgres)")
                }
            }
        }
    }
}
