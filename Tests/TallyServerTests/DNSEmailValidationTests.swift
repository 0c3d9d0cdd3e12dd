import Foundation
import TallyApp
import TallyCore
import TallyTestSupport
import Testing

/// Email validation by DNS (PROVIDERS.md "Email validation: DNS") against a real DNS
/// server on loopback (`scripts/dns-test-server`, dnslib): the domain's MX, else its A and
/// AAAA; a null MX, a domain that does not exist or one with no address is invalid and
/// charged like any answer; a failing or silent server is a 502 with nothing charged.
@Suite("DNS email validation", .serialized)
struct DNSEmailValidationTests {
    /// Short enough for the silent server's test, long enough for loopback answers.
    static let deadlines = ProviderDeadlines(payments: .seconds(5), features: .seconds(5))
    /// For the tests that expect an answer: loopback answers on a machine busy with the whole
    /// suite (a clean-clone run once took over 5 s for the two lookups of `a-only`, MX then A).
    static let answerDeadlines = ProviderDeadlines(payments: .seconds(5), features: .seconds(30))

    struct Case: Sendable, CustomStringConvertible {
        var domain: String
        var result: String
        var reason: String?
        var description: String { domain }
    }

    static let answers: [Case] = [
        Case(domain: "has-mx.example.com", result: "valid"),
        Case(domain: "cname-mx.example.com", result: "valid"),
        Case(domain: "a-only.example.com", result: "valid"),
        Case(domain: "aaaa-only.example.com", result: "valid"),
        Case(domain: "null-mx.example.com", result: "invalid", reason: "null_mx"),
        Case(domain: "gone.example.com", result: "invalid", reason: "no_such_domain"),
        Case(domain: "no-address.example.com", result: "invalid", reason: "no_mail_server"),
    ]

    /// Every answer the DNS server gives is a verdict, charged 0.5 credits and logged with its result.
    @Test(arguments: answers)
    func everyAnswerIsAVerdictChargedHalfACredit(_ answer: Case) async throws {
        try await Self.withDNS { harness, _ in
            let account = try await Self.fundedAccount(harness)
            let reply = try await account.post("/validations/email", #"{"email":"Lee@\#(answer.domain)","contact":{"name":"Lee"}}"#)
            #expect(reply.status == 200, "\(reply)")
            let object = try reply.object
            #expect(object["result"] as? String == answer.result, "\(reply)")
            #expect(object["reason"] as? String == answer.reason, "\(reply)")
            #expect(try await account.figures() == ["99.500", "0.000", "0.500", "100.000"])
            let today = Self.today
            let logged = try await account.get("/logs/email_validation?from=\(today)&to=\(today)").items()
            #expect(logged.count == 1)
            #expect(logged.first?["result"] as? String == answer.result, "\(logged)")
        }
    }

    /// SERVFAIL, REFUSED and silence are the provider failing: 502, nothing charged.
    @Test(arguments: ["servfail.example.com", "refused.example.com", "silent.example.com"])
    func aFailingOrSilentServerChargesNothing(_ domain: String) async throws {
        try await Self.withDNS(deadlines: Self.deadlines) { harness, _ in
            let account = try await Self.fundedAccount(harness)
            let started = ContinuousClock.now
            let reply = try await account.post("/validations/email", #"{"email":"lee@\#(domain)"}"#)
            #expect(reply.status == 502, "\(reply)")
            #expect(reply.body.contains("provider-failed"), "\(reply)")
            #expect(ContinuousClock.now - started < .seconds(10), "the deadline holds even while the query blocks")
            #expect(try await account.figures() == ["100.000", "0.000", "0.000", "100.000"])
        }
    }

    /// A second sign-up on a domain is answered from the first one's answer.
    @Test func aDomainIsAskedOnceWithinItsTTL() async throws {
        try await Self.withDNS { harness, dns in
            let account = try await Self.fundedAccount(harness)
            for email in ["ann@has-mx.example.com", "bob@HAS-MX.example.com", "cy@gone.example.com", "di@gone.example.com"] {
                #expect(try await account.post("/validations/email", #"{"email":"\#(email)"}"#).status == 200)
            }
            #expect(try dns.queries() == ["has-mx.example.com MX", "gone.example.com MX"])
            #expect(try await account.figures() == ["98.000", "0.000", "2.000", "100.000"])
        }
    }

    /// Sign-ups on one domain at once wait for one lookup.
    @Test func aBurstOnOneDomainAsksOnce() async throws {
        try await Self.withDNS { harness, dns in
            let account = try await Self.fundedAccount(harness)
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<6 {
                    group.addTask {
                        try await harness.callOnNewConnection(
                            .post,
                            "/v1/accounts/\(account.id)/validations/email",
                            token: account.ownerToken,
                            json: #"{"email":"lead\#(index)@a-only.example.com"}"#
                        ).status
                    }
                }
                for try await status in group { #expect(status == 200) }
            }
            #expect(try dns.queries() == ["a-only.example.com MX", "a-only.example.com A"])
        }
    }

    /// Past its TTL (1 s here) an answer is asked again.
    @Test func anAnswerIsAskedAgainPastItsTTL() async throws {
        try await Self.withDNS { harness, dns in
            let account = try await Self.fundedAccount(harness)
            #expect(try await account.post("/validations/email", #"{"email":"a@short-ttl.example.com"}"#).status == 200)
            try await Task.sleep(for: .milliseconds(1_500))
            #expect(try await account.post("/validations/email", #"{"email":"b@short-ttl.example.com"}"#).status == 200)
            #expect(try dns.queries() == ["short-ttl.example.com MX", "short-ttl.example.com MX"])
        }
    }

    /// A failure is not kept: the next sign-up asks again.
    @Test func aFailureIsNotKept() async throws {
        try await Self.withDNS { harness, dns in
            let account = try await Self.fundedAccount(harness)
            for _ in 0..<2 {
                #expect(try await account.post("/validations/email", #"{"email":"a@servfail.example.com"}"#).status == 502)
            }
            #expect(try dns.queries() == ["servfail.example.com MX", "servfail.example.com MX"])
        }
    }

    /// A malformed address is answered by the offline syntax check: DNS is not asked.
    @Test func aMalformedAddressNeverReachesDNS() async throws {
        try await Self.withDNS { harness, dns in
            let account = try await Self.fundedAccount(harness)
            let reply = try await account.post("/validations/email", #"{"email":"john..doe@has-mx.example.com"}"#)
            #expect(try reply.object["result"] as? String == "invalid")
            #expect(try dns.queries().isEmpty)
        }
    }

    /// `GET /v1/providers` names DNS; `tally providers check` asks for the check domain's MX.
    @Test func theProvidersRouteAndCheckNameDNS() async throws {
        try await DNSTestServer.run { dns in
            let environment = ["TALLY_EMAIL_VERIFIER": "dns", "TALLY_DNS_SERVER": "127.0.0.1:\(dns.port)"]
            let configuration = try ProviderConfiguration(environment: environment)
            #expect(configuration.summary.contains("email dns (the DNS server at 127.0.0.1:\(dns.port))"))
            try await Harness.run(providers: configuration.providers()) { harness in
                let reply = try await harness.call(.get, "/v1/providers", token: Harness.operatorToken)
                #expect(try reply.object["email"] as? [String: String] == ["provider": "dns"], "\(reply)")
            }
            let ok = await ProviderCheck.run(configuration, deadlines: Self.deadlines)
            #expect(ok.first { $0.role == .email }?.result == .ok)
            #expect(try dns.queries() == ["example.com MX"])
            for (domain, problem) in [
                ("gone.example.com", "answered NXDOMAIN for gone.example.com MX"),
                ("a-only.example.com", "has no MX record for a-only.example.com"),
                ("silent.example.com", "did not answer"),
            ] {
                let failing = try ProviderConfiguration(environment: environment.merging(["TALLY_DNS_CHECK_DOMAIN": domain]) { $1 })
                let line = await ProviderCheck.run(failing, deadlines: Self.deadlines).first { $0.role == .email }
                guard case .failed(let reason) = line?.result else {
                    Issue.record("\(domain): \(String(describing: line))")
                    continue
                }
                #expect(reason.contains(problem), "\(reason)")
            }
        }
    }

    // MARK: Fixtures

    /// Today as the logs count days: in Pacific time (a UTC date is tomorrow's from 4 or 5 p.m. Pacific).
    static var today: String { PacificDay.of(Date()) }

    /// A Tally whose email verifier asks the test DNS server (within `deadlines`), and that server.
    static func withDNS(
        deadlines: ProviderDeadlines = answerDeadlines,
        _ body: @escaping @Sendable (Harness, DNSTestServer) async throws -> Void
    ) async throws {
        try await DNSTestServer.run { dns in
            let configuration = try ProviderConfiguration(environment: [
                "TALLY_EMAIL_VERIFIER": "dns", "TALLY_DNS_SERVER": "127.0.0.1:\(dns.port)",
            ])
            try await Harness.run(providers: configuration.providers(), deadlines: deadlines) { harness in
                try await body(harness, dns)
            }
        }
    }

    static func fundedAccount(_ harness: Harness) async throws -> TestAccount {
        let account = try await harness.makeAccount()
        let bought = try await account.buy(100)
        try #require(bought.status == 201, "\(bought)")
        return account
    }
}

/// `scripts/dns-test-server` running for the time of a test: its port, and the queries it
/// received, in order ("name TYPE").
struct DNSTestServer: Sendable {
    let port: Int
    let log: URL

    func queries() throws -> [String] {
        guard FileManager.default.fileExists(atPath: log.path) else { return [] }
        return try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    static func run<T: Sendable>(_ body: (DNSTestServer) async throws -> T) async throws -> T {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let name = "tally-dns-\(UUID().uuidString)"
        let log = FileManager.default.temporaryDirectory.appendingPathComponent(name + ".log")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent(name + ".out")
        // Spawned directly: Foundation's Process.run has crashed in full runs (see ChildProcess).
        let server = try ChildProcess(
            executable: root.appendingPathComponent("scripts/dns-test-server").path,
            arguments: ["--log", log.path],
            environment: ProcessInfo.processInfo.environment,
            log: output.path
        )
        defer {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
            try? FileManager.default.removeItem(at: log)
            try? FileManager.default.removeItem(at: output)
        }
        // It prints its port on a line of its own once it listens (its warnings, if any, beside it).
        let printed = try await eventually(every: .milliseconds(50)) { () -> Int? in
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            return lines.lazy.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.first
        }
        let port = try #require(printed, "scripts/dns-test-server printed no port: \((try? String(contentsOf: output, encoding: .utf8)) ?? "")")
        return try await body(DNSTestServer(port: port, log: log))
    }
}
