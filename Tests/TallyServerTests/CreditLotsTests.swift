import Foundation
import TallyApp
import TallyCore
import Testing

/// API.md "Credit lots, grants, refunds, adjustments": grants, the draw order, expiry,
/// refunds of purchases (their sandbox faults included) and adjustments, over HTTP.
/// Every test ends with the lots agreeing with their wallets and movements.
@Suite("Credit lots")
struct CreditLotsTests {
    static let start = Date(timeIntervalSince1970: 1_790_000_000)

    // MARK: Grants

    /// A grant is the operator's: it answers the fields of API.md, adds a lot of its own
    /// that costs nothing, and — at priority 10 — is drawn before a purchase's lot, by a
    /// charge and by a hold alike.
    @Test func theOperatorGrantsCreditsThatAreSpentFirst() async throws {
        let clock = ManualTime(Self.start)
        try await Harness.run(time: clock) { harness in
            let account = try await harness.makeAccount()
            let bought = try await account.buy(100)
            try #require(bought.status == 201, "\(bought)")
            let purchaseID = try bought.string("id")
            let expiry = Self.start.addingTimeInterval(30 * 86_400)
            let body = GrantRequest(credits: 50, reason: "  welcome bonus  ", expiresAt: iso(expiry), priority: 10)

            // Only the operator grants; nothing is written otherwise.
            let before = try await books(of: account)
            #expect(try await account.send(body).status == 403)
            #expect(try await account.send(body, token: try await account.apiKey()).status == 403)
            #expect(try await books(of: account) == before)

            let granted = try await account.send(body, token: Harness.operatorToken)
            #expect(granted.status == 201, "\(granted)")
            let grant = try granted.decode(LotAnswer.self)
            let grantID = grant.id
            #expect(grantID.hasPrefix("lot_"))
            #expect(grant.credits == "50.000")
            #expect(grant.remaining == "50.000")
            #expect(grant.reason == "welcome bonus")
            #expect(grant.expiresAt == iso(expiry))
            #expect(grant.priority == 10)
            #expect(grant.createdAt == iso(Self.start))
            #expect(try await account.figures() == ["150.000", "0.000", "0.000", "150.000"])

            // The grant's lot, free, is listed before the purchase's: it is drawn first.
            let lots = try await account.lots()
            let purchaseLotID = try purchaseLot(purchaseID, in: lots)
            #expect(lots.map { $0.id } == [grantID, purchaseLotID])
            #expect(lots.first?.source == "grant")
            #expect(lots.first?.costCents == 0)
            #expect(lots.first?.remaining == "50.000")
            #expect(lots.first?.expiresAt == iso(expiry))
            #expect(lots.first?.priority == 10)
            #expect(lots.last?.source == "purchase")
            #expect(lots.last?.costCents == 2_000)
            #expect(lots.last?.priority == 100)
            let grantEntry = try #require(try await account.ledger().first)
            #expect(grantEntry.kind == "grant")
            #expect(grantEntry.credits == "50.000")
            #expect(grantEntry.movements == [grantID: ["50.000", "0.000"]])

            // A charge draws from the grant alone.
            let validated = try await account.send(EmailValidationRequest(email: "lee@example.com", contact: ContactBody(name: "Lee")))
            #expect(validated.status == 200, "\(validated)")
            let charge = try #require(try await account.ledger().first)
            #expect(charge.kind == "charge")
            #expect(charge.movements == [grantID: ["-0.500", "0.000"]])

            // A hold takes what is left of the grant, then the purchase's lot.
            let hold = try await account.send(HoldRequest(feature: "calls", credits: 60))
            #expect(hold.status == 201, "\(hold)")
            let held = try #require(try await account.ledger().first)
            #expect(held.kind == "hold")
            #expect(held.movements == [grantID: ["-49.500", "49.500"], purchaseLotID: ["-10.500", "10.500"]])
            let whileHeld = try await account.lots()
            #expect(
                whileHeld.map { [$0.id, $0.remaining, $0.held] } == [
                    [grantID, "0.000", "49.500"], [purchaseLotID, "89.500", "10.500"],
                ]
            )
            #expect(try await account.post("/holds/\(try hold.string("id"))/release", "").status == 200)
            #expect(try await account.figures() == ["149.500", "0.000", "0.500", "150.000"])

            // Without expiry or priority: never expires, priority 100.
            let plain = try await account.post("/grants", #"{"credits":"5","reason":"sorry"}"#, token: Harness.operatorToken)
            #expect(plain.status == 201, "\(plain)")
            #expect(try plain.isNull("expiresAt"))
            #expect(try plain.decode(LotAnswer.self).priority == 100)
            #expect(try await account.figures()[0] == "154.500")
            try await expectBooksAgree(harness)
        }
    }

    /// A grant with a wrong field is 422 naming it, and writes nothing.
    @Test func aBadGrantIsRefusedNamingTheField() async throws {
        let clock = ManualTime(Self.start)
        try await Harness.run(time: clock) { harness in
            let account = try await harness.makeAccount()
            #expect(try await account.buy(100).status == 201)
            let future = iso(Self.start.addingTimeInterval(86_400))
            let past = iso(Self.start.addingTimeInterval(-60))
            let cases: [(body: String, field: String)] = [
                (#"{"credits":0,"reason":"r","expiresAt":"\#(future)","priority":10}"#, "credits"),
                (#"{"credits":-5,"reason":"r","expiresAt":"\#(future)","priority":10}"#, "credits"),
                (#"{"credits":1000001,"reason":"r","expiresAt":"\#(future)","priority":10}"#, "credits"),
                (#"{"credits":"1.0001","reason":"r","expiresAt":"\#(future)","priority":10}"#, "credits"),
                (#"{"credits":50,"reason":"","expiresAt":"\#(future)","priority":10}"#, "reason"),
                (#"{"credits":50,"reason":"   ","expiresAt":"\#(future)","priority":10}"#, "reason"),
                (#"{"credits":50,"expiresAt":"\#(future)","priority":10}"#, "reason"),
                (#"{"credits":50,"reason":"r","expiresAt":"\#(past)","priority":10}"#, "expiresAt"),
                (#"{"credits":50,"reason":"r","expiresAt":"\#(iso(Self.start))","priority":10}"#, "expiresAt"),
                (#"{"credits":50,"reason":"r","expiresAt":"\#(future)","priority":5000}"#, "priority"),
                (#"{"credits":50,"reason":"r","expiresAt":"\#(future)","priority":-1}"#, "priority"),
            ]
            let before = try await books(of: account)
            for (body, field) in cases {
                let reply = try await account.post("/grants", body, token: Harness.operatorToken)
                #expect(reply.status == 422, "\(body): \(reply)")
                #expect(try reply.errorFields() == [field], "\(body): \(reply)")
            }
            #expect(try await books(of: account) == before)
            #expect(try await account.lots().count == 1)
            // The largest grant is allowed.
            #expect(try await account.send(GrantRequest(credits: 1_000_000, reason: "r"), token: Harness.operatorToken).status == 201)
            #expect(try await account.figures()[0] == "1000100.000")
            try await expectBooksAgree(harness)
        }
    }

    // MARK: Listing

    /// `GET …/lots` pages like the ledger: `limit` (1 to 500, default 100) and an opaque
    /// `cursor` from the previous page's `nextCursor` (`null` on the last page), lots with
    /// credits first. A cursor Tally did not give, or a limit out of range, is 422 naming it.
    @Test func theLotsArePagedWithACursor() async throws {
        let clock = ManualTime(Self.start)
        try await Harness.run(time: clock) { harness in
            let account = try await harness.makeAccount()
            let bought = try await account.buy(100)
            #expect(bought.status == 201, "\(bought)")
            var grants: [String] = []
            for priority in [10, 20, 30] {
                let granted = try await account.send(GrantRequest(credits: 5, reason: "bonus", priority: priority), token: Harness.operatorToken)
                #expect(granted.status == 201, "\(granted)")
                grants.append(try granted.string("id"))
            }
            // Spent, the first grant goes last.
            let adjusted = try await account.send(AdjustmentRequest(credits: -5, reason: "r"), token: Harness.operatorToken)
            #expect(adjusted.status == 201, "\(adjusted)")
            let whole = try await account.get("/lots")
            #expect(whole.status == 200, "\(whole)")
            #expect(try whole.isNull("nextCursor"), "\(whole)")
            let wholeLots = try whole.decode(Page<LotAnswer>.self).items
            let purchaseLotID = try purchaseLot(try bought.string("id"), in: wholeLots)
            let expected = [grants[1], grants[2], purchaseLotID, grants[0]]
            #expect(wholeLots.map(\.id) == expected)

            for size in [1, 3] {
                var listed: [String] = []
                var path = "/lots?limit=\(size)"
                for _ in 0..<10 {
                    let page = try await account.get(path)
                    #expect(page.status == 200, "\(page)")
                    let lots = try page.decode(Page<LotAnswer>.self)
                    listed += lots.items.map(\.id)
                    guard let next = lots.nextCursor else { break }
                    path = "/lots?limit=\(size)&cursor=\(next)"
                }
                #expect(listed == expected, "pages of \(size)")
            }

            // The OpenAPI document names every field the answer writes, and the parameters.
            let document = try await harness.call(.get, "/openapi.json").object
            let operation = try #require(
                ((document["paths"] as? [String: Any])?["/v1/accounts/{account}/lots"] as? [String: Any])?["get"] as? [String: Any]
            )
            let parameters = (operation["parameters"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(Set(parameters).isSuperset(of: ["limit", "cursor"]))
            let answer = try #require(
                (((operation["responses"] as? [String: Any])?["200"] as? [String: Any])?["content"] as? [String: Any])?[
                    "application/json"
                ] as? [String: Any]
            )
            let page = try #require((answer["schema"] as? [String: Any])?["properties"] as? [String: Any])
            #expect(Set(page.keys) == Set(try whole.object.keys))
            let item = try #require(((page["items"] as? [String: Any])?["items"] as? [String: Any])?["properties"] as? [String: Any])
            for lot in try whole.items() {
                #expect(Set(item.keys) == Set(lot.keys))
            }

            // An API key reads them too.
            let key = try await account.apiKey()
            #expect(try await account.lots("?limit=2", token: key).count == 2)

            for bad in ["limit=0", "limit=501", "limit=x", "cursor=nope", "cursor=12"] {
                let reply = try await account.get("/lots?\(bad)")
                #expect(reply.status == 422, "\(bad): \(reply)")
                #expect(try reply.errorFields() == [String(bad.prefix(while: { $0 != "=" }))], "\(bad): \(reply)")
            }
            // A purchases cursor is not a lots cursor.
            let purchases = try await account.buy(100)
            #expect(purchases.status == 201, "\(purchases)")
            let purchasePage = try await account.get("/purchases?limit=1")
            let purchaseCursor = try #require(try purchasePage.decode(Page<PurchaseAnswer>.self).nextCursor)
            #expect(try await account.get("/lots?cursor=\(purchaseCursor)").status == 422)
        }
    }

    /// A first page holds 100 lots unless asked for more, and says where the rest start.
    @Test func aFirstPageHoldsAHundredLots() async throws {
        let clock = ManualTime(Self.start)
        try await Harness.run(time: clock) { harness in
            let account = try await harness.makeAccount()
            for _ in 0..<101 {
                let granted = try await account.send(GrantRequest(credits: 1, reason: "r"), token: Harness.operatorToken)
                try #require(granted.status == 201, "\(granted)")
            }
            let first = try await account.get("/lots").decode(Page<LotAnswer>.self)
            #expect(first.items.count == 100)
            let next = try #require(first.nextCursor)
            let rest = try await account.get("/lots?cursor=\(next)")
            #expect(try rest.decode(Page<LotAnswer>.self).items.count == 1)
            #expect(try rest.isNull("nextCursor"))
            let all = try await account.lots("?limit=500")
            #expect(all.count == 101)
            #expect(Set(all.map(\.id)).count == 101)
        }
    }

    // MARK: Expiry

    /// Credits about to expire are announced, and at their expiry what is left of their
    /// lot — no more — leaves the wallet as one `expiry` entry, exactly once even when
    /// two workers run at the same time.
    @Test func expiringCreditsAreAnnouncedThenRemovedOnce() async throws {
        let clock = ManualTime(Self.start)
        try await Harness.run(time: clock) { harness in
            let account = try await harness.makeAccount()
            #expect(try await account.buy(100).status == 201)
            let expiry = Self.start.addingTimeInterval(3_600)
            let granted = try await account.send(GrantRequest(credits: 50, reason: "trial", expiresAt: iso(expiry)), token: Harness.operatorToken)
            #expect(granted.status == 201, "\(granted)")
            let grantID = try granted.string("id")
            // The soonest expiry is drawn first, even at the same priority.
            #expect(try await account.send(EmailValidationRequest(email: "lee@example.com")).status == 200)
            let charge = try #require(try await account.ledger().first)
            #expect(charge.movements == [grantID: ["-0.500", "0.000"]])

            // Before the expiry: announced once, nothing removed.
            #expect(try await harness.tally.lots.expire() == 1)
            #expect(try await harness.tally.lots.expire() == 0)
            let expiring = try await creditNotices(account)
            #expect(expiring.map { $0.kind } == ["credits_expiring"])
            #expect(expiring.first?.message.contains("49.500") == true, "\(expiring)")
            let nextExpiry = try #require(try await account.walletAnswer().nextExpiry)
            #expect(nextExpiry.credits == "49.500")
            #expect(nextExpiry.at == iso(expiry))
            #expect(try await account.figures() == ["149.500", "0.000", "0.500", "150.000"])
            #expect(try await account.ledger().contains(where: { $0.kind == "expiry" }) == false)

            // After it: exactly the lot's remaining credits leave, once.
            clock.advance(seconds: 3_600 + 30)
            async let first = harness.tally.lots.expire()
            async let second = harness.tally.lots.expire()
            let runs = try await first + second
            #expect(runs == 1)
            let ledger = try await account.ledger()
            let expired = ledger.filter { $0.kind == "expiry" }
            #expect(expired.count == 1)
            #expect(expired.first?.credits == "-49.500")
            #expect(expired.first?.total == "-49.500")
            #expect(expired.first?.reference == grantID)
            #expect(expired.first?.movements == [grantID: ["-49.500", "0.000"]])
            #expect(try await creditNotices(account).map { $0.kind } == ["credits_expired", "credits_expiring"])
            #expect(try await creditNotices(account).first?.message.contains("49.500") == true)
            #expect(try await account.wallet().isNull("nextExpiry"))
            #expect(try await account.figures() == ["100.000", "0.000", "0.500", "100.500"])
            let lot = try #require(try await account.lots().first(where: { $0.id == grantID }))
            #expect(lot.remaining == "0.000")

            // Running again changes nothing.
            let after = try await books(of: account)
            let notices = try await creditNotices(account)
            #expect(try await harness.tally.lots.expire() == 0)
            clock.advance(seconds: 120)
            #expect(try await harness.tally.lots.expire() == 0)
            #expect(try await books(of: account) == after)
            #expect(try await creditNotices(account).map { $0.kind } == notices.map { $0.kind })
            try await expectBooksAgree(harness)
        }
    }

    /// The notice comes seven days ahead, not earlier.
    @Test func expiryIsAnnouncedSevenDaysAhead() async throws {
        let clock = ManualTime(Self.start)
        try await Harness.run(time: clock) { harness in
            let email = "owner-\(UUID().uuidString.prefix(8))@example.com"
            let account = try await harness.makeAccount(owner: email)
            let expiry = Self.start.addingTimeInterval(8 * 86_400)
            let granted = try await account.send(GrantRequest(credits: 20, reason: "trial", expiresAt: iso(expiry)), token: Harness.operatorToken)
            #expect(granted.status == 201, "\(granted)")
            #expect(try await harness.tally.lots.expire() == 0)
            #expect(try await creditNotices(account).isEmpty)
            let nextExpiry = try #require(try await account.walletAnswer().nextExpiry)
            #expect(nextExpiry.credits == "20.000")
            #expect(nextExpiry.at == iso(expiry))

            clock.advance(seconds: 86_400 + 60)
            // The first session has ended by now.
            let token = try await harness.login(email, "correct horse")
            #expect(try await harness.tally.lots.expire() == 1)
            #expect(try await harness.tally.lots.expire() == 0)
            #expect(try await creditNotices(account, token: token).map { $0.kind } == ["credits_expiring"])
            #expect(try await account.figures(token: token) == ["20.000", "0.000", "0.000", "20.000"])
            try await expectBooksAgree(harness)
        }
    }

    /// From the instant a grant expires its credits are no one's to spend, though the
    /// credit expiry worker has not run yet: with nothing else in the wallet a validation
    /// and a hold are 402 (0 credits available), nothing written; with a purchase beside
    /// them, charges draw the purchase's lot only. The worker then takes them, once.
    @Test func expiredCreditsAreNeverSpentWhileTheyWaitForTheExpiry() async throws {
        let clock = ManualTime(Self.start)
        try await Harness.run(time: clock) { harness in
            let account = try await harness.makeAccount()
            let expiry = Self.start.addingTimeInterval(3_600)
            let granted = try await account.send(
                GrantRequest(credits: 10, reason: "trial", expiresAt: iso(expiry), priority: 10),
                token: Harness.operatorToken
            )
            #expect(granted.status == 201, "\(granted)")
            let grantID = try granted.string("id")
            #expect(try await account.send(EmailValidationRequest(email: "lee@example.com")).status == 200)
            #expect(try #require(try await account.ledger().first).movements == [grantID: ["-0.500", "0.000"]])

            // At the expiry, before the worker has run.
            clock.advance(seconds: 3_600)
            let before = try await books(of: account)
            let refused = try await account.send(EmailValidationRequest(email: "kim@example.com"))
            #expect(refused.status == 402, "\(refused)")
            #expect(try refused.string("available") == "0.000", "\(refused)")
            let hold = try await account.send(HoldRequest(feature: "calls", credits: 1))
            #expect(hold.status == 402, "\(hold)")
            #expect(try await books(of: account) == before)

            // Beside a purchase, a charge draws the purchase's lot alone.
            let bought = try await account.buy(100)
            #expect(bought.status == 201, "\(bought)")
            let purchaseLotID = try purchaseLot(try bought.string("id"), in: try await account.lots())
            #expect(try await account.send(EmailValidationRequest(email: "kim@example.com")).status == 200)
            #expect(try #require(try await account.ledger().first).movements == [purchaseLotID: ["-0.500", "0.000"]])

            // The worker takes the grant's 9.5, once.
            #expect(try await harness.tally.lots.expire() == 1)
            #expect(try await harness.tally.lots.expire() == 0)
            #expect(try await account.figures() == ["99.500", "0.000", "1.000", "100.500"])
            #expect(try await account.wallet().isNull("nextExpiry"))
            try await expectBooksAgree(harness)
        }
    }

    /// A hold released after its grant expired gives nothing back to spend: the credits
    /// return to their lot and leave it in the same transaction as an `expiry` entry, so
    /// the wallet shows no expiry in the past, no charge spends them and the worker never
    /// expires the lot again.
    @Test func aHoldReleasedAfterItsGrantExpiredGivesNothingBack() async throws {
        let clock = ManualTime(Self.start)
        try await Harness.run(time: clock) { harness in
            let account = try await harness.makeAccount()
            let bought = try await account.buy(100)
            #expect(bought.status == 201, "\(bought)")
            let expiry = Self.start.addingTimeInterval(3_600)
            let granted = try await account.send(
                GrantRequest(credits: 50, reason: "trial", expiresAt: iso(expiry), priority: 10),
                token: Harness.operatorToken
            )
            #expect(granted.status == 201, "\(granted)")
            let grantID = try granted.string("id")
            let purchaseLotID = try purchaseLot(try bought.string("id"), in: try await account.lots())
            let hold = try await account.send(HoldRequest(feature: "calls", credits: 30, ttlSeconds: 7200))
            #expect(hold.status == 201, "\(hold)")
            #expect(try #require(try await account.ledger().first).movements == [grantID: ["-30.000", "30.000"]])

            // The grant expires; the worker takes its 20 spendable credits.
            clock.advance(seconds: 3_600 + 1)
            #expect(try await harness.tally.lots.expire() == 1)
            #expect(try await account.figures() == ["100.000", "30.000", "0.000", "130.000"])

            // Released: the 30 go back to the grant's lot and leave it at once.
            #expect(try await account.post("/holds/\(try hold.string("id"))/release", "").status == 200)
            let ledger = try await account.ledger()
            #expect(ledger.prefix(2).map { $0.kind } == ["expiry", "release"])
            #expect(ledger[0].credits == "-30.000")
            #expect(ledger[0].total == "-30.000")
            #expect(ledger[0].reference == grantID)
            #expect(ledger[0].movements == [grantID: ["-30.000", "0.000"]])
            #expect(ledger[1].movements == [grantID: ["30.000", "-30.000"]])
            #expect(try await account.figures() == ["100.000", "0.000", "0.000", "100.000"])
            #expect(try await account.wallet().isNull("nextExpiry"))

            // Nothing is left to expire, and charges draw the purchase's lot.
            clock.advance(seconds: 60)
            #expect(try await harness.tally.lots.expire() == 0)
            #expect(try await account.ledger().filter { $0.kind == "expiry" }.count == 2)
            #expect(try await account.send(EmailValidationRequest(email: "lee@example.com")).status == 200)
            #expect(try #require(try await account.ledger().first).movements == [purchaseLotID: ["-0.500", "0.000"]])
            let lot = try #require(try await account.lots().first(where: { $0.id == grantID }))
            #expect(lot.remaining == "0.000" && lot.held == "0.000")
            try await expectBooksAgree(harness)
        }
    }

    // MARK: Refunds

    /// A refund gives back the purchase's price of unused credits and takes them out of
    /// the purchase's lot: once per key, never more than is unused, only of a paid
    /// purchase, only by the account's owner, super admins or the operator.
    @Test func aRefundGivesBackThePriceOfUnusedCredits() async throws {
        let clock = ManualTime(Self.start)
        let gateway = SandboxPaymentGateway()
        try await Harness.run(gateway: gateway, time: clock) { harness in
            let account = try await harness.makeAccount()
            let method = try await account.saveCard()
            let bought = try await account.send(PurchaseRequest(credits: 100, paymentMethodId: method))
            #expect(bought.status == 201, "\(bought)")
            #expect(try bought.string("amount") == "20.00")
            let purchaseID = try bought.string("id")
            let lotID = try purchaseLot(purchaseID, in: try await account.lots())
            // Spend 20 of the purchase.
            let hold = try await account.send(HoldRequest(feature: "calls", credits: 20))
            #expect(try await account.post("/holds/\(try hold.string("id"))/capture", "").status == 200)
            #expect(try await account.figures() == ["80.000", "0.000", "20.000", "100.000"])

            let refunded = try await refund(account, purchaseID, 30, key: "refund-1")
            #expect(refunded.status == 201, "\(refunded)")
            let answer = try refunded.decode(RefundAnswer.self)
            let refundID = answer.id
            #expect(refundID.hasPrefix("re_"))
            #expect(answer.purchaseId == purchaseID)
            #expect(answer.credits == "30.000")
            #expect(answer.amount == share(of: 2_000, 100, before: 0, refunding: 30))
            #expect(answer.amount == "6.00")
            #expect(answer.currency == "USD")
            #expect(answer.status == "succeeded")
            #expect(try await account.figures() == ["50.000", "0.000", "20.000", "70.000"])
            let entry = try #require(try await account.ledger().first)
            #expect(entry.kind == "refund")
            #expect(entry.credits == "-30.000")
            #expect(entry.reference == refundID)
            #expect(entry.movements == [lotID: ["-30.000", "0.000"]])
            var purchase = try await purchaseAnswer(account, purchaseID)
            #expect(purchase.refundedCredits == "30.000")
            #expect(purchase.refundedAmount == "6.00")
            #expect(await gateway.refunds.count == 1)

            // A replay answers the same and moves nothing.
            var before = try await books(of: account)
            let replayed = try await refund(account, purchaseID, 30, key: "refund-1")
            #expect(replayed.status == 201)
            #expect(replayed.body == refunded.body)
            #expect(try await books(of: account) == before)
            #expect(await gateway.refunds.count == 1)

            // The operator refunds too; the amount is the share of the credits refunded so far.
            let byOperator = try await refund(account, purchaseID, 10, token: Harness.operatorToken)
            #expect(byOperator.status == 201, "\(byOperator)")
            #expect(try byOperator.string("amount") == share(of: 2_000, 100, before: 30, refunding: 10))
            #expect(try byOperator.string("amount") == "2.00")
            #expect(try await account.figures() == ["40.000", "0.000", "20.000", "60.000"])

            // 40 are unused: more is refused, naming credits, and nothing is written.
            before = try await books(of: account)
            let tooMany = try await refund(account, purchaseID, 41)
            #expect(tooMany.status == 422, "\(tooMany)")
            #expect(try tooMany.errorFields() == ["credits"])
            for credits in [0, -5] {
                let bad = try await refund(account, purchaseID, credits)
                #expect(bad.status == 422, "\(bad)")
                #expect(try bad.errorFields() == ["credits"])
            }
            // Who may not refund.
            let other = try await harness.makeAccount()
            let path = "/v1/accounts/\(account.id)/purchases/\(purchaseID)/refunds"
            #expect(try await harness.call(.post, path, token: other.ownerToken, json: #"{"credits":1}"#).status == 404)
            #expect(try await refund(other, purchaseID, 1).status == 404)
            #expect(try await refund(account, purchaseID, 1, token: try await account.person("admin")).status == 403)
            #expect(try await refund(account, purchaseID, 1, token: try await account.apiKey()).status == 403)
            #expect(try await refund(account, "pur_missing", 1).status == 404)
            #expect(try await books(of: account) == before)
            #expect(await gateway.refunds.count == 2)

            // A super admin may.
            let bySuperAdmin = try await refund(account, purchaseID, 5, token: try await account.person("super_admin"))
            #expect(bySuperAdmin.status == 201, "\(bySuperAdmin)")
            #expect(try bySuperAdmin.string("amount") == "1.00")

            // A declined purchase paid nothing: nothing to refund.
            #expect(try await account.buy(100, card: SandboxPaymentGateway.declinedCard).status == 402)
            let declined = try #require(try await account.purchases().first(where: { $0.status == "declined" }))
            let declinedID = declined.id
            before = try await books(of: account)
            let notPaid = try await refund(account, declinedID, 10)
            #expect(notPaid.status == 422, "\(notPaid)")
            #expect(try notPaid.errorFields() == ["purchase"])
            #expect(try await books(of: account) == before)

            purchase = try await purchaseAnswer(account, purchaseID)
            #expect(purchase.refundedCredits == "45.000")
            #expect(purchase.refundedAmount == "9.00")
            #expect(try await account.figures() == ["35.000", "0.000", "20.000", "55.000"])
            #expect(await gateway.refunds.count == 3)
            try await expectBooksAgree(harness)
        }
    }

    /// A refund the card's bank refuses (sandbox card …5126) is 402 `refund-declined`,
    /// and its credits are back in their lot: the wallet is as before.
    @Test func aRefusedRefundPutsTheCreditsBack() async throws {
        let clock = ManualTime(Self.start)
        let gateway = SandboxPaymentGateway()
        try await Harness.run(gateway: gateway, time: clock) { harness in
            let account = try await harness.makeAccount()
            let bought = try await account.buy(100, card: SandboxPaymentGateway.refundFailsCard)
            #expect(bought.status == 201, "\(bought)")
            let purchaseID = try bought.string("id")
            let lotID = try purchaseLot(purchaseID, in: try await account.lots())

            let refused = try await refund(account, purchaseID, 30)
            #expect(refused.status == 402, "\(refused)")
            #expect(refused.contentType == "application/problem+json")
            #expect(try refused.string("type").hasSuffix("refund-declined"))
            #expect(try refused.string("declineCode") == "refund_failed")
            #expect(try await account.figures() == ["100.000", "0.000", "0.000", "100.000"])
            let lots = try await account.lots()
            #expect(lots.first?.id == lotID)
            #expect(lots.first?.remaining == "100.000")
            let purchase = try await purchaseAnswer(account, purchaseID)
            #expect(purchase.refundedCredits == "0.000")
            #expect(purchase.refundedAmount == "0.00")
            // Out and back in, on the same lot.
            let ledger = try await account.ledger()
            #expect(ledger.map { $0.kind } == ["refund", "refund", "purchase"])
            #expect(ledger.prefix(2).map { $0.credits } == ["30.000", "-30.000"])
            #expect(ledger.prefix(2).map(\.movements) == [[lotID: ["30.000", "0.000"]], [lotID: ["-30.000", "0.000"]]])
            #expect(await gateway.refunds.isEmpty)
            try await expectBooksAgree(harness)
        }
    }

    /// A refund whose answer is lost (sandbox card …0259) is 502 `refund-unsettled` with
    /// its credits already out; a retry with the same key, or the reconciler, settles it —
    /// given back once, debited once.
    @Test func anUnsettledRefundIsSettledByARetryOrTheReconciler() async throws {
        let clock = ManualTime(Self.start)
        let gateway = SandboxPaymentGateway()
        try await Harness.run(gateway: gateway, time: clock) { harness in
            let account = try await harness.makeAccount()
            // The card loses the first answer of its payment too.
            var bought = try await account.buy(100, card: SandboxPaymentGateway.lostAnswerCard, key: "buy-lost")
            #expect(bought.status == 502, "\(bought)")
            for _ in 0..<3 where bought.status != 201 {
                bought = try await account.buy(100, card: SandboxPaymentGateway.lostAnswerCard, key: "buy-lost")
            }
            try #require(bought.status == 201, "\(bought)")
            let purchaseID = try bought.string("id")
            #expect(try await account.figures() == ["100.000", "0.000", "0.000", "100.000"])

            let lost = try await refund(account, purchaseID, 30, key: "refund-lost")
            #expect(lost.status == 502, "\(lost)")
            #expect(try lost.string("type").hasSuffix("refund-unsettled"))
            #expect(try await account.figures() == ["70.000", "0.000", "0.000", "70.000"])
            #expect(try await purchaseAnswer(account, purchaseID).refundedCredits == "0.000")

            let retried = try await refund(account, purchaseID, 30, key: "refund-lost")
            #expect(retried.status == 201, "\(retried)")
            #expect(try retried.string("status") == "succeeded")
            #expect(try retried.string("credits") == "30.000")
            #expect(try retried.string("amount") == "6.00")
            #expect(try await refund(account, purchaseID, 30, key: "refund-lost").body == retried.body)
            #expect(try await account.figures() == ["70.000", "0.000", "0.000", "70.000"])
            #expect(try await refundEntries(account).map { $0.credits } == ["-30.000"])
            var purchase = try await purchaseAnswer(account, purchaseID)
            #expect(purchase.refundedCredits == "30.000")
            #expect(purchase.refundedAmount == "6.00")
            #expect(await gateway.refunds.count == 1)

            // Without a key, the reconciler settles it.
            let unkeyed = try await refund(account, purchaseID, 20)
            #expect(unkeyed.status == 502, "\(unkeyed)")
            #expect(try await account.figures()[0] == "50.000")
            clock.advance(seconds: 1)
            #expect(try await harness.tally.lots.reconcileRefunds(olderThanSeconds: 0) == 1)
            #expect(try await harness.tally.lots.reconcileRefunds(olderThanSeconds: 0) == 0)
            purchase = try await purchaseAnswer(account, purchaseID)
            #expect(purchase.refundedCredits == "50.000")
            #expect(purchase.refundedAmount == "10.00")
            #expect(try await account.figures() == ["50.000", "0.000", "0.000", "50.000"])
            #expect(try await refundEntries(account).count == 2)
            #expect(await gateway.refunds.count == 2)
            try await expectBooksAgree(harness)
        }
    }

    // MARK: Adjustments

    /// The operator adds credits as a lot of source `adjustment`, or removes them like a
    /// charge; never below the available credits, always with a reason.
    @Test func theOperatorAdjustsCreditsWithAReason() async throws {
        let clock = ManualTime(Self.start)
        try await Harness.run(time: clock) { harness in
            let account = try await harness.makeAccount()
            #expect(try await account.buy(100).status == 201)

            let added = try await account.send(AdjustmentRequest(credits: 25, reason: "goodwill"), token: Harness.operatorToken)
            #expect(added.status == 201, "\(added)")
            let adjustmentID = try added.string("id")
            #expect(try added.string("credits") == "25.000")
            #expect(try added.string("reason") == "goodwill")
            #expect(try added.string("createdAt") == iso(Self.start))
            let lot = try #require(try await account.lots().first(where: { $0.source == "adjustment" }))
            #expect(lot.sourceId == adjustmentID)
            #expect(lot.credits == "25.000")
            #expect(lot.remaining == "25.000")
            #expect(lot.costCents == 0)
            var entry = try #require(try await account.ledger().first)
            #expect(entry.kind == "adjustment")
            #expect(entry.credits == "25.000")
            #expect(entry.reference == adjustmentID)
            let adjustmentLot = lot.id
            #expect(entry.movements == [adjustmentLot: ["25.000", "0.000"]])

            let removed = try await account.send(AdjustmentRequest(credits: -10, reason: "double credit"), token: Harness.operatorToken)
            #expect(removed.status == 201, "\(removed)")
            #expect(try removed.string("credits") == "-10.000")
            entry = try #require(try await account.ledger().first)
            #expect(entry.kind == "adjustment")
            #expect(entry.credits == "-10.000")
            #expect(entry.total == "-10.000")
            // Taken from one lot: the first in draw order keeps more than 10.
            #expect(Array(entry.movements.values) == [["-10.000", "0.000"]])
            #expect(try await account.figures() == ["115.000", "0.000", "0.000", "115.000"])

            // Refused, naming the field, and nothing written.
            var before = try await books(of: account)
            let cases: [(body: String, field: String)] = [
                (#"{"credits":-116,"reason":"too much"}"#, "credits"),
                (#"{"credits":0,"reason":"nothing"}"#, "credits"),
                (#"{"credits":1000001,"reason":"too much"}"#, "credits"),
                (#"{"credits":5}"#, "reason"),
                (#"{"credits":5,"reason":"  "}"#, "reason"),
            ]
            for (body, field) in cases {
                let reply = try await account.post("/adjustments", body, token: Harness.operatorToken)
                #expect(reply.status == 422, "\(body): \(reply)")
                #expect(try reply.errorFields() == [field], "\(body): \(reply)")
            }
            let body = #"{"credits":5,"reason":"mine"}"#
            #expect(try await account.post("/adjustments", body).status == 403)
            #expect(try await account.post("/adjustments", body, token: try await account.apiKey()).status == 403)
            #expect(try await books(of: account) == before)

            // Held credits are not available: they cannot be adjusted away.
            let hold = try await account.send(HoldRequest(feature: "calls", credits: 100))
            #expect(hold.status == 201, "\(hold)")
            before = try await books(of: account)
            let underHeld = try await account.send(AdjustmentRequest(credits: -20, reason: "r"), token: Harness.operatorToken)
            #expect(underHeld.status == 422, "\(underHeld)")
            #expect(try underHeld.errorFields() == ["credits"])
            #expect(try await books(of: account) == before)
            #expect(try await account.post("/holds/\(try hold.string("id"))/release", "").status == 200)
            #expect(try await account.figures() == ["115.000", "0.000", "0.000", "115.000"])
            try await expectBooksAgree(harness)
        }
    }
}

// MARK: Helpers

/// The id of the lot a purchase's credits became.
private func purchaseLot(_ purchaseID: String, in lots: [LotAnswer]) throws -> String {
    try #require(lots.first(where: { $0.sourceId == purchaseID }), "no lot of \(purchaseID)").id
}

/// What a refund gives back, as the API writes it, for a purchase of `credits` at `cents`.
private func share(of cents: Int64, _ credits: Int64, before: Int64, refunding: Int64) -> String {
    RefundAmount.cents(
        price: Money(cents: cents),
        credits: Credits(whole: credits),
        refundedBefore: Credits(whole: before),
        refunding: Credits(whole: refunding)
    ).description
}

/// Everything a refused request must leave as it was: the wallet, lots, ledger and purchases.
private func books(of account: TestAccount) async throws -> [String] {
    var bodies: [String] = []
    for path in ["/wallet", "/lots", "/ledger", "/purchases"] {
        let reply = try await account.get(path)
        try #require(reply.status == 200, "\(path): \(reply)")
        bodies.append(reply.body)
    }
    return bodies
}

/// The account's notifications about expiring credits, newest first.
private func creditNotices(_ account: TestAccount, token: String? = nil) async throws -> [(kind: String, message: String)] {
    try await account.notifications(token: token).compactMap { notification in
        guard notification.kind.hasPrefix("credits_") else { return nil }
        return (notification.kind, notification.message ?? "")
    }
}

private func refund(_ account: TestAccount, _ purchaseID: String, _ credits: Int, token: String? = nil, key: String? = nil) async throws -> Reply {
    try await account.send(RefundRequest(purchase: purchaseID, credits: credits), token: token, key: key)
}

/// The account's `refund` ledger entries, newest first.
private func refundEntries(_ account: TestAccount) async throws -> [LedgerEntryAnswer] {
    try await account.ledger().filter { $0.kind == "refund" }
}

private func purchaseAnswer(_ account: TestAccount, _ purchaseID: String) async throws -> PurchaseAnswer {
    let purchases = try await account.purchases()
    return try #require(purchases.first(where: { $0.id == purchaseID }), "no purchase \(purchaseID)")
}

/// The lots agree with their wallets and their movements, and the wallets with their ledgers.
private func expectBooksAgree(_ harness: Harness) async throws {
    #expect(try await harness.tally.store.verifyLots() == [])
    #expect(try await harness.tally.store.verifyWallets().isEmpty)
}

extension TestAccount {
    /// The wallet's figures, read with `token`: available, held, used, total.
    fileprivate func figures(token: String) async throws -> [String] {
        try await walletAnswer(token: token).figures
    }
}
