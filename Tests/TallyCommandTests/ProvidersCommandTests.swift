import Foundation
import TallyTestSupport
import Testing

/// The real providers from the operator's side: `tally providers check` and what
/// `tally serve` says (or refuses) at start.
@Suite("tally providers")
struct ProvidersCommandTests {
    /// Runs `tally arguments` with `environment` added, to the end (at most a minute).
    static func tally(_ arguments: [String], environment: [String: String]) async throws -> (status: Int32, output: String) {
        let tally = try TallyExecutable.locate()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("tally-providers-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let process = try tally.launch(arguments, log: log, environment: environment)
        let status = await waitForExit(process, seconds: 60)
        return (status, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    /// The output's row for `role`, its cells split on runs of spaces.
    static func row(_ role: String, in output: String) -> [String] {
        let line = output.split(separator: "\n").first { $0.hasPrefix(role + " ") } ?? ""
        return line.split(separator: "  ", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) }
    }

    @Test func aHealthyBridgeChecksOkAndTheRestAreSandboxes() async throws {
        try await FakeBureauBridge.run { bridge in
            let run = try await Self.tally(
                ["providers", "check"],
                environment: ["TALLY_BUREAU_URL": bridge.url, "TALLY_BUREAU_SECRET": bridge.secret]
            )
            #expect(run.status == 0, "\(run.output)")
            #expect(Self.row("bureau", in: run.output) == ["bureau", "http", "ok"], "\(run.output)")
            for role in ["payments", "sms", "phone", "email"] {
                #expect(Self.row(role, in: run.output) == [role, "sandbox", "sandbox"], "\(run.output)")
            }
            #expect(!run.output.contains(bridge.secret))
            // Harmless: one signed GET, no check.
            #expect(bridge.received.map(\.method) == ["GET"])
            #expect(bridge.received.first?.signatureValid == true)
        }
    }

    @Test func aBridgeThatIsNotThereFailsTheCheck() async throws {
        let port = try freeLoopbackPort()
        let run = try await Self.tally(
            ["providers", "check"],
            environment: ["TALLY_BUREAU_URL": "http://127.0.0.1:\(port)/bureau", "TALLY_BUREAU_SECRET": "bridge-secret-0123456789"]
        )
        #expect(run.status == 1, "\(run.output)")
        let bureau = Self.row("bureau", in: run.output)
        #expect(bureau.prefix(2) == ["bureau", "http"], "\(run.output)")
        #expect(bureau.last?.hasPrefix("failed: the bridge could not be reached") == true, "\(run.output)")
    }

    @Test func aBridgeThatRefusesTheSignatureFailsTheCheck() async throws {
        try await FakeBureauBridge.run { bridge in
            let run = try await Self.tally(
                ["providers", "check"],
                environment: ["TALLY_BUREAU_URL": bridge.url, "TALLY_BUREAU_SECRET": "not-the-bridges-secret-42"]
            )
            #expect(run.status == 1, "\(run.output)")
            #expect(run.output.contains("failed: the bridge refused Tally's signature (HTTP 401): check TALLY_BUREAU_SECRET"), "\(run.output)")
            #expect(bridge.received.map(\.signatureValid) == [false])
        }
    }

    @Test func stripeIsCheckedByReadingItsBalanceWithTheKey() async throws {
        try await FakeStripe.run { stripe in
            var environment = [
                "TALLY_STRIPE_SECRET_KEY": stripe.secretKey,
                "TALLY_STRIPE_WEBHOOK_SECRET": "whsec_providers_check_0123456789",
                "TALLY_STRIPE_API_BASE": stripe.apiBase,
                "TALLY_PUBLIC_URL": "https://billing.example.com",
            ]
            let run = try await Self.tally(["providers", "check"], environment: environment)
            #expect(run.status == 0, "\(run.output)")
            #expect(Self.row("payments", in: run.output) == ["payments", "stripe", "ok"], "\(run.output)")
            #expect(await stripe.received().map(\.path) == ["/v1/balance"])
            #expect(!run.output.contains(stripe.secretKey))

            environment["TALLY_STRIPE_SECRET_KEY"] = "sk_test_not_the_fakes_key_0123456789"
            let refused = try await Self.tally(["providers", "check"], environment: environment)
            #expect(refused.status == 1, "\(refused.output)")
            #expect(refused.output.contains("check TALLY_STRIPE_SECRET_KEY"), "\(refused.output)")
        }
    }

    /// Twilio is checked, for messages and for Lookup, by reading the account with the
    /// token; a wrong token fails both rows, the token never printed.
    @Test func twilioIsCheckedByReadingTheAccountWithTheToken() async throws {
        try await FakeTwilio.run { twilio in
            var environment = [
                "TALLY_TWILIO_ACCOUNT_SID": FakeTwilio.accountSID,
                "TALLY_TWILIO_AUTH_TOKEN": FakeTwilio.authToken,
                "TALLY_TWILIO_FROM": "+15017122661",
                "TALLY_TWILIO_API_BASE": twilio.apiBase,
                "TALLY_TWILIO_LOOKUP_BASE": twilio.lookupBase,
                "TALLY_PHONE_VERIFIER": "twilio",
                "TALLY_PUBLIC_URL": "https://billing.example.com",
            ]
            let run = try await Self.tally(["providers", "check"], environment: environment)
            #expect(run.status == 0, "\(run.output)")
            #expect(Self.row("sms", in: run.output) == ["sms", "twilio", "ok"], "\(run.output)")
            #expect(Self.row("phone", in: run.output) == ["phone", "twilio", "ok"], "\(run.output)")
            #expect(await twilio.received().map(\.path) == Array(repeating: "/2010-04-01/Accounts/\(FakeTwilio.accountSID).json", count: 2))
            #expect(!run.output.contains(FakeTwilio.authToken))

            let wrongToken = String(repeating: "0123456789abcdef", count: 2)
            environment["TALLY_TWILIO_AUTH_TOKEN"] = wrongToken
            let refused = try await Self.tally(["providers", "check"], environment: environment)
            #expect(refused.status == 1, "\(refused.output)")
            #expect(Self.row("sms", in: refused.output).last?.hasPrefix("failed:") == true, "\(refused.output)")
            #expect(Self.row("phone", in: refused.output).last?.hasPrefix("failed:") == true, "\(refused.output)")
            #expect(!refused.output.contains(wrongToken))
        }
    }

    @Test func allSandboxesCheckWithoutCallingAnything() async throws {
        let run = try await Self.tally(["providers", "check"], environment: [:])
        #expect(run.status == 0, "\(run.output)")
        #expect(Self.row("bureau", in: run.output) == ["bureau", "sandbox", "sandbox"], "\(run.output)")
    }

    /// A misconfigured provider stops `tally serve` before it listens, in one line naming
    /// the variable, the secret never printed.
    @Test func serveRefusesAMisconfiguredProviderInOneLine() async throws {
        let database = FileManager.default.temporaryDirectory.appendingPathComponent("tally-providers-\(UUID().uuidString).sqlite").path
        let secret = "bridge-secret-0123456789"
        let refusals = [
            (["TALLY_BUREAU_URL": "http://bridge.example.com/check", "TALLY_BUREAU_SECRET": secret], "TALLY_BUREAU_URL"),
            (["TALLY_BUREAU_URL": "https://bridge.example.com/check"], "TALLY_BUREAU_SECRET"),
            (["TALLY_STRIPE_SECRET_KEY": "sk_live_" + secret], "TALLY_STRIPE_WEBHOOK_SECRET"),
            (["TALLY_STRIPE_SECRET_KEY": "sk_live_" + secret, "TALLY_STRIPE_WEBHOOK_SECRET": "whsec_" + secret], "TALLY_PUBLIC_URL"),
        ]
        for (environment, variable) in refusals {
            let run = try await Self.tally(
                ["serve", "--port", "\(try freeLoopbackPort())", "--database", database],
                environment: environment
            )
            #expect(run.status != 0, "\(run.output)")
            let lines = run.output.split(separator: "\n")
            #expect(lines.count == 1, "\(run.output)")
            #expect(lines.first?.contains(variable) == true, "\(run.output)")
            #expect(!run.output.contains(secret))
        }
        #expect(!FileManager.default.fileExists(atPath: database), "refused before opening the database")
    }

    @Test func serveSaysWhichProviderEachRoleUses() async throws {
        try await FakeBureauBridge.run { bridge in
            let tally = try TallyExecutable.locate()
            let database = FileManager.default.temporaryDirectory.appendingPathComponent("tally-providers-\(UUID().uuidString).sqlite").path
            let server = try ServeProcess(
                tally: tally,
                database: database,
                token: "providers-test",
                name: "providers",
                environment: ["TALLY_BUREAU_URL": bridge.url, "TALLY_BUREAU_SECRET": bridge.secret]
            )
            do {
                try await Self.expectTheProviders(of: server, bridge: bridge)
            } catch {
                _ = await server.stop()
                throw error
            }
            #expect(await server.stop() == 0)
        }
    }

    static func expectTheProviders(of server: ServeProcess, bridge: FakeBureauBridge) async throws {
        try await server.waitUntilHealthy()
        let log = (try? String(contentsOfFile: server.logPath, encoding: .utf8)) ?? ""
        #expect(
            log.contains(
                "providers: payments sandbox (test mode), sms sandbox, phone sandbox, email sandbox, bureau http (the bridge at 127.0.0.1)"
            ),
            "\(log)"
        )
        #expect(!log.contains(bridge.secret))
        let reply = try await HTTPClient().call(server.base, "GET", "/v1/providers", token: "providers-test")
        #expect(reply.status == 200)
        #expect(reply.body.contains(#""provider":"http""#), "\(reply.body)")
    }
}
