import Foundation
import TallyApp
import TallyCore
import Testing

/// API.md "Spending control", `GET /v1/accounts/{account}/ledger/{id}`: every ledger
/// entry explains itself — its price rule in words, the hold it came from, the lots it
/// drew, its log line, its request's Idempotency-Key — and adds up: the lots' movements
/// are the entry's credits, and the balance before plus the change is the balance after.
@Suite("Ledger explanations")
struct LedgerExplanationTests {
    static let start = Date(timeIntervalSince1970: 1_790_000_000)

    /// Purchases, charges, holds with their captures and releases, grants, adjustments,
    /// refunds and expiry: each entry's explanation adds up.
    @Test func everyKindOfEntryExplainsItselfAndAddsUp() async throws {
        let clock = ManualTime(Self.start)
        try await Harness.run(time: clock) { harness in
            let account = try await harness.makeAccount()
            try await account.verifyUS()
            let bought = try await account.buy(100, key: "buy-1")
            try #require(bought.status == 201, "\(bought)")
            let purchaseID = try bought.string("id")

            let purchaseReply = try await explanation(account, try await newest(account).id)
            let purchase = try purchaseReply.decode(ExplanationAnswer.self)
            #expect(purchase.kind == "purchase")
            #expect(purchase.explanation?.hasPrefix("100.000 credits bought for USD 20.00") == true, "\(purchaseReply)")
            #expect(purchase.balanceBefore == "0.000")
            #expect(purchase.idempotencyKey == "buy-1")
            #expect(try purchaseReply.isNull("hold"))
            #expect(try purchaseReply.isNull("logLine"))

            // A validation is charged at once: its rule, its log line and its request's key.
            let validated = try await account.send(
                EmailValidationRequest(email: "lee@example.com", contact: ContactBody(name: "Lee")),
                key: "email-1"
            )
            #expect(validated.status == 200, "\(validated)")
            let charge = try await explain(account, try await newest(account).id)
            #expect(charge.kind == "charge")
            #expect(charge.explanation == "email validation 0.500")
            #expect(charge.feature == "email_validation")
            #expect(charge.idempotencyKey == "email-1")
            let line = try #require(charge.logLine)
            #expect(line.log == "email_validation")
            #expect(line.id == (try validated.string("id")))
            #expect(charge.balanceBefore == "100.000")
            #expect(charge.balanceAfter == "99.500")

            // A credit check: its hold says what the whole price was made of.
            let checked = try await account.creditCheck(key: "check-1")
            #expect(checked.status == 200, "\(checked)")
            #expect(try checked.string("status") == "completed")
            let ledger = try await account.ledger()
            let holdEntry = try #require(ledger.first { $0.kind == "hold" })
            let hold = try await explain(account, holdEntry.id)
            let rule = "credit score 15.000 + email validation 0.500 + phone validation 1.500"
            #expect(hold.explanation == "\(rule), held until the action completes")
            #expect(hold.idempotencyKey == "check-1")
            #expect(hold.feature == "credit_score")
            #expect(hold.hold?.credits == "17.000")
            let checkCapture = try #require(ledger.first { $0.reference == (try? checked.string("id")) })
            let capture = try await explain(account, checkCapture.id)
            #expect(capture.kind == "capture")
            #expect(capture.explanation == "credit score 15.000, one part of \(rule)")
            #expect(capture.logLine?.log == "credit_checks")
            #expect(capture.hold?.id == holdEntry.reference)

            // A platform's own hold, captured in part: the rest is released.
            let held = try await account.send(HoldRequest(feature: "video_render", credits: 5, reference: "job-42"))
            #expect(held.status == 201, "\(held)")
            let holdID = try held.string("id")
            let captured = try await account.send(CaptureRequest(hold: holdID, credits: 3), key: "capture-1")
            #expect(captured.status == 200, "\(captured)")
            let release = try await explain(account, try await newest(account).id)
            #expect(release.kind == "release")
            #expect(release.explanation == "video_render 2.000 released, not charged")
            #expect(release.idempotencyKey == "capture-1")

            // The operator's grant (expiring) and adjustment, an owner's refund.
            let expiry = Self.start.addingTimeInterval(3_600)
            let granted = try await account.send(
                GrantRequest(credits: 10, reason: "trial <b>bonus</b>", expiresAt: iso(expiry), priority: 200),
                token: Harness.operatorToken
            )
            #expect(granted.status == 201, "\(granted)")
            let grant = try await explain(account, try await newest(account).id)
            #expect(grant.explanation?.hasPrefix("10.000 credits granted: trial <b>bonus</b>") == true, "\(grant)")
            let adjusted = try await account.send(AdjustmentRequest(credits: -2, reason: "typo"), token: Harness.operatorToken)
            #expect(adjusted.status == 201, "\(adjusted)")
            let adjustment = try await explain(account, try await newest(account).id)
            #expect(adjustment.explanation == "Adjustment of -2.000 credits: typo")
            let refunded = try await account.send(RefundRequest(purchase: purchaseID, credits: 10))
            #expect(refunded.status == 201, "\(refunded)")
            let refund = try await explain(account, try await newest(account).id)
            #expect(refund.kind == "refund")
            #expect(refund.explanation == "10.000 unused credits of purchase \(purchaseID) refunded, USD 2.00 back to the card")

            // The grant's credits expire.
            clock.advance(seconds: 3_600 + 30)
            #expect(try await harness.tally.lots.expire() >= 1)
            let expired = try await explain(account, try await newest(account).id)
            #expect(expired.kind == "expiry")
            #expect(expired.explanation?.hasPrefix("10.000 credits of lot ") == true, "\(expired)")

            // Every entry of the ledger adds up.
            let kinds = try await expectEveryEntryAddsUp(account)
            #expect(
                kinds.isSuperset(of: ["purchase", "charge", "hold", "capture", "release", "grant", "adjustment", "refund", "expiry"]),
                "\(kinds)"
            )
        }
    }

    /// An SMS is explained by the facts of its log line: the country, the encoding and
    /// the segments it was quoted at, and what each segment cost.
    @Test func anSMSIsExplainedByCountryEncodingAndSegments() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            #expect(try await account.buy(100).status == 201)
            let body = String(repeating: "Привет ", count: 12)
            let sent = try await account.send(SMSRequest(to: "+44 7700 900123", body: body), key: "sms-1")
            #expect(sent.status == 200, "\(sent)")
            #expect(try sent.string("status") == "sent")
            #expect(try sent.decode(SMSAnswer.self).segments == 2)
            let pricing = try await harness.call(.get, "/v1/pricing", token: account.ownerToken).object
            let rates = try #require(pricing["sms"] as? [[String: Any]])
            let rate = try #require(rates.first { $0["iso"] as? String == "GB" }?["creditsPerSegment"] as? String)

            let capture = try await explain(account, try await newest(account).id)
            #expect(capture.kind == "capture")
            #expect(capture.explanation == "SMS to GB, UCS-2, 2 segments × \(rate)")
            #expect(capture.feature == "sms")
            #expect(capture.idempotencyKey == "sms-1")
            let line = try #require(capture.logLine)
            #expect(line.log == "sms")
            #expect(line.segments == 2)
            #expect(line.status == "sent")
            _ = try await expectEveryEntryAddsUp(account)
        }
    }

    /// An automatic recharge explains itself as one and adds up like a purchase.
    @Test func aRechargeExplainsItselfAndAddsUp() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let method = try await account.saveCard()
            #expect(try await account.buy(100).status == 201)
            // Available (100) is below the new threshold: the save makes a recharge due at once.
            #expect(try await account.autoRecharge(threshold: 200, credits: 150, method: method).status == 200)
            #expect(try await harness.tally.autoRecharges.runDue() == 1)
            let recharge = try await explain(account, try await newest(account).id)
            #expect(recharge.kind == "recharge", "\(recharge)")
            #expect(recharge.explanation?.isEmpty == false, "\(recharge)")
            #expect(recharge.balanceBefore == "100.000")
            #expect(recharge.balanceAfter == "250.000")
            let kinds = try await expectEveryEntryAddsUp(account)
            #expect(kinds == ["purchase", "recharge"], "\(kinds)")
        }
    }

    /// The owner, super admins and API keys read explanations; admins and members may
    /// not; another account's entry and an unknown id are not found.
    @Test func onlyTheAccountsReadersSeeItsExplanations() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            #expect(try await account.buy(100).status == 201)
            let id = try await newest(account).id
            #expect(try await account.get("/ledger/\(id)", token: try await account.apiKey()).status == 200)
            #expect(try await account.get("/ledger/\(id)", token: try await account.person("super_admin")).status == 200)
            #expect(try await account.get("/ledger/\(id)", token: try await account.person("admin")).status == 403)
            #expect(try await account.get("/ledger/\(id)", token: try await account.person("member")).status == 403)

            let other = try await harness.makeAccount()
            let notYours = try await other.get("/ledger/\(id)")
            #expect(notYours.status == 404)
            #expect(notYours.contentType?.hasPrefix("application/problem+json") == true, "\(notYours)")
            #expect(try await harness.call(.get, "/v1/accounts/\(account.id)/ledger/\(id)", token: other.ownerToken).status == 404)
            #expect(try await account.get("/ledger/led_unknown").status == 404)
        }
    }
}

// MARK: Helpers

/// `GET …/ledger/{id}`: the entry as the ledger lists it, and what explains it.
private struct ExplanationAnswer: Decodable {
    struct HoldPart: Decodable {
        var id: String?
        var credits: String?
    }

    struct LogLinePart: Decodable {
        var log: String?
        var id: String?
        var segments: Int?
        var status: String?
    }

    var id: String
    var kind: String?
    var credits: String?
    var held: String?
    var balanceBefore: String?
    var balanceAfter: String?
    var explanation: String?
    var feature: String?
    var idempotencyKey: String?
    var hold: HoldPart?
    var logLine: LogLinePart?
    var lots: [LedgerEntryAnswer.Movement]?
}

/// The answer of `POST …/sms`, as far as these tests read it.
private struct SMSAnswer: Decodable {
    var segments: Int?
}

/// The newest entry of the account's ledger.
private func newest(_ account: TestAccount) async throws -> LedgerEntryAnswer {
    try #require(try await account.ledger("?limit=1").first)
}

/// The explanation of entry `id`, as written.
private func explanation(_ account: TestAccount, _ id: String) async throws -> Reply {
    let reply = try await account.get("/ledger/\(id)")
    try #require(reply.status == 200, "\(reply)")
    #expect(try reply.decode(ExplanationAnswer.self).id == id)
    return reply
}

private func explain(_ account: TestAccount, _ id: String) async throws -> ExplanationAnswer {
    try await explanation(account, id).decode(ExplanationAnswer.self)
}

/// Thousandths of a credit from the API's three-decimal text.
private func thousandths(_ text: String?) -> Int64? {
    guard let text, case .success(let credits) = Credits.parse(text) else { return nil }
    return credits.thousandths
}

/// Explains every entry of the ledger and checks that it adds up: the lots drawn are
/// the entry's credits (and held credits), and the balance before plus the change is
/// the balance after. Answers the kinds seen.
private func expectEveryEntryAddsUp(_ account: TestAccount) async throws -> Set<String> {
    var kinds: Set<String> = []
    let listed = try await account.get("/ledger?limit=500")
    for (item, listedItem) in zip(try listed.decode(Page<LedgerEntryAnswer>.self).items, try listed.items()) {
        let reply = try await explanation(account, item.id)
        let entry = try reply.decode(ExplanationAnswer.self)
        let kind = entry.kind ?? "?"
        kinds.insert(kind)
        let lots = entry.lots ?? []
        #expect(!lots.isEmpty, "\(kind) names no lot")
        let drawn = lots.compactMap { thousandths($0.credits) }.reduce(0, +)
        let held = lots.compactMap { thousandths($0.held) }.reduce(0, +)
        #expect(drawn == thousandths(entry.credits), "\(kind): lots \(drawn) against \(reply)")
        #expect(held == thousandths(entry.held), "\(kind): held \(held) against \(reply)")
        let before = try #require(thousandths(entry.balanceBefore))
        let change = try #require(thousandths(entry.credits))
        #expect(before + change == thousandths(entry.balanceAfter), "\(kind): \(reply)")
        #expect(entry.explanation?.isEmpty == false, "\(kind): \(reply)")
        // Written on every entry, null or not, and the entry as the ledger lists it, unchanged.
        let written = try reply.object
        for field in ["feature", "hold", "logLine", "idempotencyKey"] { #expect(written.keys.contains(field), "\(kind) lacks \(field)") }
        for field in ["kind", "credits", "held", "used", "total", "balanceAfter", "reference", "createdAt"] {
            #expect("\(written[field] ?? "")" == "\(listedItem[field] ?? "")", "\(kind): \(field)")
        }
    }
    return kinds
}
