import Foundation
import PostgresNIO
import TallyCore

/// Messages on their way to the carrier: the carrier's answer, and what is left to settle.
extension PostgresStore {
    public func recordSMSOutcome(_ outcome: SMSOutcome, hold: HoldID, account: AccountID, at: Date) async throws -> Bool {
        try await rows(
            """
            UPDATE sms_sends SET outcome = \(outcome.name), reason = \(outcome.reason), answered_at = \(at.storedMilliseconds)
            WHERE hold_id = \(hold.rawValue) AND account_id = \(account.rawValue) AND outcome IS NULL
            RETURNING hold_id
            """
        ).count == 1
    }

    public func recordSMSCarrier(_ carrierID: String, segments: Int?, hold: HoldID, account: AccountID) async throws -> Bool {
        try await rows(
            """
            UPDATE sms_sends SET carrier_id = \(carrierID), carrier_segments = \(segments)
            WHERE hold_id = \(hold.rawValue) AND account_id = \(account.rawValue) AND carrier_id IS NULL
            RETURNING hold_id
            """
        ).count == 1
    }

    public func smsSend(messageID: String) async throws -> SMSSend? {
        try await rows("SELECT * FROM sms_sends WHERE message_id = \(messageID)").first.map(Self.smsSend)
    }

    public func smsSend(account: AccountID, idempotencyKey: String) async throws -> SMSSend? {
        try await rows(
            """
            SELECT * FROM sms_sends WHERE account_id = \(account.rawValue) AND idempotency_key = \(idempotencyKey)
            """
        ).first.map(Self.smsSend)
    }

    public func unsettledSMS(answeredBefore: Date, unansweredBefore: Date, limit: Int) async throws -> [SMSSend] {
        try await rows(
            """
            SELECT * FROM sms_sends WHERE settled_at IS NULL
                AND ((outcome IS NOT NULL AND answered_at <= \(answeredBefore.storedMilliseconds))
                    OR (outcome IS NULL AND created_at <= \(unansweredBefore.storedMilliseconds)))
            ORDER BY created_at LIMIT \(limit)
            """
        ).map(Self.smsSend)
    }

    static func smsSend(_ row: PostgresRow) throws -> SMSSend {
        let row = row.makeRandomAccess()
        let line = try row["line"].decode(String.self)
        return try SMSSend(
            holdID: HoldID(row["hold_id"].decode(String.self)),
            accountID: AccountID(row["account_id"].decode(String.self)),
            idempotencyKey: row["idempotency_key"].decode(String?.self),
            line: JSONDecoder().decode(UsageLogEntry.self, from: Data(line.utf8)),
            outcome: SMSSend.outcome(name: row["outcome"].decode(String?.self), reason: row["reason"].decode(String?.self)),
            carrierID: row["carrier_id"].decode(String?.self),
            carrierSegments: row["carrier_segments"].decode(Int?.self),
            bodyDigest: row["body_digest"].decode(String?.self),
            createdAt: Date(storedMilliseconds: row["created_at"].decode(Int64.self)),
            answeredAt: row["answered_at"].decode(Int64?.self).map(Date.init(storedMilliseconds:)),
            settledAt: row["settled_at"].decode(Int64?.self).map(Date.init(storedMilliseconds:))
        )
    }
}
