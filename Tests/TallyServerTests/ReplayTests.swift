import Foundation
import TallyApp
import TallyCore
import Testing

/// API.md "Conventions": a replay returns the first response. However the wallet, its
/// lots, its cards, its events or the clock moved since, the same `Idempotency-Key` with
/// the same body answers byte for byte what it answered first, and moves nothing.
@Suite("Replays answer the first answer")
struct ReplayTests {
    static let start = Date(timeIntervalSince1970: 1_790_000_000)

    /// A refund of 50 credits, replayed once the rest of its lot was spent: the lot has
    /// less than 50 unused credits now, and the replay still answers the refund it made.
    @Test func aRefundReplayedAfterItsCreditsWereSpentAnswersTheRefund() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let bought = try await account.buy(100)
            try #require(bought.status == 201, "\(bought)")
            let purchase = try bought.string("id")
            let body = #"{"credits":50}"#
            let first = try await account.post("/purchases/\(purchase)/refunds", body, key: "refund-1")
            try #require(first.status == 201, "\(first)")
            let spent = try await account.post(
                "/adjustments",
                #"{"credits":-45,"reason":"spent elsewhere"}"#,
                token: Harness.operatorToken,
                key: "spend-1"
            )
            try #require(spent.status == 201, "\(spent)")
            let figures = try await account.figures()
            #expect(figures[0] == "5.000")

            let replay = try await account.post("/purchases/\(purchase)/refunds", body, key: "refund-1")
            #expect(replay.status == 201, "\(replay)")
            #expect(replay.body == first.body)
            #expect(try await account.figures() == figures)
        }
    }

    /// A grant expiring a minute after it was made, replayed two minutes later: the
    /// replay answers the grant, not "expiresAt must be in the future".
    @Test func aGrantReplayedAfterItsExpiryAnswersTheGrant() async throws {
        let clock = ManualTime(Self.start)
        try await Harness.run(time: clock) { harness in
            let account = try await harness.makeAccount()
            let expiry = ISO8601DateFormatter().string(from: Self.start.addingTimeInterval(60))
            let body = #"{"credits":20,"reason":"launch promotion","expiresAt":"\#(expiry)"}"#
            let first = try await account.post("/grants", body, token: Harness.operatorToken, key: "grant-1")
            try #require(first.status == 201, "\(first)")
            clock.advance(seconds: 120)

            let replay = try await account.post("/grants", body, token: Harness.operatorToken, key: "grant-1")
            #expect(replay.status == 201, "\(replay)")
            #expect(replay.body == first.body)
            #expect(try await account.get("/lots").items().count == 1)
        }
    }

    /// A purchase with a saved card, replayed after the card was removed, and one with a
    /// new card, replayed after the card expired: both answer the purchase they made.
    @Test func aPurchaseReplayedAfterItsCardWentAnswersThePurchase() async throws {
        let clock = ManualTime(Date(timeIntervalSince1970: 2_081_289_600))  // 2035-12-15 UTC
        try await Harness.run(time: clock) { harness in
            let owner = "owner-\(UUID().uuidString.prefix(8))@example.com"
            let account = try await harness.makeAccount(owner: owner)
            let method = try await account.saveCard()
            let saved = #"{"credits":100,"paymentMethodId":"\#(method)"}"#
            let first = try await account.post("/purchases", saved, key: "buy-saved")
            try #require(first.status == 201, "\(first)")
            let removed = try await harness.call(.delete, "/v1/accounts/\(account.id)/payment-methods/\(method)", token: account.ownerToken)
            try #require(removed.status == 204, "\(removed)")
            let replay = try await account.post("/purchases", saved, key: "buy-saved")
            #expect(replay.status == 201, "\(replay)")
            #expect(replay.body == first.body)

            let card = #"{"credits":100,"card":{"number":"4242424242424242","expMonth":12,"expYear":2035,"cvc":"123"}}"#
            let bought = try await account.post("/purchases", card, key: "buy-card")
            try #require(bought.status == 201, "\(bought)")
            clock.advance(seconds: 31 * 86_400)  // January 2036: the card has expired (and the session)
            let token = try await harness.login(owner, "correct horse")
            let again = try await account.post("/purchases", card, token: token, key: "buy-card")
            #expect(again.status == 201, "\(again)")
            #expect(again.body == bought.body)
            #expect(try await account.wallet(token: token).object["available"] as? String == "200.000")
        }
    }

    /// A lead replayed after its event came to require a phone: the replay answers the
    /// lead as it was run, not "phone is required".
    @Test func aLeadReplayedAfterItsEventChangedAnswersTheLead() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            #expect(try await account.buy(100).status == 201)
            let emailOnly = #"{"name":"Demo","emailValidation":true}"#
            let put = try await harness.call(.put, "/v1/accounts/\(account.id)/events/demo", token: account.ownerToken, json: emailOnly)
            try #require(put.status == 200, "\(put)")
            let body = #"{"name":"Lee","email":"lee@example.com"}"#
            let first = try await account.post("/events/demo/leads", body, key: "lead-1")
            try #require(first.status == 200, "\(first)")
            let withPhone = #"{"name":"Demo","emailValidation":true,"phoneValidation":true}"#
            let changed = try await harness.call(.put, "/v1/accounts/\(account.id)/events/demo", token: account.ownerToken, json: withPhone)
            try #require(changed.status == 200, "\(changed)")

            let replay = try await account.post("/events/demo/leads", body, key: "lead-1")
            #expect(replay.status == 200, "\(replay)")
            #expect(replay.body == first.body)
            #expect(try await account.figures()[2] == "0.500")
        }
    }
}
