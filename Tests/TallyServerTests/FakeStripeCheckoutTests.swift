import Foundation
import TallyApp
import TallyTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Stripe Checkout, disputes and refunds made in Stripe's dashboard, with Tally's Stripe
/// client against the fake Stripe: the sessions Tally asks for, the hosted page completed
/// over plain HTTP as a browser would, and the events the fake posts, signed as Stripe
/// signs them.
@Suite("Fake Stripe Checkout")
struct FakeStripeCheckoutTests {
    static let secret = "whsec_fake_checkout_0123456789"

    /// A client, the fake with its webhook set to a receiver, and the receiver.
    static func withStripe(_ body: @escaping @Sendable (StripeClient, FakeStripe, FakeEventReceiver) async throws -> Void) async throws {
        try await FakeStripe.run { fake in
            try await FakeEventReceiver.run { receiver in
                await fake.setWebhook(url: receiver.url, secret: secret)
                let client = StripeClient(.init(apiBase: URL(string: fake.apiBase)!, secretKey: fake.secretKey), deadline: .seconds(5))
                try await body(client, fake, receiver)
            }
        }
    }

    static func customer(_ client: StripeClient) async throws -> String {
        try await client.createCustomer(name: "Lee Lead", account: "acct_1", idempotencyKey: "customer-\(UUID().uuidString)").id
    }

    static func successURL(_ receiver: FakeEventReceiver) -> String {
        "http://127.0.0.1:\(receiver.port)/billing/checkout-return?session_id={CHECKOUT_SESSION_ID}"
    }

    static func payment(_ customer: String, _ receiver: FakeEventReceiver, saveCard: Bool = false) -> StripeClient.CheckoutRequest {
        .payment(
            customer: customer,
            account: "acct_1",
            purchase: "pur_1",
            amountCents: 12_000,
            productName: "12,000 credits",
            saveCard: saveCard,
            successURL: successURL(receiver),
            cancelURL: "http://127.0.0.1:\(receiver.port)/billing"
        )
    }

    /// The events delivered so far, checked against the secret, as (type, event).
    static func events(_ receiver: FakeEventReceiver) throws -> [(String, StripeEvent)] {
        try receiver.received.map { delivery in
            try StripeSignature.verify(
                payload: delivery.body,
                header: delivery.signature,
                secret: secret,
                now: Int64(Date().timeIntervalSince1970)
            )
            let event = try #require(StripeEvent.read(delivery.body))
            return (event.type, event)
        }
    }

    /// A browser's request: the answer's status, body and the address it ended at after
    /// following the redirects.
    static func browse(_ url: String, form: String? = nil) async throws -> (status: Int, body: String, url: String) {
        var request = URLRequest(url: URL(string: url)!)
        if let form {
            request.httpMethod = "POST"
            request.httpBody = Data(form.utf8)
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        return (http?.statusCode ?? 0, String(decoding: data, as: UTF8.self), http?.url?.absoluteString ?? "")
    }

    // MARK: - Sessions

    @Test func aSetupSessionIsMadeForTheCustomerWithItsCurrencyAndCard() async throws {
        try await Self.withStripe { client, fake, receiver in
            let customer = try await Self.customer(client)
            let request = StripeClient.CheckoutRequest.setup(
                customer: customer,
                account: "acct_1",
                setup: "setup_1",
                successURL: Self.successURL(receiver),
                cancelURL: "https://tally.example.com/billing"
            )
            let session = try await client.createCheckoutSession(request, idempotencyKey: "setup-setup_1")
            #expect(session.id.hasPrefix("cs_test_"))
            #expect(session.url == fake.apiBase + "/checkout/" + session.id)
            #expect(session.mode == "setup" && session.knownStatus == .open && session.knownPaymentStatus == .noPaymentRequired)
            #expect(session.customer == customer && session.clientReferenceId == "setup_1")
            #expect(session.metadata == ["tally_account": "acct_1", "tally_setup": "setup_1"])
            #expect(session.setupIntent == nil && session.amountTotal == nil)
            let post = try #require(await fake.received().last { $0.path == "/v1/checkout/sessions" })
            #expect(
                post.parameters.map { "\($0.0)=\($0.1)" } == [
                    "mode=setup", "customer=\(customer)", "currency=usd", "payment_method_types[0]=card",
                    "success_url=\(Self.successURL(receiver))", "cancel_url=https://tally.example.com/billing", "client_reference_id=setup_1",
                    "metadata[tally_account]=acct_1", "metadata[tally_setup]=setup_1",
                ]
            )
            // The same key again: the same session.
            #expect(try await client.createCheckoutSession(request, idempotencyKey: "setup-setup_1").id == session.id)
            #expect(try await client.checkoutSession(session.id).id == session.id)
        }
    }

    @Test func aPaymentSessionHasOneLineItemAndThePaymentIntentsMetadata() async throws {
        try await Self.withStripe { client, fake, receiver in
            let customer = try await Self.customer(client)
            let session = try await client.createCheckoutSession(Self.payment(customer, receiver, saveCard: true), idempotencyKey: "checkout-pur_1")
            #expect(session.mode == "payment" && session.knownStatus == .open && session.knownPaymentStatus == .unpaid)
            #expect(session.amountTotal == 12_000 && session.currency == "usd")
            #expect(session.metadata == ["tally_account": "acct_1", "tally_purchase": "pur_1"])
            let post = try #require(await fake.received().last { $0.path == "/v1/checkout/sessions" })
            #expect(
                post.parameters.map { "\($0.0)=\($0.1)" } == [
                    "mode=payment", "customer=\(customer)", "line_items[0][price_data][currency]=usd",
                    "line_items[0][price_data][unit_amount]=12000", "line_items[0][price_data][product_data][name]=12,000 credits",
                    "line_items[0][quantity]=1", "payment_intent_data[metadata][tally_account]=acct_1",
                    "payment_intent_data[metadata][tally_purchase]=pur_1", "payment_intent_data[setup_future_usage]=off_session",
                    "success_url=\(Self.successURL(receiver))", "cancel_url=http://127.0.0.1:\(receiver.port)/billing",
                    "client_reference_id=pur_1", "metadata[tally_account]=acct_1", "metadata[tally_purchase]=pur_1",
                ]
            )
            let page = try await Self.browse(try #require(session.url))
            #expect(page.status == 200)
            for id in ["id=\"pay\"", "id=\"cancel\"", "id=\"card\"", "pm_card_chargeDeclined", "pm_card_authenticationRequired", "$120.00"] {
                #expect(page.body.contains(id), "\(id)")
            }
        }
    }

    @Test func theFakeRefusesASessionWithoutSuccessURLOrWithAnUnknownParameter() async throws {
        try await FakeStripe.run { fake in
            let (missing, missingError) = try await StripeClientTests.post(fake, "/v1/checkout/sessions", form: "mode=setup&currency=usd")
            #expect(missing == 400 && missingError["param"] as? String == "success_url")
            let (unknown, unknownError) = try await StripeClientTests.post(
                fake,
                "/v1/checkout/sessions",
                form: "mode=setup&currency=usd&success_url=https%3A%2F%2Fa.example%2F&colour=blue"
            )
            #expect(unknown == 400 && unknownError["param"] as? String == "colour" && unknownError["code"] as? String == "parameter_unknown")
            let item = "line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=900&line_items[0][quantity]=1"
            let (noName, noNameError) = try await StripeClientTests.post(
                fake,
                "/v1/checkout/sessions",
                form: "mode=payment&success_url=https%3A%2F%2Fa.example%2F&" + item
            )
            #expect(noName == 400 && noNameError["param"] as? String == "line_items[0][price_data]")
            let (nested, nestedError) = try await StripeClientTests.post(
                fake,
                "/v1/checkout/sessions",
                form: "mode=payment&success_url=https%3A%2F%2Fa.example%2F&" + item
                    + "&line_items[0][price_data][product_data][name]=x&payment_intent_data[colour]=blue"
            )
            #expect(nested == 400 && nestedError["param"] as? String == "payment_intent_data[colour]")
            let (setup, setupError) = try await StripeClientTests.post(
                fake,
                "/v1/checkout/sessions",
                form: "mode=setup&success_url=https%3A%2F%2Fa.example%2F"
            )
            #expect(setup == 400 && setupError["param"] as? String == "currency")
            #expect(await fake.ids(prefix: "cs_").isEmpty)
        }
    }

    // MARK: - The hosted page

    @Test func payingOnTheHostedPageRedirectsToSuccessAndPostsTheEvents() async throws {
        try await Self.withStripe { client, fake, receiver in
            let customer = try await Self.customer(client)
            let session = try await client.createCheckoutSession(Self.payment(customer, receiver, saveCard: true), idempotencyKey: "checkout-pur_1")
            let paid = try await Self.browse(fake.apiBase + "/checkout/\(session.id)/pay", form: "payment_method=pm_card_visa")
            #expect(paid.url == "http://127.0.0.1:\(receiver.port)/billing/checkout-return?session_id=\(session.id)")

            let read = try await client.checkoutSession(session.id)
            #expect(read.knownStatus == .complete && read.knownPaymentStatus == .paid && read.url == nil)
            let intent = try #require(read.paymentIntent?.object)
            #expect(intent.knownStatus == .succeeded && intent.amountReceived == 12_000 && intent.currency == "usd")
            #expect(intent.customer == customer && intent.metadata == ["tally_account": "acct_1", "tally_purchase": "pur_1"])
            // Saved for later: the card is the customer's now.
            #expect(try await client.paymentMethod(try #require(intent.paymentMethod)).customer == customer)
            let charge = try await client.charge(try #require(await fake.object(intent.id)?["latest_charge"] as? String))
            #expect(charge.paymentIntent == intent.id && charge.amount == 12_000 && charge.amountRefunded == 0)

            let events = try Self.events(receiver)
            #expect(events.map(\.0) == ["payment_intent.succeeded", "checkout.session.completed"])
            let completed = try events[1].1.object(as: StripeCheckoutSession.self)
            #expect(completed.id == session.id && completed.knownPaymentStatus == .paid && completed.paymentIntent?.id == intent.id)
            #expect(await fake.deliveries().map(\.status) == [200, 200])

            // The page of a complete session pays no more.
            let again = try await Self.browse(fake.apiBase + "/checkout/\(session.id)")
            #expect(again.body.contains("id=\"closed\"") && !again.body.contains("id=\"pay\""))
        }
    }

    @Test func aDeclinedCardStaysOnThePageAndTheSessionOpen() async throws {
        try await Self.withStripe { client, fake, receiver in
            let customer = try await Self.customer(client)
            let session = try await client.createCheckoutSession(Self.payment(customer, receiver), idempotencyKey: "checkout-pur_1")
            let declined = try await Self.browse(fake.apiBase + "/checkout/\(session.id)/pay", form: "payment_method=pm_card_chargeDeclined")
            #expect(declined.status == 402 && declined.body.contains("id=\"error\"") && declined.body.contains("id=\"pay\""))
            #expect(try await client.checkoutSession(session.id).knownStatus == .open)
            #expect(receiver.received.isEmpty)
        }
    }

    @Test func threeDSecureOnTheHostedPageComesBackToSuccess() async throws {
        try await Self.withStripe { client, fake, receiver in
            let customer = try await Self.customer(client)
            let session = try await client.createCheckoutSession(Self.payment(customer, receiver), idempotencyKey: "checkout-pur_1")
            let challenge = try await Self.browse(
                fake.apiBase + "/checkout/\(session.id)/pay",
                form: "payment_method=pm_card_authenticationRequired"
            )
            #expect(challenge.url.hasPrefix(fake.apiBase + "/3ds/pi_"))
            #expect(challenge.body.contains("id=\"authenticate\"") && challenge.body.contains("id=\"fail\""))
            let done = try await Self.browse(challenge.url + "/complete", form: "")
            #expect(done.url == "http://127.0.0.1:\(receiver.port)/billing/checkout-return?session_id=\(session.id)")
            let read = try await client.checkoutSession(session.id)
            #expect(read.knownStatus == .complete && read.knownPaymentStatus == .paid)
            #expect(try Self.events(receiver).map(\.0) == ["payment_intent.succeeded", "checkout.session.completed"])
        }
    }

    @Test func savingACardOnTheHostedPageMakesASucceededSetupIntent() async throws {
        try await Self.withStripe { client, fake, receiver in
            let customer = try await Self.customer(client)
            let request = StripeClient.CheckoutRequest.setup(
                customer: customer,
                account: "acct_1",
                setup: "setup_1",
                successURL: Self.successURL(receiver),
                cancelURL: "https://tally.example.com/billing"
            )
            let session = try await client.createCheckoutSession(request, idempotencyKey: "setup-setup_1")
            let page = try await Self.browse(try #require(session.url))
            #expect(page.body.contains("id=\"save\"") && page.body.contains("id=\"cancel\"") && !page.body.contains("id=\"pay\""))
            let saved = try await Self.browse(fake.apiBase + "/checkout/\(session.id)/save", form: "payment_method=pm_card_mastercard")
            #expect(saved.url.hasSuffix("session_id=\(session.id)"))
            let read = try await client.checkoutSession(session.id)
            #expect(read.knownStatus == .complete && read.knownPaymentStatus == .noPaymentRequired)
            let setup = try #require(read.setupIntent?.object)
            #expect(setup.id.hasPrefix("seti_") && setup.status == "succeeded" && setup.customer == customer)
            let card = try #require(setup.paymentMethod?.object)
            #expect(card.customer == customer && card.card?.brand == "mastercard" && card.card?.last4 == "4444")
            #expect(try await client.setupIntent(setup.id).paymentMethod?.id == card.id)
            #expect(try Self.events(receiver).map(\.0) == ["checkout.session.completed"])
        }
    }

    // MARK: - 3-D Secure of a saved card

    @Test func theThreeDSecurePageSendsTheBuyerBackAndPostsTheOutcome() async throws {
        try await Self.withStripe { client, fake, receiver in
            for (button, event) in [("complete", "payment_intent.succeeded"), ("fail", "payment_intent.payment_failed")] {
                let saved = try await StripeClientTests.customer(with: "pm_card_authenticationRequired", client)
                var payment = StripeClientTests.payment(2_500, saved)
                payment.returnURL = "http://127.0.0.1:\(receiver.port)/billing/return"
                let intent = try await client.createPayment(payment, idempotencyKey: "purchase-\(button)")
                let back = try await Self.browse(try #require(intent.redirectURL) + "/" + button, form: "")
                let secret = try #require(await fake.object(intent.id)?["client_secret"] as? String)
                #expect(back.url.hasPrefix("http://127.0.0.1:\(receiver.port)/billing/return?payment_intent=\(intent.id)&"))
                #expect(back.url.contains("payment_intent_client_secret=\(secret)"))
                let last = try #require(try Self.events(receiver).last)
                let object = try last.1.object(as: StripePaymentIntent.self)
                #expect(last.0 == event && object.id == intent.id)
            }
        }
    }

    // MARK: - What happens on Stripe's side

    @Test func disputesOpenAndClosePostingTheirEvents() async throws {
        try await Self.withStripe { client, fake, receiver in
            let saved = try await StripeClientTests.customer(with: "pm_card_visa", client)
            let intent = try await client.createPayment(StripeClientTests.payment(2_500, saved), idempotencyKey: "purchase-1")
            let id = try await fake.openDispute(paymentIntent: intent.id, amountCents: 2_000, reason: "fraudulent")
            #expect(id.hasPrefix("dp_"))
            let opened = try await client.dispute(id)
            #expect(opened.knownStatus == .needsResponse && opened.amount == 2_000 && opened.paymentIntent == intent.id)
            try await fake.closeDispute(id, won: true)
            let events = try Self.events(receiver)
            #expect(events.map(\.0) == ["charge.dispute.created", "charge.dispute.closed"])
            let created = try events[0].1.object(as: StripeDispute.self)
            #expect(created.id == id && created.reason == "fraudulent" && created.currency == "usd" && created.charge.hasPrefix("ch_"))
            #expect(try events[1].1.object(as: StripeDispute.self).knownStatus == .won)
            await #expect(throws: FakeStripe.FakeStripeFailure.self) { try await fake.closeDispute(id, won: false) }
        }
    }

    @Test func aRefundMadeOutsideTallyPostsChargeRefundedAndSettlingPostsRefundUpdated() async throws {
        try await Self.withStripe { client, fake, receiver in
            let saved = try await StripeClientTests.customer(with: "pm_card_visa", client)
            let intent = try await client.createPayment(StripeClientTests.payment(2_500, saved), idempotencyKey: "purchase-1")
            let outside = try await fake.refundOutside(paymentIntent: intent.id, amountCents: 1_000)
            let refunded = try #require(try Self.events(receiver).last)
            #expect(refunded.0 == "charge.refunded")
            let charge = try refunded.1.object(as: StripeCharge.self)
            #expect(charge.paymentIntent == intent.id && charge.amountRefunded == 1_000 && !charge.refunded)
            // The list of refunds comes when asked for; this one has none of Tally's metadata.
            let listed = try #require(try await client.charge(charge.id).refunds?.data)
            #expect(listed.map(\.id) == [outside] && listed.first?.metadata == [:])

            let slow = try await StripeClientTests.customer(with: "pm_card_pendingRefund", client)
            let slowIntent = try await client.createPayment(StripeClientTests.payment(2_500, slow), idempotencyKey: "purchase-2")
            let pending = try await client.createRefund(
                paymentIntent: slowIntent.id,
                amountCents: 2_500,
                metadata: ["tally_refund": "ref_1"],
                idempotencyKey: "refund-1"
            )
            #expect(await fake.settleRefund(pending.id, status: "succeeded"))
            let updated = try #require(try Self.events(receiver).last)
            let refund = try updated.1.object(as: StripeRefund.self)
            #expect(updated.0 == "refund.updated" && refund.status == "succeeded")
        }
    }

    @Test func heldEventsWaitAndStaleOrForgedOnesFailTheCheck() async throws {
        try await Self.withStripe { client, fake, receiver in
            await fake.holdEvents()
            let customer = try await Self.customer(client)
            let session = try await client.createCheckoutSession(Self.payment(customer, receiver), idempotencyKey: "checkout-pur_1")
            _ = try await fake.completeCheckout(session.id)
            #expect(receiver.received.isEmpty)
            #expect(await fake.releaseEvents().map(\.type) == ["payment_intent.succeeded", "checkout.session.completed"])
            #expect(try Self.events(receiver).count == 2)

            let stale = Int(Date().timeIntervalSince1970) - 600
            _ = try await fake.sendEvent(type: "checkout.session.completed", objectID: session.id, timestamp: stale)
            _ = try await fake.sendEvent(type: "checkout.session.completed", objectID: session.id, signingSecret: "whsec_forged")
            let deliveries = receiver.received
            #expect(throws: StripeSignature.Refusal.staleTimestamp) {
                try StripeSignature.verify(
                    payload: deliveries[2].body,
                    header: deliveries[2].signature,
                    secret: Self.secret,
                    now: Int64(Date().timeIntervalSince1970)
                )
            }
            #expect(throws: StripeSignature.Refusal.noMatchingSignature) {
                try StripeSignature.verify(
                    payload: deliveries[3].body,
                    header: deliveries[3].signature,
                    secret: Self.secret,
                    now: Int64(Date().timeIntervalSince1970)
                )
            }
            let status = try await fake.postEvent(body: Data("{\"id\": \"evt_odd\"}".utf8), signature: "t=1,v1=00")
            #expect(status == 200 && receiver.received.count == 5)
        }
    }
}
