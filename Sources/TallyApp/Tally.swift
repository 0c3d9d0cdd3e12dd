import Logging
import TallyCore
import TallyStore

/// The application: the store, the providers and every service built on them.
/// Assembled once at start-up; tests assemble it with their own clock and providers.
public struct Tally: Sendable {
    public let store: any Store
    public let logger: Logger
    public let time: any TimeSource
    public let accounts: Accounts
    public let purchases: Purchases
    public let wallets: Wallets
    public let idempotency: Idempotency

    public init(
        store: any Store,
        logger: Logger,
        operatorToken: String?,
        time: any TimeSource = SystemTime(),
        ids: any IDSource = RandomIDs(),
        gateway: any PaymentGateway = SandboxPaymentGateway(),
        passwords: PasswordHasher = PasswordHasher()
    ) {
        self.store = store
        self.logger = logger
        self.time = time
        let idempotency = Idempotency(store: store, time: time)
        self.idempotency = idempotency
        accounts = Accounts(store: store, time: time, ids: ids, passwords: passwords, operatorToken: operatorToken)
        purchases = Purchases(store: store, gateway: gateway, time: time, ids: ids, idempotency: idempotency)
        wallets = Wallets(store: store)
    }
}
