import Foundation
import Synchronization
import TallyApp
import TallyCore
import TallyStore
import Testing

/// SPEC "SMS pricing", when the commit after the carrier fails: the message the carrier
/// took is charged exactly once, never sent again for its key, and settled from its
/// durable record by the message reconciler.
@Suite("Message recovery")
struct MessageRecoveryTests {
    /// The sandbox carrier, counting the messages handed to it.
    final class CountingCarrier: SMSGateway {
        let sent = Mutex(0)
        let carrier = SandboxSMSGateway()
        func send(_ attempt: SMSAttempt) async throws -> SMSDelivery {
            sent.withLock { $0 += 1 }
            return try await carrier.send(attempt)
        }

        func delivery(of attempt: SMSAttempt) async throws -> SMSDelivery? {
            try await carrier.delivery(of: attempt)
        }
        var count: Int { sent.withLock { $0 } }
    }

    /// A carrier that cannot say what became of a message.
    struct Forgetful: SMSGateway {
        func send(_ attempt: SMSAttempt) async throws -> SMSDelivery {
            try await SandboxSMSGateway().send(attempt)
        }

        func delivery(of attempt: SMSAttempt) async throws -> SMSDelivery? {
            throw ProviderFailure("the carrier cannot look messages up")
        }
    }

    static let message = #"{"to":"+33 6 12 34 56 78","body":"hello"}"#

    @Test func aSentMessageWhoseChargeFailedIsChargedOnceAndNeverSentAgain() async throws {
        let clock = ManualTime(Date(timeIntervalSince1970: 1_790_000_000))
        let carrier = CountingCarrier()
        try await Harness.run(time: clock, providers: Providers(sms: carrier)) { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            let faults = try #require(harness.faults)
            faults.failCommits(where: FaultyStore.holdsSettlement)
            let first = try await account.post("/sms", Self.message, key: "reminder-1")
            #expect(first.status == 502, "\(first)")
            #expect(try first.string("type").hasSuffix("message-unsettled"))
            #expect(carrier.count == 1)
            // Held, not charged yet; the hold outlives its expiry until the message is settled.
            #expect(try await account.figures() == ["99.550", "0.450", "0.000", "100.000"])
            clock.advance(seconds: 601)
            #expect(try await harness.tally.holds.expire() == 0)
            // A retry with the key never sends again; it waits for the settlement.
            let retried = try await account.post("/sms", Self.message, key: "reminder-1")
            #expect(retried.status == 502, "\(retried)")
            #expect(try retried.string("type").hasSuffix("message-unsettled"))
            #expect(carrier.count == 1)
            #expect(try await harness.tally.sms.reconcile() == 1)
            #expect(try await harness.tally.sms.reconcile() == 0)
            #expect(try await account.figures() == ["99.550", "0.000", "0.450", "100.000"])
            // Now the key answers what happened: sent, charged once.
            let answered = try await account.post("/sms", Self.message, key: "reminder-1")
            #expect(answered.status == 200, "\(answered)")
            #expect(try answered.string("status") == "sent")
            #expect(try answered.string("credits") == "0.450")
            #expect(carrier.count == 1)
            let log = try await harness.tally.store.usageLog(account: AccountID(account.id), feature: .sms, limit: 10)
            #expect(log.map(\.status.rawValue) == ["sent"])
            #expect(try await harness.tally.store.verifyWallets().isEmpty)
        }
    }

    @Test func aFailedMessageWhoseReleaseFailedIsReleasedByTheReconciler() async throws {
        let clock = ManualTime(Date(timeIntervalSince1970: 1_790_000_000))
        try await Harness.run(time: clock) { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            try #require(harness.faults).failCommits(where: FaultyStore.holdsSettlement)
            let reply = try await account.post("/sms", #"{"to":"+33 6 12 34 00 00","body":"hello"}"#)
            #expect(reply.status == 502, "\(reply)")
            // Not before the request has had its chance to settle it.
            #expect(try await harness.tally.sms.reconcile() == 0)
            clock.advance(seconds: 31)
            #expect(try await harness.tally.sms.reconcile() == 1)
            #expect(try await account.figures() == ["100.000", "0.000", "0.000", "100.000"])
            let log = try await harness.tally.store.usageLog(account: AccountID(account.id), feature: .sms, limit: 10)
            #expect(log.map(\.status.rawValue) == ["failed"])
        }
    }

    @Test(arguments: [false, true])
    func aMessageWhoseAnswerWasNeverWrittenIsSettledFromWhatTheCarrierKnows(carrierKnows: Bool) async throws {
        let clock = ManualTime(Date(timeIntervalSince1970: 1_790_000_000))
        let carrier: any SMSGateway = carrierKnows ? SandboxSMSGateway() : Forgetful()
        try await Harness.run(time: clock, providers: Providers(sms: carrier)) { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            // A request that died while the carrier had the message: only its record and hold remain.
            let store = harness.tally.store
            let accountID = AccountID(account.id)
            let line = UsageLogEntry(
                id: "sms_lost",
                accountID: accountID,
                feature: .sms,
                status: .pending,
                credits: .zero,
                day: PacificDay.of(clock.now()),
                createdAt: clock.now(),
                phone: "+33612345678",
                iso: "FR",
                segments: 1,
                encoding: "GSM-7"
            )
            let hold = HoldID("hold_lost")
            _ = try await store.commit(
                WalletTransaction(
                    accountID: accountID,
                    postings: [
                        Posting(id: LedgerEntryID("led_lost"), kind: .hold, change: .hold(Credits(thousandths: 450)), reference: hold.rawValue)
                    ],
                    records: [
                        .hold(
                            Hold(
                                id: hold,
                                accountID: accountID,
                                feature: "sms",
                                credits: Credits(thousandths: 450),
                                reference: line.id,
                                createdAt: clock.now(),
                                expiresAt: clock.now().addingTimeInterval(600)
                            )
                        ),
                        .smsSend(SMSSend(holdID: hold, accountID: accountID, idempotencyKey: "lost-1", line: line, createdAt: clock.now())),
                    ],
                    request: nil,
                    at: clock.now()
                )
            )
            clock.advance(seconds: 300)
            let log: [UsageLogEntry]
            if carrierKnows {
                // Asked, the carrier says it never got the message: released, not charged.
                #expect(try await harness.tally.sms.reconcile() == 1)
                log = try await store.usageLog(account: accountID, feature: .sms, limit: 10)
                #expect(log.map(\.reason) == ["the carrier never got the message"])
            } else {
                // The carrier cannot say: the message waits until its hold's life is over.
                #expect(try await harness.tally.sms.reconcile() == 0)
                clock.advance(seconds: 301)
                #expect(try await harness.tally.sms.reconcile() == 1)
                log = try await store.usageLog(account: accountID, feature: .sms, limit: 10)
                #expect(log.map(\.reason) == ["the carrier's answer was lost; nothing was charged"])
            }
            #expect(try await account.figures() == ["100.000", "0.000", "0.000", "100.000"])
        }
    }
}
