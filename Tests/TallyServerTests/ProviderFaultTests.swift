import Foundation
import TallyApp
import TallyCore
import Testing

/// The sandboxes' documented faults — answering slowly, never answering, failing, and
/// the carrier losing its answer after sending — over HTTP: nothing is charged for work a
/// provider did not do, what was done is charged once, and no call outlives its deadline.
@Suite("Provider faults")
struct ProviderFaultTests {
    /// Deadlines short enough for a test, long enough for a slow (one-second) answer.
    static let deadlines = ProviderDeadlines(payments: .seconds(3), features: .seconds(3))

    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var path: String
        var json: String
        var status: Int
        /// Credits charged (used), in thousandths.
        var charged: Int64
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "email verifier slow", path: "/validations/email", json: #"{"email":"sandbox-slow@example.com"}"#, status: 200, charged: 500),
        Case(name: "email verifier silent", path: "/validations/email", json: #"{"email":"sandbox-silent@example.com"}"#, status: 502, charged: 0),
        Case(name: "email verifier error", path: "/validations/email", json: #"{"email":"sandbox-error@example.com"}"#, status: 502, charged: 0),
        Case(name: "phone verifier slow", path: "/validations/phone", json: #"{"phone":"+1 415 867 9993"}"#, status: 200, charged: 1_500),
        Case(name: "phone verifier silent", path: "/validations/phone", json: #"{"phone":"+1 415 867 9994"}"#, status: 502, charged: 0),
        Case(name: "phone verifier error", path: "/validations/phone", json: #"{"phone":"+1 415 867 9995"}"#, status: 502, charged: 0),
        Case(name: "carrier answer lost", path: "/sms", json: #"{"to":"+33 6 12 34 99 90","body":"hello"}"#, status: 200, charged: 450),
        Case(name: "carrier slow", path: "/sms", json: #"{"to":"+33 6 12 34 99 91","body":"hello"}"#, status: 200, charged: 450),
        Case(name: "carrier silent", path: "/sms", json: #"{"to":"+33 6 12 34 99 92","body":"hello"}"#, status: 200, charged: 0),
        Case(name: "carrier refuses", path: "/sms", json: #"{"to":"+33 6 12 34 00 00","body":"hello"}"#, status: 200, charged: 0),
        Case(
            name: "bureau slow",
            path: "/credit-checks",
            json: #"{"kind":"credit_score","contact":{"name":"Ann","email":"ann@example.com","phone":"+1 415 867 9997"}}"#,
            status: 200,
            charged: 17_000
        ),
        // The validations a credit check needs were done, and are charged; the check is not.
        Case(
            name: "bureau silent",
            path: "/credit-checks",
            json: #"{"kind":"credit_score","contact":{"name":"Ann","email":"ann@example.com","phone":"+1 415 867 9998"}}"#,
            status: 200,
            charged: 2_000
        ),
    ]

    /// A card processor that cannot save cards (down, or past its deadline).
    struct CannotSaveCards: PaymentGateway {
        func save(_ card: PaymentCard) async throws -> SavedCard { throw ProviderFailure("the card processor is down") }

        func charge(_ order: PaymentOrder) async throws -> PaymentOutcome {
            throw ProviderFailure("the card processor is down")
        }

        func refund(_ amount: Money, payment reference: String, idempotencyKey: String) async throws -> RefundOutcome {
            throw ProviderFailure("the card processor is down")
        }
    }

    /// Saving a card, or buying with a new one, while the processor is down is a 502 that
    /// says so, with nothing saved or added.
    @Test func aCardTheProcessorCannotSaveIsRefusedWithNothingWritten() async throws {
        try await Harness.run(providers: Providers(payments: CannotSaveCards())) { harness in
            let account = try await harness.makeAccount()
            let card = #"{"number":"4242424242424242","expMonth":12,"expYear":2035,"cvc":"123"}"#
            let saved = try await account.post("/payment-methods", #"{"card":\#(card)}"#)
            #expect(saved.status == 502, "\(saved)")
            #expect(saved.body.contains("provider-failed"), "\(saved)")
            let bought = try await account.post("/purchases", #"{"credits":100,"card":\#(card)}"#, key: UUID().uuidString)
            #expect(bought.status == 502, "\(bought)")
            #expect(try await account.get("/payment-methods").items().isEmpty)
            #expect(try await account.figures() == ["0.000", "0.000", "0.000", "0.000"])
        }
    }

    @Test(arguments: cases)
    func aProviderFaultChargesOnlyWorkDone(_ fault: Case) async throws {
        try await Harness.run(deadlines: Self.deadlines) { harness in
            let account = try await harness.makeAccount()
            try #require(try await account.buy(100).status == 201)
            _ = try await harness.call(
                .post,
                "/v1/accounts/\(account.id)/verification",
                token: Harness.operatorToken,
                json: #"{"usBusinessEntity":true}"#
            )
            let started = ContinuousClock.now
            let reply = try await account.post(fault.path, fault.json, key: "fault-\(UUID().uuidString)")
            // Within its deadlines (a call and, for a message, the question after it), with room for a busy machine.
            #expect(ContinuousClock.now - started < .seconds(15), "\(fault) outlived its deadline")
            #expect(reply.status == fault.status, "\(fault): \(reply)")
            if fault.path == "/sms" {
                #expect((try? reply.string("status")) == (fault.charged > 0 ? "sent" : "failed"), "\(fault): \(reply)")
            }
            let figures = try await account.figures()
            let used = try #require(try? Credits.parse(figures[2]).get())
            #expect(used.thousandths == fault.charged, "\(fault) charged \(used)")
            #expect(figures[1] == "0.000", "\(fault) left credits held")
            #expect(try await harness.tally.store.verifyWallets() == [])
            #expect(try await harness.tally.store.verifyLots() == [])
        }
    }
}
