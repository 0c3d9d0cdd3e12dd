import Foundation
import GRDB
import TallyCore

/// What the web app reads beyond the API's needs.
extension SQLiteStore {
    public func events(account: AccountID, limit: Int) async throws -> [EventRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT id, config, updated_at FROM events WHERE account_id = ? ORDER BY id LIMIT ?",
                arguments: [account.rawValue, limit]
            ).map { row in
                EventRecord(id: row["id"], config: row["config"], updatedAt: Date(storedMilliseconds: row["updated_at"]))
            }
        }
    }
}
