import Foundation
import TallyApp
import TallyCore
import Testing

/// API.md "Spending control": spend caps, decided in each charge's own transaction.
@Suite("Spend caps")
struct SpendCapTests {
    /// 200 phone validations at once against a cap of 20 uses (30 credits a day): exactly
    /// 20 are charged, the rest refused with 402 and logged, and the owner is told once.
    @Test func aCapHoldsExactlyUnderTwoHundredConcurrentCharges() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            try #require(try await account.buy(1_000).status == 201)
            let set = try await putCaps(account, harness, #"[{"feature":"phone_validation","period":"day","credits":"30"}]"#)
            #expect(set.status == 200, "\(set)")
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        try await harness.callOnNewConnection(
                            .post,
                            "/v1/accounts/\(account.id)/validations/phone",
                            token: account.ownerToken,
                            json: #"{"phone":"+3361234\#(String(format: "%04d", index))"}"#
                        )
                    }
                }
                return try await group.reduce(into: [Reply]()) { $0.append($1) }
            }
            #expect(replies.filter { $0.status == 200 }.count == 20)
            let refused = replies.filter { $0.status == 402 }
            #expect(refused.count == 180, "\(Set(replies.map(\.status)))")
            let problem = try #require(refused.first).decode(SpendCapProblem.self)
            #expect(problem.type.hasSuffix("spend-cap-reached"), "\(problem)")
            #expect(problem.feature == "phone_validation")
            #expect(problem.period == "day")
            #expect(!problem.resetsAt.isEmpty)
            #expect(try await account.figures() == ["970.000", "0.000", "30.000", "1000.000"])
            let caps = try await account.get("/spend-caps").decode(SpendCapsAnswer.self).caps
            #expect(caps.first?.spent == "30.000", "\(caps)")
            let lines = try await account.get("/logs/phone_validation?limit=500").items()
            #expect(lines.filter { $0["result"] as? String == "refused" }.count == 180)
            #expect(lines.filter { $0["result"] as? String != "refused" }.count == 20)
            #expect(try await account.notificationKinds().filter { $0 == "spend_cap_reached" }.count == 1)
            #expect(try await harness.tally.store.verifyWallets().isEmpty)
        }
    }

    /// A day's cap counts Pacific days: it resets at Pacific midnight, on the day the clocks
    /// go forward (a 23-hour day) and the day they go back (a 25-hour day) alike.
    @Test(arguments: [
        // 2026-03-08 starts at 08:00Z (PST) and ends at 07:00Z the next morning (PDT).
        ("2026-03-08T08:30:00Z", "2026-03-09T06:59:59Z", "2026-03-09T07:00:00Z"),
        // 2026-11-01 starts at 07:00Z (PDT) and ends at 08:00Z the next morning (PST).
        ("2026-11-01T07:30:00Z", "2026-11-02T07:59:59Z", "2026-11-02T08:00:00Z"),
    ])
    func aDayCapResetsAtPacificMidnight(_ times: (String, String, String)) async throws {
        let (start, lastMoment, midnight) = (try date(times.0), try date(times.1), try date(times.2))
        let clock = ManualTime(start)
        try await Harness.run(time: clock) { harness in
            let account = try await harness.makeAccount()
            try #require(try await account.buy(100).status == 201)
            #expect(try await putCaps(account, harness, #"[{"feature":"phone_validation","period":"day","credits":"3"}]"#).status == 200)
            // The platform's backend calls with its API key (a person's session would end as the clock moves on).
            let key = try await account.apiKey()
            func validate(_ account: TestAccount, _ index: Int) async throws -> Reply {
                try await account.post("/validations/phone", #"{"phone":"+3361234\#(String(format: "%04d", index))"}"#, token: key)
            }
            #expect(try await validate(account, 1).status == 200)
            #expect(try await validate(account, 2).status == 200)
            let third = try await validate(account, 3)
            #expect(third.status == 402)
            #expect(try third.decode(SpendCapProblem.self).resetsAt == times.2)
            clock.set(lastMoment)
            #expect(try await validate(account, 4).status == 402, "still the same Pacific day")
            clock.set(midnight)
            #expect(try await validate(account, 5).status == 200, "a new Pacific day")
            let caps = try await account.get("/spend-caps", token: key).decode(SpendCapsAnswer.self).caps
            #expect(caps.first?.spent == "1.500")
            #expect(midnight > start)
        }
    }

    /// A month's cap resets on the first of the next Pacific month; a credit check refused
    /// by a cap is logged blocked and costs nothing; caps are checked as a whole.
    @Test func aCreditCheckPastItsCapIsBlockedAndCapsAreCheckedAsAWhole() async throws {
        let clock = ManualTime(try date("2026-03-31T20:00:00Z"))
        try await Harness.run(time: clock) { harness in
            let account = try await harness.makeAccount()
            try await account.verifyUS()
            try #require(try await account.buy(100).status == 201)
            for (body, field) in [
                (#"[{"feature":"bingo","period":"day","credits":"3"}]"#, "caps[0].feature"),
                (#"[{"feature":"sms","period":"week","credits":"3"}]"#, "caps[0].period"),
                (#"[{"feature":"sms","period":"day","credits":"3"},{"feature":"sms","period":"day","credits":"4"}]"#, "caps"),
                (#"[{"feature":"sms","period":"day","credits":"0"}]"#, "caps"),
            ] {
                let refused = try await putCaps(account, harness, body)
                #expect(refused.status == 422, "\(body): \(refused)")
                #expect(try refused.errorFields() == [field], "\(body): \(refused)")
            }
            #expect(try await account.get("/spend-caps").decode(SpendCapsAnswer.self).caps.isEmpty)

            let set = try await putCaps(account, harness, #"[{"feature":"credit_score","period":"month","credits":"20"}]"#)
            let caps = try set.decode(SpendCapsAnswer.self).caps
            // March 2026 ends at Pacific midnight, 07:00Z on April 1st (PDT).
            #expect(caps.first?.resetsAt == "2026-04-01T07:00:00Z", "\(set)")
            #expect(try await account.creditCheck().string("status") == "completed")
            let before = try await account.figures()
            let blocked = try await account.creditCheck()
            #expect(blocked.status == 402, "\(blocked)")
            #expect(try await account.figures() == before, "a blocked check costs nothing")
            let lines = try await account.get("/logs/credit_checks").items()
            #expect(lines.compactMap { $0["status"] as? String }.sorted() == ["blocked", "completed"])
            let line = lines.first { $0["status"] as? String == "blocked" }
            #expect((line?["reason"] as? String)?.hasPrefix("spend cap reached") == true, "\(line ?? [:])")

            let key = try await account.apiKey()
            #expect(try await harness.call(.get, "/v1/accounts/\(account.id)/spend-caps", token: key).status == 200)
            let byKey = try await harness.call(.put, "/v1/accounts/\(account.id)/spend-caps", token: key, json: #"{"caps":[]}"#)
            #expect(byKey.status == 403)
        }
    }

    func putCaps(_ account: TestAccount, _ harness: Harness, _ caps: String) async throws -> Reply {
        try await harness.call(.put, "/v1/accounts/\(account.id)/spend-caps", token: account.ownerToken, json: #"{"caps":\#(caps)}"#)
    }

    func validate(_ account: TestAccount, _ index: Int) async throws -> Reply {
        try await account.post("/validations/phone", #"{"phone":"+3361234\#(String(format: "%04d", index))"}"#)
    }

    func date(_ text: String) throws -> Date {
        try #require(ISO8601DateFormatter().date(from: text))
    }
}
