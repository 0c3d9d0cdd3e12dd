import Foundation
import HTTPTypes
import NIOCore
import TallyServer
import Testing

/// The web app's rules that hold whatever the browser: who sees the pages, and forms
/// only count when they come from the session's own pages.
@Suite("Web app")
struct WebAppTests {
    @Test func aStrangerIsSentToLoginAndBackToThePageAskedFor() async throws {
        try await Harness.run { harness in
            let page = try await harness.exchange(.get, "/app/usage-guard")
            #expect(page.status == 303)
            #expect(page.location == "/app/login?next=/app/usage-guard")
            let root = try await harness.exchange(.get, "/")
            #expect(root.location == "/app/billing")
        }
    }

    @Test func loginSetsAnHttpOnlySessionCookieAndLandsOnNext() async throws {
        try await Harness.run { harness in
            let email = "owner-\(UUID().uuidString.prefix(8))@example.com"
            _ = try await harness.makeAccount(owner: email)
            let login = try await harness.exchange(.get, "/app/login?next=/app/events")
            let token = try #require(login.csrf)
            let cookies = ["tally_login_csrf": try #require(login.cookie("tally_login_csrf"))]
            let wrong = try await harness.exchange(
                .post,
                "/app/login",
                cookies: cookies,
                form: "csrf=\(token)&next=%2Fapp%2Fevents&email=\(email)&password=nope"
            )
            #expect(wrong.status == 401)
            #expect(wrong.body.contains(#"data-test="login-error""#))
            let forged = try await harness.exchange(.post, "/app/login", form: "csrf=\(token)&email=\(email)&password=correct+horse")
            #expect(forged.status == 403)
            let right = try await harness.exchange(
                .post,
                "/app/login",
                cookies: cookies,
                form: "csrf=\(token)&next=%2Fapp%2Fevents&email=\(email)&password=correct+horse"
            )
            #expect(right.status == 303)
            #expect(right.location == "/app/events")
            let session = try #require(right.headers[values: .setCookie].first { $0.hasPrefix("tally_session=") })
            #expect(session.contains("HttpOnly"))
            #expect(session.contains("SameSite=Lax"))
            let offsite = try await harness.exchange(
                .post,
                "/app/login",
                cookies: cookies,
                form: "csrf=\(token)&next=https%3A%2F%2Fevil.example&email=\(email)&password=correct+horse"
            )
            #expect(offsite.location == "/app/billing")
        }
    }

    @Test(arguments: ["admin", "member"])
    func onlyOwnersAndSuperAdminsSeeThePages(role: String) async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let token = try await account.person(role)
            for path in [
                "/app/billing", "/app/usage", "/app/logs/sms", "/app/logs/sms.csv", "/app/usage-guard", "/app/events", "/app/developers",
                "/app/notifications",
            ] {
                let page = try await harness.exchange(.get, path, cookies: ["tally_session": token])
                #expect(page.status == 403, "\(path)")
                #expect(page.body.contains(#"data-test="forbidden""#))
            }
            let superAdmin = try await account.person("super_admin")
            let page = try await harness.exchange(.get, "/app/billing", cookies: ["tally_session": superAdmin])
            #expect(page.status == 200)
        }
    }

    @Test func aPostWithoutTheSessionsCSRFTokenChangesNothing() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let cookies = ["tally_session": account.ownerToken]
            let purchase = "credits=500&paymentMethodId=new&cardNumber=4242424242424242&expMonth=12&expYear=2035&cvc=123"
            let missing = try await harness.exchange(.post, "/app/billing/purchases", cookies: cookies, form: purchase)
            #expect(missing.status == 403)
            let wrong = try await harness.exchange(.post, "/app/billing/purchases", cookies: cookies, form: purchase + "&csrf=0000")
            #expect(wrong.status == 403)
            #expect(try await account.figures()[0] == "0.000")
            let billing = try await harness.exchange(.get, "/app/billing", cookies: cookies)
            let csrf = try #require(billing.csrf)
            let bought = try await harness.exchange(.post, "/app/billing/purchases", cookies: cookies, form: purchase + "&csrf=\(csrf)")
            #expect(bought.status == 303)
            #expect(bought.cookie("tally_flash") != nil)
            #expect(try await account.figures()[0] == "500.000")
        }
    }

    @Test func aBadAmountIsShownBesideItsFieldAndBuysNothing() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let cookies = ["tally_session": account.ownerToken]
            let csrf = try #require(try await harness.exchange(.get, "/app/billing", cookies: cookies).csrf)
            let page = try await harness.exchange(
                .post,
                "/app/billing/purchases",
                cookies: cookies,
                form: "csrf=\(csrf)&credits=99&paymentMethodId=new&cardNumber=4242424242424242&expMonth=12&expYear=2035&cvc=123"
            )
            #expect(page.status == 422)
            #expect(page.body.contains(#"data-test="field-error""#))
            #expect(page.body.contains(#"value="99""#))
            #expect(try await account.figures()[0] == "0.000")
        }
    }

    @Test func theBannersTellDepletedFromLow() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let cookies = ["tally_session": account.ownerToken]
            let empty = try await harness.exchange(.get, "/app/billing", cookies: cookies)
            #expect(empty.body.contains(#"data-test="depleted-banner""#))
            #expect(!empty.body.contains(#"data-test="low-balance-banner""#))
            let card = try await account.saveCard()
            _ = try await account.buy(100)
            let saved = try await account.autoRecharge(threshold: 500, credits: 1000, method: card)
            #expect(saved.status == 200)
            let low = try await harness.exchange(.get, "/app/billing", cookies: cookies)
            #expect(low.body.contains(#"data-test="low-balance-banner""#))
            #expect(!low.body.contains(#"data-test="depleted-banner""#))
            #expect(low.body.contains(#"<span data-test="available">100.000</span>"#))
        }
    }

    @Test func aLogDownloadsAsCSVWithTheSessionCookie() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            let key = try await account.apiKey()
            let validated = try await account.post("/validations/email", #"{"email":"lee@example.com"}"#, token: key)
            #expect(validated.status == 200, "\(validated)")
            let csv = try await harness.exchange(.get, "/app/logs/email_validation.csv", cookies: ["tally_session": account.ownerToken])
            #expect(csv.status == 200)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let lines = csv.body.split(whereSeparator: \.isNewline)
            #expect(lines.count == 2, "\(csv.body)")
            #expect(lines.last?.contains("lee@example.com") == true)
        }
    }

    @Test(arguments: [("1", true), ("true", true), ("0", false), ("", false)])
    func cookiesAreSecureWhenTallyIsToldItRunsBehindHTTPS(setting: String, secure: Bool) {
        #expect(WebSettings.fromEnvironment(["TALLY_SECURE_COOKIES": setting]).secureCookies == secure)
    }
}
