import GRDB
import Synchronization

/// A few read-only connections for the short reads on every request's path (an API
/// key, a session, a wallet), run on the caller's own thread.
///
/// GRDB's pool hands each read to a queue of its own and back, two thread wake-ups
/// that cost far more than a lookup by key. A quick read takes an idle connection and
/// reads at once; when every connection is busy it never waits for one (a caller may be
/// one of the few cooperative threads the connections' owners need to finish), it
/// answers `nil` and the caller reads through the pool as before.
final class SQLiteQuickReaders: Sendable {
    private let idle: Mutex<[DatabaseQueue]>

    init(path: String, configuration: Configuration, count: Int) throws {
        var configuration = configuration
        configuration.readonly = true
        configuration.label = "tally.sqlite.quick"
        // A few pages each, read through a small page cache: a mapped file is mapped
        // again whenever it grows, and unmapping interrupts every core.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA mmap_size = 0")
            try db.execute(sql: "PRAGMA cache_size = -2048")
        }
        let connections = try (0..<count).map { _ in try DatabaseQueue(path: path, configuration: configuration) }
        idle = Mutex(connections)
    }

    /// Runs `body` on an idle connection, on this thread; `nil` when none is idle.
    ///
    /// No transaction is opened around it (its BEGIN and COMMIT cost more than the read):
    /// each statement reads the database as its last commit left it, so `body` runs one
    /// statement. A read of several that must agree goes through the pool.
    func read<T>(_ body: (Database) throws -> T) throws -> T? {
        guard let connection = idle.withLock({ $0.popLast() }) else { return nil }
        defer { idle.withLock { $0.append(connection) } }
        return try connection.inDatabase(body)
    }

    /// Closes the idle connections; one a read still holds is put back when the read
    /// ends and closes when the store is released.
    func close() throws {
        for connection in idle.withLock({ idle in
            defer { idle = [] }
            return idle
        }) {
            try connection.close()
        }
    }
}
