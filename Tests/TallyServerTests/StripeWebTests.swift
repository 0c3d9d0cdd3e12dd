import Foundation
import TallyApp
import TallyServer
import TallyTestSupport
import Testing

/// The billing web app with Stripe on (WEB.md "With Stripe on"), over HTTP without a
/// browser: no card field is ever rendered, a new card and a card to add go to Stripe
/// Checkout, a saved card that needs 3-D Secure goes to Stripe's page, and the Billing
/// page the browser comes back to says what happened — even before Stripe's event.
@Suite(.serialized) struct StripeWebTests {
    static let webhookSecret = "whsec_tally_web_test_0123456789abcdef"
    static let publicURL = "https://billing.example.com"

    /// Runs `body` with Tally's payments on a fake Stripe whose events come to Tally.
    static func withStripe(
        secretKey: String = FakeStripe.defaultSecretKey,
        _ body: @escaping @Sendable (Harness, FakeStripe) async throws -> Void
    ) async throws {
        try await FakeStripe.run { fake in
            let settings = StripePaymentGateway.Settings(
                client: StripeClient.Settings(apiBase: URL(string: fake.apiBase)!, secretKey: secretKey),
                webhookSecret: Self.webhookSecret
            )
            var providers = Providers(payments: StripePaymentGateway(settings))
            providers.publicURL = URL(string: Self.publicURL)
            try await Harness.run(providers: providers) { harness in
                await fake.setWebhook(url: "http://127.0.0.1:\(harness.port)/v1/providers/stripe/events", secret: Self.webhookSecret)
                try await body(harness, fake)
            }
        }
    }

    /// An owner on the web app: the session cookie and the pages' CSRF token.
    struct Browser {
        let harness: Harness
        let account: TestAccount
        var cookies: [String: String] { ["tally_session": account.ownerToken] }

        func get(_ path: String) async throws -> HeadedAnswer {
            try await harness.exchange(.get, path, cookies: cookies)
        }

        /// Posts `fields` with the session's CSRF token, as the page's form would.
        func post(_ path: String, _ fields: [(String, String)]) async throws -> HeadedAnswer {
            let csrf = try #require(try await get("/app/billing").csrf)
            let form = ([("csrf", csrf)] + fields).map { "\($0.0)=\(Self.encoded($0.1))" }.joined(separator: "&")
            return try await harness.exchange(.post, path, cookies: cookies, form: form)
        }

        /// Where Stripe sends the browser back to, as a path of Tally's.
        func arrive(_ location: String) async throws -> HeadedAnswer {
            #expect(location.hasPrefix(StripeWebTests.publicURL + "/app/billing?"), "\(location)")
            return try await get(String(location.dropFirst(StripeWebTests.publicURL.count)))
        }

        static func encoded(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
        }
    }

    static func flash(_ page: HeadedAnswer) -> String? {
        guard let start = page.body.range(of: #"data-test="flash">"#) else { return nil }
        return String(page.body[start.upperBound...].prefix { $0 != "<" })
    }

    static func figure(_ page: HeadedAnswer, _ test: String) -> String? {
        guard let start = page.body.range(of: #"data-test="\#(test)">"#) else { return nil }
        return String(page.body[start.upperBound...].prefix { $0 != "<" })
    }

    static func count(_ test: String, in page: HeadedAnswer) -> Int {
        page.body.components(separatedBy: #"data-test="\#(test)""#).count - 1
    }

    /// The Checkout session a 303 to Stripe's hosted page names.
    static func session(_ answer: HeadedAnswer, fake: FakeStripe) throws -> String {
        #expect(answer.status == 303, "\(answer.status): \(answer.body.prefix(300))")
        let location = try #require(answer.location)
        #expect(location.hasPrefix(fake.apiBase + "/checkout/cs_"), "\(location)")
        return String(try #require(location.split(separator: "/").last))
    }

    @Test func theBuyDialogAndSavedCardsRenderNoCardFieldWithStripeOn() async throws {
        try await Self.withStripe { harness, _ in
            let browser = Browser(harness: harness, account: try await harness.makeAccount())
            for saved in [false, true] {
                if saved {
                    let card = try await browser.account.post("/payment-methods", #"{"stripePaymentMethod":"pm_card_visa"}"#)
                    #expect(card.status == 201, "\(card)")
                }
                for path in ["/app/billing", "/app/billing?buy=1", "/app/usage"] {
                    let page = try await browser.get(path)
                    #expect(page.status == 200)
                    for field in ["cardNumber", "expMonth", "expYear", "cvc"] {
                        #expect(!page.body.contains(#"name="\#(field)""#), "\(path) renders \(field)")
                    }
                    #expect(page.body.contains(#"data-test="test-mode""#), "a Stripe test key wears the ribbon")
                    #expect(page.body.contains(#"name="saveCard""#))
                    #expect(page.body.contains(#"data-test="bundle-1000""#) && page.body.contains(#"data-test="price""#))
                }
                let billing = try await browser.get("/app/billing")
                #expect(billing.body.contains(#"data-test="add-card""#))
                #expect(billing.body.contains(#"formaction="/app/billing/checkout" data-test="new-card""#) == saved)
                #expect(Self.count("card-row", in: billing) == (saved ? 1 : 0))
            }
        }
    }

    @Test func aLiveKeyTakesTheTestModeRibbonOff() async throws {
        try await Self.withStripe(secretKey: "sk_live_tally_web_test_key") { harness, _ in
            let browser = Browser(harness: harness, account: try await harness.makeAccount())
            let page = try await browser.get("/app/billing")
            #expect(page.status == 200)
            #expect(!page.body.contains(#"data-test="test-mode""#))
            #expect(!page.body.contains(#"name="cardNumber""#))
        }
    }

    @Test func addACardGoesToCheckoutAndComesBackSaved() async throws {
        try await Self.withStripe { harness, fake in
            let browser = Browser(harness: harness, account: try await harness.makeAccount())
            let add = try await browser.post("/app/billing/cards", [("idempotencyKey", "add-card-1")])
            let session = try Self.session(add, fake: fake)
            let again = try await browser.post("/app/billing/cards", [("idempotencyKey", "add-card-1")])
            #expect(try Self.session(again, fake: fake) == session, "a double click opens the same Checkout page")

            let back = try await fake.completeCheckout(session, paymentMethod: "pm_card_mastercard")
            let page = try await browser.arrive(back)
            #expect(page.status == 200)
            #expect(Self.flash(page) == "Saved Mastercard ending in 4444.")
            #expect(Self.count("card-row", in: page) == 1)
            let reload = try await browser.arrive(back)
            #expect(Self.count("card-row", in: reload) == 1, "the same card is kept once")
        }
    }

    @Test func aNewCardPaysThroughCheckoutAndTheCreditsShowBeforeStripesEvent() async throws {
        try await Self.withStripe { harness, fake in
            let browser = Browser(harness: harness, account: try await harness.makeAccount())
            await fake.holdEvents()
            let pay = try await browser.post(
                "/app/billing/checkout",
                [("credits", "1000"), ("saveCard", "on"), ("idempotencyKey", "buy-new-1")]
            )
            let session = try Self.session(pay, fake: fake)
            let back = try await fake.completeCheckout(session, paymentMethod: "pm_card_visa")
            let page = try await browser.arrive(back)
            #expect(page.status == 200)
            #expect(Self.flash(page) == "Paid: 1000.000 credits were added to your wallet.")
            #expect(Self.figure(page, "available") == "1000.000")
            #expect(Self.count("card-row", in: page) == 1, "the ticked card is kept")

            // Stripe's late events, then a reload of the same page: credited once.
            await fake.releaseEvents()
            let reload = try await browser.arrive(back)
            #expect(Self.figure(reload, "available") == "1000.000")
            #expect(Self.flash(reload) == "Paid: 1000.000 credits were added to your wallet.")
        }
    }

    @Test func theBuyFormWithoutASavedCardGoesToCheckoutToo() async throws {
        try await Self.withStripe { harness, fake in
            let browser = Browser(harness: harness, account: try await harness.makeAccount())
            let pay = try await browser.post("/app/billing/purchases", [("credits", "500"), ("idempotencyKey", "buy-new-2")])
            let session = try Self.session(pay, fake: fake)
            let page = try await browser.arrive(try await fake.completeCheckout(session))
            #expect(Self.flash(page) == "Paid: 500.000 credits were added to your wallet.")
            #expect(Self.count("card-row", in: page) == 0, "not ticked: the card is not kept")

            let card = try await browser.post("/app/billing/purchases", [("credits", "500"), ("cardNumber", "4242424242424242")])
            #expect(try Self.session(card, fake: fake) != session, "card numbers are never read: Checkout again")
            let tooFew = try await browser.post("/app/billing/checkout", [("credits", "5")])
            #expect(tooFew.status == 422)
            #expect(tooFew.body.contains(#"data-test="field-error""#))
        }
    }

    @Test func aDeclinedOrCanceledCheckoutAddsNothingAndSaysSo() async throws {
        try await Self.withStripe { harness, fake in
            let browser = Browser(harness: harness, account: try await harness.makeAccount())
            let pay = try await browser.post("/app/billing/checkout", [("credits", "1000"), ("idempotencyKey", "buy-declined")])
            let session = try Self.session(pay, fake: fake)
            await #expect(throws: FakeStripe.FakeStripeFailure.self) {
                try await fake.completeCheckout(session, paymentMethod: "pm_card_chargeDeclined")
            }
            // The buyer gives up on Stripe's page: its cancel link.
            let cancel = try #require(await fake.object(session)?["cancel_url"] as? String)
            let page = try await browser.arrive(cancel)
            #expect(page.status == 200)
            #expect(Self.flash(page) == "Checkout was canceled: nothing was charged and no credits were added.")
            #expect(Self.figure(page, "available") == "0.000")

            let setup = try Self.session(try await browser.post("/app/billing/cards", [("idempotencyKey", "add-2")]), fake: fake)
            let left = try #require(await fake.object(setup)?["cancel_url"] as? String)
            let noCard = try await browser.arrive(left)
            #expect(Self.flash(noCard)?.hasPrefix("No card was added") == true)
        }
    }

    @Test func aSavedCardThatNeeds3DSecureGoesToStripesPageAndBack() async throws {
        try await Self.withStripe { harness, fake in
            let browser = Browser(harness: harness, account: try await harness.makeAccount())
            let card = try await browser.account.post("/payment-methods", #"{"stripePaymentMethod":"pm_card_authenticationRequired"}"#)
            #expect(card.status == 201, "\(card)")
            await fake.holdEvents()
            let buy = try await browser.post(
                "/app/billing/purchases",
                [("credits", "2000"), ("paymentMethodId", try card.string("id")), ("idempotencyKey", "buy-3ds")]
            )
            #expect(buy.status == 303)
            let challenge = try #require(buy.location)
            #expect(challenge.hasPrefix(fake.apiBase + "/3ds/pi_"), "\(challenge)")
            let intent = String(try #require(challenge.split(separator: "/").last))

            // Back before authenticating (the browser's back button): nothing yet.
            let metadata = try #require(await fake.object(intent)?["metadata"] as? [String: Any])
            let purchase = try #require(metadata["tally_purchase"] as? String)
            let early = try await browser.get("/app/billing?purchase=\(purchase)")
            #expect(early.status == 200)
            #expect(Self.flash(early)?.contains("not finished") == true, "\(Self.flash(early) ?? "")")
            #expect(Self.figure(early, "available") == "0.000")

            let back = try #require(await fake.authenticate(intent, succeeded: true))
            let page = try await browser.arrive(back)
            #expect(Self.flash(page) == "Paid: 2000.000 credits were added to your wallet.")
            #expect(Self.figure(page, "available") == "2000.000")
            await fake.releaseEvents()
            #expect(Self.figure(try await browser.get("/app/billing"), "available") == "2000.000")
        }
    }

    @Test func aFailed3DSecureIsADeclineThatAddsNothing() async throws {
        try await Self.withStripe { harness, fake in
            let browser = Browser(harness: harness, account: try await harness.makeAccount())
            let card = try await browser.account.post("/payment-methods", #"{"stripePaymentMethod":"pm_card_authenticationRequired"}"#)
            let buy = try await browser.post(
                "/app/billing/purchases",
                [("credits", "1000"), ("paymentMethodId", try card.string("id")), ("idempotencyKey", "buy-3ds-fail")]
            )
            let intent = String(try #require(buy.location?.split(separator: "/").last))
            let back = try #require(await fake.authenticate(intent, succeeded: false))
            let page = try await browser.arrive(back)
            #expect(Self.flash(page)?.hasPrefix("Your card was declined") == true, "\(Self.flash(page) ?? "")")
            #expect(page.body.contains(#"class="flash problem""#))
            #expect(Self.figure(page, "available") == "0.000")
        }
    }

    @Test func aLinkThatNamesNoPaymentOfTheAccountStillRendersBilling() async throws {
        try await Self.withStripe { harness, _ in
            let browser = Browser(harness: harness, account: try await harness.makeAccount())
            for path in [
                "/app/billing?checkout=cs_test_nope", "/app/billing?checkout=nonsense", "/app/billing?purchase=pur_nope", "/app/billing?purchase=x",
            ] {
                let page = try await browser.get(path)
                #expect(page.status == 200, "\(path)")
                #expect(page.body.contains(#"data-test="available""#), "\(path)")
                #expect(Self.flash(page) == "This link names no payment of this account, so nothing changed.", "\(path)")
            }
        }
    }

    @Test func aDisputedPurchaseShowsAsDisputed() async throws {
        try await Self.withStripe { harness, fake in
            let browser = Browser(harness: harness, account: try await harness.makeAccount())
            let card = try await browser.account.post("/payment-methods", #"{"stripePaymentMethod":"pm_card_visa"}"#)
            let bought = try await browser.account.post("/purchases", #"{"credits":"1000","paymentMethodId":"\#(try card.string("id"))"}"#)
            #expect(bought.status == 201, "\(bought)")
            let intent = try #require(await fake.ids(prefix: "pi_").first)
            let dispute = try await fake.openDispute(paymentIntent: intent)
            let page = try await browser.get("/app/billing")
            #expect(page.body.contains(#"data-test="purchase-status">Disputed<"#))
            #expect(Self.figure(page, "available") == "0.000")
            #expect(page.body.contains("Disputed purchase"), "Recent activity names what the dispute took")
            try await fake.closeDispute(dispute, won: true)
            let won = try await browser.get("/app/billing")
            #expect(won.body.contains("dispute won"))
            #expect(Self.figure(won, "available") == "1000.000")
        }
    }
}
