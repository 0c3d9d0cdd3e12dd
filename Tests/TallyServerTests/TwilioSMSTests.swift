import Foundation
import TallyApp
import TallyCore
import TallyStore
import TallyTestSupport
import Testing

/// Tally's messages through Twilio, against a fake Twilio on loopback that speaks Twilio's
/// published protocol and posts signed status callbacks as Twilio does: a message is
/// held when Twilio queues it, charged once when Twilio reports it sent, released when it
/// fails first, and never sent twice.
@Suite(.serialized) struct TwilioSMSTests {
    static let publicURL = "https://billing.example.com"

    /// Runs `body` with Tally's messages and phone validation on a fake Twilio whose status
    /// callbacks reach Tally.
    static func withTwilio(
        deadlines: ProviderDeadlines = ProviderDeadlines(payments: .seconds(30), features: .seconds(5)),
        _ body: @escaping @Sendable (Harness, FakeTwilio) async throws -> Void
    ) async throws {
        try await FakeTwilio.run { fake in
            let client = TwilioClient(
                .init(
                    apiBase: URL(string: fake.apiBase)!,
                    lookupBase: URL(string: fake.lookupBase)!,
                    accountSID: FakeTwilio.accountSID,
                    authToken: FakeTwilio.authToken,
                    sender: .from("+15017122661")
                ),
                deadline: deadlines.features
            )
            var providers = Providers(
                phoneVerifier: TwilioLookupVerifier(client: client),
                sms: TwilioSMSGateway(client: client, publicURL: URL(string: publicURL)!)
            )
            providers.publicURL = URL(string: publicURL)
            try await Harness.run(providers: providers, deadlines: deadlines) { harness in
                // Twilio calls Tally back at its public address, through the platform's proxy.
                await fake.forwardCallbacks(to: "http://127.0.0.1:\(harness.port)")
                do {
                    try await body(harness, fake)
                } catch {
                    await fake.stopCallbacks()
                    throw error
                }
                await fake.stopCallbacks()
            }
        }
    }

    /// An account with 100 credits.
    static func funded(_ harness: Harness) async throws -> TestAccount {
        let account = try await harness.makeAccount()
        let bought = try await account.buy(100)
        try #require(bought.status == 201, "\(bought)")
        return account
    }

    static func send(_ account: TestAccount, to: String, body: String = "Your code is 123456", key: String? = nil) async throws -> Reply {
        try await account.post("/sms", #"{"to":"\#(to)","body":"\#(body)","contact":{"email":"lee@example.com"}}"#, key: key)
    }

    /// The SMS log's line for message `id`.
    static func line(_ account: TestAccount, _ id: String) async throws -> [String: Any]? {
        try await account.get("/logs/sms?limit=500").items().first { $0["id"] as? String == id }
    }

    /// Waits until the message's line is in the log (its status callback settled it).
    static func settledLine(_ account: TestAccount, _ id: String) async throws -> [String: Any] {
        if let line = try await eventually(every: .milliseconds(50), { try await line(account, id) }) { return line }
        Issue.record("message \(id) was never settled")
        return [:]
    }

    static func sends(_ fake: FakeTwilio) async -> [FakeTwilioRequest] {
        await fake.received().filter { $0.method == "POST" && $0.path.hasSuffix("/Messages.json") }
    }

    @Test func aQueuedMessageIsHeldThenChargedOnceWhenTwilioReportsItSent() async throws {
        try await Self.withTwilio { harness, fake in
            let account = try await Self.funded(harness)
            await fake.holdCallbacks()
            let sent = try await Self.send(account, to: "+33 6 12 34 56 78", key: "sms-1")
            #expect(sent.status == 200, "\(sent)")
            #expect(try sent.string("status") == "queued")
            #expect(try sent.string("credits") == "0.450")
            let id = try sent.string("id")
            // Held, not charged, while Twilio has it queued; not in the log yet.
            #expect(try await account.figures() == ["99.550", "0.450", "0.000", "100.000"])
            #expect(try await Self.line(account, id) == nil)

            // What Twilio got: one message, from the configured number, reporting back to Tally.
            let requests = await Self.sends(fake)
            #expect(requests.count == 1)
            let parameters = Dictionary(requests[0].parameters, uniquingKeysWith: { $1 })
            #expect(parameters["To"] == "+33612345678")
            #expect(parameters["From"] == "+15017122661")
            #expect(parameters["StatusCallback"] == Self.publicURL + "/v1/providers/twilio/status/" + id)

            // Twilio moves the message on (sent, then delivered) shortly after answering.
            _ = try await eventually {
                await fake.heldCallbacks()
            } until: {
                $0.count == 2
            }
            let callbacks = await fake.releaseCallbacks()
            #expect(callbacks.map(\.status) == ["sent", "delivered"])
            #expect(callbacks.allSatisfy { $0.httpStatus == 200 }, "\(callbacks.map(\.httpStatus))")
            let line = try await Self.settledLine(account, id)
            #expect(line["status"] as? String == "sent")
            #expect(line["credits"] as? String == "0.450")
            #expect(try await account.figures() == ["99.550", "0.000", "0.450", "100.000"])

            // A retry with the same key is answered, never sent again.
            let again = try await Self.send(account, to: "+33 6 12 34 56 78", key: "sms-1")
            #expect(try again.string("id") == id)
            #expect(await Self.sends(fake).count == 1)
        }
    }

    @Test(arguments: [
        (["failed"], "failed", "0.000"),
        (["undelivered"], "failed", "0.000"),
        (["sent", "undelivered"], "sent", "0.450"),
        (["delivered", "sent"], "sent", "0.450"),
    ])
    func eachDeliveryPathChargesAsTheFirstReportSays(statuses: [String], status: String, used: String) async throws {
        try await Self.withTwilio { harness, fake in
            let account = try await Self.funded(harness)
            await fake.plan("+33612345679", DeliveryPlan(statuses: statuses, repeats: 2))
            let sent = try await Self.send(account, to: "+33 6 12 34 56 79")
            #expect(try sent.string("status") == "queued", "\(sent)")
            let line = try await Self.settledLine(account, try sent.string("id"))
            #expect(line["status"] as? String == status)
            // Every callback (each posted twice) is answered 200; later ones change nothing.
            let callbacks = await fake.callbacks(count: statuses.count * 2)
            #expect(callbacks.count == statuses.count * 2)
            #expect(callbacks.allSatisfy { $0.httpStatus == 200 })
            try await Task.sleep(for: .milliseconds(200))
            let figures = try await account.figures()
            #expect(figures[1] == "0.000", "nothing stays held")
            #expect(figures[2] == used)
            #expect(figures[0] == (used == "0.000" ? "100.000" : "99.550"))
            let ledger = try await account.get("/ledger?limit=500").items().compactMap { $0["kind"] as? String }
            #expect(ledger.filter { $0 == "capture" }.count == (used == "0.000" ? 0 : 1))
        }
    }

    /// The `sent` callback lost (posted while Tally was down) and `undelivered` the first
    /// Tally hears: Twilio's message says it was sent, so it is charged, once.
    @Test func anUndeliveredWhoseSentCallbackWasLostIsChargedAsSent() async throws {
        try await Self.withTwilio { harness, fake in
            let account = try await Self.funded(harness)
            await fake.plan("+33612345671", DeliveryPlan(statuses: ["sent", "undelivered"], lostCallbacks: ["sent"]))
            let sent = try await Self.send(account, to: "+33 6 12 34 56 71")
            #expect(try sent.string("status") == "queued", "\(sent)")
            let line = try await Self.settledLine(account, try sent.string("id"))
            #expect(line["status"] as? String == "sent", "\(line)")
            let callbacks = await fake.callbacks(count: 1)
            #expect(callbacks.map(\.status) == ["undelivered"])
            #expect(try await account.figures() == ["99.550", "0.000", "0.450", "100.000"])
        }
    }

    @Test func aForgedCallbackIsRefusedAndChangesNothing() async throws {
        try await Self.withTwilio { harness, fake in
            let account = try await Self.funded(harness)
            await fake.plan("+33612345670", DeliveryPlan(statuses: ["sent"], forgeSignature: true))
            let sent = try await Self.send(account, to: "+33 6 12 34 56 70")
            let callbacks = await fake.callbacks(count: 1)
            #expect(callbacks.map(\.httpStatus) == [403])
            #expect(try await Self.line(account, try sent.string("id")) == nil)
            #expect(try await account.figures()[1] == "0.450", "still held")
        }
    }

    @Test func aNumberTwilioRefusesFailsWithTwilioReasonAndCostsNothing() async throws {
        try await Self.withTwilio { harness, fake in
            let account = try await Self.funded(harness)
            await fake.plan("+33612345671", .refuse(code: 21610, message: "Attempt to send to unsubscribed recipient"))
            let sent = try await Self.send(account, to: "+33 6 12 34 56 71")
            #expect(sent.status == 200, "\(sent)")
            #expect(try sent.string("status") == "failed")
            #expect(try sent.string("reason").contains("unsubscribed recipient"))
            #expect(try sent.string("credits") == "0.000")
            #expect(try await account.figures() == ["100.000", "0.000", "0.000", "100.000"])
        }
    }

    @Test func aLostAnswerIsFoundInTwilioListAndChargedOnceNeverSentAgain() async throws {
        try await Self.withTwilio { harness, fake in
            let account = try await Self.funded(harness)
            await fake.plan("+33612345672", DeliveryPlan(statuses: ["sent", "delivered"], loseAnswer: true))
            let sent = try await Self.send(account, to: "+33 6 12 34 56 72", key: "lost-1")
            #expect(sent.status == 200, "\(sent)")
            let id = try sent.string("id")
            let line = try await Self.settledLine(account, id)
            #expect(line["status"] as? String == "sent")
            _ = await fake.callbacks(count: 2)
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await account.figures() == ["99.550", "0.000", "0.450", "100.000"])
            let again = try await Self.send(account, to: "+33 6 12 34 56 72", key: "lost-1")
            #expect(try again.string("id") == id)
            #expect(await Self.sends(fake).count == 1, "Twilio has no idempotency key: a message is never sent twice")
        }
    }

    /// Twilio accepted the message and Tally's record of its answer never landed (as when
    /// the process dies between the two): the request answers "not settled yet", the
    /// status callback charges it once, and a retry with the key answers that, sending nothing.
    @Test func aMessageWhoseAnswerWasNeverRecordedIsChargedOnceByItsCallbackAndNeverSentAgain() async throws {
        try await Self.withTwilio { harness, fake in
            let account = try await Self.funded(harness)
            await fake.holdCallbacks()
            try #require(harness.faults).failCarrierRecords()
            let first = try await Self.send(account, to: "+33 6 12 34 56 76", key: "crash-1")
            #expect(first.status == 502, "\(first)")
            #expect(try first.string("type").hasSuffix("message-unsettled"))
            let retried = try await Self.send(account, to: "+33 6 12 34 56 76", key: "crash-1")
            #expect(retried.status == 502, "\(retried)")
            #expect(await Self.sends(fake).count == 1)
            _ = try await eventually {
                await fake.heldCallbacks()
            } until: {
                $0.count == 2
            }
            #expect(await fake.releaseCallbacks().map(\.httpStatus) == [200, 200])
            #expect(try await account.figures() == ["99.550", "0.000", "0.450", "100.000"])
            let answered = try await Self.send(account, to: "+33 6 12 34 56 76", key: "crash-1")
            #expect(answered.status == 200, "\(answered)")
            #expect(try answered.string("status") == "sent")
            #expect(await Self.sends(fake).count == 1, "never sent again")
            let log = try await harness.tally.store.usageLog(account: AccountID(account.id), feature: .sms, limit: 10)
            #expect(log.map(\.status.rawValue) == ["sent"])
            #expect(try await harness.tally.store.verifyWallets().isEmpty)
        }
    }

    @Test func aMessageWhoseReportNeverComesIsAskedForByTheReconciler() async throws {
        try await Self.withTwilio { harness, fake in
            let account = try await Self.funded(harness)
            await fake.plan("+33612345673", .silent)
            let sent = try await Self.send(account, to: "+33 6 12 34 56 73")
            #expect(try sent.string("status") == "queued")
            try await Task.sleep(for: .milliseconds(1_100))
            let settled = try await harness.tally.sms.reconcile(settling: .after(seconds: 1))
            #expect(settled == 1)
            let line = try await Self.settledLine(account, try sent.string("id"))
            #expect(line["status"] as? String == "sent")
            #expect(try await account.figures() == ["99.550", "0.000", "0.450", "100.000"])
            #expect(await fake.received().contains { $0.method == "GET" && $0.path.contains("/Messages/SM") })
        }
    }

    @Test func aMessageNeverReportedSentIsReleasedUnchargedWhenItsHoldExpires() async throws {
        try await Self.withTwilio { harness, fake in
            let account = try await Self.funded(harness)
            await fake.plan("+33612345674", DeliveryPlan(statuses: [], callbacks: false))
            let sent = try await Self.send(account, to: "+33 6 12 34 56 74")
            #expect(try sent.string("status") == "queued")
            // Asked before its hold's life is over: still queued, nothing settled.
            var early = Settling.after(seconds: 1)
            early.messagesAnsweredAfterSeconds = 0
            early.messagesUnansweredAfterSeconds = 3_600
            #expect(try await harness.tally.sms.reconcile(settling: early) == 0)
            try await Task.sleep(for: .milliseconds(1_100))
            #expect(try await harness.tally.sms.reconcile(settling: .after(seconds: 1)) == 1)
            let line = try await Self.settledLine(account, try sent.string("id"))
            #expect(line["status"] as? String == "failed")
            #expect(try await account.figures() == ["100.000", "0.000", "0.000", "100.000"])
        }
    }

    @Test func theLogKeepsTwilioSegmentCountBesideTallysWhenTheyDiffer() async throws {
        try await Self.withTwilio { harness, fake in
            let account = try await Self.funded(harness)
            await fake.forceSegments("+33612345675", 2)
            let sent = try await Self.send(account, to: "+33 6 12 34 56 75")
            let line = try await Self.settledLine(account, try sent.string("id"))
            #expect(line["segments"] as? Int == 1)
            #expect(line["carrierSegments"] as? Int == 2)
            #expect(line["credits"] as? String == "0.450", "Tally charges the segments it quoted")
            let plain = try await Self.send(account, to: "+33 6 12 34 56 78")
            let same = try await Self.settledLine(account, try plain.string("id"))
            #expect(same["carrierSegments"] is NSNull)
        }
    }

    // MARK: Lookup

    @Test(
        arguments: [
            (LookupPlan.mobile, "valid", "mobile"),
            (LookupPlan.landline, "valid", "landline"),
            (LookupPlan.invalid, "invalid", nil),
            (LookupPlan.notFound, "invalid", nil),
        ] as [(LookupPlan, String, String?)]
    )
    func lookupAnswersValidityAndLineTypeChargedEitherWay(plan: LookupPlan, result: String, lineType: String?) async throws {
        try await Self.withTwilio { harness, fake in
            let account = try await Self.funded(harness)
            await fake.lookupPlan("+12015550123", plan)
            let checked = try await account.post("/validations/phone", #"{"phone":"+1 201 555 0123"}"#)
            #expect(checked.status == 200, "\(checked)")
            #expect(try checked.string("result") == result)
            #expect(try checked.object["lineType"] as? String == lineType)
            #expect(try await account.figures()[2] == "1.500")
            let logged = try await account.get("/logs/phone_validation").items()
            #expect(logged.first?["lineType"] as? String == lineType)
        }
    }

    @Test func lookupFailingOrSilentIs502AndFreeAndTheNumberPlanAnswersFirst() async throws {
        try await Self.withTwilio { harness, fake in
            let account = try await Self.funded(harness)
            for (number, plan) in [("+12015550124", LookupPlan.failing), ("+12015550125", LookupPlan.silent)] {
                await fake.lookupPlan(number, plan)
                let checked = try await account.post("/validations/phone", #"{"phone":"\#(number)"}"#)
                #expect(checked.status == 502, "\(checked)")
            }
            #expect(try await account.figures()[2] == "0.000")
            let asked = await fake.received().count
            let rejected = try await account.post("/validations/phone", #"{"phone":"+1 201 555 012"}"#)
            #expect(try rejected.string("result") == "invalid")
            #expect(await fake.received().count == asked, "a number the plan rejects never reaches Twilio")
            #expect(try await account.figures()[2] == "1.500")
        }
    }

    @Test func thePhoneLogFiltersByLineType() async throws {
        try await Self.withTwilio { harness, fake in
            let account = try await Self.funded(harness)
            await fake.lookupPlan("+12015550126", .landline)
            for number in ["+12015550126", "+12015550127"] {
                let checked = try await account.post("/validations/phone", #"{"phone":"\#(number)"}"#)
                #expect(checked.status == 200, "\(checked)")
            }
            let landlines = try await account.get("/logs/phone_validation?lineType=landline")
            #expect(try landlines.items().map { $0["lineType"] as? String } == ["landline"])
            #expect(try landlines.object["total"] as? Int == 1)
            let refused = try await account.get("/logs/sms?lineType=landline")
            #expect(refused.status == 422)
            #expect(try refused.errorFields() == ["lineType"])
        }
    }
}
