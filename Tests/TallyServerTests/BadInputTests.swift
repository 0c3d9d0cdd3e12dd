import Foundation
import TallyApp
import TallyServer
import TallyTestSupport
import Testing

/// API.md "Errors": every bad request is a problem+json 4xx naming the field, never a 500.
@Suite("Bad input")
struct BadInputTests {
    @Test(arguments: [
        ("", "body"), ("not json", "body"), ("[]", "body"), (#"{"credits":100"#, "body"),
        (#"{"card":{"number":"4242424242424242","expMonth":12,"expYear":2035,"cvc":"123"}}"#, "credits"),
        (#"{"credits":100,"card":{"number":4242,"expMonth":12,"expYear":2035,"cvc":"123"}}"#, "card.number"),
        (#"{"credits":100,"card":{"number":"4242424242424242","expMonth":13,"expYear":2035,"cvc":"123"}}"#, "card.expMonth"),
        (#"{"credits":100,"card":{"number":"4242424242424242","expMonth":1,"expYear":2020,"cvc":"123"}}"#, "card.expYear"),
        (#"{"credits":100,"card":{"number":"4242424242424242","expMonth":1,"expYear":2035,"cvc":"1"}}"#, "card.cvc"),
        (#"{"credits":100}"#, "paymentMethodId"),
    ])
    func aMalformedPurchaseNamesItsField(body: String, field: String) async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let reply = try await harness.call(
                .post,
                "/v1/accounts/\(account.id)/purchases",
                token: account.ownerToken,
                json: body
            )
            #expect(reply.status == 422, "\(reply)")
            #expect(reply.contentType == "application/problem+json")
            #expect(try reply.errorFields() == [field])
            #expect(try await account.wallet().object["total"] as? String == "0.000")
        }
    }

    @Test func anOversizedBodyIs413() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let huge = #"{"name":""# + String(repeating: "x", count: 100_000) + #""}"#
            let reply = try await harness.call(
                .post,
                "/v1/accounts/\(account.id)/api-keys",
                token: account.ownerToken,
                json: huge
            )
            #expect(reply.status == 413)
            #expect(reply.contentType == "application/problem+json")
        }
    }

    @Test func unknownRoutesAndIdsAre404ProblemDocuments() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            for path in ["/v1/nothing", "/v1/accounts/\(account.id)/payment-methods/pm_missing"] {
                let reply = try await harness.call(.get, path, token: account.ownerToken)
                #expect(reply.status == 404)
                #expect(reply.contentType == "application/problem+json")
                #expect(try reply.object["status"] as? Int == 404)
            }
        }
    }

    @Test(arguments: [
        (#"{"name":"","owner":{"email":"a@example.com","name":"A","password":"password-1"}}"#, ["name"]),
        (#"{"name":"A","owner":{"email":"not-an-email","name":"A","password":"password-1"}}"#, ["owner.email"]),
        (#"{"name":"A","owner":{"email":"a@example.com","name":"A","password":"short"}}"#, ["owner.password"]),
        (#"{"name":"A"}"#, ["owner"]),
        (#"{"name":"A","owner":{"email":"a@example.com","password":"password-1"}}"#, ["owner.name"]),
    ])
    func aMalformedAccountNamesItsFields(body: String, fields: [String]) async throws {
        try await Harness.run { harness in
            let reply = try await harness.call(.post, "/v1/accounts", token: Harness.operatorToken, json: body)
            #expect(reply.status == 422, "\(reply)")
            #expect(try reply.errorFields() == fields)
        }
    }

    @Test func aBadIdempotencyKeyIsNamed() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let reply = try await account.buy(100, key: String(repeating: "k", count: 300))
            #expect(reply.status == 422)
            #expect(try reply.errorFields() == ["Idempotency-Key"])
            #expect(try await account.wallet().object["total"] as? String == "0.000")
        }
    }

    @Test(arguments: [
        (#"{"credits":100,"credits":5000,"card":{"number":"4242424242424242","expMonth":12,"expYear":2035,"cvc":"123"}}"#, "credits"),
        (#"{"credits":100,"card":{"number":"4242424242424242","number":"4000000000000002","expMonth":12,"expYear":2035,"cvc":"1"}}"#, "card.number"),
        (#"{"credits":100,"card":{"number":"4242424242424242","expMonth":100.5,"expYear":2035,"cvc":"123"}}"#, "card.expMonth"),
        (#"{"credits":100,"card":{"number":"4242424242424242","expMonth":12,"expYear":1e30,"cvc":"123"}}"#, "card.expYear"),
    ])
    func aDuplicateKeyOrANonIntegerIsNamed(body: String, field: String) async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let reply = try await account.post("/purchases", body)
            #expect(reply.status == 422, "\(reply)")
            #expect(try reply.errorFields() == [field], "\(reply)")
            #expect(try await account.wallet().object["total"] as? String == "0.000")
        }
    }

    /// A reason that is a sentence of its own is not run on after the field's name.
    @Test func aProblemNamesTheFieldOnceBeforeItsReason() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let card = try await account.post(
                "/payment-methods",
                #"{"card":{"number":"4242424242424242","expMonth":1,"expYear":2020,"cvc":"123"}}"#
            )
            #expect(try card.string("detail") == "card.expYear is past: the card has expired", "\(card)")
            let credits = try await account.post("/purchases", #"{"credits":"1.0001","paymentMethodId":"pm_x"}"#)
            #expect(try credits.string("detail") == "credits has more than three decimals", "\(credits)")
            #expect(FieldError("phone", "A phone number has at most 15 digits.").sentence == "phone: A phone number has at most 15 digits.")
        }
    }

    /// A body announced over the limit is refused before Tally waits for any of it.
    @Test func anAnnouncedOversizedBodyIs413AtOnce() async throws {
        try await Harness.run { harness in
            let head =
                "POST /v1/accounts HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100000000\r\n\r\n{"
            let answer = try await RawConnection.onThread(port: harness.port) { connection in
                try connection.write(head)
                return try connection.readSome(timeoutSeconds: 5)
            }
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer)")
        }
    }
}
