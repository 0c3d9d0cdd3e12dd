import Foundation
import TallyCore

/// Messages on their way to the carrier: the carrier's answer, and what is left to settle.
extension Statements {
    enum Messages {
        /// The carrier's answer, recorded once: a row already answered is left alone.
        static let recordOutcome = Statement(
            "messages.recordOutcome",
            """
            UPDATE sms_sends SET outcome = :outcome, reason = :reason, answered_at = :at
            WHERE hold_id = :hold AND account_id = :account AND outcome IS NULL
            RETURNING hold_id
            """
        )
        /// The carrier's id for the message, recorded once.
        static let recordCarrier = Statement(
            "messages.recordCarrier",
            """
            UPDATE sms_sends SET carrier_id = :carrier, carrier_segments = :segments
            WHERE hold_id = :hold AND account_id = :account AND carrier_id IS NULL
            RETURNING hold_id
            """
        )
        static let byMessageID = Statement("messages.byMessageID", "SELECT * FROM sms_sends WHERE message_id = :message")
        static let byKey = Statement(
            "messages.byKey",
            "SELECT * FROM sms_sends WHERE account_id = :account AND idempotency_key = :key"
        )
        /// Messages answered but not settled, and messages never answered, oldest first.
        static let unsettled = Statement(
            "messages.unsettled",
            """
            SELECT * FROM sms_sends WHERE settled_at IS NULL
                AND ((outcome IS NOT NULL AND answered_at <= :answeredBefore)
                    OR (outcome IS NULL AND created_at <= :unansweredBefore))
            ORDER BY created_at LIMIT :limit
            """
        )

        /// A message about to go to the carrier, in the transaction that holds its price.
        static let add = Statement(
            "messages.add",
            """
            INSERT INTO sms_sends (hold_id, account_id, idempotency_key, line, created_at, message_id, body_digest)
            VALUES (:hold, :account, :key, :line, :at, :message, :bodyDigest)
            """
        )
        /// Conditional: of the request and the reconciler racing (in any process), one settles it.
        static let settle = Statement(
            "messages.settle",
            """
            UPDATE sms_sends SET settled_at = :at WHERE hold_id = :hold AND account_id = :account AND settled_at IS NULL
            RETURNING hold_id
            """
        )

        static let all = [recordOutcome, recordCarrier, byMessageID, byKey, unsettled, add, settle]

        static func addValues(_ send: SMSSend) throws -> KeyValuePairs<String, SQLValue> {
            [
                "hold": .text(send.holdID.rawValue), "account": .text(send.accountID.rawValue), "key": .text(send.idempotencyKey),
                "line": .text(String(decoding: try JSONEncoder().encode(send.line), as: UTF8.self)),
                "at": .integer(send.createdAt.storedMilliseconds), "message": .text(send.line.id), "bodyDigest": .text(send.bodyDigest),
            ]
        }
    }
}

extension SMSSend {
    /// A row of `sms_sends`.
    init(_ row: some StoreRow) throws {
        self.init(
            holdID: HoldID(try row.text("hold_id")),
            accountID: AccountID(try row.text("account_id")),
            idempotencyKey: try row.optionalText("idempotency_key"),
            line: try JSONDecoder().decode(UsageLogEntry.self, from: Data(try row.text("line").utf8)),
            outcome: SMSSend.outcome(name: try row.optionalText("outcome"), reason: try row.optionalText("reason")),
            carrierID: try row.optionalText("carrier_id"),
            carrierSegments: try row.optionalInt("carrier_segments"),
            bodyDigest: try row.optionalText("body_digest"),
            createdAt: try row.date("created_at"),
            answeredAt: try row.optionalDate("answered_at"),
            settledAt: try row.optionalDate("settled_at")
        )
    }
}
