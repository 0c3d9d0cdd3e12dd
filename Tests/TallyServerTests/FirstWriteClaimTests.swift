import Foundation
import TallyApp
import TallyCore
import TallyStore
import Testing

/// A validation's `Idempotency-Key` is claimed by the request's one write (the charge, or
/// a refusal's log line) instead of a commit of its own. Whatever arrives at once with
/// one key, exactly one request writes, and every one of them gets its answer.
@Suite("Keys claimed by a request's first write")
struct FirstWriteClaimTests {
    /// `count` requests with one body and one key, each on a connection of its own, at once.
    func sendAtOnce(
        _ harness: Harness,
        _ account: TestAccount,
        _ path: String,
        _ json: String,
        key: String,
        count: Int
    ) async throws -> [Reply] {
        try await withThrowingTaskGroup(of: Reply.self) { group in
            for _ in 0..<count {
                group.addTask {
                    try await harness.callOnNewConnection(
                        .post,
                        "/v1/accounts/\(account.id)\(path)",
                        token: account.ownerToken,
                        json: json,
                        headers: ["Idempotency-Key": key]
                    )
                }
            }
            return try await group.reduce(into: [Reply]()) { $0.append($1) }
        }
    }

    /// `count` validations of one address with one key at once.
    func validateAtOnce(_ harness: Harness, _ account: TestAccount, key: String, count: Int) async throws -> [Reply] {
        try await sendAtOnce(
            harness,
            account,
            "/validations/email",
            #"{"email":"lee@example.com","contact":{"name":"Lee"}}"#,
            key: key,
            count: count
        )
    }

    @Test func oneKeySentManyTimesAtOnceIsChargedOnceAndAnsweredAlike() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            let replies = try await validateAtOnce(harness, account, key: "same-lead", count: 12)
            #expect(replies.allSatisfy { $0.status == 200 }, "\(replies)")
            #expect(Set(replies.map(\.body)).count == 1, "every reply is the one answer")
            #expect(try await account.figures() == ["99.500", "0.000", "0.500", "100.000"])
            let log = try await harness.tally.store.usageLog(account: AccountID(account.id), feature: .emailValidation, limit: 20)
            #expect(log.count == 1)
            // Later: a replay, and the same key with another body.
            let replay = try await account.post("/validations/email", #"{"email":"lee@example.com","contact":{"name":"Lee"}}"#, key: "same-lead")
            #expect(replay.body == replies[0].body)
            let reused = try await account.post("/validations/email", #"{"email":"kim@example.com"}"#, key: "same-lead")
            #expect(reused.status == 409, "\(reused)")
            #expect(try await account.figures()[2] == "0.500")
            #expect(try await harness.tally.store.verifyWallets().isEmpty)
        }
    }

    @Test func oneKeyRefusedManyTimesAtOnceLogsOneRefusalAndKeepsItsAnswer() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let replies = try await validateAtOnce(harness, account, key: "broke", count: 12)
            #expect(replies.allSatisfy { $0.status == 402 }, "\(replies)")
            #expect(Set(replies.map(\.body)).count == 1)
            let log = try await harness.tally.store.usageLog(account: AccountID(account.id), feature: .emailValidation, limit: 20)
            #expect(log.map(\.status.rawValue) == ["refused"])
            // The key keeps its answer after credits arrive; a new key is charged.
            _ = try await account.buy(100)
            let replay = try await account.post("/validations/email", #"{"email":"lee@example.com","contact":{"name":"Lee"}}"#, key: "broke")
            #expect(replay.status == 402 && replay.body == replies[0].body)
            let fresh = try await account.post("/validations/email", #"{"email":"lee@example.com","contact":{"name":"Lee"}}"#, key: "paid")
            #expect(fresh.status == 200)
            #expect(try await account.figures() == ["99.500", "0.000", "0.500", "100.000"])
        }
    }

    /// A credit check's key is claimed by its hold: eight at once with one key make one
    /// hold, one bureau charge and one answer.
    @Test func oneCreditCheckKeySentManyTimesAtOnceHoldsAndChargesOnce() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            try await account.verifyUS()
            _ = try await account.buy(100)
            let replies = try await sendAtOnce(
                harness,
                account,
                "/credit-checks",
                #"{"kind":"credit_score","contact":{"name":"Lee Lead","email":"lead@example.com","phone":"+1 201 555 0123"}}"#,
                key: "one-check",
                count: 8
            )
            #expect(replies.allSatisfy { $0.status == 200 }, "\(replies)")
            #expect(Set(replies.map(\.body)).count == 1)
            #expect(try await account.figures() == ["83.000", "0.000", "17.000", "100.000"])
            let kinds = try await account.get("/ledger").items().compactMap { $0["kind"] as? String }
            #expect(kinds.filter { $0 == "hold" }.count == 1, "\(kinds)")
            #expect(try await harness.tally.store.verifyWallets().isEmpty)
        }
    }

    /// A request whose key another request claimed the long way (and is still answering)
    /// waits for that answer rather than charging.
    @Test func aKeyClaimedTheLongWayIsNotChargedAgain() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            let body = #"{"email":"lee@example.com"}"#
            let request = try IdempotencyRequest(
                key: "held",
                method: "POST",
                path: "/v1/accounts/\(account.id)/validations/email",
                body: Array(body.utf8)
            )
            let store = harness.tally.store
            let claimed = try await store.claimIdempotencyKey(
                "held",
                requestHash: request.requestHash,
                account: AccountID(account.id),
                at: Date(),
                staleAfter: 660
            )
            #expect(claimed == .claimed)
            async let reply = account.post("/validations/email", body, key: "held")
            try await Task.sleep(for: .milliseconds(300))
            try await store.completeIdempotencyKey(
                IdempotentResponse(key: "held", status: 200, body: Array(#"{"answered":"elsewhere"}"#.utf8), claimToken: nil),
                account: AccountID(account.id),
                at: Date()
            )
            let answered = try await reply
            #expect(answered.status == 200 && answered.body == #"{"answered":"elsewhere"}"#, "\(answered)")
            #expect(try await account.figures()[2] == "0.000")
        }
    }
}
