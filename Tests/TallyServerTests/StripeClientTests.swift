import Foundation
import TallyApp
import TallyTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Tally's Stripe client against a fake Stripe on loopback that speaks Stripe's published
/// protocol and refuses what Stripe refuses (PROVIDERS.md "Payments: Stripe"): real HTTP,
/// nothing inside Tally replaced.
@Suite("Stripe client")
struct StripeClientTests {
    /// Short enough for an answer held back (the fake holds it a minute), long enough for
    /// one given while the rest of the suite keeps both cores busy.
    static let deadline = Duration.seconds(8)

    static func withStripe(_ body: @escaping @Sendable (StripeClient, FakeStripe) async throws -> Void) async throws {
        try await FakeStripe.run { fake in
            let client = StripeClient(.init(apiBase: URL(string: fake.apiBase)!, secretKey: fake.secretKey), deadline: deadline)
            try await body(client, fake)
        }
    }

    /// A customer with `card` attached.
    static func customer(with card: String, _ client: StripeClient) async throws -> (customer: String, card: String) {
        let customer = try await client.createCustomer(
            name: "Lee Lead",
            account: "acct_\(UUID().uuidString)",
            idempotencyKey: "customer-\(UUID().uuidString)"
        )
        let method = try await client.attachPaymentMethod(card, customer: customer.id, idempotencyKey: "card-\(UUID().uuidString)")
        return (customer.id, method.id)
    }

    static func payment(_ cents: Int64, _ saved: (customer: String, card: String), offSession: Bool = false) -> StripeClient.PaymentRequest {
        StripeClient.PaymentRequest(
            amountCents: cents,
            customer: saved.customer,
            paymentMethod: saved.card,
            returnURL: offSession ? nil : "https://billing.example.com/billing/return",
            metadata: ["tally_account": "acct_1", "tally_purchase": "pur_1"],
            offSession: offSession
        )
    }

    /// The failure `call` throws, or nil when it succeeds.
    static func failure<T>(_ call: () async throws(StripeClient.Failure) -> T) async -> StripeClient.Failure? {
        do {
            _ = try await call()
            return nil
        } catch {
            return error
        }
    }

    @Test func aCustomerIsMadeWithItsTallyAccountAndAStableKey() async throws {
        try await Self.withStripe { client, fake in
            let customer = try await client.createCustomer(name: "Lee Lead", account: "acct_7", idempotencyKey: "customer-acct_7")
            #expect(customer.id.hasPrefix("cus_"))
            #expect(customer.metadata?["tally_account"] == "acct_7")
            // Asked again with the same key (a retry): the same customer, not a second one.
            let again = try await client.createCustomer(name: "Lee Lead", account: "acct_7", idempotencyKey: "customer-acct_7")
            #expect(again.id == customer.id)
            #expect(await fake.ids(prefix: "cus_") == [customer.id])

            let post = try #require(await fake.received().first)
            #expect(post.method == "POST" && post.path == "/v1/customers")
            #expect(post.idempotencyKey == "customer-acct_7")
            #expect(post.stripeVersion == StripeClient.apiVersion)
            #expect(post.contentType == "application/x-www-form-urlencoded")
            #expect(post.parameters.map { "\($0.0)=\($0.1)" } == ["name=Lee Lead", "metadata[tally_account]=acct_7"])
        }
    }

    @Test func anAttachedCardCarriesItsBrandLastFourExpiryAndFingerprint() async throws {
        try await Self.withStripe { client, _ in
            let customer = try await client.createCustomer(name: "Lee", account: "acct_1", idempotencyKey: "customer-acct_1")
            let card = try await client.attachPaymentMethod("pm_card_visa", customer: customer.id, idempotencyKey: "card-1")
            #expect(card.id.hasPrefix("pm_") && card.id != "pm_card_visa")
            #expect(card.customer == customer.id)
            let details = try #require(card.card)
            #expect(details.brand == "visa" && details.last4 == "4242")
            #expect((1...12).contains(details.expMonth) && details.expYear >= 2026)
            let fingerprint = try #require(details.fingerprint)
            // Read back, and the same number given again: the same fingerprint.
            #expect(try await client.paymentMethod(card.id).card?.fingerprint == fingerprint)
            let twice = try await client.attachPaymentMethod("pm_card_visa", customer: customer.id, idempotencyKey: "card-2")
            #expect(twice.id != card.id && twice.card?.fingerprint == fingerprint)
            let other = try await client.attachPaymentMethod("pm_card_mastercard", customer: customer.id, idempotencyKey: "card-3")
            #expect(other.card?.brand == "mastercard" && other.card?.fingerprint != fingerprint)
        }
    }

    @Test func aCardThatDeclinesCannotBeAttached() async throws {
        try await Self.withStripe { client, _ in
            let customer = try await client.createCustomer(name: "Lee", account: "acct_1", idempotencyKey: "customer-acct_1")
            let failure = await Self.failure { () async throws(StripeClient.Failure) in
                try await client.attachPaymentMethod("pm_card_chargeDeclined", customer: customer.id, idempotencyKey: "card-1")
            }
            guard case .declined(let code, _, _) = failure else {
                Issue.record("\(String(describing: failure))")
                return
            }
            #expect(code == "generic_decline")
        }
    }

    @Test func aSavedCardPaymentSucceedsWithTheAmountReceived() async throws {
        try await Self.withStripe { client, fake in
            let saved = try await Self.customer(with: "pm_card_visa", client)
            let intent = try await client.createPayment(Self.payment(2_500, saved), idempotencyKey: "purchase-pur_1")
            #expect(intent.knownStatus == .succeeded)
            #expect(intent.amount == 2_500 && intent.amountReceived == 2_500 && intent.currency == "usd")
            #expect(intent.customer == saved.customer && intent.paymentMethod == saved.card)
            #expect(intent.metadata == ["tally_account": "acct_1", "tally_purchase": "pur_1"])
            let read = try await client.paymentIntent(intent.id)
            #expect(read == intent)
            // An id Stripe does not know is Stripe's 404: an invalid request of Tally's.
            let unknown = await Self.failure { () async throws(StripeClient.Failure) in try await client.paymentIntent("pi_unknown") }
            guard case .invalidRequest = unknown else {
                Issue.record("\(String(describing: unknown))")
                return
            }

            let post = try #require(await fake.received().last { $0.path == "/v1/payment_intents" })
            #expect(
                post.parameters.map { "\($0.0)=\($0.1)" } == [
                    "amount=2500", "currency=usd", "customer=\(saved.customer)", "payment_method=\(saved.card)", "confirm=true",
                    "return_url=https://billing.example.com/billing/return", "metadata[tally_account]=acct_1", "metadata[tally_purchase]=pur_1",
                ]
            )
            // Every POST carried a key; no GET did.
            for request in await fake.received() {
                #expect((request.method == "POST") == (request.idempotencyKey != nil), "\(request.method) \(request.path)")
            }
        }
    }

    @Test(arguments: [
        ("pm_card_chargeCustomerFail", "generic_decline"),
        ("pm_card_chargeDeclined", "generic_decline"),
        ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"),
    ])
    func aDeclineCarriesStripesDeclineCode(_ card: String, _ declineCode: String) async throws {
        try await Self.withStripe { client, fake in
            // A saved card that now declines, or a new card straight from the buyer.
            let attachable = card == "pm_card_chargeCustomerFail"
            let saved =
                attachable ? try await Self.customer(with: card, client) : (try await Self.customer(with: "pm_card_visa", client).customer, card)
            let failure = await Self.failure { () async throws(StripeClient.Failure) in
                try await client.createPayment(Self.payment(2_500, saved), idempotencyKey: "purchase-\(card)")
            }
            guard case .declined(let code, let message, let intentID) = failure else {
                Issue.record("\(String(describing: failure))")
                return
            }
            #expect(code == declineCode)
            #expect(!message.isEmpty)
            let intent = try await client.paymentIntent(try #require(intentID))
            #expect(intent.knownStatus == .requiresPaymentMethod && intent.amountReceived == 0)
            #expect(intent.lastPaymentError?.declineCode == declineCode)
            #expect(await fake.ids(prefix: "ch_").isEmpty, "nothing was charged")
        }
    }

    @Test func aCardNeedingAuthenticationOnSessionAnswersWhereToSendTheBuyer() async throws {
        try await Self.withStripe { client, fake in
            let saved = try await Self.customer(with: "pm_card_authenticationRequired", client)
            let intent = try await client.createPayment(Self.payment(2_500, saved), idempotencyKey: "purchase-3ds")
            #expect(intent.knownStatus == .requiresAction)
            #expect(intent.amountReceived == 0)
            let url = try #require(intent.redirectURL)
            #expect(url == fake.apiBase + "/3ds/" + intent.id)
            // The buyer passes 3-D Secure: back to the return URL, and the payment succeeded.
            let back = try #require(await fake.authenticate(intent.id, succeeded: true))
            #expect(back.hasPrefix("https://billing.example.com/billing/return?payment_intent=\(intent.id)&"))
            let after = try await client.paymentIntent(intent.id)
            #expect(after.knownStatus == .succeeded && after.amountReceived == 2_500)
        }
    }

    @Test func aCardNeedingAuthenticationOffSessionIsAuthenticationRequired() async throws {
        try await Self.withStripe { client, _ in
            let saved = try await Self.customer(with: "pm_card_authenticationRequired", client)
            let failure = await Self.failure { () async throws(StripeClient.Failure) in
                try await client.createPayment(Self.payment(2_500, saved, offSession: true), idempotencyKey: "recharge-1")
            }
            guard case .declined(let code, _, let intentID) = failure else {
                Issue.record("\(String(describing: failure))")
                return
            }
            #expect(code == "authentication_required")
            #expect(intentID?.hasPrefix("pi_") == true)
        }
    }

    /// The answer is lost after Stripe charged the card: "no answer". Asked again with the
    /// same key, Stripe answers the payment it made — one PaymentIntent, one charge.
    @Test func aLostAnswerAskedAgainWithTheSameKeyAnswersTheSamePayment() async throws {
        try await Self.withStripe { client, fake in
            let saved = try await Self.customer(with: "pm_card_visa", client)
            await fake.loseAnswers(1)
            let lost = await Self.failure { () async throws(StripeClient.Failure) in
                try await client.createPayment(Self.payment(2_500, saved), idempotencyKey: "purchase-pur_9")
            }
            guard case .noAnswer = lost else {
                Issue.record("\(String(describing: lost))")
                return
            }
            let intent = try await client.createPayment(Self.payment(2_500, saved), idempotencyKey: "purchase-pur_9")
            #expect(intent.knownStatus == .succeeded)
            #expect(await fake.ids(prefix: "pi_") == [intent.id])
            #expect(await fake.ids(prefix: "ch_").count == 1)
        }
    }

    /// Stripe holds its answer past the deadline: "no answer" by the deadline, and the
    /// retry with the same key finds the payment.
    @Test func anAnswerPastTheDeadlineIsNoAnswerAndTheRetryFindsThePayment() async throws {
        try await Self.withStripe { client, fake in
            let saved = try await Self.customer(with: "pm_card_visa", client)
            await fake.stallAnswers(1)
            let started = ContinuousClock.now
            let late = await Self.failure { () async throws(StripeClient.Failure) in
                try await client.createPayment(Self.payment(1_000, saved), idempotencyKey: "purchase-late")
            }
            guard case .noAnswer = late else {
                Issue.record("\(String(describing: late))")
                return
            }
            #expect(ContinuousClock.now - started < .seconds(20))
            let intent = try await client.createPayment(Self.payment(1_000, saved), idempotencyKey: "purchase-late")
            #expect(await fake.ids(prefix: "pi_") == [intent.id])
        }
    }

    @Test func aKeyReusedWithOtherParametersIsRefused() async throws {
        try await Self.withStripe { client, fake in
            let saved = try await Self.customer(with: "pm_card_visa", client)
            _ = try await client.createPayment(Self.payment(2_500, saved), idempotencyKey: "purchase-pur_1")
            let failure = await Self.failure { () async throws(StripeClient.Failure) in
                try await client.createPayment(Self.payment(3_000, saved), idempotencyKey: "purchase-pur_1")
            }
            guard case .invalidRequest(_, let message) = failure else {
                Issue.record("\(String(describing: failure))")
                return
            }
            #expect(message.hasPrefix("idempotency_error: "))
            #expect(await fake.ids(prefix: "pi_").count == 1)
        }
    }

    @Test func refundsSucceedStayPendingOrAreRefusedBeyondWhatWasPaid() async throws {
        try await Self.withStripe { client, fake in
            let saved = try await Self.customer(with: "pm_card_visa", client)
            let intent = try await client.createPayment(Self.payment(2_500, saved), idempotencyKey: "purchase-1")
            let part = try await client.createRefund(
                paymentIntent: intent.id,
                amountCents: 1_000,
                metadata: ["tally_refund": "ref_1"],
                idempotencyKey: "refund-ref_1"
            )
            #expect(part.status == "succeeded" && part.amount == 1_000 && part.paymentIntent == intent.id)
            // The same refund asked again is the same refund.
            let again = try await client.createRefund(
                paymentIntent: intent.id,
                amountCents: 1_000,
                metadata: ["tally_refund": "ref_1"],
                idempotencyKey: "refund-ref_1"
            )
            #expect(again.id == part.id)
            let tooMuch = await Self.failure { () async throws(StripeClient.Failure) in
                try await client.createRefund(paymentIntent: intent.id, amountCents: 2_000, metadata: [:], idempotencyKey: "refund-ref_2")
            }
            guard case .invalidRequest(let parameter, _) = tooMuch else {
                Issue.record("\(String(describing: tooMuch))")
                return
            }
            #expect(parameter == "amount")

            let slow = try await Self.customer(with: "pm_card_pendingRefund", client)
            let slowIntent = try await client.createPayment(Self.payment(2_500, slow), idempotencyKey: "purchase-2")
            let pending = try await client.createRefund(
                paymentIntent: slowIntent.id,
                amountCents: 2_500,
                metadata: [:],
                idempotencyKey: "refund-ref_3"
            )
            #expect(pending.status == "pending")
            #expect(await fake.settleRefund(pending.id, status: "succeeded"))
        }
    }

    @Test func theBalanceProvesTheKeyWorks() async throws {
        try await Self.withStripe { client, _ in
            let saved = try await Self.customer(with: "pm_card_visa", client)
            _ = try await client.createPayment(Self.payment(2_500, saved), idempotencyKey: "purchase-1")
            let balance = try await client.balance()
            #expect(balance.livemode == false)
            #expect(balance.available.first?.amount == 2_500 && balance.available.first?.currency == "usd")
        }
    }

    @Test func aWrongKeyIsABadKeyAndTheKeyIsNeverShown() async throws {
        try await FakeStripe.run { fake in
            let wrong = "sk_test_not_the_right_key_987654321"
            let settings = StripeClient.Settings(apiBase: URL(string: fake.apiBase)!, secretKey: wrong)
            let client = StripeClient(settings, deadline: Self.deadline)
            let failure = await Self.failure { () async throws(StripeClient.Failure) in try await client.balance() }
            guard case .badKey = failure else {
                Issue.record("\(String(describing: failure))")
                return
            }
            #expect(!String(describing: failure).contains("987654321"))
            #expect(!String(describing: settings).contains("987654321"))
            #expect(!String(reflecting: settings).contains("987654321"))
            #expect(settings.isTestMode)
        }
    }

    @Test func stripeUnreachableIsNoAnswer() async throws {
        // A privileged port no test binds (a stopped fake's port can be taken by the next server).
        let client = StripeClient(.init(apiBase: URL(string: "http://127.0.0.1:9")!, secretKey: FakeStripe.defaultSecretKey), deadline: Self.deadline)
        let failure = await Self.failure { () async throws(StripeClient.Failure) in try await client.balance() }
        guard case .noAnswer(let detail) = failure else {
            Issue.record("\(String(describing: failure))")
            return
        }
        #expect(!detail.contains(FakeStripe.defaultSecretKey))
    }

    /// Stripe's own refusal of a request Tally got wrong reaches Tally naming the parameter.
    @Test func anOnSessionPaymentWithoutAReturnURLIsRefusedOnReturnURL() async throws {
        try await Self.withStripe { client, _ in
            let saved = try await Self.customer(with: "pm_card_visa", client)
            var request = Self.payment(2_500, saved)
            request.returnURL = nil
            let failure = await Self.failure { () async throws(StripeClient.Failure) in
                try await client.createPayment(request, idempotencyKey: "purchase-1")
            }
            guard case .invalidRequest(let parameter, _) = failure else {
                Issue.record("\(String(describing: failure))")
                return
            }
            #expect(parameter == "return_url")
        }
    }

    // MARK: - The fake refuses what Stripe refuses

    static func post(
        _ fake: FakeStripe,
        _ path: String,
        form: String,
        key: String? = FakeStripe.defaultSecretKey
    ) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: fake.apiBase + path)!)
        request.httpMethod = "POST"
        request.httpBody = Data(form.utf8)
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        if let key { request.setValue("Bearer " + key, forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let error = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["error"] as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, error)
    }

    @Test func theFakeRefusesUnknownAndMissingParametersAndAMissingKey() async throws {
        try await FakeStripe.run { fake in
            let (unknown, unknownError) = try await Self.post(fake, "/v1/payment_intents", form: "amount=2500&currency=usd&colour=blue")
            #expect(unknown == 400)
            #expect(unknownError["type"] as? String == "invalid_request_error")
            #expect(unknownError["param"] as? String == "colour")
            #expect(unknownError["code"] as? String == "parameter_unknown")
            let (missing, missingError) = try await Self.post(fake, "/v1/payment_intents", form: "amount=2500")
            #expect(missing == 400 && missingError["param"] as? String == "currency")
            let (customer, customerError) = try await Self.post(fake, "/v1/customers", form: "name=Lee&metadata=flat")
            #expect(customer == 400 && customerError["param"] as? String == "metadata")
            let (noKey, _) = try await Self.post(fake, "/v1/customers", form: "name=Lee", key: nil)
            #expect(noKey == 401)
            let (liveKey, _) = try await Self.post(fake, "/v1/customers", form: "name=Lee", key: "sk_live_51Real")
            #expect(liveKey == 401)
            #expect(await fake.ids(prefix: "cus_").isEmpty)
        }
    }

    /// The fake posts events as Stripe does: JSON, with `Stripe-Signature` that Tally's
    /// own check accepts with the same `whsec_` secret.
    @Test func theFakeSendsEventsSignedAsStripeSignsThem() async throws {
        try await FakeStripe.run { fake in
            try await FakeEventReceiver.run { receiver in
                let client = StripeClient(.init(apiBase: URL(string: fake.apiBase)!, secretKey: fake.secretKey), deadline: Self.deadline)
                let saved = try await Self.customer(with: "pm_card_visa", client)
                let intent = try await client.createPayment(Self.payment(2_500, saved), idempotencyKey: "purchase-1")
                let secret = "whsec_fake_0123456789abcdef"
                let (eventID, status) = try await fake.sendEvent(
                    type: "payment_intent.succeeded",
                    objectID: intent.id,
                    to: receiver.url,
                    webhookSecret: secret
                )
                #expect(status == 200)
                let delivered = try #require(receiver.received.first)
                try StripeSignature.verify(
                    payload: delivered.body,
                    header: delivered.signature,
                    secret: secret,
                    now: Int64(Date().timeIntervalSince1970)
                )
                let event = try #require(StripeEvent.read(delivered.body))
                #expect(event.id == eventID && event.type == "payment_intent.succeeded" && event.objectKind == "payment_intent")
                #expect(try event.object(as: StripePaymentIntent.self).id == intent.id)
                #expect(throws: StripeSignature.Refusal.noMatchingSignature) {
                    try StripeSignature.verify(
                        payload: delivered.body,
                        header: delivered.signature,
                        secret: "whsec_other",
                        now: Int64(Date().timeIntervalSince1970)
                    )
                }
            }
        }
    }

    /// A test driving Tally in another process drives the fake over HTTP the same way.
    @Test func theFakeIsControlledOverHTTPToo() async throws {
        try await Self.withStripe { client, fake in
            try await FakeEventReceiver.run { receiver in
                let (lose, _) = try await Self.post(fake, "/_fake/lose-answers?count=1", form: "", key: nil)
                #expect(lose == 204)
                let lost = await Self.failure { () async throws(StripeClient.Failure) in
                    try await client.createCustomer(name: "Lee", account: "acct_1", idempotencyKey: "customer-acct_1")
                }
                guard case .noAnswer = lost else {
                    Issue.record("\(String(describing: lost))")
                    return
                }
                let customer = try await client.createCustomer(name: "Lee", account: "acct_1", idempotencyKey: "customer-acct_1")
                #expect(await fake.ids(prefix: "cus_") == [customer.id])
                let form = "type=customer.updated&object=\(customer.id)&url=\(StripeWire.escape(receiver.url))&secret=whsec_abc0123456789"
                let (sent, _) = try await Self.post(fake, "/_fake/events", form: form, key: nil)
                #expect(sent == 200)
                let delivered = try #require(receiver.received.first)
                try StripeSignature.verify(
                    payload: delivered.body,
                    header: delivered.signature,
                    secret: "whsec_abc0123456789",
                    now: Int64(Date().timeIntervalSince1970)
                )
            }
        }
    }
}
