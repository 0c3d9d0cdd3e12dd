import Foundation
import Synchronization
import TallyApp
import TallyCore
import TallyStore
import Testing

/// API.md "Errors": a control character (U+0000 above all, which PostgreSQL refuses in
/// text) in any field or parameter is a 422 naming it — before anything is written or
/// handed to a provider — never a 500 or a message sent and left unsettled.
@Suite("Control characters")
struct ControlCharacterTests {
    /// The sandbox carrier, counting what it was handed.
    final class CountingCarrier: SMSGateway {
        let base = SandboxSMSGateway()
        let handed = Mutex(0)

        func send(_ attempt: SMSAttempt) async throws -> SMSDelivery {
            handed.withLock { $0 += 1 }
            return try await base.send(attempt)
        }

        func delivery(of attempt: SMSAttempt) async throws -> SMSDelivery? {
            try await base.delivery(of: attempt)
        }
    }

    @Test(arguments: [
        ("/sms", #"{"to":"+33 6 12 34 56 78","body":"hello","event":"a\u0000b"}"#, "event"),
        ("/sms", #"{"to":"+33 6 12 34 56 78","body":"hello\u0000"}"#, "body"),
        ("/sms", #"{"to":"+33 6 12 34 56 78","body":"hello","contact":{"email":"a\u0001@example.com"}}"#, "contact.email"),
        ("/validations/email", #"{"email":"lee\u0000@example.com","contact":{"name":"Lee"}}"#, "email"),
        ("/validations/email", #"{"email":"lee@example.com","contact":{"name":"L\u0000ee"}}"#, "contact.name"),
        ("/holds", #"{"feature":"calls","credits":1,"reference":"r\u0000"}"#, "reference"),
        ("/holds", #"{"feature":"calls\u001b","credits":1}"#, "feature"),
    ])
    func aControlCharacterInAFieldIsRefusedNamingIt(path: String, body: String, field: String) async throws {
        let carrier = CountingCarrier()
        try await Harness.run(providers: Providers(sms: carrier)) { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            let reply = try await account.post(path, body, key: "nul-\(field)")
            #expect(reply.status == 422, "\(reply)")
            #expect(reply.contentType == "application/problem+json")
            #expect(try reply.errorFields() == [field])
            #expect(try await account.figures() == ["100.000", "0.000", "0.000", "100.000"])
            #expect(carrier.handed.withLock { $0 } == 0)
        }
    }

    @Test func operatorFieldsRefuseControlCharactersToo() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let token = Harness.operatorToken
            let grant = try await account.post("/grants", #"{"credits":10,"reason":"trial\u0000"}"#, token: token)
            #expect(grant.status == 422, "\(grant)")
            #expect(try grant.errorFields() == ["reason"])
            let adjustment = try await account.post("/adjustments", #"{"credits":10,"reason":"\u0007"}"#, token: token)
            #expect(adjustment.status == 422, "\(adjustment)")
            #expect(try adjustment.errorFields() == ["reason"])
            let created = try await harness.call(
                .post,
                "/v1/accounts",
                token: token,
                json: #"{"name":"Ac\u0000me","owner":{"email":"o@acme.example","name":"Olive","password":"correct horse"}}"#
            )
            #expect(created.status == 422, "\(created)")
            #expect(try created.errorFields() == ["name"])
            #expect(try await account.figures() == ["0.000", "0.000", "0.000", "0.000"])
        }
    }

    @Test func tabsAndNewlinesAreText() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            let reply = try await account.post("/sms", #"{"to":"+33 6 12 34 56 78","body":"line one\nline\ttwo"}"#)
            #expect(reply.status == 200, "\(reply)")
            #expect(try reply.string("status") == "sent")
        }
    }

    @Test(arguments: ["q=%00", "q=a%1Fb", "result=valid%00"])
    func aControlCharacterInAQueryIsRefusedNamingIt(query: String) async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let reply = try await account.get("/logs/email_validation?\(query)")
            #expect(reply.status == 422, "\(reply)")
            #expect(try reply.errorFields() == [String(query.prefix { $0 != "=" })])
        }
    }

    @Test func aPathWithAControlCharacterNamesNothing() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let reply = try await account.get("/holds/hold_%00")
            #expect(reply.status == 404, "\(reply)")
            #expect(reply.contentType == "application/problem+json")
        }
    }

    @Test func aRepeatedKeyIsStillNamed() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let reply = try await account.post("/holds", #"{"feature":"calls","credits":1,"credits":100}"#)
            #expect(reply.status == 422, "\(reply)")
            #expect(try reply.errorFields() == ["credits"])
        }
    }

    /// A background worker sets a row it cannot settle aside, names it, and goes on: one
    /// account's bad row never stops the settling of every other account's.
    @Test func aRowTheReconcilerCannotSettleDoesNotStopTheOthers() async throws {
        let clock = ManualTime(Date(timeIntervalSince1970: 1_790_000_000))
        try await Harness.run(time: clock) { harness in
            let first = try await harness.makeAccount()
            let second = try await harness.makeAccount()
            for account in [first, second] { _ = try await account.buy(100) }
            let faults = try #require(harness.faults)
            // Both messages fail at the carrier and their releases fail to commit: two orphans.
            faults.failCommits(2, where: FaultyStore.holdsSettlement)
            for account in [first, second] {
                let reply = try await account.post("/sms", #"{"to":"+33 6 12 34 00 00","body":"hello"}"#)
                #expect(reply.status == 502, "\(reply)")
            }
            // The first account's row keeps failing; the second's settles in the same pass.
            let firstID = AccountID(first.id)
            faults.failCommits(1_000, where: { $0.accountID == firstID })
            clock.advance(seconds: 31)
            let failures = BackgroundPass.FailureLog()
            let settled = try await BackgroundPass.$failures.withValue(failures) {
                try await harness.tally.sms.reconcile(settling: Settling())
            }
            #expect(settled == 1)
            #expect(failures.all.count == 1)
            #expect(failures.all.first?.row.hasPrefix("sms send ") == true)
            #expect(try await second.figures() == ["100.000", "0.000", "0.000", "100.000"])
            #expect(try await first.figures() == ["99.550", "0.450", "0.000", "100.000"])
        }
    }

    /// The credit expiry worker too: one account's lot that cannot be expired is set aside,
    /// and the other account's expired credits still leave its wallet in the same pass.
    @Test func aLotTheExpiryWorkerCannotExpireDoesNotStopTheOthers() async throws {
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let clock = ManualTime(start)
        try await Harness.run(time: clock) { harness in
            let first = try await harness.makeAccount()
            let second = try await harness.makeAccount()
            let expiry = ISO8601DateFormatter().string(from: start.addingTimeInterval(60))
            for account in [first, second] {
                let grant = try await account.post(
                    "/grants",
                    #"{"credits":20,"reason":"trial","expiresAt":"\#(expiry)"}"#,
                    token: Harness.operatorToken
                )
                #expect(grant.status == 201, "\(grant)")
            }
            let firstID = AccountID(first.id)
            try #require(harness.faults).failCommits(1_000, where: { $0.accountID == firstID })
            clock.advance(seconds: 120)
            let failures = BackgroundPass.FailureLog()
            let expired = try await BackgroundPass.$failures.withValue(failures) { try await harness.tally.lots.expire() }
            #expect(expired == 1)
            #expect(failures.all.map(\.row).allSatisfy { $0.hasPrefix("expiring lot ") })
            #expect(failures.all.count == 1)
            #expect(try await second.figures() == ["0.000", "0.000", "0.000", "0.000"])
            #expect(try await first.figures()[3] == "20.000")
        }
    }
}
