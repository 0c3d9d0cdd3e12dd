import Foundation
import Logging
import TallyCore
import TallyStore

/// The providers Tally talks to. Each defaults to its documented sandbox.
public struct Providers: Sendable {
    public var payments: any PaymentGateway
    public var emailVerifier: any EmailVerifier
    public var phoneVerifier: any PhoneVerifier
    public var creditBureau: any CreditBureau
    public var sms: any SMSGateway
    public var webhooks: any WebhookTransport
    /// `TALLY_PUBLIC_URL`: where the outside world reaches Tally (return URLs, callbacks).
    public var publicURL: URL? = nil

    public init(
        payments: any PaymentGateway = SandboxPaymentGateway(),
        emailVerifier: any EmailVerifier = SandboxEmailVerifier(),
        phoneVerifier: any PhoneVerifier = SandboxPhoneVerifier(),
        creditBureau: any CreditBureau = SandboxCreditBureau(),
        sms: any SMSGateway = SandboxSMSGateway(),
        webhooks: any WebhookTransport = HTTPWebhookTransport()
    ) {
        self.payments = payments
        self.emailVerifier = emailVerifier
        self.phoneVerifier = phoneVerifier
        self.creditBureau = creditBureau
        self.sms = sms
        self.webhooks = webhooks
    }

    /// Every sandbox.
    public static var sandbox: Providers { Providers() }
}

/// The application: the store, the providers and every service built on them.
/// Assembled once at start-up; tests assemble it with their own clock and providers.
public struct Tally: Sendable {
    public let store: any Store
    public let logger: Logger
    public let time: any TimeSource
    public let accounts: Accounts
    public let purchases: Purchases
    public let wallets: Wallets
    public let reports: Reports
    public let idempotency: Idempotency
    public let validations: Validations
    public let creditChecks: CreditChecks
    public let sms: SMSMessages
    public let holds: Holds
    public let events: Events
    public let usageGuard: UsageGuard
    public let notifications: Notifications
    public let autoRecharges: AutoRecharges
    public let balanceAlerts: BalanceAlerts
    public let spendCaps: SpendCaps
    public let webhooks: Webhooks
    public let lots: Lots
    public let settling: Settling
    /// Which provider each role uses (`GET /v1/providers`).
    public let providerChoices: ProviderChoices
    /// Stripe's events, when payments go to Stripe.
    public let stripeEvents: StripeEvents?
    /// Twilio's status callbacks, when messages go to Twilio.
    public let twilioStatus: TwilioStatusReports?

    public init(
        store: any Store,
        logger: Logger,
        operatorToken: String?,
        time: any TimeSource = SystemTime(),
        ids: any IDSource = RandomIDs(),
        providers: Providers = .sandbox,
        deadlines: ProviderDeadlines = ProviderDeadlines(),
        passwords: PasswordHasher = PasswordHasher(),
        loginRateLimit: LoginRateLimit = LoginRateLimit(),
        webhookAddresses: WebhookAddressPolicy = .allowPrivate,
        creditExpiryNotice: Duration = .seconds(7 * 86_400),
        settling: Settling = Settling(),
        reportStore: (any ReportsStore)? = nil
    ) {
        self.settling = settling
        providerChoices = ProviderChoices(providers)
        let stripe = providers.payments as? StripePaymentGateway
        let twilio = providers.sms as? TwilioSMSGateway
        let publicURL = providers.publicURL
        let providers = providers.bounded(by: deadlines)
        self.store = store
        self.logger = logger
        self.time = time
        var idempotency = Idempotency(store: store, time: time)
        idempotency.leaseSeconds = settling.claimLeaseSeconds
        idempotency.renewEverySeconds = settling.claimLeaseSeconds / 3
        self.idempotency = idempotency
        accounts = Accounts(
            store: store,
            time: time,
            ids: ids,
            passwords: passwords,
            operatorToken: operatorToken,
            rateLimit: loginRateLimit,
            unknownUserHash: passwords.hashNow(Secrets.base32(byteCount: 16))
        )
        var purchases = Purchases(store: store, gateway: providers.payments, time: time, ids: ids, idempotency: idempotency)
        purchases.publicURL = publicURL
        purchases.stripe = stripe
        self.purchases = purchases
        wallets = Wallets(store: store, time: time)
        var lots = Lots(store: store, gateway: providers.payments, time: time, ids: ids, idempotency: idempotency)
        lots.expiryNotice = creditExpiryNotice
        self.lots = lots
        stripeEvents = stripe.map { StripeEvents(gateway: $0, store: store, time: time, ids: ids, purchases: purchases, lots: lots) }
        // Reports only read: a read-only replica may serve them (`--read-database`).
        reports = Reports(store: reportStore ?? (store as any ReportsStore), time: time)
        let meter = Meter(store: store, time: time, ids: ids)
        let validations = Validations(
            meter: meter,
            idempotency: idempotency,
            emailVerifier: providers.emailVerifier,
            phoneVerifier: providers.phoneVerifier
        )
        self.validations = validations
        let usageGuard = UsageGuard(store: store, time: time, ids: ids)
        self.usageGuard = usageGuard
        let creditChecks = CreditChecks(
            meter: meter,
            idempotency: idempotency,
            validations: validations,
            bureau: providers.creditBureau,
            usageGuard: usageGuard
        )
        self.creditChecks = creditChecks
        sms = SMSMessages(meter: meter, idempotency: idempotency, gateway: providers.sms)
        twilioStatus = twilio.map { [sms] in TwilioStatusReports(gateway: $0, store: store, time: time, sms: sms) }
        holds = Holds(meter: meter, idempotency: idempotency)
        events = Events(meter: meter, idempotency: idempotency, validations: validations, creditChecks: creditChecks)
        notifications = Notifications(store: store)
        autoRecharges = AutoRecharges(store: store, time: time, ids: ids, purchases: purchases)
        balanceAlerts = BalanceAlerts(store: store, time: time, ids: ids)
        spendCaps = SpendCaps(store: store, time: time)
        webhooks = Webhooks(
            store: store,
            time: time,
            ids: ids,
            transport: providers.webhooks,
            addressPolicy: webhookAddresses
        )
    }
}

/// What the account's super admins have been told.
public struct Notifications: Sendable {
    let store: any Store

    public struct View: Sendable, Codable, Equatable {
        public var id: String
        public var kind: NotificationKind
        public var message: String
        public var createdAt: Date
    }

    public func list(of manager: CreditManager, limit: Int = 100) async throws -> [View] {
        try await store.notifications(account: manager.accountID, limit: limit).map {
            View(id: $0.id, kind: $0.kind, message: $0.message, createdAt: $0.createdAt)
        }
    }
}
