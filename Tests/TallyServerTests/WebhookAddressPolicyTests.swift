import Foundation
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
        // Every way the resolver reads a loopback or private address.
        ("127.1", false), ("2130706433", false), ("0x7f000001", false), ("017700000001", false), ("0x7f.1", false),
        ("::ffff:7f00:1", false), ("[::ffff:127.0.0.1]", false), ("::127.0.0.1", false), ("0", false), ("10.1", false),
        ("0xa000001", false), ("224.0.0.1", false), ("ff02::1", false), ("134744072", true), ("0x08080808", true),
        // A fully qualified name's trailing dot reaches the same host.
        ("localhost.", false), ("LOCALHOST.", false), ("localhost..", false), ("api.localhost.", false),
        ("127.0.0.1.", false), ("10.1.2.3.", false), ("0x7f000001.", false), ("2130706433.", false),
        ("hooks.example.com.", true), ("8.8.8.8.", true),
    ])
    func denyRefusesLoopbackAndPrivateHosts(host: String, allowed: Bool) {
        #expect(WebhookAddressPolicy.denyPrivate.allows(host: host) == allowed)
        #expect(WebhookAddressPolicy.allowPrivate.allows(host: host))
    }

    /// A name is judged by every address it resolves to (this machine's own name is loopback).
    @Test func aNameThatResolvesToAPrivateAddressIsRefused() async throws {
        let name = ProcessInfo.processInfo.hostName
        let hosts = (try? String(contentsOfFile: "/etc/hosts", encoding: .utf8)) ?? ""
        let loopbackNames = hosts.split(separator: "\n").filter { $0.hasPrefix("127.") }.flatMap { $0.split(separator: " ").dropFirst() }
        try #require(loopbackNames.contains(where: { String($0) == name }), "\(name) is not a loopback name in /etc/hosts")
        #expect(WebhookAddressPolicy.denyPrivate.allows(host: name))
        #expect(await WebhookAddressPolicy.denyPrivate.permits(host: name) == false)
        #expect(await WebhookAddressPolicy.denyPrivate.permits(host: name + ".") == false)
        #expect(await WebhookAddressPolicy.allowPrivate.permits(host: name))
        #expect(await WebhookAddressPolicy.denyPrivate.permits(host: "8.8.8.8"))
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
            for url in ["http://localhost./", "http://LocalHost.:8080/hooks", "http://127.0.0.1./hooks", "http://api.localhost./"] {
                let trailingDot = try await account.post("/webhooks", #"{"url":"\#(url)"}"#)
                #expect(trailingDot.status == 422, "\(url)")
                #expect(try trailingDot.errorFields() == ["url"], "\(url)")
            }
            #expect(try await account.post("/webhooks", #"{"url":"https://hooks.example.com/tally"}"#).status == 201)
        }
    }
}
