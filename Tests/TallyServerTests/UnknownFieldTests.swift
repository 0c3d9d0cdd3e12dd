import Foundation
import Testing

/// A field the operation does not name — a misspelt optional field above all — is a 422
/// naming it, before anything is written or sent: it is never silently ignored. The
/// fields come from the operation's schema in `/openapi.json` (`additionalProperties:
/// false`), so the document and the server refuse the same bodies.
@Suite("Unknown fields")
struct UnknownFieldTests {
    @Test(arguments: [
        ("/sms", #"{"to":"+33 6 12 34 56 78","body":"hello","evnet":"demo-call"}"#, "evnet"),
        ("/sms", #"{"to":"+33 6 12 34 56 78","body":"hello","contact":{"mail":"lee@example.com"}}"#, "contact.mail"),
        ("/holds", #"{"feature":"calls","credits":1,"ttl":60}"#, "ttl"),
        ("/validations/email", #"{"email":"lee@example.com","contact":{"name":"Lee","nickname":"L"}}"#, "contact.nickname"),
    ])
    func aFieldTheOperationDoesNotNameIsRefusedNamingIt(path: String, body: String, field: String) async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            let reply = try await account.post(path, body, key: "unknown-\(field)")
            #expect(reply.status == 422, "\(reply)")
            #expect(reply.contentType == "application/problem+json")
            #expect(try reply.errorFields() == [field])
            #expect(reply.body.contains("is not a field of this request"), "\(reply)")
            #expect(try await account.figures() == ["100.000", "0.000", "0.000", "100.000"])
            let log = try await account.get("/logs/sms")
            #expect(try log.items().isEmpty, "\(log)")
        }
    }

    @Test func aFieldOfAnArraysItemIsNamedWithItsIndex() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let reply = try await harness.call(
                .put,
                "/v1/accounts/\(account.id)/events/open-house",
                token: account.ownerToken,
                json: #"{"name":"Open house","creditCheck":"credit_score","routes":[{"name":"A"},{"name":"B","minScore":600}]}"#
            )
            #expect(reply.status == 422, "\(reply)")
            #expect(try reply.errorFields() == ["routes[1].minScore"])
        }
    }

    @Test func aKeyWrittenWithEscapesIsTheFieldItSpells() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            let reply = try await account.post("/holds", #"{"feature":"calls","cr\u0065dits":1}"#)
            #expect(reply.status == 201, "\(reply)")
            #expect(try reply.string("credits") == "1.000")
        }
    }
}
