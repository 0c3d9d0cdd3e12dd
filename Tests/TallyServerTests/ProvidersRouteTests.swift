import Foundation
import TallyApp
import TallyTestSupport
import Testing

/// `GET /v1/providers` (PROVIDERS.md "Common rules"): the operator sees which provider
/// each role uses; nobody else does.
@Suite("Providers route")
struct ProvidersRouteTests {
    /// `GET /v1/providers` says which provider each role uses: the bridge is `http`.
    @Test func theOperatorSeesTheBridgeAsTheBureau() async throws {
        try await FakeBureauBridge.run { bridge in
            try await BureauBridgeTests.withBridge(bridge) { harness, _ in
                let reply = try await harness.call(.get, "/v1/providers", token: Harness.operatorToken)
                #expect(reply.status == 200, "\(reply)")
                let object = try reply.object
                #expect((object["bureau"] as? [String: Any])?["provider"] as? String == "http")
                #expect((object["payments"] as? [String: Any])?["provider"] as? String == "sandbox")
            }
        }
    }

    @Test func everyRoleIsTheSandboxByDefault() async throws {
        try await Harness.run { harness in
            let reply = try await harness.call(.get, "/v1/providers", token: Harness.operatorToken)
            #expect(reply.status == 200, "\(reply)")
            let object = try reply.object
            #expect(object["payments"] as? [String: String] == ["provider": "sandbox", "mode": "test"])
            for role in ["sms", "phone", "email", "bureau"] {
                #expect(object[role] as? [String: String] == ["provider": "sandbox"], "\(role)")
            }
            #expect(object.count == 5)
            let account = try await harness.makeAccount()
            let refused = try await harness.call(.get, "/v1/providers", token: account.ownerToken)
            #expect(refused.status == 403, "\(refused)")
        }
    }
}
