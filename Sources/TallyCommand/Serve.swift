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
            The operator token is read from the environment variable TALLY_OPERATOR_TOKEN. \
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
        let store = try await database.openStore()
        let tally = Tally(
            store: store,
            logger: logger,
            operatorToken: ProcessInfo.processInfo.environment["TALLY_OPERATOR_TOKEN"]
        )
        try await buildApplication(tally: tally, host: host, port: port).runService()
    }
}
