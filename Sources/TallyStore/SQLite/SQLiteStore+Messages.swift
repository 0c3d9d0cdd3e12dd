import Foundation
import GRDB
import TallyCore

/// Messages on their way to the carrier: the carrier's answer, and what is left to settle.
extension SQLiteStore {
    public func recordSMSOutcome(_ outcome: SMSOutcome, hold: HoldID, account: AccountID, at: Date) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE sms_sends SET outcome = ?, reason = ?, answered_at = ?
                    WHERE hold_id = ? AND account_id = ? AND outcome IS NULL
                    """,
                arguments: [outcome.name, outcome.reason, at.storedMilliseconds, hold.rawValue, account.rawValue]
            )
            return db.changesCount == 1
        }
    }

    public func recordSMSCarrier(_ carrierID: String, segments: Int?, hold: HoldID, account: AccountID) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE sms_sends SET carrier_id = ?, carrier_segments = ?
                    WHERE hold_id = ? AND account_id = ? AND carrier_id IS NULL
                    """,
                arguments: [carrierID, segments, hold.rawValue, account.rawValue]
            )
            return db.changesCount == 1
        }
    }

    public func smsSend(messageID: String) async throws -> SMSSend? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM sms_sends WHERE message_id = ?", arguments: [messageID]).map(Self.smsSend)
        }
    }

    public func smsSend(account: AccountID, idempotencyKey: String) async throws -> SMSSend? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT * FROM sms_sends WHERE account_id = ? AND idempotency_key = ?",
                arguments: [account.rawValue, idempotencyKey]
            ).map(Self.smsSend)
        }
    }

    public func unsettledSMS(answeredBefore: Date, unansweredBefore: Date, limit: Int) async throws -> [SMSSend] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM sms_sends WHERE settled_at IS NULL
                        AND ((outcome IS NOT NULL AND answered_at <= ?) OR (outcome IS NULL AND created_at <= ?))
                    ORDER BY created_at LIMIT ?
                    """,
                arguments: [answeredBefore.storedMilliseconds, unansweredBefore.storedMilliseconds, limit]
            ).map(Self.smsSend)
        }
    }

    static func smsSend(_ row: Row) throws -> SMSSend {
        let line: String = row["line"]
        return SMSSend(
            holdID: HoldID(row["hold_id"]),
            accountID: AccountID(row["account_id"]),
            idempotencyKey: row["idempotency_key"],
            line: try JSONDecoder().decode(UsageLogEntry.self, from: Data(line.utf8)),
            outcome: SMSSend.outcome(name: row["outcome"], reason: row["reason"]),
            carrierID: row["carrier_id"],
            carrierSegments: row["carrier_segments"],
            bodyDigest: row["body_digest"],
            createdAt: Date(storedMilliseconds: row["created_at"]),
            answeredAt: (row["answered_at"] as Int64?).map(Date.init(storedMilliseconds:)),
            settledAt: (row["settled_at"] as Int64?).map(Date.init(storedMilliseconds:))
        )
    }
}
