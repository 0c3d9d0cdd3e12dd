import Foundation
import TallyCore

/// Metered features: their holds and the holds' expiry, the usage log's lines and rollups
/// as they are read, the notifications, and the events' configurations. Writing a log line
/// stays per engine: PostgreSQL writes it, its contact, day count and rollup in one
/// statement prepared on each connection (`UsageLineStatement`); SQLite in four, with its
/// contacts' trigram index.
extension Statements {
    enum Metering {
        static let hold = Statement("metering.hold", "SELECT * FROM holds WHERE id = :id AND account_id = :account")
        static let addHold = Statement(
            "metering.addHold",
            """
            INSERT INTO holds (id, account_id, feature, credits, reference, status, captured_credits, created_at, expires_at)
            VALUES (:id, :account, :feature, :credits, :reference, :status, :captured, :createdAt, :expiresAt)
            """
        )
        /// Conditional on the hold still being active: of two settlements racing (in any
        /// process, on PostgreSQL the second waits on the row lock) the second finds it settled.
        static let settleHold = Statement(
            "metering.settleHold",
            """
            UPDATE holds SET status = :status, captured_credits = :captured, settled_at = :at
            WHERE id = :id AND account_id = :account AND status = 'active'
            RETURNING id
            """
        )
        /// Active holds past their expiry, soonest first, but none whose message is still
        /// being settled (the message's settlement ends its hold).
        static let expired = Statement(
            "metering.expired",
            """
            SELECT * FROM holds WHERE status = 'active' AND expires_at <= :at
                AND NOT EXISTS (
                    SELECT 1 FROM sms_sends WHERE account_id = holds.account_id AND hold_id = holds.id AND settled_at IS NULL)
            ORDER BY expires_at, {insertionOrder} LIMIT :limit
            """
        )
        /// One use of a feature (as `UsageFeature.stored` writes it) on a Pacific day, kept
        /// in the transaction of the charge or hold it counts: reports read only the rollups.
        static let addToRollup = Statement(
            "metering.addToRollup",
            """
            INSERT INTO usage_rollups (account_id, day, feature, uses, credits) VALUES (:account, :day, :feature, 1, :credits)
            ON CONFLICT (account_id, day, feature)
            DO UPDATE SET uses = usage_rollups.uses + 1, credits = usage_rollups.credits + excluded.credits
            """
        )
        /// A feature's latest lines. (`id` in the database's order, as each engine always
        /// sorted this page; two lines of one millisecond are rare.)
        static let usageLog = Statement(
            "metering.usageLog",
            """
            SELECT * FROM usage_log WHERE account_id = :account AND log = :log AND feature = :feature
            ORDER BY created_at DESC, id DESC LIMIT :limit
            """
        )
        /// What each feature used over Pacific days `from` … `to`.
        static let usageRollup = Statement(
            "metering.usageRollup",
            """
            SELECT feature, CAST(SUM(uses) AS BIGINT) AS uses, CAST(SUM(credits) AS BIGINT) AS credits FROM usage_rollups
            WHERE account_id = :account AND day >= :from AND day <= :to
            GROUP BY feature ORDER BY feature {bytewise}
            """
        )
        static let notifications = Statement(
            "metering.notifications",
            """
            SELECT * FROM notifications WHERE account_id = :account
            ORDER BY created_at DESC, {insertionOrder} DESC LIMIT :limit
            """
        )
        static let putEvent = Statement(
            "metering.putEvent",
            """
            INSERT INTO events (account_id, id, config, updated_at) VALUES (:account, :id, :config, :at)
            ON CONFLICT (account_id, id) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at
            """
        )
        static let event = Statement("metering.event", "SELECT config FROM events WHERE account_id = :account AND id = :id")

        static let all = [hold, addHold, settleHold, expired, addToRollup, usageLog, usageRollup, notifications, putEvent, event]

        static func holdValues(_ hold: Hold) -> KeyValuePairs<String, SQLValue> {
            [
                "id": .text(hold.id.rawValue), "account": .text(hold.accountID.rawValue), "feature": .text(hold.feature),
                "credits": .integer(hold.credits.thousandths), "reference": .text(hold.reference),
                "status": .text(hold.status.rawValue), "captured": .integer(hold.capturedCredits.thousandths),
                "createdAt": .integer(hold.createdAt.storedMilliseconds), "expiresAt": .integer(hold.expiresAt.storedMilliseconds),
            ]
        }

        static func settleValues(
            _ id: HoldID,
            status: HoldStatus,
            captured: Credits,
            account: AccountID,
            at: Date
        ) -> KeyValuePairs<String, SQLValue> {
            [
                "status": .text(status.rawValue), "captured": .integer(captured.thousandths), "at": .integer(at.storedMilliseconds),
                "id": .text(id.rawValue), "account": .text(account.rawValue),
            ]
        }

        static func rollupValues(account: AccountID, day: String, feature: String, credits: Credits) -> KeyValuePairs<String, SQLValue> {
            ["account": .text(account.rawValue), "day": .text(day), "feature": .text(feature), "credits": .integer(credits.thousandths)]
        }

        static func usageLogValues(account: AccountID, feature: Feature, limit: Int) -> KeyValuePairs<String, SQLValue> {
            [
                "account": .text(account.rawValue), "log": .text(FeatureLog(of: feature).rawValue), "feature": .text(feature.rawValue),
                "limit": .integer(limit),
            ]
        }
    }
}

extension UsageLogEntry {
    /// A row of `usage_log` (a line of `feature`'s log: a feature Tally no longer knows reads as it).
    init(_ row: some StoreRow, feature: Feature) throws {
        self.init(
            id: try row.text("id"),
            accountID: AccountID(try row.text("account_id")),
            feature: Feature(rawValue: try row.text("feature")) ?? feature,
            status: try row.word("status"),
            credits: Credits(thousandths: try row.integer("credits")),
            day: try row.text("day"),
            createdAt: try row.date("created_at"),
            contactName: try row.optionalText("contact_name"),
            contactEmail: try row.optionalText("contact_email"),
            phone: try row.optionalText("phone"),
            email: try row.optionalText("email"),
            iso: try row.optionalText("iso"),
            segments: try row.optionalInt("segments"),
            encoding: try row.optionalText("encoding"),
            event: try row.optionalText("event"),
            creditScore: try row.optionalInt("credit_score"),
            dtiPercent: try row.optionalInt("dti_percent"),
            reason: try row.optionalText("reason"),
            totalCredits: try row.optionalInteger("total_credits").map(Credits.init(thousandths:)),
            sentAt: try row.optionalDate("sent_at"),
            carrierSegments: try row.optionalInt("carrier_segments"),
            lineType: try row.optionalText("line_type")
        )
    }
}

extension FeatureUsage {
    /// A row of `Statements.Metering.usageRollup`; nil for a feature Tally no longer knows.
    init?(_ row: some StoreRow) throws {
        guard let feature = Feature(rawValue: try row.text("feature")) else { return nil }
        self.init(feature: feature, uses: try row.integer("uses"), credits: Credits(thousandths: try row.integer("credits")))
    }
}

extension Notification {
    /// A row of `notifications`.
    init(_ row: some StoreRow) throws {
        self.init(
            id: try row.text("id"),
            accountID: AccountID(try row.text("account_id")),
            kind: try row.word("kind"),
            message: try row.text("message"),
            data: try row.text("data"),
            createdAt: try row.date("created_at")
        )
    }
}
