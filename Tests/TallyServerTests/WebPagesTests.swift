import Foundation
import TallyServer
import Testing

/// The pages WEB.md adds for a new user: the HTML 404, Integrations, the Test mode
/// ribbon, the Credit usage summary and Recent activity in words.
@Suite("Web pages")
struct WebPagesTests {
    let web = WebAppTests()

    func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test func anUnknownAppPathIsAnHTMLPageWithTheNavigation() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let cookies = ["tally_session": account.ownerToken]
            for path in ["/app/nope", "/app/billing/nope/deeper", "/app/integrations/x"] {
                let page = try await web.send(harness, .get, path, cookies: cookies)
                #expect(page.status == 404, "\(path)")
                #expect(page.headers[.contentType]?.hasPrefix("text/html") == true, "\(path)")
                #expect(page.body.contains(#"data-test="not-found""#), "\(path)")
                #expect(page.body.contains(#"data-test="nav""#), "\(path)")
            }
            // A stranger gets the same page, without the navigation.
            let stranger = try await web.send(harness, .get, "/app/nope")
            #expect(stranger.status == 404)
            #expect(stranger.body.contains(#"data-test="not-found""#))
            #expect(!stranger.body.contains(#"data-test="nav""#))
            // The pages and the API keep their own answers.
            #expect(try await web.send(harness, .get, "/app/billing", cookies: cookies).status == 200)
            let api = try await web.send(harness, .get, "/v1/nope")
            #expect(api.status == 404)
            #expect(api.headers[.contentType]?.hasPrefix("application/problem+json") == true)
        }
    }

    @Test func integrationsNameEachRolesProviderAndLinkItsLog() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let page = try await web.send(harness, .get, "/app/integrations", cookies: ["tally_session": account.ownerToken])
            #expect(page.status == 200)
            #expect(count(#"data-test="integration-row""#, in: page.body) == 5)
            for href in [
                "/app/billing#purchases", "/app/logs/sms", "/app/logs/phone_validation", "/app/logs/email_validation",
                "/app/logs/credit_checks",
            ] {
                #expect(page.body.contains(#"href="\#(href)" data-test="integration-log""#), "\(href)")
            }
            #expect(count("Tally sandbox", in: page.body) == 5)
            #expect(page.body.contains(#"href="/app/integrations" class="active""#))
        }
    }

    @Test func theTestModeRibbonIsOnEveryPageWhilePaymentsAreTheSandbox() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let cookies = ["tally_session": account.ownerToken]
            for path in ["/app/billing", "/app/usage", "/app/integrations", "/app/developers", "/app/nope"] {
                let page = try await web.send(harness, .get, path, cookies: cookies)
                #expect(count(#"data-test="test-mode""#, in: page.body) == 1, "\(path)")
            }
            let login = try await web.send(harness, .get, "/app/login")
            #expect(login.body.contains(#"data-test="test-mode""#))
        }
    }

    @Test func creditUsageOpensWithTheWalletSummaryAndItsRowsAddUpToTheTotal() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let cookies = ["tally_session": account.ownerToken]
            _ = try await account.buy(100)
            let validated = try await account.post("/validations/email", #"{"email":"lee@example.com"}"#)
            #expect(validated.status == 200, "\(validated)")
            for (feature, held, captured) in [("calls", 20, 12), ("calls", 5, 5)] {
                let hold = try await account.post("/holds", #"{"feature":"\#(feature)","credits":\#(held)}"#)
                #expect(hold.status == 201, "\(hold)")
                let capture = try await account.post("/holds/\(try hold.string("id"))/capture", #"{"credits":\#(captured)}"#)
                #expect(capture.status == 200, "\(capture)")
            }
            let page = try await web.send(harness, .get, "/app/usage", cookies: cookies)
            #expect(page.status == 200)
            let body = page.body
            #expect(body.contains(#"<span data-test="available">82.500</span>"#))
            #expect(body.contains(#"<span data-test="used">17.500</span>"#))
            #expect(body.contains(#"<span data-test="total">100.000</span>"#))
            #expect(!body.contains(#"data-test="held""#))
            #expect(body.contains(#"data-test="auto-recharge-status""#))
            #expect(body.contains(#"data-test="buy-credits""#))
            // The same Buy credits dialog as Billing, bringing the buyer back here.
            #expect(body.contains(#"id="buy-dialog""#))
            #expect(body.contains(#"name="returnTo" value="/app/usage""#))
            // Five catalog features, then the platform's holds: 0.500 + 17.000 = 17.500.
            #expect(count(#"data-test="usage-row""#, in: body) == 6)
            #expect(body.contains(#"<span data-test="usage-feature">calls</span>"#))
            #expect(body.contains(#"<td class="num" data-test="usage-uses">2</td>"#))
            #expect(body.contains(#"<td class="num" data-test="usage-credits">17.000</td>"#))
            #expect(body.contains(#"data-test="usage-total">17.500<"#))
            // The summary sits above the table.
            let summary = try #require(body.range(of: #"data-test="available""#))
            let table = try #require(body.range(of: #"data-test="usage-row""#))
            #expect(summary.lowerBound < table.lowerBound)
        }
    }

    @Test func aPurchaseFromCreditUsageComesBackToIt() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let cookies = ["tally_session": account.ownerToken]
            let usage = try await web.send(harness, .get, "/app/usage", cookies: cookies)
            let csrf = try #require(usage.csrf)
            let form =
                "csrf=\(csrf)&returnTo=%2Fapp%2Fusage&idempotencyKey=k1&credits=500&paymentMethodId=new"
                + "&cardNumber=4242424242424242&expMonth=12&expYear=2035&cvc=123"
            let bought = try await web.send(harness, .post, "/app/billing/purchases", cookies: cookies, form: form)
            #expect(bought.status == 303)
            #expect(bought.location == "/app/usage")
            #expect(try await account.figures()[0] == "500.000")
            // Anywhere else is not a place to return to: Billing.
            let again = try await web.send(
                harness, .post, "/app/billing/purchases", cookies: cookies,
                form: form.replacingOccurrences(of: "k1", with: "k2").replacingOccurrences(of: "%2Fapp%2Fusage", with: "https%3A%2F%2Fevil.example")
            )
            #expect(again.location == "/app/billing")
        }
    }
}
