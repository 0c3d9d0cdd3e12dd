import Foundation
import TallyCore
import Testing

/// SPEC "Data intelligence on events" and "Usage guard".
@Suite("Events, leads and the usage guard")
struct EventsAndUsageGuardTests {
    let dtiEvent = #"""
        {"name":"Demo call","creditCheck":"dti","disqualify":{"invalidEmail":true,"invalidPhone":true,"minCreditScore":300,"maxDtiPercent":100},
         "routes":[{"name":"prime","minCreditScore":700},{"name":"standard","minCreditScore":300,"maxDtiPercent":60}],"defaultRoute":"review"}
        """#

    @Test func aCreditCheckTurnsBothValidationsOn() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let reply = try await harness.call(
                .put,
                "/v1/accounts/\(account.id)/events/demo",
                token: account.ownerToken,
                json: #"{"name":"Demo","creditCheck":"credit_score"}"#
            )
            #expect(reply.status == 200, "\(reply)")
            let config = try reply.decode(EventAnswer.self)
            #expect(config.emailValidation)
            #expect(config.phoneValidation)
            let stored = try await account.get("/events/demo")
            #expect(stored.status == 200)
            #expect(try stored.decode(EventAnswer.self).creditCheck == "credit_score")
            #expect(try await account.get("/events/nope").status == 404)
        }
    }

    @Test func aLeadRunsTheEventsChecksAndIsRouted() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            try await account.verifyUS()
            _ = try await account.buy(100)
            let put = try await harness.call(.put, "/v1/accounts/\(account.id)/events/demo", token: account.ownerToken, json: dtiEvent)
            #expect(put.status == 200, "\(put)")
            let lead = try await account.post("/events/demo/leads", #"{"name":"Lee","email":"lee@example.com","phone":"+1 201 555 0123"}"#)
            #expect(lead.status == 200, "\(lead)")
            let answer = try lead.decode(LeadAnswer.self)
            #expect(answer.qualified)
            #expect(answer.credits == "26.000")
            let credit = try #require(answer.checks.creditCheck)
            let score = try #require(credit.creditScore)
            let dti = try #require(credit.dtiPercent)
            let expected = score >= 700 ? "prime" : (dti <= 60 ? "standard" : "review")
            #expect(answer.route == expected)
            #expect(try await account.figures()[2] == "26.000")
        }
    }

    @Test func anUnverifiedAccountsLeadRunsTheValidationsButNotTheCheck() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            _ = try await harness.call(.put, "/v1/accounts/\(account.id)/events/demo", token: account.ownerToken, json: dtiEvent)
            let answer = try await account.post("/events/demo/leads", #"{"name":"Lee","email":"lee@example.com","phone":"+1 201 555 0123"}"#)
                .decode(LeadAnswer.self)
            #expect(answer.checks.creditCheck?.status == "skipped")
            #expect(answer.checks.email?.result == "valid")
            #expect(answer.credits == "2.000")
            // The score rules could not be measured: the lead is not disqualified by them.
            #expect(answer.qualified)
            #expect(answer.route == "review")
        }
    }

    @Test func anInvalidEmailDisqualifiesTheLead() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            _ = try await harness.call(
                .put,
                "/v1/accounts/\(account.id)/events/webinar",
                token: account.ownerToken,
                json: #"{"name":"Webinar","emailValidation":true,"phoneValidation":true,"disqualify":{"invalidEmail":true},"defaultRoute":"sales"}"#
            )
            let lead = try await account.post("/events/webinar/leads", #"{"name":"Lee","email":"lee@nowhere.invalid","phone":"+33612345678"}"#)
            let answer = try lead.decode(LeadAnswer.self)
            #expect(!answer.qualified)
            #expect(answer.disqualifiedBy == ["invalid_email"])
            #expect(try lead.isNull("route"))
            #expect(answer.credits == "2.000")
            #expect(try await account.figures() == ["98.000", "0.000", "2.000", "100.000"])
        }
    }

    @Test(arguments: [
        (#"{"name":"E","creditCheck":"maybe"}"#, "creditCheck"),
        (#"{"name":"","creditCheck":"none"}"#, "name"),
        (#"{"name":"E","disqualify":{"minCreditScore":500}}"#, "disqualify.minCreditScore"),
        (#"{"name":"E","creditCheck":"dti","routes":[{"name":"a","minCreditScore":900}]}"#, "routes[0].minCreditScore"),
    ])
    func aBadEventConfigNamesItsField(body: String, field: String) async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let reply = try await harness.call(.put, "/v1/accounts/\(account.id)/events/e1", token: account.ownerToken, json: body)
            #expect(reply.status == 422, "\(reply)")
            #expect(try reply.errorFields() == [field])
        }
    }

    @Test func aLeadForAnUnknownEventIs404() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            #expect(try await account.post("/events/nope/leads", #"{"name":"L"}"#).status == 404)
        }
    }

    @Test func theGuardPausesExactlyAtTheLimitUnderConcurrency() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            try await account.verifyUS()
            _ = try await account.buy(1_000)
            let put = try await harness.call(
                .put,
                "/v1/accounts/\(account.id)/usage-guard",
                token: account.ownerToken,
                json: #"{"enabled":true,"maxRequests":5,"windowSeconds":3600}"#
            )
            #expect(put.status == 200, "\(put)")
            let statuses = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<12 {
                    group.addTask {
                        let reply = try await harness.callOnNewConnection(
                            .post,
                            "/v1/accounts/\(account.id)/credit-checks",
                            token: account.ownerToken,
                            json: #"{"kind":"credit_score","contact":{"name":"L\#(index)","email":"l@example.com","phone":"+12015550123"}}"#
                        )
                        return try reply.string("status")
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == "completed" }.count == 5)
            #expect(statuses.filter { $0 == "blocked" }.count == 7)
            #expect(try await account.figures()[2] == "85.000")
            #expect(try await account.get("/usage-guard").decode(UsageGuardAnswer.self).paused)
            let notifications = try await account.get("/notifications").items()
            #expect(notifications.map { $0["kind"] as? String } == ["usage_guard_paused"])
            // While paused every check is blocked, logged and free.
            let blocked = try await account.creditCheck()
            #expect(try blocked.string("status") == "blocked")
            #expect(try blocked.string("totalCredits") == "0.000")
            #expect(try await account.figures()[2] == "85.000")
            let log = try await harness.tally.store.usageLog(account: AccountID(account.id), feature: .creditScore, limit: 20)
            #expect(log.filter { $0.status == .blocked }.count == 8)
        }
    }

    @Test func onlyTheOwnerAndSuperAdminsResumeChecks() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            try await account.verifyUS()
            _ = try await account.buy(100)
            _ = try await harness.call(
                .put,
                "/v1/accounts/\(account.id)/usage-guard",
                token: account.ownerToken,
                json: #"{"enabled":true,"maxRequests":1,"windowSeconds":3600}"#
            )
            #expect(try await account.creditCheck().string("status") == "completed")
            #expect(try await account.creditCheck().string("status") == "blocked")
            let key = try await account.apiKey()
            let admin = try await account.person("admin")
            #expect(try await account.post("/usage-guard/resume", "", token: key).status == 403)
            #expect(try await account.post("/usage-guard/resume", "", token: admin).status == 403)
            #expect(
                try await harness.call(
                    .put,
                    "/v1/accounts/\(account.id)/usage-guard",
                    token: key,
                    json: #"{"enabled":false,"maxRequests":1,"windowSeconds":1}"#
                ).status == 403
            )
            let superAdmin = try await account.person("super_admin")
            let resumed = try await account.post("/usage-guard/resume", "", token: superAdmin)
            #expect(try !resumed.decode(UsageGuardAnswer.self).paused)
            #expect(try await account.creditCheck().string("status") == "completed")
            let kinds = try await account.get("/notifications").items().map { $0["kind"] as? String }
            #expect(kinds == ["usage_guard_resumed", "usage_guard_paused"])
        }
    }

    @Test(arguments: [
        (#"{"enabled":true,"maxRequests":0,"windowSeconds":60}"#, ["maxRequests"]),
        (#"{"enabled":true,"maxRequests":5,"windowSeconds":0}"#, ["windowSeconds"]),
        (#"{"enabled":true,"maxRequests":5}"#, ["windowSeconds"]),
    ])
    func aBadGuardIs422(body: String, fields: [String]) async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let reply = try await harness.call(.put, "/v1/accounts/\(account.id)/usage-guard", token: account.ownerToken, json: body)
            #expect(reply.status == 422)
            #expect(try reply.errorFields() == fields)
        }
    }
}
