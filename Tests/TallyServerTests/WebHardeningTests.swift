import Foundation
import HTTPTypes
import NIOCore
import TallyServer
import Testing

/// What a hostile client or page must not get from the web app and the API: formulas
/// in exports, answers a browser may sniff, cache or frame, secrets in cookies, and
/// login forms that a planted cookie passes.
@Suite("Web and HTTP hardening")
struct WebHardeningTests {
    // MARK: CSV

    @Test func aFormulaBehindASeparatorInAnExportIsQuotedAndNeutralised() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            let key = try await account.apiKey()
            let validated = try await account.post(
                "/validations/email",
                #"{"email":"lee@example.com","contact":{"name":"a;=1+1"}}"#,
                token: key
            )
            #expect(validated.status == 200, "\(validated)")
            let api = try await harness.exchange(.get, "/v1/accounts/\(account.id)/logs/email_validation?format=csv", token: key)
            let web = try await harness.exchange(.get, "/app/logs/email_validation.csv", cookies: ["tally_session": account.ownerToken])
            for export in [api, web] {
                #expect(export.status == 200)
                let row = try #require(export.body.components(separatedBy: "\r\n").first { $0.contains("lee@example.com") })
                #expect(row.contains(#","a;'=1+1","#), "\(row)")
                // Split as a spreadsheet that takes `;` for its separator and ignores quotes: no piece is a formula.
                for piece in row.split(whereSeparator: { ";,\"".contains($0) }) {
                    #expect(!"=+-@".contains(piece.first ?? " "), "\(piece) in \(row)")
                }
            }
        }
    }

    // MARK: Headers

    @Test func everyAnswerForbidsSniffingAndAccountDataIsNeverStored() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let owner = account.ownerToken
            let answers: [(String, HeadedAnswer)] = [
                ("health", try await harness.exchange(.get, "/health")),
                ("wallet", try await harness.exchange(.get, "/v1/accounts/\(account.id)/wallet", token: owner)),
                ("ledger", try await harness.exchange(.get, "/v1/accounts/\(account.id)/ledger", token: owner)),
                ("ledger csv", try await harness.exchange(.get, "/v1/accounts/\(account.id)/ledger?format=csv", token: owner)),
                ("notifications", try await harness.exchange(.get, "/v1/accounts/\(account.id)/notifications", token: owner)),
                (
                    "session",
                    try await harness.exchange(
                        .post,
                        "/v1/sessions",
                        json: #"{"email":"nobody@example.com","password":"wrong"}"#
                    )
                ),
                ("unauthenticated", try await harness.exchange(.get, "/v1/accounts/\(account.id)/wallet")),
                ("no route", try await harness.exchange(.get, "/v1/no-such-thing")),
                ("bad json", try await harness.exchange(.post, "/v1/accounts/\(account.id)/api-keys", token: owner, json: "{")),
                ("page", try await harness.exchange(.get, "/app/billing", cookies: ["tally_session": owner])),
                ("login", try await harness.exchange(.get, "/app/login")),
                ("redirect", try await harness.exchange(.get, "/app/usage")),
                ("stylesheet", try await harness.exchange(.get, "/app/assets/tally.css")),
                ("script", try await harness.exchange(.get, "/app/assets/tally.js")),
            ]
            for (name, answer) in answers {
                #expect(answer.headers[.xContentTypeOptions] == "nosniff", "\(name): \(answer.status)")
                #expect(answer.headers[.strictTransportSecurity] == nil, "\(name): HSTS only behind HTTPS")
                if !["stylesheet", "script"].contains(name) {
                    #expect(answer.headers[.cacheControl] == "no-store", "\(name): \(answer.headers[.cacheControl] ?? "none")")
                }
            }
            let statuses = Dictionary(uniqueKeysWithValues: answers.map { ($0.0, $0.1.status) })
            #expect(statuses["wallet"] == 200 && statuses["session"] == 401 && statuses["no route"] == 404 && statuses["redirect"] == 303)
            #expect((statuses["bad json"] ?? 0) >= 400)
        }
    }

    @Test func pagesRunOnlyTallysOwnScriptAndStylesheet() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(500)
            let key = try await account.apiKey()
            _ = try await account.post("/validations/email", #"{"email":"lee@example.com"}"#, token: key)
            _ = try await account.post("/webhooks", #"{"url":"https://example.com/hooks"}"#)
            let cookies = ["tally_session": account.ownerToken]
            let paths = [
                "/app/login", "/app/billing", "/app/usage", "/app/logs/email_validation", "/app/logs/sms", "/app/usage-guard",
                "/app/events", "/app/notifications", "/app/integrations", "/app/developers", "/app/no-such-page",
            ]
            for path in paths {
                let page = try await harness.exchange(.get, path, cookies: path == "/app/login" ? [:] : cookies)
                #expect([200, 404].contains(page.status), "\(path): \(page.status)")
                let policy = try #require(page.headers[.contentSecurityPolicy], "\(path) has no Content-Security-Policy")
                let directives = Dictionary(
                    policy.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.map {
                        (String($0.prefix { $0 != " " }), String($0.drop { $0 != " " }).trimmingCharacters(in: .whitespaces))
                    },
                    uniquingKeysWith: { first, _ in first }
                )
                #expect(directives["default-src"] == "'none'", "\(path): \(policy)")
                #expect(directives["script-src"] == "'self'", "\(path): \(policy)")
                #expect(directives["style-src"] == "'self'", "\(path): \(policy)")
                #expect(directives["frame-ancestors"] == "'none'", "\(path): \(policy)")
                #expect(directives["form-action"] == "'self'", "\(path): \(policy)")
                #expect(!policy.contains("unsafe"), "\(path): \(policy)")
                // Nothing the policy would block: no inline script, handler or style.
                #expect(page.body.range(of: #"<script(?![^>]*\ssrc=)"#, options: .regularExpression) == nil, "\(path): inline script")
                #expect(page.body.range(of: #"<[^>]*\son[a-z]+\s*="#, options: [.regularExpression, .caseInsensitive]) == nil, "\(path): handler")
                #expect(page.body.range(of: #"<[^>]*\sstyle\s*="#, options: [.regularExpression, .caseInsensitive]) == nil, "\(path): style")
                #expect(!page.body.contains("<style"), "\(path): style element")
                #expect(!page.body.contains("javascript:"), "\(path): script URL")
            }
            // The swatches' colors come from the stylesheet.
            let stylesheet = try await harness.exchange(.get, "/app/assets/tally.css")
            #expect(stylesheet.body.contains(".swatch.swatch-email-validation { background: #6366f1; }"))
        }
    }

    // MARK: Secrets

    @Test func aNewKeyOrWebhookSecretIsShownOnceAndNeverTravelsInACookie() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let cookies = ["tally_session": account.ownerToken]
            let csrf = try #require(try await harness.exchange(.get, "/app/developers", cookies: cookies).csrf)
            let created = try await harness.exchange(.post, "/app/developers/api-keys", cookies: cookies, form: "csrf=\(csrf)&name=Backend")
            let made = try await harness.exchange(
                .post,
                "/app/developers/webhooks",
                cookies: cookies,
                form: "csrf=\(csrf)&url=https%3A%2F%2Fexample.com%2Fhooks"
            )
            for (answer, prefix) in [(created, "tk_"), (made, "whsec_")] {
                #expect(answer.status == 200, "\(answer.status)")
                #expect(answer.body.contains(#"data-test="flash""#))
                let shown = try #require(answer.body.range(of: #"<code data-test="secret">"#), "no secret shown")
                let secret = String(answer.body[shown.upperBound...].prefix { $0 != "<" })
                #expect(secret.hasPrefix(prefix))
                for cookie in answer.headers[values: .setCookie] {
                    #expect(!cookie.contains(secret) && !cookie.contains(WebHardeningTests.percentEncoded(secret)), "\(cookie)")
                }
                #expect(answer.headers[.location] == nil)
            }
            // The key works; the next page shows no secret.
            let key = String(created.body[created.body.range(of: #"<code data-test="secret">"#)!.upperBound...].prefix { $0 != "<" })
            #expect(try await account.wallet(token: key).status == 200)
            let later = try await harness.exchange(.get, "/app/developers", cookies: cookies.merging(["tally_secret": "planted"]) { $1 })
            #expect(!later.body.contains(#"data-test="secret""#))
            #expect(later.body.contains(#"data-test="api-key-row""#) && later.body.contains(#"data-test="webhook-row""#))
        }
    }

    static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    // MARK: Login CSRF

    @Test func aPlantedLoginCookieDoesNotPassAndTwoLoginPagesBothWork() async throws {
        try await Harness.run { harness in
            let email = "owner-\(UUID().uuidString.prefix(8))@example.com"
            _ = try await harness.makeAccount(owner: email)
            let credentials = "email=\(email)&password=correct+horse"
            // A value of the attacker's choosing, in the cookie and the form alike.
            let planted = "0123456789abcdef0123456789abcdef"
            let forged = try await harness.exchange(
                .post,
                "/app/login",
                cookies: ["tally_login_csrf": planted],
                form: "csrf=\(planted)&\(credentials)"
            )
            #expect(forged.status == 403)
            #expect(forged.cookie("tally_session") == nil)

            // Two login pages in one browser: the second keeps the browser's value, and both forms work.
            let first = try await harness.exchange(.get, "/app/login")
            let browser = try #require(first.cookie("tally_login_csrf"))
            let second = try await harness.exchange(.get, "/app/login", cookies: ["tally_login_csrf": browser])
            #expect(second.cookie("tally_login_csrf") == browser)
            let firstToken = try #require(first.csrf)
            let secondToken = try #require(second.csrf)
            #expect(firstToken != secondToken && firstToken != browser)

            // A token Tally made for another browser does not pass with this one's cookie.
            let other = try await harness.exchange(.get, "/app/login")
            let otherToken = try #require(other.csrf)
            let crossed = try await harness.exchange(
                .post,
                "/app/login",
                cookies: ["tally_login_csrf": browser],
                form: "csrf=\(otherToken)&\(credentials)"
            )
            #expect(crossed.status == 403)
            // A token altered by one character does not pass.
            let altered = String(firstToken.dropLast()) + (firstToken.hasSuffix("0") ? "1" : "0")
            let tampered = try await harness.exchange(
                .post,
                "/app/login",
                cookies: ["tally_login_csrf": browser],
                form: "csrf=\(altered)&\(credentials)"
            )
            #expect(tampered.status == 403)

            for token in [firstToken, secondToken] {
                let signedIn = try await harness.exchange(
                    .post,
                    "/app/login",
                    cookies: ["tally_login_csrf": browser],
                    form: "csrf=\(token)&\(credentials)"
                )
                #expect(signedIn.status == 303)
                #expect(signedIn.cookie("tally_session") != nil)
            }
        }
    }
}
