import Foundation
import Testing

/// `tally serve` as an operator runs it.
@Suite("tally serve")
struct ServeCommandTests {
    /// SIGTERM stops an idle server at once (its background workers wake for the shutdown
    /// rather than sleeping out their interval), with a clean exit.
    @Test func sigtermStopsPromptly() async throws {
        let tally = try TallyExecutable.locate()
        let database = FileManager.default.temporaryDirectory.appendingPathComponent("tally-serve-\(UUID().uuidString).sqlite").path
        let server = try ServeProcess(tally: tally, database: database, token: "serve-test", name: "sigterm")
        try await server.waitUntilHealthy()
        // Let every worker reach its sleep, the payment reconciler's 10 s one included.
        try await Task.sleep(for: .milliseconds(1_500))
        let started = ContinuousClock.now
        let status = await server.stop()
        let waited = ContinuousClock.now - started
        #expect(status == 0)
        #expect(waited < .seconds(5), "stopped after \(waited)")
    }

    /// A line per request only at `TALLY_LOG_LEVEL=debug`; at the default (`info`) a
    /// request writes nothing to the log. A level Tally does not know stops it at start.
    @Test func requestsAreLoggedAtDebugOnly() async throws {
        let tally = try TallyExecutable.locate()
        var logs: [String: String] = [:]
        for level in ["info", "debug"] {
            let database = FileManager.default.temporaryDirectory.appendingPathComponent("tally-serve-\(UUID().uuidString).sqlite").path
            let server = try ServeProcess(
                tally: tally,
                database: database,
                token: "serve-test",
                name: "log-\(level)",
                environment: level == "info" ? [:] : ["TALLY_LOG_LEVEL": level]
            )
            defer { server.kill() }
            try await server.waitUntilHealthy()
            _ = try await HTTPClient().call(server.base, "GET", "/openapi.json?logged=\(level)")
            #expect(await server.stop() == 0)
            logs[level] = try String(contentsOfFile: server.logPath, encoding: .utf8)
        }
        #expect(logs["debug"]?.contains("hb.request.path=/openapi.json") == true, "\(logs["debug"] ?? "")")
        #expect(logs["info"]?.contains("hb.request.path") == false, "\(logs["info"] ?? "")")
        let refused = try await tally.run(
            ["serve", "--port", "1", "--database", "/nonexistent/tally.sqlite"],
            seconds: 30,
            environment: ["TALLY_LOG_LEVEL": "loud"]
        )
        #expect(refused.status != 0)
        #expect(refused.output.contains("TALLY_LOG_LEVEL must be"), "\(refused.output)")
    }
}
