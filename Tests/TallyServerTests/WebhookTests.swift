import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TallyApp
import Testing

/// What a local webhook receiver got, and whether it is up.
actor Receiver {
    var requests: [(signature: String, body: Data)] = []
    var down = true

    func receive(signature: String, body: Data) -> Bool {
        guard !down else { return false }
        requests.append((signature, body))
        return true
    }

    func comeUp() { down = false }
}

/// API.md "Webhooks": every notification POSTed to every endpoint, signed, retried, never lost.
@Suite("Webhooks")
struct WebhookTests {
    /// Checks `t=…,v1=…` independently of Tally's own signing code.
    static func signatureIsValid(_ header: String, body: Data, secret: String) -> Bool {
        let parts = Dictionary(
            uniqueKeysWithValues: header.split(separator: ",").compactMap { part -> (String, String)? in
                let pair = part.split(separator: "=", maxSplits: 1)
                return pair.count == 2 ? (String(pair[0]), String(pair[1])) : nil
            }
        )
        guard let t = parts["t"], let v1 = parts["v1"] else { return false }
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data("\(t).".utf8) + body,
            using: SymmetricKey(data: Data(secret.utf8))
        )
        return Data(mac).map { String(format: "%02x", $0) }.joined() == v1
    }

    @Test func aReceiverGetsEveryNotificationOnceSignedEvenAfterBeingDown() async throws {
        let receiver = Receiver()
        let router = Router()
        router.post("/hooks") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            let accepted = await receiver.receive(
                signature: request.headers[HTTPField.Name("Tally-Signature")!] ?? "",
                body: Data(buffer: body)
            )
            return Response(status: accepted ? .ok : .serviceUnavailable)
        }
        let clock = ManualTime(Date())
        try await Application(router: router).test(.live) { receiverClient in
            let port = try #require(receiverClient.port)
            try await Harness.run(time: clock) { harness in
                let account = try await harness.makeAccount()
                let created = try await account.post("/webhooks", #"{"url":"http://127.0.0.1:\#(port)/hooks"}"#)
                #expect(created.status == 201, "\(created)")
                let secret = try created.string("secret")
                let webhookID = try created.string("id")
                #expect(try await account.get("/webhooks").items().first?["secret"] == nil)
                // Two notifications: the guard pausing, then resuming.
                try await account.verifyUS()
                _ = try await account.buy(100)
                _ = try await harness.call(
                    .put,
                    "/v1/accounts/\(account.id)/usage-guard",
                    token: account.ownerToken,
                    json: #"{"enabled":true,"maxRequests":1,"windowSeconds":60}"#
                )
                _ = try await account.creditCheck()
                _ = try await account.creditCheck()
                _ = try await account.post("/usage-guard/resume", "")
                // The receiver is down: both are attempted, neither is lost.
                #expect(try await harness.tally.webhooks.deliverDue() == 2)
                let pending = try await account.get("/webhooks/\(webhookID)/deliveries").items()
                #expect(pending.map { $0["status"] as? String } == ["pending", "pending"])
                #expect(pending.allSatisfy { $0["lastStatusCode"] as? Int == 503 && $0["attempts"] as? Int == 1 })
                #expect(try await harness.tally.webhooks.deliverDue() == 0)
                await receiver.comeUp()
                clock.advance(seconds: 10)
                #expect(try await harness.tally.webhooks.deliverDue() == 2)
                clock.advance(seconds: 3_600)
                #expect(try await harness.tally.webhooks.deliverDue() == 0)
                let received = await receiver.requests
                #expect(received.count == 2)
                let kinds = try received.map { request -> String in
                    #expect(Self.signatureIsValid(request.signature, body: request.body, secret: secret))
                    let object = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
                    #expect(object["accountId"] as? String == account.id)
                    return object["kind"] as? String ?? ""
                }
                #expect(Set(kinds) == ["usage_guard_paused", "usage_guard_resumed"])
                let delivered = try await account.get("/webhooks/\(webhookID)/deliveries").items()
                #expect(delivered.allSatisfy { $0["status"] as? String == "delivered" && $0["attempts"] as? Int == 2 })
            }
        }
    }

    /// A redirect is the endpoint's answer, not a second address: the delivery stays
    /// pending with the 3xx, and the address it pointed at gets nothing.
    @Test func aRedirectIsNotFollowed() async throws {
        let receiver = Receiver()
        await receiver.comeUp()
        let router = Router()
        router.post("/moved") { _, _ -> Response in
            Response(status: .temporaryRedirect, headers: [.location: "/hooks"])
        }
        router.post("/hooks") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            _ = await receiver.receive(signature: "", body: Data(buffer: body))
            return Response(status: .ok)
        }
        try await Application(router: router).test(.live) { receiverClient in
            let port = try #require(receiverClient.port)
            try await Harness.run { harness in
                let account = try await harness.makeAccount()
                let created = try await account.post("/webhooks", #"{"url":"http://127.0.0.1:\#(port)/moved"}"#)
                #expect(created.status == 201, "\(created)")
                let webhookID = try created.string("id")
                try await account.verifyUS()
                _ = try await harness.call(
                    .put,
                    "/v1/accounts/\(account.id)/usage-guard",
                    token: account.ownerToken,
                    json: #"{"enabled":true,"maxRequests":1,"windowSeconds":60}"#
                )
                _ = try await account.buy(100)
                _ = try await account.creditCheck()
                _ = try await account.creditCheck()
                #expect(try await harness.tally.webhooks.deliverDue() == 1)
                let pending = try await account.get("/webhooks/\(webhookID)/deliveries").items()
                #expect(pending.map { $0["status"] as? String } == ["pending"])
                #expect(pending.first?["lastStatusCode"] as? Int == 307, "\(pending)")
                #expect(await receiver.requests.isEmpty)
            }
        }
    }

    @Test(arguments: ["ftp://example.com/hook", "not a url", "", "mailto:a@example.com"])
    func aWebhookURLMustBeHTTP(url: String) async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let reply = try await account.post("/webhooks", #"{"url":"\#(url)"}"#)
            #expect(reply.status == 422)
            #expect(try reply.errorFields() == ["url"])
        }
    }

    @Test func aDeletedEndpointReceivesNothingMore() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let id = try await account.post("/webhooks", #"{"url":"http://127.0.0.1:9/none"}"#).string("id")
            // A notification is waiting for it when it is removed.
            try await account.verifyUS()
            _ = try await account.buy(100)
            _ = try await harness.call(
                .put,
                "/v1/accounts/\(account.id)/usage-guard",
                token: account.ownerToken,
                json: #"{"enabled":true,"maxRequests":1,"windowSeconds":60}"#
            )
            _ = try await account.creditCheck()
            _ = try await account.creditCheck()
            #expect(try await account.get("/webhooks/\(id)/deliveries").items().count == 1)
            #expect(try await harness.call(.delete, "/v1/accounts/\(account.id)/webhooks/\(id)", token: account.ownerToken).status == 204)
            #expect(try await account.get("/webhooks").items().isEmpty)
            #expect(try await harness.tally.webhooks.deliverDue() == 0)
            #expect(try await account.get("/webhooks/\(id)/deliveries").status == 404)
            let admin = try await account.person("admin")
            #expect(try await account.get("/webhooks", token: admin).status == 403)
        }
    }
}
