import ArgumentParser

/// `tally migrate`: creates or upgrades the schema, then exits.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the database schema and exit.")

    @OptionGroup var database: DatabaseOption

    func run() async throws {
        let store = try await database.openStore()
        try await store.close()
        print("migrated \(database.redacted)")
    }
}
