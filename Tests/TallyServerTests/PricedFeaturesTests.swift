import Foundation
import TallyApp
import TallyCore
import TallyStore
import Testing

/// SPEC "Priced features": every row of the price and charge table.
@Suite("Priced features")
struct PricedFeaturesTests {
    @Test(arguments: [
        ("john.doe@example.com", "valid"), ("someone@mail.invalid", "invalid"), ("john..doe@example.com", "invalid"),
        ("", "invalid"),
    ])
    func emailValidationCostsHalfACreditValidOrInvalid(email: String, result: String) async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            let reply = try await account.post("/validations/email", #"{"email":"\#(email)","contact":{"name":"Lee"}}"#)
            #expect(reply.status == 200, "\(reply)")
            #expect(try reply.string("result") == result)
            #expect(try reply.string("credits") == "0.500")
            #expect(try await account.figures() == ["99.500", "0.000", "0.500", "100.000"])
            let log = try await harness.tally.store.usageLog(account: AccountID(account.id), feature: .emailValidation, limit: 10)
            #expect(log.map(\.status.rawValue) == [result])
        }
    }

    @Test(arguments: [
        ("+33 6 12 34 56 78", "valid", "FR"), ("+1 416 234 5678", "valid", "CA"), ("+33 6 12", "invalid", nil),
        ("not a phone", "invalid", nil),
    ])
    func phoneValidationCostsOneAndAHalfValidOrInvalid(phone: String, result: String, iso: String?) async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            let reply = try await account.post("/validations/phone", #"{"phone":"\#(phone)","contact":{"name":"Lee"}}"#)
            #expect(reply.status == 200, "\(reply)")
            #expect(try reply.string("result") == result)
            #expect(try reply.object["iso"] as? String == iso)
            #expect(try reply.string("credits") == "1.500")
            #expect(try await account.figures() == ["98.500", "0.000", "1.500", "100.000"])
        }
    }

    @Test(arguments: [("credit_score", "15.000", "17.000", "83.000"), ("dti", "24.000", "26.000", "74.000")])
    func aCompletedCreditCheckCostsItsPriceWithItsValidations(kind: String, credits: String, total: String, left: String) async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            try await account.verifyUS()
            _ = try await account.buy(100)
            let reply = try await account.creditCheck(kind)
            #expect(reply.status == 200, "\(reply)")
            let outcome = try reply.object
            #expect(outcome["status"] as? String == "completed")
            #expect(outcome["credits"] as? String == credits)
            #expect(outcome["totalCredits"] as? String == total)
            let score = try #require(outcome["creditScore"] as? Int)
            #expect((300...850).contains(score))
            #expect((outcome["dtiPercent"] is NSNull) == (kind == "credit_score"))
            #expect(try await account.figures() == [left, "0.000", total, "100.000"])
            // Every charge is explained by a ledger entry; the entries add up to available.
            let ledger = try await account.get("/ledger").items()
            #expect(
                ledger.map { $0["kind"] as? String } == ["release", "capture", "capture", "capture", "hold", "purchase"].filter { $0 != "release" }
            )
            #expect(try await harness.tally.store.verifyWallets().isEmpty)
        }
    }

    @Test func theSameLeadComingBackIsChargedAgainButARetriedRequestIsNot() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            try await account.verifyUS()
            _ = try await account.buy(100)
            let first = try await account.creditCheck(key: "lead-1")
            let retried = try await account.creditCheck(key: "lead-1")
            #expect(first.status == 200 && retried.body == first.body)
            #expect(try await account.figures()[2] == "17.000")
            let revisit = try await account.creditCheck(key: "lead-1-again")
            #expect(try revisit.string("id") != first.string("id"))
            #expect(try await account.figures()[2] == "34.000")
        }
    }

    @Test func anUnverifiedAccountsCheckIsSkippedBeforeAnythingRunsAndCostsNothing() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            let outcome = try await account.creditCheck("dti").object
            #expect(outcome["status"] as? String == "skipped")
            #expect(outcome["reason"] as? String == "the account is not verified as a US business entity")
            #expect(outcome["totalCredits"] as? String == "0.000")
            #expect(try await account.figures() == ["100.000", "0.000", "0.000", "100.000"])
            let log = try await harness.tally.store.usageLog(account: AccountID(account.id), feature: .dti, limit: 10)
            #expect(log.map(\.status.rawValue) == ["skipped"])
            #expect(try await harness.tally.store.usageLog(account: AccountID(account.id), feature: .emailValidation, limit: 10).isEmpty)
        }
    }

    @Test(arguments: [
        (true, "+33 6 12 34 56 78", "the lead's phone number is not a US number"),
        (true, "+1 416 234 5678", "the lead's phone number is not a US number"),
        (true, "12", "the lead's phone number did not validate"),
    ])
    func aSkippedCheckCostsOnlyItsValidations(verified: Bool, phone: String, reason: String) async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            if verified { try await account.verifyUS() }
            _ = try await account.buy(100)
            let reply = try await account.creditCheck("dti", phone: phone)
            let outcome = try reply.object
            #expect(outcome["status"] as? String == "skipped")
            #expect(outcome["reason"] as? String == reason)
            #expect(outcome["credits"] as? String == "0.000")
            #expect(outcome["totalCredits"] as? String == "2.000")
            #expect(try await account.figures() == ["98.000", "0.000", "2.000", "100.000"])
            let log = try await harness.tally.store.usageLog(account: AccountID(account.id), feature: .dti, limit: 10)
            #expect(log.first?.reason == reason)
        }
    }

    @Test func aFailedBureauCostsOnlyTheValidations() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            try await account.verifyUS()
            _ = try await account.buy(100)
            let outcome = try await account.creditCheck(phone: "+1 201 555 9999").object
            #expect(outcome["status"] as? String == "failed")
            #expect(outcome["totalCredits"] as? String == "2.000")
            #expect(try await account.figures() == ["98.000", "0.000", "2.000", "100.000"])
        }
    }

    @Test func aCreditCheckNeedsItsWholePriceAvailable() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            try await account.verifyUS()
            _ = try await account.buy(100)
            // Spend down to 16.5 credits: less than the 17 a credit score check holds.
            _ = try await account.post("/holds", #"{"feature":"calls","credits":"83.5"}"#)
            let reply = try await account.creditCheck()
            #expect(reply.status == 402)
            #expect(try reply.string("type").hasSuffix("insufficient-credits"))
            #expect(try await account.figures() == ["16.500", "83.500", "0.000", "100.000"])
            let log = try await harness.tally.store.usageLog(account: AccountID(account.id), feature: .creditScore, limit: 10)
            #expect(log.map(\.status.rawValue) == ["refused"])
            #expect(try await harness.tally.store.usageLog(account: AccountID(account.id), feature: .emailValidation, limit: 10).isEmpty)
        }
    }

    @Test func concurrentChecksNeverOverdraw() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            try await account.verifyUS()
            _ = try await account.buy(100)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<10 {
                    group.addTask {
                        try await harness.callOnNewConnection(
                            .post,
                            "/v1/accounts/\(account.id)/credit-checks",
                            token: account.ownerToken,
                            json: #"{"kind":"dti","contact":{"name":"L\#(index)","email":"l\#(index)@example.com","phone":"+12015550123"}}"#
                        ).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 3)
            #expect(statuses.filter { $0 == 402 }.count == 7)
            #expect(try await account.figures() == ["22.000", "0.000", "78.000", "100.000"])
            #expect(try await harness.tally.store.verifyWallets().isEmpty)
        }
    }

    @Test func fortyEightConcurrentHalfCreditDebitsAgainstTenCreditsExactlyTwentySucceed() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            // Spend down to exactly 10 credits available.
            let hold = try await account.post("/holds", #"{"feature":"calls","credits":90}"#)
            _ = try await account.post("/holds/\(try hold.string("id"))/capture", "")
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<48 {
                    group.addTask {
                        try await harness.callOnNewConnection(
                            .post,
                            "/v1/accounts/\(account.id)/validations/email",
                            token: account.ownerToken,
                            json: #"{"email":"lead\#(index)@example.com"}"#
                        ).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 20)
            #expect(statuses.filter { $0 == 402 }.count == 28)
            #expect(try await account.figures() == ["0.000", "0.000", "100.000", "100.000"])
            // Every refusal is logged; reaching zero tells the super admins once.
            let log = try await harness.tally.store.usageLog(account: AccountID(account.id), feature: .emailValidation, limit: 100)
            #expect(log.filter { $0.status == .refused }.count == 28)
            #expect(try await account.notificationKinds() == ["balance_depleted"])
            #expect(try await harness.tally.store.verifyWallets().isEmpty)
        }
    }

    @Test func atZeroEveryFeatureStopsAndChargesNothing() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            try await account.verifyUS()
            let replies = [
                try await account.post("/validations/email", #"{"email":"a@example.com"}"#),
                try await account.post("/validations/phone", #"{"phone":"+33612345678"}"#),
                try await account.creditCheck(),
                try await account.creditCheck("dti"),
                try await account.post("/sms", #"{"to":"+33612345678","body":"hi"}"#),
                try await account.post("/holds", #"{"feature":"calls","credits":1}"#),
            ]
            #expect(replies.map(\.status) == [402, 402, 402, 402, 402, 402], "\(replies)")
            #expect(try await account.figures() == ["0.000", "0.000", "0.000", "0.000"])
            #expect(try await account.get("/ledger").items().isEmpty)
        }
    }

    @Test(arguments: [
        (#"{"kind":"fico","contact":{"name":"L","email":"l@example.com","phone":"+12015550123"}}"#, "kind"),
        (#"{"kind":"dti","contact":{"email":"l@example.com","phone":"+12015550123"}}"#, "contact.name"),
        (#"{"kind":"dti","contact":{"name":"L","phone":"+12015550123"}}"#, "contact.email"),
        (#"{"kind":"dti","contact":{"name":"L","email":"l@example.com"}}"#, "contact.phone"),
        (#"{"kind":"dti"}"#, "contact"),
    ])
    func aMalformedCreditCheckIs422AndFree(body: String, field: String) async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            let reply = try await account.post("/credit-checks", body)
            #expect(reply.status == 422, "\(reply)")
            #expect(try reply.errorFields() == [field])
            #expect(try await account.figures()[0] == "100.000")
        }
    }

    /// A bureau that cannot answer at all: the check answers 502 "nothing was charged",
    /// and that is true at once — its hold is released now, not when it expires.
    @Test func aBureauErrorReleasesTheHoldAtOnce() async throws {
        try await Harness.run(providers: Providers(creditBureau: UnreachableBureau())) { harness in
            let account = try await harness.makeAccount()
            try await account.verifyUS()
            _ = try await account.buy(100)
            let reply = try await account.creditCheck()
            #expect(reply.status == 502, "\(reply)")
            #expect(try reply.string("detail").hasSuffix("nothing was charged"))
            #expect(try await account.figures() == ["100.000", "0.000", "0.000", "100.000"])
            let log = try await account.get("/logs/credit_checks").items()
            #expect(log.map { $0["status"] as? String } == ["failed"])
        }
    }
}

/// A credit bureau whose every call fails with a transport error (not a documented failure).
struct UnreachableBureau: CreditBureau {
    func check(_ inquiry: CreditInquiry) async throws -> BureauReport {
        throw URLError(.timedOut)
    }
}
