import Foundation
import TallyApp
import TallyCore
import Testing

/// Every provider call ends within its deadline: a provider that never answers costs
/// nothing and holds nothing past it.
@Suite("Provider deadlines")
struct ProviderDeadlineTests {
    /// Providers that take an hour to answer.
    struct Hangs: EmailVerifier, SMSGateway, CreditBureau {
        func verify(_ address: EmailAddress) async throws -> EmailVerdict {
            try await Task.sleep(for: .seconds(3_600))
            return EmailVerdict(deliverable: true, reason: nil)
        }

        func send(_ attempt: SMSAttempt) async throws -> SMSDelivery {
            try await Task.sleep(for: .seconds(3_600))
            return .sent(carrierID: "never")
        }

        /// Asked afterwards, the carrier knows it never got the message.
        func delivery(of attempt: SMSAttempt) async throws -> SMSDelivery? { nil }

        func check(_ inquiry: CreditInquiry) async throws -> BureauReport {
            try await Task.sleep(for: .seconds(3_600))
            throw ProviderFailure("never")
        }
    }

    static let deadlines = ProviderDeadlines(payments: .milliseconds(300), features: .milliseconds(300))
    /// The provider hangs for an hour: an answer within this long was ended by the
    /// deadline. Generous: all of a run's HTTP tests start at once, and a request of this
    /// suite has waited 15 s for the database in such a run.
    static let answeredWithin = Duration.seconds(45)

    @Test func aValidationWhoseProviderHangsEndsAtItsDeadlineAndCostsNothing() async throws {
        try await Harness.run(providers: Providers(emailVerifier: Hangs()), deadlines: Self.deadlines) { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            let started = ContinuousClock.now
            let reply = try await account.post("/validations/email", #"{"email":"lee@example.com"}"#)
            #expect(ContinuousClock.now - started < Self.answeredWithin)
            #expect(reply.status == 502, "\(reply)")
            #expect(try await account.figures() == ["100.000", "0.000", "0.000", "100.000"])
        }
    }

    @Test func anSMSWhoseCarrierHangsIsReleasedAtItsDeadline() async throws {
        try await Harness.run(providers: Providers(sms: Hangs()), deadlines: Self.deadlines) { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            let started = ContinuousClock.now
            let reply = try await account.post("/sms", #"{"to":"+33 6 12 34 56 78","body":"hello"}"#)
            #expect(ContinuousClock.now - started < Self.answeredWithin)
            #expect(try reply.string("status") == "failed", "\(reply)")
            #expect(try await account.figures() == ["100.000", "0.000", "0.000", "100.000"])
        }
    }
}
