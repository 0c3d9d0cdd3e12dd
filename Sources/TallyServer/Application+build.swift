import Hummingbird
import Logging
import ServiceLifecycle
import TallyApp

/// The router with every route group and middleware: the one place the HTTP API is wired.
public func buildRouter(tally: Tally) -> Router<TallyRequestContext> {
    let router = Router(context: TallyRequestContext.self)
    let metrics = TallyMetrics.registry
    // A line per request at debug (TALLY_LOG_LEVEL=debug): written to the log as it
    // happens, it cost a busy server a write to its log for every charge.
    router.add(middleware: LogRequestsMiddleware(.debug))
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: BodyLimitMiddleware())
    router.add(middleware: AuthenticationMiddleware(accounts: tally.accounts))
    router.add(middleware: ControlCharacterMiddleware())
    OperationsRoutes(tally: tally, metrics: metrics).add(to: router)
    // Everything under one account: its caller and account resolved once (401 first).
    let account = router.group("/v1/accounts/{account}", context: AccountRequestContext.self)
    AccountRoutes(accounts: tally.accounts).add(to: router, account: account)
    WalletRoutes(wallets: tally.wallets).add(to: router, account: account)
    LotRoutes(lots: tally.lots).add(to: account)
    ReportRoutes(tally: tally).add(to: account)
    PurchaseRoutes(purchases: tally.purchases).add(to: account)
    MeteringRoutes(tally: tally).add(to: router, account: account)
    EventRoutes(tally: tally).add(to: account)
    RechargeRoutes(tally: tally).add(to: account)
    ProviderRoutes(tally: tally).add(to: router)
    WebRoutes(tally: tally).add(to: router)
    router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes))  // after the last route: it sees them all
    return router
}

/// Builds the HTTP application listening on `host:port`, with the background
/// services (`background: false` leaves them out, for tests that drive them by hand).
public func buildApplication(
    tally: Tally,
    host: String,
    port: Int,
    background: Bool = true,
    limits: ConnectionLimits = ConnectionLimits()
) -> some ApplicationProtocol {
    let services: [any Service] = background ? BackgroundWorker.all(for: tally) : []
    return Application(
        router: buildRouter(tally: tally),
        server: limits.server,
        configuration: .init(
            address: .hostname(host, port: port),
            serverName: "tally",
            availableConnectionsDelegate: limits.availableConnections
        ),
        services: services,
        logger: tally.logger
    )
}
