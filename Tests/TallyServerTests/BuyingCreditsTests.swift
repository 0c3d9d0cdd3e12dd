import Foundation
import TallyApp
import Testing

/// SPEC "Buying credits".
@Suite("Buying credits")
struct BuyingCreditsTests {
    @Test(arguments: [(100, "20.00"), (500, "100.00"), (1_000, "200.00"), (2_000, "400.00"), (5_000, "1000.00"), (137, "27.40")])
    func creditsCostTwentyCentsEach(credits: Int, price: String) async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let reply = try await account.buy(credits)
            #expect(reply.status == 201, "\(reply)")
            #expect(try reply.string("amount") == price)
            #expect(try reply.string("currency") == "USD")
            #expect(try reply.string("status") == "succeeded")
            let wallet = try await account.wallet().object
            #expect(wallet["available"] as? String == "\(credits).000")
            #expect(wallet["total"] as? String == "\(credits).000")
        }
    }

    @Test(arguments: [
        ("99", "credits"), ("100.5", "credits"), ("-100", "credits"), ("\"abc\"", "credits"), ("0", "credits"),
        ("\"100.0001\"", "credits"), ("100.0001", "credits"), ("null", "credits"), ("true", "credits"), ("2000000", "credits"),
    ])
    func aPurchaseBelowTheMinimumOrNotWholeIsRefused(credits: String, field: String) async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let reply = try await harness.call(
                .post,
                "/v1/accounts/\(account.id)/purchases",
                token: account.ownerToken,
                json: #"{"credits":\#(credits),"card":{"number":"4242424242424242","expMonth":12,"expYear":2035,"cvc":"123"}}"#
            )
            #expect(reply.status == 422, "\(reply)")
            #expect(try reply.errorFields() == [field])
            #expect(try await account.wallet().object["total"] as? String == "0.000")
        }
    }

    @Test(arguments: [
        (SandboxPaymentGateway.declinedCard, "card_declined"),
        (SandboxPaymentGateway.insufficientFundsCard, "insufficient_funds"),
    ])
    func aDeclinedPaymentAddsNothingAndSaysWhy(card: String, code: String) async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let reply = try await account.buy(500, card: card)
            #expect(reply.status == 402)
            #expect(reply.contentType == "application/problem+json")
            #expect(try reply.string("type").hasSuffix("payment-declined"))
            #expect(try reply.string("declineCode") == code)
            #expect(try await account.wallet().object["total"] as? String == "0.000")
            let purchases = try await harness.call(.get, "/v1/accounts/\(account.id)/purchases", token: account.ownerToken)
            let items = try purchases.items()
            #expect(items.count == 1)
            #expect(items.first?["status"] as? String == "declined")
            #expect(try await harness.call(.get, "/v1/accounts/\(account.id)/ledger", token: account.ownerToken).items().isEmpty)
        }
    }

    @Test(arguments: [
        ("4242424242424241", "card.number"), ("4242", "card.number"), ("42424242424242ab", "card.number"),
    ])
    func aCardFailingItsChecksIs422(number: String, field: String) async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let reply = try await account.buy(100, card: number)
            #expect(reply.status == 422)
            #expect(try reply.errorFields() == [field])
        }
    }

    @Test(arguments: ["250", "\"250\"", "250.000", "\"250.000\"", "2.5e2"])
    func creditsAreAJSONNumberOrAString(credits: String) async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let reply = try await harness.call(
                .post,
                "/v1/accounts/\(account.id)/purchases",
                token: account.ownerToken,
                json: #"{"credits":\#(credits),"card":{"number":"4242424242424242","expMonth":12,"expYear":2035,"cvc":"123"}}"#
            )
            #expect(reply.status == 201, "\(reply)")
            #expect(try reply.string("credits") == "250.000")
            #expect(try reply.string("amount") == "50.00")
        }
    }

    @Test func aSavedPaymentMethodPaysLaterPurchases() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let saved = try await harness.call(
                .post,
                "/v1/accounts/\(account.id)/payment-methods",
                token: account.ownerToken,
                json: #"{"card":{"number":"4242 4242 4242 4242","expMonth":12,"expYear":2035,"cvc":"123"}}"#
            )
            #expect(saved.status == 201)
            #expect(try saved.string("last4") == "4242")
            #expect(try saved.string("brand") == "visa")
            let methodID = try saved.string("id")
            let bought = try await harness.call(
                .post,
                "/v1/accounts/\(account.id)/purchases",
                token: account.ownerToken,
                json: #"{"credits":"1000","paymentMethodId":"\#(methodID)"}"#
            )
            #expect(bought.status == 201)
            #expect(try await account.wallet().object["available"] as? String == "1000.000")
            // Another account's method cannot be used or seen.
            let other = try await harness.makeAccount()
            let stolen = try await harness.call(
                .post,
                "/v1/accounts/\(other.id)/purchases",
                token: other.ownerToken,
                json: #"{"credits":100,"paymentMethodId":"\#(methodID)"}"#
            )
            #expect(stolen.status == 422)
            #expect(try stolen.errorFields() == ["paymentMethodId"])
            #expect(try await harness.call(.get, "/v1/accounts/\(other.id)/payment-methods/\(methodID)", token: other.ownerToken).status == 404)
            // A deleted method pays no more.
            #expect(
                try await harness.call(.delete, "/v1/accounts/\(account.id)/payment-methods/\(methodID)", token: account.ownerToken).status == 204
            )
            let afterDelete = try await harness.call(
                .post,
                "/v1/accounts/\(account.id)/purchases",
                token: account.ownerToken,
                json: #"{"credits":100,"paymentMethodId":"\#(methodID)"}"#
            )
            #expect(afterDelete.status == 422)
            #expect(
                try await harness.call(.delete, "/v1/accounts/\(account.id)/payment-methods/\(methodID)", token: account.ownerToken).status == 404
            )
        }
    }

    @Test func anAccountKeepsAtMostTwentySavedCards() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let saved = try await withThrowingTaskGroup(of: Reply.self) { group in
                for index in 0..<(Purchases.maximumPaymentMethods + 5) {
                    group.addTask {
                        try await harness.callOnNewConnection(
                            .post,
                            "/v1/accounts/\(account.id)/payment-methods",
                            token: account.ownerToken,
                            json: #"{"card":{"number":"\#(goodCard(index))","expMonth":12,"expYear":2035,"cvc":"123"}}"#
                        )
                    }
                }
                return try await group.reduce(into: [Reply]()) { $0.append($1) }
            }
            // Counted atomically: exactly twenty saved, however the requests interleave.
            #expect(saved.filter { $0.status == 201 }.count == Purchases.maximumPaymentMethods)
            let refused = saved.filter { $0.status == 422 }
            #expect(refused.count == 5)
            #expect(try refused.allSatisfy { try $0.errorFields() == ["card"] })
            let list = try await harness.call(.get, "/v1/accounts/\(account.id)/payment-methods", token: account.ownerToken)
            #expect(try list.items().count == Purchases.maximumPaymentMethods)
        }
    }

    /// A new card is kept only when asked, only once its payment succeeds, and only once per number.
    @Test func aNewCardIsSavedOnlyWhenAskedPaidAndNew() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            func buy(_ number: String, save: Bool?) async throws -> Reply {
                let flag = save.map { #","saveCard":\#($0)"# } ?? ""
                return try await account.post(
                    "/purchases",
                    #"{"credits":100,"card":{"number":"\#(number)","expMonth":12,"expYear":2035,"cvc":"123"}\#(flag)}"#
                )
            }
            func cards() async throws -> [String] {
                try await account.get("/payment-methods").items().compactMap { $0["last4"] as? String }
            }
            #expect(try await buy(SandboxPaymentGateway.declinedCard, save: true).status == 402)
            #expect(try await cards().isEmpty)
            let unsaved = try await buy("4242424242424242", save: nil)
            #expect(unsaved.status == 201)
            #expect(try unsaved.object["paymentMethodId"] is NSNull)
            #expect(try await cards().isEmpty)
            let kept = try await buy("4242424242424242", save: true)
            #expect(kept.status == 201)
            let keptID = try kept.string("paymentMethodId")
            #expect(try await cards() == ["4242"])
            // The same number again pays as the saved card and is not saved twice.
            let again = try await buy("4242 4242 4242 4242", save: true)
            #expect(try again.string("paymentMethodId") == keptID)
            let saved = try await harness.call(
                .post,
                "/v1/accounts/\(account.id)/payment-methods",
                token: account.ownerToken,
                json: #"{"card":{"number":"4242424242424242","expMonth":12,"expYear":2035,"cvc":"123"}}"#
            )
            #expect(try saved.string("id") == keptID)
            #expect(try await cards() == ["4242"])
            #expect(try await account.wallet().object["available"] as? String == "300.000")
        }
    }

    @Test func concurrentReplaysOfOnePurchaseAddCreditsOnce() async throws {
        let gateway = SandboxPaymentGateway()
        try await Harness.run(gateway: gateway) { harness in
            let account = try await harness.makeAccount()
            let body = #"{"credits":500,"card":{"number":"4242424242424242","expMonth":12,"expYear":2035,"cvc":"123"}}"#
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        try await harness.callOnNewConnection(
                            .post,
                            "/v1/accounts/\(account.id)/purchases",
                            token: account.ownerToken,
                            json: body,
                            headers: ["Idempotency-Key": "buy-500-once"]
                        )
                    }
                }
                return try await group.reduce(into: [Reply]()) { $0.append($1) }
            }
            #expect(replies.allSatisfy { $0.status == 201 }, "\(replies)")
            #expect(Set(replies.map(\.body)).count == 1)
            let wallet = try await account.wallet().object
            #expect(wallet["total"] as? String == "500.000")
            #expect(await gateway.payments.count == 1)
            let ledger = try await harness.call(.get, "/v1/accounts/\(account.id)/ledger", token: account.ownerToken)
            #expect(try ledger.items().count == 1)
        }
    }

    @Test func theSameKeyWithAnotherBodyIs409() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            #expect(try await account.buy(100, key: "k-1").status == 201)
            let reused = try await account.buy(200, key: "k-1")
            #expect(reused.status == 409)
            #expect(try reused.string("type").hasSuffix("idempotency-key-reused"))
            #expect(try await account.wallet().object["total"] as? String == "100.000")
            // A replay of a declined purchase answers the same decline, without paying again.
            let declined = try await account.buy(100, card: SandboxPaymentGateway.declinedCard, key: "k-2")
            let replayed = try await account.buy(100, card: SandboxPaymentGateway.declinedCard, key: "k-2")
            #expect(declined.status == 402 && replayed.status == 402)
            #expect(declined.body == replayed.body)
        }
    }

    @Test func theLedgerAddsUpToTheWalletAndPages() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            for credits in [100, 200, 300] { #expect(try await account.buy(credits).status == 201) }
            let first = try await harness.call(.get, "/v1/accounts/\(account.id)/ledger?limit=2", token: account.ownerToken)
            let firstItems = try first.items()
            #expect(firstItems.map { $0["credits"] as? String } == ["300.000", "200.000"])
            #expect(firstItems.first?["balanceAfter"] as? String == "600.000")
            let cursor = try first.string("nextCursor")
            let second = try await harness.call(
                .get,
                "/v1/accounts/\(account.id)/ledger?limit=2&cursor=\(cursor)",
                token: account.ownerToken
            )
            #expect(try second.items().map { $0["credits"] as? String } == ["100.000"])
            #expect(try second.object["nextCursor"] is NSNull)
            let bad = try await harness.call(.get, "/v1/accounts/\(account.id)/ledger?limit=0", token: account.ownerToken)
            #expect(bad.status == 422)
            #expect(try bad.errorFields() == ["limit"])
            #expect(try await harness.tally.store.verifyWallets().isEmpty)
        }
    }

    @Test func purchasesPageByCursorNewestFirst() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            for index in 0..<5 {
                _ = try await account.buy(100 + index, card: index == 2 ? SandboxPaymentGateway.declinedCard : "4242424242424242")
            }
            var seen = [String]()
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await account.get("/purchases?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")).object
                let items = try #require(page["items"] as? [[String: Any]])
                seen += items.compactMap { $0["credits"] as? String }
                cursor = page["nextCursor"] as? String
                pages += 1
            } while cursor != nil
            #expect(pages == 3)
            #expect(seen == ["104.000", "103.000", "102.000", "101.000", "100.000"])
            #expect(try await account.get("/purchases?limit=0").status == 422)
            let forged = try await account.get("/purchases?cursor=abc")
            #expect(forged.status == 422)
            #expect(try forged.errorFields() == ["cursor"])
        }
    }

    /// The card auto-recharge pays with cannot be removed from under it: 409 saying why.
    @Test func theCardAutoRechargeUsesCannotBeRemoved() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            let method = try await account.saveCard()
            #expect(try await account.autoRecharge(threshold: 10, method: method).status == 200)
            let refused = try await harness.call(.delete, "/v1/accounts/\(account.id)/payment-methods/\(method)", token: account.ownerToken)
            #expect(refused.status == 409)
            #expect(try refused.string("detail").contains("auto-recharge"))
            #expect(try await account.get("/payment-methods/\(method)").status == 200)
            let off = try await harness.call(
                .put,
                "/v1/accounts/\(account.id)/auto-recharge",
                token: account.ownerToken,
                json:
                    #"{"enabled":false,"thresholdCredits":10,"rechargeCredits":100,"paymentMethodId":"\#(method)","maxRechargesPerDay":1,"maxSpendPerMonth":"100.00"}"#
            )
            #expect(off.status == 200, "\(off)")
            #expect(try await harness.call(.delete, "/v1/accounts/\(account.id)/payment-methods/\(method)", token: account.ownerToken).status == 204)
        }
    }
}
