import Foundation
import TallyApp
import TallyCore
import Testing

/// SPEC "Buying credits": a purchase whose request dies between payment and credit
/// is settled later — credits added once, the card charged once.
@Suite("Payment recovery")
struct PaymentRecoveryTests {
    @Test func aPurchaseWhoseAnswerWasLostIsCreditedOnceByTheReconciler() async throws {
        let clock = ManualTime(Date(timeIntervalSince1970: 1_790_000_000))
        let sandbox = SandboxPaymentGateway()
        try await Harness.run(time: clock, providers: Providers(payments: DiesAfterPaying(base: sandbox))) { harness in
            let account = try await harness.makeAccount()
            let lost = try await account.buy(500)
            #expect(lost.status == 502)
            #expect(try lost.string("type").hasSuffix("payment-unsettled"))
            #expect(await sandbox.payments.count == 1)
            #expect(try await account.figures()[3] == "0.000")
            // Not yet: the request might still be finishing.
            #expect(try await harness.tally.purchases.reconcile() == 0)
            clock.advance(seconds: 61)
            #expect(try await harness.tally.purchases.reconcile() == 1)
            #expect(try await harness.tally.purchases.reconcile() == 0)
            #expect(await sandbox.payments.count == 1)
            #expect(try await account.figures() == ["500.000", "0.000", "0.000", "500.000"])
            let purchases = try await account.get("/purchases").items()
            #expect(purchases.map { $0["status"] as? String } == ["succeeded"])
            #expect(try await harness.tally.store.verifyWallets().isEmpty)
        }
    }

    @Test func retryingWithTheSameKeyLearnsTheOutcomeAndPaysOnce() async throws {
        let clock = ManualTime(Date(timeIntervalSince1970: 1_790_000_000))
        let sandbox = SandboxPaymentGateway()
        try await Harness.run(time: clock, providers: Providers(payments: DiesAfterPaying(base: sandbox))) { harness in
            let account = try await harness.makeAccount()
            #expect(try await account.buy(200, key: "order-7").status == 502)
            let retried = try await account.buy(200, key: "order-7")
            #expect(retried.status == 201, "\(retried)")
            #expect(try await account.buy(200, key: "order-7").body == retried.body)
            clock.advance(seconds: 61)
            #expect(try await harness.tally.purchases.reconcile() == 0)
            #expect(await sandbox.payments.count == 1)
            #expect(try await account.figures()[3] == "200.000")
        }
    }

    @Test func aDeclineWhoseAnswerWasLostIsRecordedAndAddsNothing() async throws {
        let clock = ManualTime(Date(timeIntervalSince1970: 1_790_000_000))
        let sandbox = SandboxPaymentGateway()
        try await Harness.run(time: clock, providers: Providers(payments: DiesAfterPaying(base: sandbox))) { harness in
            let account = try await harness.makeAccount()
            #expect(try await account.buy(100, card: SandboxPaymentGateway.declinedCard).status == 502)
            clock.advance(seconds: 61)
            #expect(try await harness.tally.purchases.reconcile() == 1)
            #expect(try await account.get("/purchases").items().map { $0["status"] as? String } == ["declined"])
            #expect(try await account.figures()[3] == "0.000")
        }
    }
    /// The sandbox's fault cards, as a client meets them over the API: an answer lost
    /// after the card was charged is credited once by the reconciler; a processor that
    /// never answers charges nothing and never stops the other payments being settled.
    @Test func theSandboxFaultCardsAreSettledOnceAndNeverBlockTheOthers() async throws {
        let clock = ManualTime(Date(timeIntervalSince1970: 1_790_000_000))
        let sandbox = SandboxPaymentGateway()
        try await Harness.run(gateway: sandbox, time: clock) { harness in
            let account = try await harness.makeAccount()
            let failing = try await account.buy(100, card: SandboxPaymentGateway.processorErrorCard)
            #expect(failing.status == 502, "\(failing)")
            let lost = try await account.buy(200, card: SandboxPaymentGateway.lostAnswerCard)
            #expect(lost.status == 502, "\(lost)")
            #expect(try lost.string("type").hasSuffix("payment-unsettled"))
            #expect(await sandbox.payments.count == 1)
            #expect(try await account.figures()[3] == "0.000")
            clock.advance(seconds: 61)
            // Both are asked again: the failing one still has no answer, the lost one is credited.
            #expect(try await harness.tally.purchases.reconcile() == 2)
            #expect(try await account.figures() == ["200.000", "0.000", "0.000", "200.000"])
            #expect(await sandbox.payments.count == 1)
            clock.advance(seconds: 61)
            #expect(try await harness.tally.purchases.reconcile() == 1)
            #expect(try await account.figures()[3] == "200.000")
            #expect(try await harness.tally.store.verifyWallets().isEmpty)
        }
    }
}
