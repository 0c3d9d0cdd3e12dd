import ArgumentParser
import Hummingbird
import Logging
import TallyApp
import TallyServer
import TallyStore

/// `tally serve`: runs the HTTP API.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Tally HTTP service.")

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on.")
    var port = 8080

    @Option(help: "The database: a SQLite path, sqlite:PATH, or postgres://user@host:port/db.")
    var database = "tally.sqlite"

    func run() async throws {
        let logger = Logger(label: "tally")
        let store = try SQLiteStore(path: database)
        let app = buildApplication(tally: Tally(store: store, logger: logger), host: host, port: port)
        try await app.runService()
    }
}
