import Foundation
import TallyApp
import TallyCore
import TallyTestSupport
import Testing

/// The example bridge a platform can start from (`scripts/bureau-bridge-example`), as
/// the bureau of a live Tally: its four outcomes and its refusal of a bad signature.
@Suite("Bureau bridge example", .serialized)
struct BureauBridgeExampleTests {
    static let secret = "example-bridge-secret-0123456789"

    /// The example bridge, started on a free loopback port for `body`, then stopped.
    static func withExampleBridge(_ body: (URL) async throws -> Void) async throws {
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/bureau-bridge-example")
        // What it prints goes to a file, read until it says where it listens. Spawned
        // directly: Foundation's Process.run has crashed in full runs (see ChildProcess).
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("bureau-bridge-\(UUID().uuidString).log")
        let bridge = try ChildProcess(
            executable: "/usr/bin/env",
            arguments: ["python3", script.path, "--port", "0"],
            environment: ["TALLY_BUREAU_SECRET": secret, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"],
            log: log.path
        )
        defer {
            kill(bridge.processIdentifier, SIGKILL)
            bridge.waitUntilExit()
            try? FileManager.default.removeItem(at: log)
        }
        // The bridge prints its port once it listens.
        let port = try await eventually(every: .milliseconds(100)) {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").first { $0.hasPrefix("BUREAU_BRIDGE_PORT=") }
                .flatMap { Int($0.dropFirst("BUREAU_BRIDGE_PORT=".count)) }
        }
        let listening = try #require(port, "the example bridge did not start")
        try await body(URL(string: "http://127.0.0.1:\(listening)/")!)
    }

    static func withTally(bridge: URL, secret: String = secret, _ body: @Sendable (TestAccount) async throws -> Void) async throws {
        let settings = BureauBridge.Settings(url: bridge, secret: secret)
        try await Harness.run(providers: Providers(creditBureau: BureauBridge(settings))) { harness in
            let account = try await harness.makeAccount()
            try await account.verifyUS()
            _ = try await account.buy(100)
            try await body(account)
        }
    }

    static func check(_ account: TestAccount, name: String, email: String = "lee@example.com") async throws -> [String: Any] {
        try await account.post(
            "/credit-checks",
            #"{"kind":"dti","contact":{"name":"\#(name)","email":"\#(email)","phone":"+1 201 555 0123"}}"#
        ).object
    }

    @Test func theExampleBridgeAnswersEachOutcomeAsTheProtocolSays() async throws {
        try await Self.withExampleBridge { bridge in
            try await Self.withTally(bridge: bridge) { account in
                let completed = try await Self.check(account, name: "Lee Lead")
                #expect(completed["status"] as? String == "completed", "\(completed)")
                let score = try #require(completed["creditScore"] as? Int)
                #expect((300...850).contains(score))
                #expect(completed["dtiPercent"] is Int)
                #expect(completed["credits"] as? String == "24.000")
                let again = try await Self.check(account, name: "Lee Lead")
                #expect(again["creditScore"] as? Int == score, "the same person, the same answer")

                let noFile = try await Self.check(account, name: "No File Person", email: "nofile@example.com")
                #expect(noFile["status"] as? String == "failed")
                #expect(noFile["reason"] as? String == "no credit file for this person")
                #expect(noFile["credits"] as? String == "0.000")

                let down = try await Self.check(account, name: "Bureau Down", email: "down@example.com")
                #expect(down["status"] as? String == "failed")
                #expect(down["reason"] as? String == "the credit bureau failed (HTTP 503)")
                #expect(down["credits"] as? String == "0.000")
            }
        }
    }

    @Test func theExampleBridgeRefusesAWrongSignatureAndNothingIsChargedForTheCheck() async throws {
        try await Self.withExampleBridge { bridge in
            try await Self.withTally(bridge: bridge, secret: "not-the-bridges-secret-42") { account in
                let refused = try await Self.check(account, name: "Lee Lead")
                #expect(refused["status"] as? String == "failed", "\(refused)")
                #expect(refused["reason"] as? String == "the credit bureau refused the request's signature (HTTP 401)")
                #expect(refused["credits"] as? String == "0.000")
            }
        }
    }
}
