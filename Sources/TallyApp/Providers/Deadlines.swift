import NIOCore
import NIOPosix
import Synchronization
import TallyCore

/// Every call to a provider ends within its deadline: past it the call is cancelled and
/// fails like any provider error (`ProviderFailure`), so a provider that hangs never
/// holds a request, a hold or a worker for longer. What each caller does with that
/// failure is its own rule: a payment is asked again with the same key, an SMS is not
/// charged, a validation or credit check charges nothing.
public struct ProviderDeadlines: Sendable, Hashable {
    /// Card processor calls (a charge, saving a card).
    public var payments: Duration = .seconds(30)
    /// Email and phone verification, the credit bureau, the SMS carrier.
    public var features: Duration = .seconds(20)

    public init(payments: Duration = .seconds(30), features: Duration = .seconds(20)) {
        self.payments = payments
        self.features = features
    }

    /// Runs `call`, or throws `ProviderFailure` once `limit` has passed without an answer.
    ///
    /// The call runs as a task of its own, and a timer on an event loop cancels it at the
    /// deadline; the timer is taken off the loop as soon as the call answers. (A sleeping
    /// task as the timer would stay queued in the system's timers for the whole deadline
    /// after every call, however quick.)
    static func run<T: Sendable>(
        _ provider: String,
        within limit: Duration,
        _ call: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let running = Task { try await call() }
        let expired = Expiry()
        let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: TimeAmount(limit)) {
            expired.expire()
            running.cancel()
        }
        defer { timer.cancel() }
        do {
            return try await withTaskCancellationHandler {
                try await running.value
            } onCancel: {
                running.cancel()
            }
        } catch {
            guard expired.happened else { throw error }
            throw ProviderFailure("\(provider) did not answer within \(limit.components.seconds) s")
        }
    }

    /// Whether a call's deadline passed.
    private final class Expiry: Sendable {
        private let passed = Atomic<Bool>(false)
        var happened: Bool { passed.load(ordering: .acquiring) }
        func expire() { passed.store(true, ordering: .releasing) }
    }
}

extension Providers {
    /// These providers, each call bounded by `deadlines`.
    public func bounded(by deadlines: ProviderDeadlines) -> Providers {
        Providers(
            payments: BoundedPaymentGateway(base: payments, limit: deadlines.payments),
            emailVerifier: BoundedEmailVerifier(base: emailVerifier, limit: deadlines.features),
            phoneVerifier: BoundedPhoneVerifier(base: phoneVerifier, limit: deadlines.features),
            creditBureau: BoundedCreditBureau(base: creditBureau, limit: deadlines.features),
            sms: BoundedSMSGateway(base: sms, limit: deadlines.features),
            webhooks: webhooks
        )
    }
}

struct BoundedPaymentGateway: PaymentGateway {
    let base: any PaymentGateway
    let limit: Duration

    var name: String { base.name }
    var acceptsCardNumbers: Bool { base.acceptsCardNumbers }

    func save(_ card: PaymentCard) async throws -> SavedCard {
        try await ProviderDeadlines.run("the card processor", within: limit) { try await base.save(card) }
    }

    func createCustomer(account: AccountID, name: String) async throws -> String? {
        try await ProviderDeadlines.run("the card processor", within: limit) { try await base.createCustomer(account: account, name: name) }
    }

    func card(_ token: String) async throws -> SavedCard {
        try await ProviderDeadlines.run("the card processor", within: limit) { try await base.card(token) }
    }

    func attach(_ token: String, customer: String?, idempotencyKey: String) async throws -> SavedCard {
        try await ProviderDeadlines.run("the card processor", within: limit) {
            try await base.attach(token, customer: customer, idempotencyKey: idempotencyKey)
        }
    }

    func charge(_ order: PaymentOrder) async throws -> PaymentOutcome {
        try await ProviderDeadlines.run("the card processor", within: limit) { try await base.charge(order) }
    }

    func refund(_ amount: Money, payment reference: String, idempotencyKey: String) async throws -> RefundOutcome {
        try await ProviderDeadlines.run("the card processor", within: limit) {
            try await base.refund(amount, payment: reference, idempotencyKey: idempotencyKey)
        }
    }

    func refundStatus(_ reference: String) async throws -> RefundOutcome? {
        try await ProviderDeadlines.run("the card processor", within: limit) { try await base.refundStatus(reference) }
    }
}

struct BoundedEmailVerifier: EmailVerifier {
    let base: any EmailVerifier
    let limit: Duration

    func verify(_ address: EmailAddress) async throws -> EmailVerdict {
        try await ProviderDeadlines.run("the email verifier", within: limit) { try await base.verify(address) }
    }
}

struct BoundedPhoneVerifier: PhoneVerifier {
    let base: any PhoneVerifier
    let limit: Duration

    func verify(_ number: PhoneNumber) async throws -> PhoneVerdict {
        try await ProviderDeadlines.run("the phone verifier", within: limit) { try await base.verify(number) }
    }
}

struct BoundedCreditBureau: CreditBureau {
    let base: any CreditBureau
    let limit: Duration

    func check(_ inquiry: CreditInquiry) async throws -> BureauReport {
        try await ProviderDeadlines.run("the credit bureau", within: limit) { try await base.check(inquiry) }
    }
}

struct BoundedSMSGateway: SMSGateway {
    let base: any SMSGateway
    let limit: Duration

    func send(_ attempt: SMSAttempt) async throws -> SMSDelivery {
        try await ProviderDeadlines.run("the SMS carrier", within: limit) { try await base.send(attempt) }
    }

    func delivery(of attempt: SMSAttempt) async throws -> SMSDelivery? {
        try await ProviderDeadlines.run("the SMS carrier", within: limit) { try await base.delivery(of: attempt) }
    }
}
