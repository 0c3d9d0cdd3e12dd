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
}
