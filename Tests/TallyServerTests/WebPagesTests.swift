import Foundation
import TallyServer
import Testing

/// The pages WEB.md adds for a new user: the HTML 404, Integrations, the Test mode
/// ribbon, the Credit usage summary and Recent activity in words.
@Suite("Web pages")
struct WebPagesTests {
    func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test func anUnknownAppPathIsAnHTMLPageWithTheNavigation() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let cookies = ["tally_session": account.ownerToken]
            for path in ["/app/nope", "/app/billing/nope/deeper", "/app/integrations/x"] {
                let page = try await harness.exchange(.get, path, cookies: cookies)
                #expect(page.status == 404, "\(path)")
                #expect(page.headers[.contentType]?.hasPrefix("text/html") == true, "\(path)")
                #expect(page.body.contains(#"data-test="not-found""#), "\(path)")
                #expect(page.body.contains(#"data-test="nav""#), "\(path)")
            }
            // A stranger gets the same page, without the navigation.
            let stranger = try await harness.exchange(.get, "/app/nope")
            #expect(stranger.status == 404)
            #expect(stranger.body.contains(#"data-test="not-found""#))
            #expect(!stranger.body.contains(#"data-test="nav""#))
            // The pages and the API keep their own answers.
            #expect(try await harness.exchange(.get, "/app/billing", cookies: cookies).status == 200)
            let api = try await harness.exchange(.get, "/v1/nope")
            #expect(api.status == 404)
            #expect(api.headers[.contentType]?.hasPrefix("application/problem+json") == true)
        }
    }

    @Test func integrationsNameEachRolesProviderAndLinkItsLog() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let page = try await harness.exchange(.get, "/app/integrations", cookies: ["tally_session": account.ownerToken])
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
                let page = try await harness.exchange(.get, path, cookies: cookies)
                #expect(count(#"data-test="test-mode""#, in: page.body) == 1, "\(path)")
            }
            let login = try await harness.exchange(.get, "/app/login")
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
            let page = try await harness.exchange(.get, "/app/usage", cookies: cookies)
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
            let usage = try await harness.exchange(.get, "/app/usage", cookies: cookies)
            let csrf = try #require(usage.csrf)
            let form =
                "csrf=\(csrf)&returnTo=%2Fapp%2Fusage&idempotencyKey=k1&credits=500&paymentMethodId=new"
                + "&cardNumber=4242424242424242&expMonth=12&expYear=2035&cvc=123"
            let bought = try await harness.exchange(.post, "/app/billing/purchases", cookies: cookies, form: form)
            #expect(bought.status == 303)
            #expect(bought.location == "/app/usage")
            #expect(try await account.figures()[0] == "500.000")
            // Anywhere else is not a place to return to: Billing.
            let again = try await harness.exchange(
                .post,
                "/app/billing/purchases",
                cookies: cookies,
                form: form.replacingOccurrences(of: "k1", with: "k2").replacingOccurrences(of: "%2Fapp%2Fusage", with: "https%3A%2F%2Fevil.example")
            )
            #expect(again.location == "/app/billing")
        }
    }

    /// The texts of `test` elements, in page order, entities of the template decoded.
    func texts(_ test: String, in body: String) -> [String] {
        body.components(separatedBy: #"data-test="\#(test)">"#).dropFirst().map { part in
            let element = part.components(separatedBy: "</span>")[0]
            return element.replacingOccurrences(of: "<[^>]+>", with: "", options: .regularExpression)
                .replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&#39;", with: "'")
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    @Test func recentActivitySpeaksTheUsersLanguageOneLinePerAction() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let cookies = ["tally_session": account.ownerToken]
            try await account.verifyUS()
            let card = try await account.saveCard()
            let bought = try await account.post("/purchases", #"{"credits":1000,"paymentMethodId":"\#(card)"}"#)
            #expect(bought.status == 201, "\(bought)")
            #expect(try await account.post("/validations/email", #"{"email":"lee@example.com"}"#).status == 200)
            let check = try await account.creditCheck()
            #expect(check.status == 200, "\(check)")
            let checkCredits = try check.string("totalCredits")
            let sms = try await account.post("/sms", #"{"to":"+33612345678","body":"See you at the open house"}"#)
            #expect(sms.status == 200, "\(sms)")
            let smsCredits = try sms.string("credits")
            let captured = try await account.post("/holds", #"{"feature":"calls","credits":20}"#)
            #expect(try await account.post("/holds/\(try captured.string("id"))/capture", #"{"credits":12}"#).status == 200)
            let released = try await account.post("/holds", #"{"feature":"calls","credits":3}"#)
            #expect(try await account.post("/holds/\(try released.string("id"))/release", "").status == 200)
            let granted = try await account.post("/grants", #"{"credits":50,"reason":"welcome bonus"}"#, token: Harness.operatorToken)
            #expect(granted.status == 201, "\(granted)")
            #expect(try await account.post("/adjustments", #"{"credits":5,"reason":"goodwill"}"#, token: Harness.operatorToken).status == 201)
            #expect(try await account.post("/adjustments", #"{"credits":-2,"reason":"typo"}"#, token: Harness.operatorToken).status == 201)
            let refunded = try await account.post("/purchases/\(try bought.string("id"))/refunds", #"{"credits":100}"#)
            #expect(refunded.status == 201 || refunded.status == 200, "\(refunded)")
            let open = try await account.post("/holds", #"{"feature":"calls","credits":4}"#)
            #expect(open.status == 201)

            let page = try await harness.exchange(.get, "/app/billing", cookies: cookies)
            #expect(page.status == 200)
            let what = texts("activity-what", in: page.body)
            let change = texts("activity-change", in: page.body)
            #expect(
                what == [
                    "calls · in progress, held until it completes",
                    "Refund",
                    "Adjustment",
                    "Adjustment · goodwill",
                    "Granted · welcome bonus",
                    "calls · held by your platform · nothing charged",
                    "calls · held by your platform",
                    "SMS · +33612345678",
                    "Credit score · Lee Lead",
                    "Email validation · lee@example.com",
                    "Bought 1,000 credits · Visa 4242",
                ]
            )
            #expect(
                change == [
                    "-4.000", "-100.000", "-2.000", "+5.000", "+50.000", "0.000", "-12.000", "-\(smsCredits)", "-\(checkCredits)", "-0.500",
                    "+1000.000",
                ]
            )
            #expect(count(#"data-test="activity-row""#, in: page.body) == what.count)
            #expect(page.body.contains(#"href="/app/billing/ledger.csv" data-test="ledger-csv""#))

            // The whole ledger, every entry, as CSV.
            let csv = try await harness.exchange(.get, "/app/billing/ledger.csv", cookies: cookies)
            #expect(csv.status == 200)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let lines = csv.body.split(whereSeparator: \.isNewline)
            let ledger = try await account.get("/ledger?limit=500").items()
            #expect(lines.count == 1 + ledger.count, "\(csv.body)")
            #expect(lines.first?.hasPrefix("Time,Kind") == true)
        }
    }
}
