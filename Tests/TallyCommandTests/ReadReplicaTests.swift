import Foundation
import PostgresNIO
import TallyTestSupport
import Testing

/// `tally serve --read-database`: usage reports and feature logs are read from a real
/// streaming replica (`scripts/postgres replica`), everything else from the primary.
///
/// Runs when `TALLY_TEST_POSTGRES_REPLICA_URL` names the replica; `scripts/test` always
/// sets it. Without it the test fails under CI (`CI` set) and is skipped quietly otherwise.
@Suite("Reports from a read replica")
struct ReadReplicaTests {
    static let operatorToken = "read-replica-operator"
    static let replicaServer = ProcessInfo.processInfo.environment["TALLY_TEST_POSTGRES_REPLICA_URL"]

    @Test(.timeLimit(.minutes(3)))
    func reportsComeFromTheReplicaAndChargesFromThePrimary() async throws {
        guard let replicaServer = Self.replicaServer, PostgresTestDatabase.serverURL != nil else {
            if ProcessInfo.processInfo.environment["CI"] != nil {
                Issue.record(
                    "TALLY_TEST_POSTGRES_REPLICA_URL is not set: the read-replica test needs a replica (scripts/test starts one)"
                )
            }
            return
        }
        let tally = try TallyExecutable.locate()
        let database = try await PostgresTestDatabase.makeEmpty().url
        let migrated = try await tally.run(["migrate", "--database", database], seconds: 60)
        try #require(migrated.status == 0, "tally migrate: \(migrated.output)")
        // The same database on the replica, which streams it from the primary.
        var replica = try #require(URLComponents(string: replicaServer))
        replica.path = try #require(URLComponents(string: database)).path
        let replicaURL = try #require(replica.string)

        let server = try ServeProcess(
            tally: tally,
            database: database,
            token: Self.operatorToken,
            name: "replica",
            arguments: ["--read-database", replicaURL]
        )
        defer { server.kill() }
        let http = HTTPClient()
        try await server.waitUntilHealthy()
        let base = server.base

        let email = "owner-\(UUID().uuidString.prefix(8))@example.com"
        let created = try await http.call(
            base,
            "POST",
            "/v1/accounts",
            token: Self.operatorToken,
            json: #"{"name":"Replica Reader","owner":{"email":"\#(email)","name":"Olive Owner","password":"correct horse"}}"#
        )
        try #require(created.status == 201, "\(created)")
        let account = "/v1/accounts/\(try created.string("id"))"
        let token = try await http.call(
            base,
            "POST",
            "/v1/sessions",
            json: #"{"email":"\#(email)","password":"correct horse"}"#
        ).string("token")
        let card = try await http.call(
            base,
            "POST",
            "\(account)/payment-methods",
            token: token,
            json: #"{"card":{"number":"4242424242424242","expMonth":12,"expYear":2035,"cvc":"123"}}"#
        )
        try #require(card.status == 201, "\(card)")
        let bought = try await http.call(
            base,
            "POST",
            "\(account)/purchases",
            token: token,
            json: #"{"credits":100,"paymentMethodId":"\#(try card.string("id"))"}"#
        )
        try #require(bought.status == 201, "\(bought)")

        func validate(_ address: String) async throws {
            let checked = try await http.call(
                base,
                "POST",
                "\(account)/validations/email",
                token: token,
                json: #"{"email":"\#(address)"}"#
            )
            try #require(checked.status == 200, "\(checked)")
        }
        /// The email validations the usage report and the log count, as the server answers.
        func reported() async throws -> (uses: Int, lines: Int)? {
            let usage = try await http.call(base, "GET", "\(account)/usage", token: token)
            let log = try await http.call(base, "GET", "\(account)/logs/email_validation", token: token)
            guard usage.status == 200, log.status == 200 else { return nil }
            let features = try #require(try usage.object["features"] as? [[String: Any]])
            let email = try #require(features.first { $0["feature"] as? String == "email_validation" })
            return (try #require(email["uses"] as? Int), try #require(try log.object["total"] as? Int))
        }
        /// Polls the reports for at most 30 seconds until they count `uses`.
        func waitForReports(counting uses: Int) async throws {
            let counted = try await eventually(every: .milliseconds(100)) {
                try? await reported()
            } until: {
                $0.map { $0 == (uses, uses) } ?? false
            }
            if let counted, counted == (uses, uses) { return }
            Issue.record("the reports did not count \(uses) validations within 30 seconds: \(String(describing: try? await reported()))")
        }

        try await validate("ann@example.com")
        try await waitForReports(counting: 1)

        // The replica stops applying what the primary writes: a charge now is on the
        // primary (the wallet says so) but not in the reports, which the replica answers.
        var replicaConfiguration = try PostgresClient.Configuration(url: replicaURL)
        replicaConfiguration.options.maximumConnections = 1
        try await PostgresTestDatabase.withClient(replicaConfiguration) { client in
            _ = try await client.query("SELECT pg_wal_replay_pause()").collect()
            do {
                let state = try await eventually(every: .milliseconds(50)) {
                    try await client.query("SELECT pg_get_wal_replay_pause_state()").collect().first?.decode(String.self)
                } until: {
                    $0 == "paused"
                }
                try #require(state == "paused", "the replica did not pause")
                try await validate("bob@example.com")
                let wallet = try await http.call(base, "GET", "\(account)/wallet", token: token)
                #expect(try wallet.string("used") == "1.000", "\(wallet)")
                let paused = try await reported()
                #expect(paused?.uses == 1 && paused?.lines == 1, "reports while the replica is paused: \(String(describing: paused))")
            } catch {
                _ = try? await client.query("SELECT pg_wal_replay_resume()").collect()
                throw error
            }
            _ = try await client.query("SELECT pg_wal_replay_resume()").collect()
        }
        // Once it applies the primary's changes again, the reports catch up.
        try await waitForReports(counting: 2)
        #expect(await server.stop() == 0)
    }
}
