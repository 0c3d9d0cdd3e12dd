import Foundation
import TallyApp
import TallyCore
import Testing

/// SPEC "SMS pricing" and the holds of API.md.
@Suite("SMS and holds")
struct SMSAndHoldsTests {
    @Test(arguments: [
        ("+33 6 12 34 56 78", "hello", "FR", "GSM-7", 1, "0.450"),
        ("+33612345678", String(repeating: "a", count: 161), "FR", "GSM-7", 2, "0.900"),
        ("+1 201 555 0123", String(repeating: "Ж", count: 71), "US", "UCS-2", 2, "0.100"),
        ("+7 912 345-67-89", "привет", "RU", "UCS-2", 1, "2.610"),
        ("+90 501 234 56 78", String(repeating: "€", count: 81), "TR", "GSM-7", 2, "0.040"),
    ])
    func anSMSCostsItsCountrysPriceTimesSegments(to: String, body: String, iso: String, encoding: String, segments: Int, credits: String) async throws
    {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            let fields = #""to":"\#(to)","body":"\#(body)""#
            let json = #"{\#(fields),"contact":{"email":"lee@example.com"},"event":"demo-call"}"#
            let quote = try await harness.call(.post, "/v1/sms/quote", token: account.ownerToken, json: "{\(fields)}")
            #expect(try quote.string("credits") == credits, "\(quote)")
            let sent = try await account.post("/sms", json)
            #expect(sent.status == 200, "\(sent)")
            let message = try sent.object
            #expect(message["status"] as? String == "sent")
            #expect(message["iso"] as? String == iso)
            #expect(message["encoding"] as? String == encoding)
            #expect(message["segments"] as? Int == segments)
            #expect(message["credits"] as? String == credits)
            let log = try await harness.tally.store.usageLog(account: AccountID(account.id), feature: .sms, limit: 10)
            #expect(log.count == 1)
            #expect(log.first?.credits.description == credits)
            #expect(log.first?.segments == segments)
            let used = try await account.figures()[2]
            #expect(used == credits)
        }
    }

    @Test func aMessageTheCarrierCannotSendCostsNothing() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            let reply = try await account.post("/sms", #"{"to":"+33 6 12 34 00 00","body":"hello"}"#)
            #expect(try reply.string("status") == "failed")
            #expect(try reply.string("credits") == "0.000")
            #expect(try await account.figures() == ["100.000", "0.000", "0.000", "100.000"])
            let log = try await harness.tally.store.usageLog(account: AccountID(account.id), feature: .sms, limit: 10)
            #expect(log.map(\.status.rawValue) == ["failed"])
        }
    }

    @Test(arguments: [
        (#"{"to":"+1 416 234 5678","body":"hi"}"#, "to"), (#"{"to":"+999 123 456 789","body":"hi"}"#, "to"),
        (#"{"to":"call me","body":"hi"}"#, "to"), (#"{"to":"+33612345678","body":""}"#, "body"),
        (#"{"to":"+33612345678","body":"\#(String(repeating: "a", count: 1601))"}"#, "body"),
        (#"{"to":"+33612345678","body":"\#(String(repeating: "a", count: 1531))"}"#, "body"),
        (#"{"body":"hi"}"#, "to"),
    ])
    func anUnsendableSMSIs422AndFree(body: String, field: String) async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            let reply = try await account.post("/sms", body)
            #expect(reply.status == 422, "\(reply)")
            #expect(try reply.errorFields() == [field])
            #expect(try await account.figures()[0] == "100.000")
        }
    }

    @Test func aHoldIsCapturedUpToItsAmountAndTheRestReleased() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            let hold = try await account.post("/holds", #"{"feature":"voice_minutes","credits":"10.5","reference":"call-1","ttlSeconds":60}"#)
            #expect(hold.status == 201)
            let id = try hold.string("id")
            #expect(try await account.figures() == ["89.500", "10.500", "0.000", "100.000"])
            let tooMuch = try await account.post("/holds/\(id)/capture", #"{"credits":11}"#)
            #expect(tooMuch.status == 422)
            let captured = try await account.post("/holds/\(id)/capture", #"{"credits":"4.25"}"#)
            #expect(captured.status == 200, "\(captured)")
            #expect(try await account.figures() == ["95.750", "0.000", "4.250", "100.000"])
            // Once settled, a hold cannot be captured or released again.
            #expect(try await account.post("/holds/\(id)/capture", "{}").status == 409)
            #expect(try await account.post("/holds/\(id)/release", "").status == 409)
            let ledger = try await account.get("/ledger").items()
            #expect(ledger.reduce(Decimal(0)) { $0 + Decimal(string: $1["credits"] as? String ?? "0")! } == Decimal(string: "95.75"))
        }
    }

    @Test func retriedRequestsAreAnsweredOnceAndChargedOnce() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            let sms = #"{"to":"+33612345678","body":"Your call is at 3pm"}"#
            let sent = try await account.post("/sms", sms, key: "sms-1")
            let again = try await account.post("/sms", sms, key: "sms-1")
            #expect(sent.status == 200 && again.body == sent.body)
            let id = try await account.post("/holds", #"{"feature":"calls","credits":10}"#, key: "hold-1").string("id")
            #expect(try await account.post("/holds", #"{"feature":"calls","credits":10}"#, key: "hold-1").string("id") == id)
            let captured = try await account.post("/holds/\(id)/capture", #"{"credits":4}"#, key: "cap-1")
            let recaptured = try await account.post("/holds/\(id)/capture", #"{"credits":4}"#, key: "cap-1")
            #expect(captured.status == 200 && recaptured.status == 200 && recaptured.body == captured.body)
            let validation = try await account.post("/validations/email", #"{"email":"a@example.com"}"#, key: "ev-1")
            #expect(try await account.post("/validations/email", #"{"email":"a@example.com"}"#, key: "ev-1").body == validation.body)
            // 0.450 for the SMS, 4 captured, 0.5 for one validation.
            #expect(try await account.figures() == ["95.050", "0.000", "4.950", "100.000"])
        }
    }

    @Test func aReleasedHoldGivesEverythingBack() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            let id = try await account.post("/holds", #"{"feature":"calls","credits":30}"#).string("id")
            #expect(try await account.post("/holds/\(id)/release", "").status == 200)
            #expect(try await account.figures() == ["100.000", "0.000", "0.000", "100.000"])
            #expect(try await account.post("/holds/\(id)/capture", "").status == 409)
            #expect(try await account.post("/holds/hold_missing/capture", "").status == 404)
            let state = try await account.get("/holds/\(id)").object
            #expect(state["status"] as? String == "released")
            #expect(state["capturedCredits"] as? String == "0.000")
            #expect(try await account.get("/holds/hold_missing").status == 404)
        }
    }

    @Test func holdsExpireAndAreReleasedByTheSweeper() async throws {
        let clock = ManualTime(Date(timeIntervalSince1970: 1_790_000_000))
        try await Harness.run(time: clock) { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            let id = try await account.post("/holds", #"{"feature":"calls","credits":30,"ttlSeconds":60}"#).string("id")
            #expect(try await harness.tally.holds.expire() == 0)
            clock.advance(seconds: 61)
            // Past its expiry a hold cannot be captured, even before the sweeper has run.
            #expect(try await account.post("/holds/\(id)/capture", "").status == 409)
            #expect(try await harness.tally.holds.expire() == 1)
            #expect(try await harness.tally.holds.expire() == 0)
            #expect(try await account.figures() == ["100.000", "0.000", "0.000", "100.000"])
            #expect(try await harness.tally.store.verifyWallets().isEmpty)
        }
    }

    @Test(arguments: [
        (#"{"feature":"calls","credits":0}"#, "credits"), (#"{"feature":"calls","credits":-1}"#, "credits"),
        (#"{"feature":"","credits":1}"#, "feature"), (#"{"feature":"calls","credits":1,"ttlSeconds":0}"#, "ttlSeconds"),
        (#"{"feature":"calls","credits":"1.0001"}"#, "credits"),
    ])
    func aMalformedHoldIs422(body: String, field: String) async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            let reply = try await account.post("/holds", body)
            #expect(reply.status == 422, "\(reply)")
            #expect(try reply.errorFields() == [field])
        }
    }
}
