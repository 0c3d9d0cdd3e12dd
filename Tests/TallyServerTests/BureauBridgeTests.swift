import Foundation
import TallyApp
import TallyCore
import TallyTestSupport
import Testing

/// Credit checks through a real bureau bridge (PROVIDERS.md "Credit checks: the bureau
/// bridge"): Tally posts the signed inquiry over HTTP to a bridge on loopback that checks
/// the signature as the protocol says, and reads its answer.
@Suite("Bureau bridge")
struct BureauBridgeTests {
    /// Short enough for a bridge that never answers, long enough for one that does.
    static let deadlines = ProviderDeadlines(payments: .seconds(3), features: .seconds(5))

    /// A live Tally whose bureau is `bridge` (signing with `secret`), and an account able to run checks.
    static func withBridge(
        _ bridge: FakeBureauBridge,
        secret: String? = nil,
        _ body: @Sendable (Harness, TestAccount) async throws -> Void
    ) async throws {
        let settings = BureauBridge.Settings(url: URL(string: bridge.url)!, secret: secret ?? bridge.secret)
        try await Harness.run(providers: Providers(creditBureau: BureauBridge(settings)), deadlines: deadlines) { harness in
            let account = try await harness.makeAccount()
            try await account.verifyUS()
            _ = try await account.buy(100)
            try await body(harness, account)
        }
    }

    @Test func aCompletedCheckCarriesTheBridgesScoreAndIsChargedAsToday() async throws {
        try await FakeBureauBridge.run { bridge in
            try await Self.withBridge(bridge) { _, account in
                let score = try await account.creditCheck(phone: "+1 201 555 1234").object
                #expect(score["status"] as? String == "completed", "\(score)")
                #expect(score["creditScore"] as? Int == FakeBureauBridge.score(lastFour: 1234))
                #expect(score["dtiPercent"] is NSNull)
                #expect(score["credits"] as? String == "15.000")
                #expect(score["totalCredits"] as? String == "17.000")
                let dti = try await account.creditCheck("dti", phone: "+1 201 555 1234").object
                #expect(dti["status"] as? String == "completed", "\(dti)")
                #expect(dti["creditScore"] as? Int == FakeBureauBridge.score(lastFour: 1234))
                #expect(dti["dtiPercent"] as? Int == FakeBureauBridge.dtiPercent(lastFour: 1234))
                #expect(dti["totalCredits"] as? String == "26.000")
                #expect(try await account.figures() == ["57.000", "0.000", "43.000", "100.000"])
            }
        }
    }

    /// The bridge gets the inquiry, signed with the shared secret, with the check's id as
    /// both its reference and its Idempotency-Key.
    @Test func theBridgeReceivesASignedInquiryKeyedByTheChecksID() async throws {
        try await FakeBureauBridge.run { bridge in
            try await Self.withBridge(bridge) { _, account in
                let outcome = try await account.creditCheck("dti", phone: "+1 (201) 555-1234", email: "Lee@Example.com").object
                let id = try #require(outcome["id"] as? String)
                let posts = bridge.received.filter { $0.method == "POST" }
                try #require(posts.count == 1)
                let post = posts[0]
                #expect(post.signatureValid, "signature \(post.signature ?? "none")")
                #expect(post.signature?.hasPrefix("t=") == true)
                #expect(post.idempotencyKey == id)
                #expect(post.contentType == "application/json")
                #expect(post.json["reference"] as? String == id)
                #expect(post.json["kind"] as? String == "dti")
                #expect(post.json["name"] as? String == "Lee Lead")
                #expect(post.json["phone"] as? String == "+12015551234")
                #expect((post.json["email"] as? String)?.lowercased() == "lee@example.com")
                #expect(Set(post.json.keys) == ["kind", "name", "email", "phone", "reference"])
            }
        }
    }

    /// 422: the bureau could not check this person. The check fails with the bridge's
    /// reason and is not charged; the validations it needed were done, and are.
    @Test func aRefusalFailsTheCheckWithTheBridgesReasonUncharged() async throws {
        try await FakeBureauBridge.run { bridge in
            try await Self.withBridge(bridge) { _, account in
                let outcome = try await account.creditCheck(phone: "+1 201 555 4220").object
                #expect(outcome["status"] as? String == "failed", "\(outcome)")
                #expect(outcome["reason"] as? String == "no credit file for this person")
                #expect(outcome["creditScore"] is NSNull)
                #expect(outcome["credits"] as? String == "0.000")
                #expect(outcome["totalCredits"] as? String == "2.000")
                #expect(try await account.figures() == ["98.000", "0.000", "2.000", "100.000"])
                let log = try await account.get("/logs/credit_checks").items()
                #expect(log.first?["reason"] as? String == "no credit file for this person")
            }
        }
    }

    /// A 5xx, an answer that cannot be read, a score off the scale and a bridge that never
    /// answers are the bureau failing, as the sandbox bureau's failures are: the check
    /// fails and is not charged, nothing is held afterwards, and no call outlives its deadline.
    @Test(arguments: [
        ("5000", "the credit bureau failed (HTTP 500)"),
        ("5001", "the credit bureau's answer could not be read"),
        ("5002", "the credit bureau answered a score outside 300–850"),
        ("9000", "the credit bureau did not answer within 5 s"),
    ])
    func aFailingBridgeChargesNothingForTheCheck(lastFour: String, reason: String) async throws {
        try await FakeBureauBridge.run { bridge in
            try await Self.withBridge(bridge) { _, account in
                let started = ContinuousClock.now
                let reply = try await account.creditCheck(phone: "+1 201 555 \(lastFour)")
                // Well under the 60 s a call with no deadline of its own would wait, with room for
                // a machine busy running the rest of the suite at once.
                #expect(ContinuousClock.now - started < .seconds(30))
                let outcome = try reply.object
                #expect(reply.status == 200, "\(reply)")
                #expect(outcome["status"] as? String == "failed", "\(outcome)")
                #expect(outcome["reason"] as? String == reason)
                #expect(outcome["credits"] as? String == "0.000")
                #expect(try await account.figures() == ["98.000", "0.000", "2.000", "100.000"])
            }
        }
    }

    /// Signed with another secret, the request is refused by the bridge: the check fails, uncharged.
    @Test func aBridgeRefusesAWrongSignatureAndTheCheckIsNotCharged() async throws {
        try await FakeBureauBridge.run { bridge in
            try await Self.withBridge(bridge, secret: "not-the-bridges-secret-42") { _, account in
                let outcome = try await account.creditCheck(phone: "+1 201 555 1234").object
                #expect(outcome["status"] as? String == "failed", "\(outcome)")
                #expect(outcome["reason"] as? String == "the credit bureau refused the request's signature (HTTP 401)")
                #expect(try await account.figures() == ["98.000", "0.000", "2.000", "100.000"])
                #expect(bridge.received.map(\.signatureValid) == [false])
            }
        }
    }
}
