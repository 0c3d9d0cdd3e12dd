import Foundation
import Synchronization
import TallyApp
import TallyCore
import TallyStore
import Testing

/// A gateway whose process "dies" right after the first payment went through:
/// the payment is taken, the answer never arrives.
struct DiesAfterPaying: PaymentGateway {
    let base: SandboxPaymentGateway
    let died = Flag()

    func save(_ card: PaymentCard) async throws -> SavedCard { await base.save(card) }

    func charge(_ order: PaymentOrder) async throws -> PaymentOutcome {
        let outcome = try await base.charge(order)
        if died.setOnce() { throw ProviderFailure("the process stopped before the answer arrived") }
        return outcome
    }

    func refund(_ amount: Money, payment reference: String, idempotencyKey: String) async throws -> RefundOutcome {
        try await base.refund(amount, payment: reference, idempotencyKey: idempotencyKey)
    }
}

/// A card processor that answers nothing until it is reachable again; then the sandbox.
final class UnreachableProcessor: PaymentGateway {
    let reachable = Mutex(false)
    let asked = Mutex([String]())
    let base = SandboxPaymentGateway()

    var keys: [String] { asked.withLock { $0 } }

    func save(_ card: PaymentCard) async throws -> SavedCard { await base.save(card) }

    func charge(_ order: PaymentOrder) async throws -> PaymentOutcome {
        asked.withLock { $0.append(order.idempotencyKey) }
        guard reachable.withLock({ $0 }) else { throw ProviderFailure("the card processor timed out") }
        return try await base.charge(order)
    }

    func refund(_ amount: Money, payment reference: String, idempotencyKey: String) async throws -> RefundOutcome {
        guard reachable.withLock({ $0 }) else { throw ProviderFailure("the card processor timed out") }
        return try await base.refund(amount, payment: reference, idempotencyKey: idempotencyKey)
    }
}

/// Set once, read by anyone.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    /// True the first time only.
    func setOnce() -> Bool {
        lock.withLock {
            defer { value = true }
            return !value
        }
    }
}

/// SPEC "Auto-recharge".
@Suite("Auto-recharge")
struct AutoRechargeTests {
    @Test func fortyConcurrentDebitsCrossingTheThresholdBuyExactlyOneRecharge() async throws {
        let gateway = SandboxPaymentGateway()
        try await Harness.run(gateway: gateway) { harness in
            let account = try await harness.makeAccount()
            let method = try await account.saveCard()
            _ = try await account.buy(100)
            #expect(try await account.autoRecharge(method: method).status == 200)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        try await harness.callOnNewConnection(
                            .post,
                            "/v1/accounts/\(account.id)/validations/phone",
                            token: account.ownerToken,
                            json: #"{"phone":"+3361234\#(String(format: "%04d", index))"}"#
                        ).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == 200 })
            #expect(try await account.figures() == ["40.000", "0.000", "60.000", "100.000"])
            #expect(try await harness.tally.autoRecharges.runDue() == 1)
            #expect(try await harness.tally.autoRecharges.runDue() == 0)
            #expect(try await account.figures() == ["140.000", "0.000", "60.000", "200.000"])
            #expect(try await harness.tally.store.recharges(account: AccountID(account.id), limit: 10).map(\.status) == [.succeeded])
            #expect(await gateway.payments.count == 2)
            #expect(try await account.notificationKinds() == ["recharge_succeeded", "low_balance"])
            let autoRecharge = try #require(try await account.wallet().decode(WalletAnswer.self).autoRecharge)
            #expect(autoRecharge.status == "on")
            #expect(autoRecharge.lastResult == "succeeded")
            let purchases = try await account.get("/purchases").items()
            #expect(purchases.first?["origin"] as? String == "recharge")
            #expect(try await harness.tally.store.verifyWallets().isEmpty)
        }
    }

    /// API.md: auto-recharge triggers when available falls below the threshold after a
    /// charge. A refund, a negative adjustment and an expiry that take available below it
    /// warn of a low balance and buy nothing themselves (they leave the recharge to the next
    /// spending: see the next test); back above the threshold that is over, and a hold that
    /// crosses it buys one recharge, only one.
    @Test func onlySpendingBelowTheThresholdBuysARecharge() async throws {
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let clock = ManualTime(start)
        let gateway = SandboxPaymentGateway()
        try await Harness.run(gateway: gateway, time: clock) { harness in
            let account = try await harness.makeAccount()
            let method = try await account.saveCard()
            let bought = try await account.buy(200)
            try #require(bought.status == 201, "\(bought)")
            #expect(try await account.autoRecharge(threshold: 100, credits: 100, method: method).status == 200)
            let operatorToken = Harness.operatorToken

            let refund = try await account.post("/purchases/\(try bought.string("id"))/refunds", #"{"credits":150}"#)
            #expect(refund.status == 201, "\(refund)")
            #expect(try await account.figures()[0] == "50.000")
            #expect(try await harness.tally.autoRecharges.runDue() == 0)

            let added = try await account.post("/adjustments", #"{"credits":200,"reason":"goodwill"}"#, token: operatorToken)
            #expect(added.status == 201, "\(added)")
            let removed = try await account.post("/adjustments", #"{"credits":-200,"reason":"goodwill undone"}"#, token: operatorToken)
            #expect(removed.status == 201, "\(removed)")
            #expect(try await account.figures()[0] == "50.000")
            #expect(try await harness.tally.autoRecharges.runDue() == 0)

            let expiry = ISO8601DateFormatter().string(from: start.addingTimeInterval(60))
            let grant = try await account.post(
                "/grants",
                #"{"credits":200,"reason":"trial","expiresAt":"\#(expiry)"}"#,
                token: operatorToken
            )
            #expect(grant.status == 201, "\(grant)")
            clock.advance(seconds: 120)
            try await harness.tally.lots.expire()
            #expect(try await account.figures()[0] == "50.000")
            #expect(try await harness.tally.autoRecharges.runDue() == 0)
            #expect(try await harness.tally.store.recharges(account: AccountID(account.id), limit: 10).isEmpty)
            #expect(await gateway.payments.count == 1)
            #expect(try await account.notificationKinds().filter { $0 == "low_balance" }.count == 3)

            // Back above the threshold, what the expiry left owed is over: spending that
            // crosses it buys one recharge, not two.
            let more = try await account.post("/adjustments", #"{"credits":100,"reason":"back up"}"#, token: operatorToken)
            #expect(more.status == 201, "\(more)")
            #expect(try await account.post("/holds", #"{"feature":"calls","credits":60}"#).status == 201)
            #expect(try await harness.tally.autoRecharges.runDue() == 1)
            #expect(try await account.figures()[0] == "190.000")
            #expect(await gateway.payments.count == 2)
            #expect(try await harness.tally.autoRecharges.runDue() == 0)
        }
    }

    /// A refund that takes available below the threshold buys nothing, but the wallet is
    /// not left to drain: the next charge buys the one recharge of that descent, and the
    /// charges after it — the wallet still below the threshold — buy no other.
    @Test func aRefundBelowTheThresholdLeavesTheRechargeToTheNextCharge() async throws {
        let gateway = SandboxPaymentGateway()
        try await Harness.run(gateway: gateway) { harness in
            let account = try await harness.makeAccount()
            let method = try await account.saveCard()
            let bought = try await account.buy(300)
            try #require(bought.status == 201, "\(bought)")
            #expect(try await account.autoRecharge(threshold: 250, credits: 100, method: method).status == 200)

            let refund = try await account.post("/purchases/\(try bought.string("id"))/refunds", #"{"credits":250}"#)
            #expect(refund.status == 201, "\(refund)")
            #expect(try await account.figures()[0] == "50.000")
            #expect(try await harness.tally.autoRecharges.runDue() == 0)
            #expect(await gateway.payments.count == 1)
            #expect(try await account.notificationKinds() == ["low_balance"])

            // One charge (a phone validation, 1.500 credits) buys one recharge.
            let first = try await account.post("/validations/phone", #"{"phone":"+33612340001"}"#)
            #expect(first.status == 200, "\(first)")
            #expect(try await harness.tally.autoRecharges.runDue() == 1)
            #expect(try await account.figures()[0] == "148.500")
            #expect(await gateway.payments.count == 2)

            // Still below the threshold of 250: the charges after it buy nothing more.
            for phone in ["+33612340002", "+33612340003"] {
                let reply = try await account.post("/validations/phone", #"{"phone":"\#(phone)"}"#)
                #expect(reply.status == 200, "\(reply)")
                #expect(try await harness.tally.autoRecharges.runDue() == 0)
            }
            #expect(try await account.figures()[0] == "145.500")
            #expect(await gateway.payments.count == 2)
            #expect(try await account.notificationKinds() == ["recharge_succeeded", "low_balance"])
            #expect(try await harness.tally.store.verifyWallets().isEmpty)
        }
    }

    @Test func aDeclinedRechargeIsRetriedWithBackOffThenSwitchedOff() async throws {
        let clock = ManualTime(Date(timeIntervalSince1970: 1_790_000_000))
        try await Harness.run(time: clock) { harness in
            let account = try await harness.makeAccount()
            _ = try await account.buy(100)
            let method = try await account.saveCard(SandboxPaymentGateway.declinedCard)
            // Already below the threshold: turning it on makes a recharge due at once.
            #expect(try await account.autoRecharge(threshold: 150, method: method).status == 200)
            #expect(try await harness.tally.autoRecharges.runDue() == 1)
            #expect(try await account.notificationKinds() == ["recharge_failed"])
            // Not due again before its back-off.
            #expect(try await harness.tally.autoRecharges.runDue() == 0)
            clock.advance(seconds: 60)
            #expect(try await harness.tally.autoRecharges.runDue() == 1)
            clock.advance(seconds: 240)
            #expect(try await harness.tally.autoRecharges.runDue() == 1)
            clock.advance(seconds: 5_000)
            #expect(try await harness.tally.autoRecharges.runDue() == 0)
            #expect(
                try await account.notificationKinds()
                    == ["recharge_disabled", "recharge_failed", "recharge_failed", "recharge_failed"]
            )
            #expect(try await account.figures()[3] == "100.000")
            let autoRecharge = try #require(try await account.wallet().decode(WalletAnswer.self).autoRecharge)
            #expect(!autoRecharge.enabled)
            #expect(autoRecharge.lastResult == "disabled")
            #expect(autoRecharge.lastReason == "the card was declined")
            let declined = try await account.get("/purchases").items().filter { $0["status"] as? String == "declined" }
            #expect(declined.count == 3)
        }
    }

    @Test func theDailyCapRefusesTheNextRecharge() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let method = try await account.saveCard()
            _ = try await account.buy(100)
            #expect(try await account.autoRecharge(threshold: 90, credits: 100, method: method, perDay: 1).status == 200)
            _ = try await account.post("/holds", #"{"feature":"calls","credits":20}"#)
            #expect(try await harness.tally.autoRecharges.runDue() == 1)
            #expect(try await account.figures()[0] == "180.000")
            _ = try await account.post("/holds", #"{"feature":"calls","credits":100}"#)
            #expect(try await harness.tally.autoRecharges.runDue() == 1)
            #expect(try await account.figures() == ["80.000", "120.000", "0.000", "200.000"])
            let kinds = try await account.notificationKinds()
            #expect(kinds.first == "recharge_capped")
            #expect(kinds.filter { $0 == "recharge_succeeded" }.count == 1)
            let states = try await harness.tally.store.recharges(account: AccountID(account.id), limit: 10).map(\.status)
            #expect(states == [.capped, .succeeded])
        }
    }

    @Test func theMonthlySpendCapRefusesARecharge() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let method = try await account.saveCard()
            _ = try await account.buy(100)
            #expect(try await account.autoRecharge(threshold: 150, credits: 100, method: method, perMonth: "19.99").status == 200)
            #expect(try await harness.tally.autoRecharges.runDue() == 1)
            #expect(try await account.notificationKinds() == ["recharge_capped"])
            #expect(try await account.figures()[3] == "100.000")
        }
    }

    @Test func aRestartBetweenPaymentAndCreditPaysOnceAndCreditsOnce() async throws {
        let clock = ManualTime(Date(timeIntervalSince1970: 1_790_000_000))
        let sandbox = SandboxPaymentGateway()
        try await Harness.run(time: clock, providers: Providers(payments: DiesAfterPaying(base: sandbox))) { harness in
            let account = try await harness.makeAccount()
            let method = try await account.saveCard()
            #expect(try await account.autoRecharge(threshold: 50, credits: 100, method: method).status == 200)
            // The answer is lost: recorded, notified, retried after the back-off — the worker goes on.
            #expect(try await harness.tally.autoRecharges.runDue() == 1)
            #expect(await sandbox.payments.count == 1)
            #expect(try await account.figures()[3] == "0.000")
            #expect(try await account.notificationKinds().contains("recharge_failed"))
            #expect(try await harness.tally.autoRecharges.runDue() == 0)
            clock.advance(seconds: 61)
            #expect(try await harness.tally.autoRecharges.runDue() == 1)
            #expect(await sandbox.payments.count == 1)
            #expect(try await account.figures() == ["100.000", "0.000", "0.000", "100.000"])
            #expect(try await harness.tally.store.verifyWallets().isEmpty)
        }
    }

    @Test func aPaymentWhoseAnswerWasLostIsCreditedWhateverTheOwnerChangedMeanwhile() async throws {
        let clock = ManualTime(Date(timeIntervalSince1970: 1_790_000_000))
        let sandbox = SandboxPaymentGateway()
        try await Harness.run(time: clock, providers: Providers(payments: DiesAfterPaying(base: sandbox))) { harness in
            let account = try await harness.makeAccount()
            let method = try await account.saveCard()
            #expect(try await account.autoRecharge(threshold: 50, credits: 100, method: method).status == 200)
            #expect(try await harness.tally.autoRecharges.runDue() == 1)
            #expect(await sandbox.payments.count == 1)
            // Meanwhile the owner switches auto-recharge off and removes the card it paid with.
            let off = try await harness.call(
                .put,
                "/v1/accounts/\(account.id)/auto-recharge",
                token: account.ownerToken,
                json: #"{"enabled":false,"thresholdCredits":50,"rechargeCredits":100,"paymentMethodId":"\#(method)"}"#
            )
            #expect(off.status == 200, "\(off)")
            let removed = try await harness.call(.delete, "/v1/accounts/\(account.id)/payment-methods/\(method)", token: account.ownerToken)
            #expect(removed.status == 204, "\(removed)")
            clock.advance(seconds: 61)
            // The card was charged: the retry asks with the same key and credits it, once.
            #expect(try await harness.tally.autoRecharges.runDue() == 1)
            #expect(await sandbox.payments.count == 1)
            #expect(try await account.figures() == ["100.000", "0.000", "0.000", "100.000"])
            #expect(try await account.notificationKinds().contains("recharge_succeeded"))
            clock.advance(seconds: 3_600)
            #expect(try await harness.tally.autoRecharges.runDue() == 0)
            #expect(try await harness.tally.purchases.reconcile() == 0)
            #expect(try await harness.tally.store.verifyWallets().isEmpty)
        }
    }

    @Test func processorErrorsCountAsAttemptsThenTheReconcilerKeepsAsking() async throws {
        let clock = ManualTime(Date(timeIntervalSince1970: 1_790_000_000))
        let processor = UnreachableProcessor()
        try await Harness.run(time: clock, providers: Providers(payments: processor)) { harness in
            let account = try await harness.makeAccount()
            let method = try await account.saveCard()
            #expect(try await account.autoRecharge(threshold: 50, credits: 100, method: method).status == 200)
            // Three errors, with the back-off between them: counted like declines.
            for wait in [0, 61, 241] {
                clock.advance(seconds: TimeInterval(wait))
                #expect(try await harness.tally.autoRecharges.runDue() == 1)
            }
            clock.advance(seconds: 3_600)
            #expect(try await harness.tally.autoRecharges.runDue() == 0)
            let kinds = try await account.notificationKinds()
            #expect(kinds.filter { $0 == "recharge_failed" }.count == 3)
            #expect(kinds.contains("recharge_disabled"))
            let autoRecharge = try #require(try await account.wallet().decode(WalletAnswer.self).autoRecharge)
            #expect(!autoRecharge.enabled)
            #expect(autoRecharge.lastResult == "disabled")
            #expect(autoRecharge.lastReason == "the card processor could not be reached")
            // Every attempt asked with the one key: the payment's outcome is still unknown, so
            // the payment reconciler keeps asking — and credits it once the processor answers.
            #expect(Set(processor.keys).count == 1)
            processor.reachable.withLock { $0 = true }
            #expect(try await harness.tally.purchases.reconcile() == 1)
            #expect(try await account.figures() == ["100.000", "0.000", "0.000", "100.000"])
            #expect(try await harness.tally.purchases.reconcile() == 0)
        }
    }

    @Test(arguments: [
        (#"{"enabled":true,"thresholdCredits":0,"rechargeCredits":100,"paymentMethodId":"PM"}"#, ["thresholdCredits"]),
        (#"{"enabled":true,"thresholdCredits":10,"rechargeCredits":99,"paymentMethodId":"PM"}"#, ["rechargeCredits"]),
        (#"{"enabled":true,"thresholdCredits":10,"rechargeCredits":100,"paymentMethodId":"pm_other"}"#, ["paymentMethodId"]),
        (#"{"enabled":true,"thresholdCredits":10,"rechargeCredits":100,"paymentMethodId":"PM","maxRechargesPerDay":-1}"#, ["maxRechargesPerDay"]),
        (#"{"enabled":true,"thresholdCredits":10,"rechargeCredits":100,"paymentMethodId":"PM","maxSpendPerMonth":"-5"}"#, ["maxSpendPerMonth"]),
        (#"{"enabled":true,"thresholdCredits":-3,"rechargeCredits":100,"paymentMethodId":"PM"}"#, ["thresholdCredits"]),
    ])
    func badSettingsAre422(body: String, fields: [String]) async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let method = try await account.saveCard()
            let reply = try await harness.call(
                .put,
                "/v1/accounts/\(account.id)/auto-recharge",
                token: account.ownerToken,
                json: body.replacingOccurrences(of: "\"PM\"", with: "\"\(method)\"")
            )
            #expect(reply.status == 422, "\(reply)")
            #expect(try reply.errorFields() == fields)
        }
    }

    @Test func aDeletedPaymentMethodCannotRecharge() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let method = try await account.saveCard()
            _ = try await harness.call(.delete, "/v1/accounts/\(account.id)/payment-methods/\(method)", token: account.ownerToken)
            let reply = try await account.autoRecharge(method: method)
            #expect(reply.status == 422)
            #expect(try reply.errorFields() == ["paymentMethodId"])
        }
    }
}
