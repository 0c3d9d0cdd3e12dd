import Hummingbird
import Logging
import ServiceLifecycle
import TallyApp

/// The router with every route group and middleware: the one place the HTTP API is wired.
public func buildRouter(tally: Tally) -> Router<TallyRequestContext> {
    let router = Router(context: TallyRequestContext.self)
    let metrics = TallyMetrics.registry
    router.add(middleware: LogRequestsMiddleware(.info))
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: BodyLimitMiddleware())
    router.add(middleware: AuthenticationMiddleware(accounts: tally.accounts))
    router.add(middleware: ControlCharacterMiddleware())
    OperationsRoutes(tally: tally, metrics: metrics).add(to: router)
    AccountRoutes(accounts: tally.accounts).add(to: router)
    WalletRoutes(wallets: tally.wallets).add(to: router)
    LotRoutes(lots: tally.lots).add(to: router)
    ReportRoutes(tally: tally).add(to: router)
    PurchaseRoutes(purchases: tally.purchases).add(to: router)
    MeteringRoutes(tally: tally).add(to: router)
    EventRoutes(tally: tally).add(to: router)
    RechargeRoutes(tally: tally).add(to: router)
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
