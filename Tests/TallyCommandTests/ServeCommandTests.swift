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
}
