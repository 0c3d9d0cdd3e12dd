import ArgumentParser
import TallyStore

/// `--database`: which database a command works on.
struct DatabaseOption: ParsableArguments {
    @Option(
        name: .long,
        help: "The database: a SQLite file path, sqlite:PATH, or postgres://user@host:port/db."
    )
    var database = "tally.sqlite"

    /// Opens and migrates the database.
    func openStore() async throws -> any Store {
        let store: any Store
        if database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") {
            store = try PostgresStore(url: database)
        } else {
            let path = database.hasPrefix("sqlite:") ? String(database.dropFirst("sqlite:".count)) : database
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
