import Foundation
import TallyCore

/// Metered features' holds and the events' configurations.
extension Statements {
    enum Metering {
        static let hold = Statement("metering.hold", "SELECT * FROM holds WHERE id = :id AND account_id = :account")
        static let putEvent = Statement(
            "metering.putEvent",
            """
            INSERT INTO events (account_id, id, config, updated_at) VALUES (:account, :id, :config, :at)
            ON CONFLICT (account_id, id) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at
            """
        )
        static let event = Statement("metering.event", "SELECT config FROM events WHERE account_id = :account AND id = :id")

        static let all = [hold, putEvent, event]
    }
}
