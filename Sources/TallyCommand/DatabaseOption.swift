import ArgumentParser
import Foundation
import TallyStore

/// `--database`: which database a command works on.
struct DatabaseOption: ParsableArguments {
    @Option(
        name: .long,
        help: "The database: a SQLite file path, sqlite:PATH, or postgres://user@host:port/db."
    )
    var database = "tally.sqlite"

    /// The database as it may be printed or logged: a URL's password replaced by `***`.
    var redacted: String {
        guard isPostgres, var components = URLComponents(string: database), components.password != nil else {
            return database
        }
        components.password = "***"
        return components.string ?? "postgres://***"
    }

    var isPostgres: Bool { database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") }

    /// Opens and migrates the database. A command that only reads (`creating: false`)
    /// refuses a SQLite file that does not exist rather than making an empty one. A server
    /// keeps `connections` to PostgreSQL open while it runs (`PostgresStore(url:keepingOpen:)`).
    func openStore(creating: Bool = true, keepingOpen connections: Int? = nil) async throws -> any Store {
        let store: any Store
        if isPostgres {
            store = try PostgresStore(url: database, keepingOpen: connections)
        } else {
            let path = database.hasPrefix("sqlite:") ? String(database.dropFirst("sqlite:".count)) : database
            guard creating || FileManager.default.fileExists(atPath: path) else {
                throw ValidationError("no database at \(path): give the path of an existing Tally database")
            }
            store = try SQLiteStore(path: path)
        }
        do {
            try await store.migrate()
        } catch {
            try? await store.close()
            throw error
        }
        return store
    }
}
