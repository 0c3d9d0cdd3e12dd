import TallyApp
import Testing

/// API.md "Webhooks": any http(s) URL by default; an operator setting may restrict private addresses.
@Suite("Webhook address policy")
struct WebhookAddressPolicyTests {
    @Test(arguments: [
        ("localhost", false), ("api.localhost", false), ("127.0.0.1", false), ("10.1.2.3", false), ("172.16.0.1", false),
        ("172.31.255.255", false), ("192.168.1.1", false), ("169.254.169.254", false), ("0.0.0.0", false), ("[::1]", false),
        ("fd00::1", false), ("fe80::1", false), ("::ffff:10.0.0.1", false), ("100.64.0.1", false),
        ("172.32.0.1", true), ("8.8.8.8", true), ("hooks.example.com", true), ("2001:db8::1", true),
    ])
    func denyRefusesLoopbackAndPrivateHosts(host: String, allowed: Bool) {
        #expect(WebhookAddressPolicy.denyPrivate.allows(host: host) == allowed)
        #expect(WebhookAddressPolicy.allowPrivate.allows(host: host))
    }

    @Test func theEnvironmentChoosesThePolicy() {
        #expect(WebhookAddressPolicy.fromEnvironment([:]) == .allowPrivate)
        #expect(WebhookAddressPolicy.fromEnvironment(["TALLY_WEBHOOK_PRIVATE_ADDRESSES": "deny"]) == .denyPrivate)
        #expect(WebhookAddressPolicy.fromEnvironment(["TALLY_WEBHOOK_PRIVATE_ADDRESSES": "maybe"]) == nil)
    }

    @Test func anInstallationThatDeniesPrivateAddressesRefusesSuchEndpoints() async throws {
        try await Harness.run(webhookAddresses: .denyPrivate) { harness in
            let account = try await harness.makeAccount()
            let refused = try await account.post("/webhooks", #"{"url":"http://127.0.0.1:8080/hooks"}"#)
            #expect(refused.status == 422)
            #expect(try refused.errorFields() == ["url"])
            #expect(try await account.post("/webhooks", #"{"url":"https://hooks.example.com/tally"}"#).status == 201)
        }
    }
}
