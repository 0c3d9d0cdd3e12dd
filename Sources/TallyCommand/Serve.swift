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
            TALLY_SECURE_COOKIES=1 marks the web app's cookies Secure (set it when Tally runs behind HTTPS). \
            The database is created and migrated on first start.
            """
    )

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on.")
    var port = 8080

    @OptionGroup var database: DatabaseOption

    func run() async throws {
        var logger = Logger(label: "tally")
        logger.logLevel = .info
        let environment = ProcessInfo.processInfo.environment
        guard let webhookAddresses = WebhookAddressPolicy.fromEnvironment(environment) else {
            throw ValidationError("TALLY_WEBHOOK_PRIVATE_ADDRESSES must be allow or deny")
        }
        let store = try await database.openStore()
        let tally = Tally(
            store: store,
            logger: logger,
            operatorToken: environment["TALLY_OPERATOR_TOKEN"],
            webhookAddresses: webhookAddresses
        )
        try await buildApplication(tally: tally, host: host, port: port).runService()
    }
}
