import Foundation
import HTTPTypes
import Hummingbird
import Testing

@testable import TallyServer

/// RFC 9110: a known path asked with a method it lacks is 405 with `Allow`; an unknown path is 404.
@Suite("Methods a path lacks")
struct MethodNotAllowedTests {
    @Test func aKnownPathAskedWithAMethodItLacksIs405WithAllow() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let cases: [(HTTPRequest.Method, String, String)] = [
                (.trace, "/health", "GET"),
                (.post, "/health", "GET"),
                (.put, "/v1/accounts/\(account.id)/wallet", "GET"),
                (.delete, "/v1/accounts/\(account.id)/wallet", "GET"),
                (.patch, "/v1/accounts/\(account.id)/payment-methods", "GET, POST"),
                (.put, "/v1/sessions", "DELETE, POST"),
                (.options, "/openapi.json", "GET"),
                (.head, "/v1/pricing", "GET"),
                // A path of an account that does not exist is still a path Tally has.
                (.put, "/v1/accounts/acct_missing/wallet", "GET"),
            ]
            for (method, path, allow) in cases {
                let answer = try await harness.exchange(method, path, token: account.ownerToken)
                #expect(answer.status == 405, "\(method) \(path)")
                #expect(answer.allow == allow, "\(method) \(path)")
                #expect(answer.contentType == "application/problem+json", "\(method) \(path)")
                guard method != .head else { continue }
                let problem = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
                #expect(problem["status"] as? Int == 405)
                #expect(problem["type"] as? String == "urn:tally:problem:method-not-allowed")
                #expect((problem["detail"] as? String)?.contains("\(method) is not allowed on \(path)") == true)
            }
            // Without credentials too: which methods a path has is no secret (/openapi.json lists them).
            #expect(try await harness.exchange(.trace, "/health").status == 405)
        }
    }

    @Test func anUnknownPathIs404WhateverTheMethod() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            for method: HTTPRequest.Method in [.get, .post, .put, .trace] {
                for path in ["/nothing", "/v1/nothing", "/v1/accounts/\(account.id)/nothing", "/health/more"] {
                    let answer = try await harness.exchange(method, path, token: account.ownerToken)
                    #expect(answer.status == 404, "\(method) \(path)")
                    #expect(answer.allow == nil, "\(method) \(path)")
                    #expect(answer.contentType == "application/problem+json", "\(method) \(path)")
                }
            }
        }
    }

    @Test func theMethodsAPathHasStillAnswer() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            #expect(try await harness.exchange(.get, "/health").status == 200)
            #expect(try await harness.exchange(.get, "/v1/accounts/\(account.id)/wallet", token: account.ownerToken).status == 200)
        }
    }

    /// As the router: a constant segment wins over a parameter, and a catch-all names no path.
    @Test func allowListsTheMethodsOfTheRouteTheRouterPicks() {
        let router = Router(context: TallyRequestContext.self)
        router.get("/things/{id}") { _, _ in "thing" }
        router.delete("/things/{id}") { _, _ in "gone" }
        router.post("/things/count") { _, _ in "count" }
        router.get("/pages/**") { _, _ in "page" }
        let middleware = MethodNotAllowedMiddleware(routes: router.routes)
        #expect(middleware.allowedMethods(path: "/things/t_1") == [.delete, .get])
        #expect(middleware.allowedMethods(path: "/things/count") == [.post])
        #expect(middleware.allowedMethods(path: "/things/count/") == [.post])
        #expect(middleware.allowedMethods(path: "/things") == nil)
        #expect(middleware.allowedMethods(path: "/things/t_1/more") == nil)
        #expect(middleware.allowedMethods(path: "/pages/anything") == nil)
    }
}
