import Foundation
import TallyApp
import TallyCore
import TallyTestSupport
import Testing

/// The same day of work with every real provider on — Twilio for messages and Lookup, DNS
/// for email, the bureau bridge for credit checks, each on its loopback stand-in — and
/// with the sandboxes: the money, the log's results, the usage guard and the low-balance
/// notice come out the same. Only how an answer arrives differs (Twilio's `queued`, then
/// its status callback).
@Suite(.serialized) struct RealProvidersTests {
    /// What a run of `day` left behind, to compare across providers.
    struct Outcome: Equatable, CustomStringConvertible {
        var figures: [String]
        var checkStatuses: [String]
        var logResults: [String: [String]]
        var notifications: [String]
        var paused: Bool
        var leadQualified: Bool
        var leadCredits: String

        var description: String {
            "figures \(figures), checks \(checkStatuses), logs \(logResults), notifications \(notifications), paused \(paused), "
                + "lead \(leadQualified) \(leadCredits)"
        }
    }

    static let email = "lee@has-mx.example.com"
    static let phone = "+1 201 555 0123"

    /// A verified account with 100 credits and a saved card: auto-recharge's threshold at
    /// 90 credits (its notice, not its purchase, is what this day shows: the recharge worker
    /// does not run), a usage guard of 3 credit checks an hour, an event whose leads run
    /// all three checks; then validations, a message, a lead and 5 credit checks at once.
    static func day(_ harness: Harness, settle: @Sendable (TestAccount, String) async throws -> Void) async throws -> Outcome {
        let account = try await harness.makeAccount()
        try await account.verifyUS()
        let method = try await account.saveCard()
        try #require(try await account.buy(100).status == 201)
        try #require(try await account.autoRecharge(threshold: 90, credits: 100, method: method).status == 200)
        let guarded = try await harness.call(
            .put,
            "/v1/accounts/\(account.id)/usage-guard",
            token: account.ownerToken,
            json: #"{"enabled":true,"maxRequests":3,"windowSeconds":3600}"#
        )
        try #require(guarded.status == 200, "\(guarded)")
        let event = try await harness.call(
            .put,
            "/v1/accounts/\(account.id)/events/demo",
            token: account.ownerToken,
            json: #"{"name":"Demo","creditCheck":"dti","disqualify":{"invalidEmail":true,"invalidPhone":true},"defaultRoute":"review"}"#
        )
        try #require(event.status == 200, "\(event)")

        let email = try await account.post("/validations/email", #"{"email":"\#(Self.email)"}"#)
        try #require(email.status == 200, "\(email)")
        let phone = try await account.post("/validations/phone", #"{"phone":"\#(Self.phone)"}"#)
        try #require(phone.status == 200, "\(phone)")
        let message = try await account.post("/sms", #"{"to":"+33 6 12 34 56 78","body":"Your code is 123456"}"#)
        try #require(message.status == 200, "\(message)")
        try await settle(account, try message.string("id"))

        let lead = try await account.post("/events/demo/leads", #"{"name":"Lee","email":"\#(Self.email)","phone":"\#(Self.phone)"}"#)
        try #require(lead.status == 200, "\(lead)")
        // The lead's check counts toward the guard: of 5 more at once, 2 complete.
        let statuses = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<5 {
                group.addTask {
                    let reply = try await harness.callOnNewConnection(
                        .post,
                        "/v1/accounts/\(account.id)/credit-checks",
                        token: account.ownerToken,
                        json: #"{"kind":"credit_score","contact":{"name":"L\#(index)","email":"\#(Self.email)","phone":"\#(Self.phone)"}}"#
                    )
                    return try reply.string("status")
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        var logs = [String: [String]]()
        for log in ["sms", "email_validation", "phone_validation", "credit_checks"] {
            let items = try await account.get("/logs/\(log)?limit=500").items()
            logs[log] = items.compactMap { ($0["status"] ?? $0["result"]) as? String }.sorted()
        }
        let leadAnswer = try lead.object
        return Outcome(
            figures: try await account.figures(),
            checkStatuses: statuses.sorted(),
            logResults: logs,
            notifications: try await account.notificationKinds().sorted(),
            paused: try await account.get("/usage-guard").object["paused"] as? Bool ?? false,
            leadQualified: leadAnswer["qualified"] as? Bool ?? false,
            leadCredits: leadAnswer["credits"] as? String ?? "?"
        )
    }

    /// Where a run's outcome is kept until the run's server is gone.
    actor Kept {
        var outcome: Outcome?
        func keep(_ outcome: Outcome) { self.outcome = outcome }
    }

    @Test func aDayWithEveryRealProviderEndsAsWithTheSandboxes() async throws {
        let sandboxRun = Kept()
        try await Harness.run { harness in
            await sandboxRun.keep(try await Self.day(harness) { _, _ in })
        }
        let realRun = Kept()
        try await DNSTestServer.run { dns in
            try await FakeBureauBridge.run { bridge in
                try await FakeTwilio.run { twilio in
                    let configuration = try ProviderConfiguration(environment: [
                        "TALLY_EMAIL_VERIFIER": "dns", "TALLY_DNS_SERVER": "127.0.0.1:\(dns.port)",
                        "TALLY_BUREAU_URL": bridge.url, "TALLY_BUREAU_SECRET": bridge.secret,
                        "TALLY_TWILIO_ACCOUNT_SID": FakeTwilio.accountSID, "TALLY_TWILIO_AUTH_TOKEN": FakeTwilio.authToken,
                        "TALLY_TWILIO_FROM": "+15017122661", "TALLY_TWILIO_API_BASE": twilio.apiBase,
                        "TALLY_TWILIO_LOOKUP_BASE": twilio.lookupBase, "TALLY_PHONE_VERIFIER": "twilio",
                        "TALLY_PUBLIC_URL": "https://billing.example.com",
                    ])
                    let providers = configuration.providers()
                    #expect(ProviderChoices(providers).sms.provider == "twilio")
                    #expect(ProviderChoices(providers).phone.provider == "twilio")
                    #expect(ProviderChoices(providers).email.provider == "dns")
                    #expect(ProviderChoices(providers).bureau.provider == "http")
                    try await Harness.run(providers: providers) { harness in
                        await twilio.forwardCallbacks(to: "http://127.0.0.1:\(harness.port)")
                        let outcome = try await Self.day(harness) { account, id in
                            // Queued by Twilio, charged on its status callback.
                            _ = try await TwilioSMSTests.settledLine(account, id)
                        }
                        await realRun.keep(outcome)
                        await twilio.stopCallbacks()
                    }
                    #expect(await twilio.messages().count == 1)
                    #expect(await twilio.received().contains { $0.path.hasPrefix("/v2/PhoneNumbers/") })
                }
                #expect(bridge.received.filter { $0.method == "POST" }.count == 3, "the lead's check and 2 of the 5")
            }
            #expect(try dns.queries().contains { $0.hasPrefix("has-mx.example.com") })
        }
        let expected = try #require(await sandboxRun.outcome)
        let real = try #require(await realRun.outcome)
        #expect(real == expected, "real: \(real)\nsandbox: \(expected)")
        #expect(expected.checkStatuses == ["blocked", "blocked", "blocked", "completed", "completed"])
        #expect(expected.notifications.contains("low_balance"))
        #expect(expected.notifications.contains("usage_guard_paused"))
        #expect(expected.paused)
    }
}
