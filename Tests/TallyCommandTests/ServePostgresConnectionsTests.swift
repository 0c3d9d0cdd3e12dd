import Foundation
import PostgresNIO
import TallyStore
import TallyTestSupport
import Testing

/// `tally serve --postgres-connections N`: the server opens its N connections to PostgreSQL
/// when it starts and keeps them; a burst of requests waits for them rather than opening
/// more.
///
/// Runs when `TALLY_TEST_POSTGRES_URL` names a server; `scripts/test` always sets it.
@Suite("A server's PostgreSQL connections")
struct ServePostgresConnectionsTests {
    @Test(.timeLimit(.minutes(2)))
    func aServerOpensItsConnectionsAtStartAndNoMore() async throws {
        guard let serverURL = PostgresTestDatabase.serverURL else {
            if ProcessInfo.processInfo.environment["CI"] != nil {
                Issue.record("TALLY_TEST_POSTGRES_URL is not set: this test needs a PostgreSQL server (scripts/test starts one)")
            }
            return
        }
        let (database, url) = try await PostgresTestDatabase.makeWithURL()
        let name = try #require(database.database)
        let server = try ServePostgresConnectionsTests.server(url, arguments: ["--postgres-connections", "12"])
        defer { server.kill() }
        try await server.waitUntilHealthy()
        let admin = try PostgresClient.Configuration(url: serverURL)
        let opened = try await PostgresTestDatabase.withClient(admin) { client in
            // More than the background workers' first passes open on their own.
            let atStart = try await eventually { () -> Int? in
                let count = try await Self.connections(to: name, client)
                return count == 12 ? count : nil
            }
            // 64 requests at once, each reading the database (`/health`).
            let http = HTTPClient()
            let answers = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<64 { group.addTask { try await http.call(server.base, "GET", "/health").status } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(answers.allSatisfy { $0 == 200 }, "\(answers)")
            return (atStart, try await Self.connections(to: name, client))
        }
        #expect(opened.0 == 12, "connections open after start: \(String(describing: opened.0))")
        #expect(opened.1 == 12, "connections open after 64 requests at once: \(opened.1)")
        #expect(await server.stop() == 0)
    }

    @Test func noConnectionsIsRefused() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tally-\(UUID().uuidString).sqlite").path
        let refused = try await TallyExecutable.locate().run(
            ["serve", "--port", "1", "--database", path, "--postgres-connections", "0"],
            seconds: 30
        )
        #expect(refused.status != 0)
        #expect(refused.output.contains("--postgres-connections must be"), "\(refused.output)")
        #expect(!FileManager.default.fileExists(atPath: path), "a refused start created \(path)")
    }

    static func server(_ database: String, arguments: [String]) throws -> ServeProcess {
        try ServeProcess(
            tally: try TallyExecutable.locate(),
            database: database,
            token: "pool-\(UUID().uuidString)",
            name: "pool",
            arguments: arguments
        )
    }

    /// Connections to database `name` now, the server's and its background workers'.
    static func connections(to name: String, _ client: PostgresClient) async throws -> Int {
        let rows = try await client.query("SELECT count(*)::INTEGER FROM pg_stat_activity WHERE datname = \(name)").collect()
        return try rows.first?.decode(Int.self) ?? 0
    }
}
