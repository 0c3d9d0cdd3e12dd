import ArgumentParser
import Foundation
import Hummingbird
import Logging
import TallyApp
import TallyServer
import TallyStore

/// `tally serve`: runs the HTTP API.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the Tally HTTP service.",
        discussion: """
            The operator token is read from the environment variable TALLY_OPERATOR_TOKEN; \
            TALLY_WEBHOOK_PRIVATE_ADDRESSES=deny refuses webhook URLs on loopback or private addresses; \
            TALLY_SECURE_COOKIES=1 marks the web app's cookies Secure (set it when Tally runs behind HTTPS); \
            TALLY_WEB_SECRET keys the login form's CSRF tokens (else derived from TALLY_OPERATOR_TOKEN; \
            every process behind one address needs the same); \
            TALLY_EXPIRY_NOTICE_DAYS=N tells accounts N days before their credits expire (7 by default); \
            TALLY_LOG_LEVEL=debug logs every request (method, path, request id) besides what info logs; \
            TALLY_BUREAU_URL and TALLY_BUREAU_SECRET turn on the bureau bridge for credit checks; \
            TALLY_PUBLIC_URL is the address the outside world reaches Tally at; \
            TALLY_SETTLE_SECONDS=N makes the reconcilers settle orphaned payments, refunds and messages after N \
            seconds instead of a minute or more, and lets a retry take over the Idempotency-Key of a request whose \
            process died after that long (at least 3 s) instead of 15 s (for crash drills: keep it above the provider \
            deadlines in production). \
            The database is created and migrated on first start.
            """
    )

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on.")
    var port = 8080

    @OptionGroup var database: DatabaseOption

    @Option(help: "Seconds a client may take to send a request's headers, from its first byte.")
    var headerTimeout = ConnectionLimits().headerReadSeconds

    @Option(help: "Seconds a connection may stay idle (no request yet, or between keep-alive requests) before it is closed.")
    var idleTimeout = ConnectionLimits().idleSeconds

    @Option(help: "Connections open at once; more wait until one closes.")
    var maxConnections = ConnectionLimits().maximumConnections

    @Option(help: "Connections to PostgreSQL, opened at start and kept open; requests beyond them wait for one.")
    var postgresConnections = 20

    @Option(
        help: """
            A read-only PostgreSQL replica of --database (postgres://user@host:port/db): usage reports, feature \
            logs and their CSV exports are read there, everything else from --database. It is never migrated: \
            it follows the primary's schema.
            """
    )
    var readDatabase: String?

    func validate() throws {
        guard headerTimeout > 0, idleTimeout > 0, maxConnections > 0, postgresConnections > 0 else {
            throw ValidationError("--header-timeout, --idle-timeout, --max-connections and --postgres-connections must be positive whole numbers")
        }
        guard let readDatabase else { return }
        guard readDatabase.hasPrefix("postgres://") || readDatabase.hasPrefix("postgresql://") else {
            throw ValidationError("--read-database must be a postgres:// URL of a replica of --database")
        }
        guard database.isPostgres else {
            throw ValidationError("--read-database needs --database to be the PostgreSQL primary it replicates")
        }
    }

    func run() async throws {
        var logger = Logger(label: "tally")
        logger.logLevel = .info
        let environment = ProcessInfo.processInfo.environment
        if let text = environment["TALLY_LOG_LEVEL"] {
            guard let level = Logger.Level(rawValue: text) else {
                throw ValidationError("TALLY_LOG_LEVEL must be trace, debug, info, notice, warning, error or critical")
            }
            logger.logLevel = level
        }
        // Which provider each role uses: a misconfigured one stops Tally here, in one line.
        let providers = try ProviderConfiguration(environment: environment)
        guard let webhookAddresses = WebhookAddressPolicy.fromEnvironment(environment) else {
            throw ValidationError("TALLY_WEBHOOK_PRIVATE_ADDRESSES must be allow or deny")
        }
        var settling = Settling()
        if let text = environment["TALLY_SETTLE_SECONDS"] {
            guard let seconds = Int(text), seconds > 0 else { throw ValidationError("TALLY_SETTLE_SECONDS must be a whole number of seconds") }
            settling = .after(seconds: seconds)
        }
        var expiryNotice = Duration.seconds(7 * 86_400)
        if let text = environment["TALLY_EXPIRY_NOTICE_DAYS"] {
            guard let days = Int(text), (0...365).contains(days) else {
                throw ValidationError("TALLY_EXPIRY_NOTICE_DAYS must be a whole number of days from 0 to 365")
            }
            expiryNotice = .seconds(days * 86_400)
        }
        logger.info("\(providers.summary)")
        let store = try await database.openStore(keepingOpen: postgresConnections)
        let reportStore = try readDatabase.map { try PostgresStore(url: $0) }
        let tally = Tally(
            store: store,
            logger: logger,
            operatorToken: environment["TALLY_OPERATOR_TOKEN"],
            providers: providers.providers(),
            webhookAddresses: webhookAddresses,
            creditExpiryNotice: expiryNotice,
            settling: settling,
            reportStore: reportStore
        )
        let limits = ConnectionLimits(headerReadSeconds: headerTimeout, idleSeconds: idleTimeout, maximumConnections: maxConnections)
        try await buildApplication(tally: tally, host: host, port: port, limits: limits).runService()
    }
}
