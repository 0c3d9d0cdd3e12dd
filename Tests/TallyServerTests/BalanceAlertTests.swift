import Foundation
import TallyCore
import Testing

/// API.md "Spending control": balance alerts, decided in the transaction of every change
/// of available credits.
@Suite("Balance alerts")
struct BalanceAlertTests {
    /// Each threshold fires once when available falls below it, however many charges cross
    /// it at once, and re-arms (telling so) when a purchase takes available back above it.
    @Test func eachThresholdFiresOnceUnderSixtyFourConcurrentChargesAndRearmsAfterAPurchase() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            try #require(try await account.buy(100).status == 201)
            let set = try await harness.call(
                .put,
                "/v1/accounts/\(account.id)/alerts",
                token: account.ownerToken,
                json: #"{"thresholds":["50",90]}"#
            )
            #expect(set.status == 200, "\(set)")
            #expect(try alerts(set) == [Alert(credits: "90.000", state: "armed"), Alert(credits: "50.000", state: "armed")])

            // 64 phone validations at 1.500 each: 96 credits, both thresholds crossed.
            let statuses = try await charge(account, harness, times: 64, from: 0)
            #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses)")
            #expect(try await account.figures()[0] == "4.000")
            #expect(try await account.notificationKinds().filter { $0 == "balance_below" }.count == 2)
            let fired = try alerts(try await account.get("/alerts"))
            #expect(fired.map(\.state) == ["fired", "fired"])
            #expect(fired.allSatisfy { $0.firedAt != nil })
            let below = try await notifications(account, kind: "balance_below")
            let words = below.compactMap { $0["message"] as? String }
            for threshold in ["90.000", "50.000"] {
                #expect(words.contains { $0.contains("below your alert at \(threshold) credits") }, "\(words)")
            }

            // A purchase takes available back above both: each re-arms, once.
            try #require(try await account.buy(100).status == 201)
            #expect(try alerts(try await account.get("/alerts")).map(\.state) == ["armed", "armed"])
            #expect(try await account.notificationKinds().filter { $0 == "balance_recovered" }.count == 2)

            // Armed again, the higher one fires again when crossed again; the lower one does not.
            #expect(try await charge(account, harness, times: 10, from: 64).allSatisfy { $0 == 200 })
            #expect(try await account.figures()[0] == "89.000")
            #expect(try alerts(try await account.get("/alerts")).map(\.state) == ["fired", "armed"])
            #expect(try await account.notificationKinds().filter { $0 == "balance_below" }.count == 3)
            #expect(try await harness.tally.store.verifyWallets().isEmpty)
        }
    }

    /// Thresholds are checked as a whole (nothing saved when one is wrong); one the balance
    /// is already below fires at once; one kept keeps its state; API keys read, never set.
    @Test func thresholdsAreCheckedAndOneAlreadyCrossedFiresAtOnce() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            try #require(try await account.buy(100).status == 201)
            let path = "/v1/accounts/\(account.id)/alerts"
            let eleven = (1...11).map { #""\#($0)""# }.joined(separator: ",")
            for body in [#"{"thresholds":[\#(eleven)]}"#, #"{"thresholds":["0"]}"#, #"{"thresholds":["90","90.0"]}"#, "{}"] {
                let refused = try await harness.call(.put, path, token: account.ownerToken, json: body)
                #expect(refused.status == 422, "\(body): \(refused)")
                #expect(try refused.errorFields() == ["thresholds"], "\(body): \(refused)")
            }
            #expect(try alerts(try await account.get("/alerts")).isEmpty)

            let crossed = try await harness.call(.put, path, token: account.ownerToken, json: #"{"thresholds":["150"]}"#)
            let first = try alerts(crossed)
            #expect(first.map(\.state) == ["fired"], "\(crossed)")
            #expect(try await account.notificationKinds() == ["balance_below"])

            let kept = try alerts(try await harness.call(.put, path, token: account.ownerToken, json: #"{"thresholds":["20","150"]}"#))
            #expect(kept == [first[0], Alert(credits: "20.000", state: "armed")])
            #expect(try await account.notificationKinds() == ["balance_below"])

            let key = try await account.apiKey()
            let read = try await harness.call(.get, path, token: key)
            #expect(read.status == 200, "\(read)")
            #expect(try alerts(read) == kept)
            #expect(try await harness.call(.put, path, token: key, json: #"{"thresholds":[]}"#).status == 403)

            #expect(try alerts(try await harness.call(.put, path, token: account.ownerToken, json: #"{"thresholds":[]}"#)).isEmpty)
        }
    }

    struct Alert: Equatable {
        var credits: String
        var state: String
        var firedAt: String?
    }

    func alerts(_ reply: Reply) throws -> [Alert] {
        let thresholds = try #require(reply.object["thresholds"] as? [[String: Any]], "\(reply)")
        return thresholds.map {
            Alert(credits: $0["credits"] as? String ?? "", state: $0["state"] as? String ?? "", firedAt: $0["firedAt"] as? String)
        }
    }

    func notifications(_ account: TestAccount, kind: String) async throws -> [[String: Any]] {
        try await account.get("/notifications").items().filter { $0["kind"] as? String == kind }
    }

    /// `times` phone validations at once, each on its own connection.
    func charge(_ account: TestAccount, _ harness: Harness, times: Int, from first: Int) async throws -> [Int] {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in first..<(first + times) {
                group.addTask {
                    try await harness.callOnNewConnection(
                        .post,
                        "/v1/accounts/\(account.id)/validations/phone",
                        token: account.ownerToken,
                        json: #"{"phone":"+3361234\#(String(format: "%04d", index))"}"#
                    ).status
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
    }
}
