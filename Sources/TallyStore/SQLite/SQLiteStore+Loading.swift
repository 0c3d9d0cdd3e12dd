import GRDB
import TallyCore

extension SQLiteStore: UsageLoading {
    public func loadUsage(_ lines: [UsageLogEntry]) async throws {
        // The charge path's own statements, one transaction for the batch.
        try await pool.write { db in
            for line in lines { try Self.insert(line, db) }
        }
    }

    /// SQLite keeps no dead row versions: nothing to do.
    public func settleLoad() async throws {}
}
