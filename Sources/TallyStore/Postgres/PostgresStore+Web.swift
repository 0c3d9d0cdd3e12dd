import Foundation
import PostgresNIO
import TallyCore

/// What the web app reads beyond the API's needs.
extension PostgresStore {
    public func events(account: AccountID, limit: Int) async throws -> [EventRecord] {
        try await rows(
            "SELECT id, config, updated_at FROM events WHERE account_id = \(account.rawValue) ORDER BY id LIMIT \(limit)"
        ).map { row in
            let (id, config, updatedAt) = try row.decode((String, String, Int64).self)
            return EventRecord(id: id, config: config, updatedAt: Date(storedMilliseconds: updatedAt))
        }
    }
}
