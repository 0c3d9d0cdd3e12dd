import Foundation
import PostgresNIO
import TallyCore

/// Messages on their way to the carrier: the carrier's answer, and what is left to settle
/// (the statements: `Statements.Messages`).
extension PostgresStore {
    public func recordSMSOutcome(_ outcome: SMSOutcome, hold: HoldID, account: AccountID, at: Date) async throws -> Bool {
        try await rows(
            Statements.Messages.recordOutcome,
            [
                "outcome": .text(outcome.name), "reason": .text(outcome.reason), "at": .integer(at.storedMilliseconds),
                "hold": .text(hold.rawValue), "account": .text(account.rawValue),
            ]
        ).count == 1
    }

    public func recordSMSCarrier(_ carrierID: String, segments: Int?, hold: HoldID, account: AccountID) async throws -> Bool {
        try await rows(
            Statements.Messages.recordCarrier,
            [
                "carrier": .text(carrierID), "segments": .integer(segments), "hold": .text(hold.rawValue),
                "account": .text(account.rawValue),
            ]
        ).count == 1
    }

    public func smsSend(messageID: String) async throws -> SMSSend? {
        try await rows(Statements.Messages.byMessageID, ["message": .text(messageID)]).first.map(SMSSend.init)
    }

    public func smsSend(account: AccountID, idempotencyKey: String) async throws -> SMSSend? {
        try await rows(
            Statements.Messages.byKey,
            ["account": .text(account.rawValue), "key": .text(idempotencyKey)]
        ).first.map(SMSSend.init)
    }

    public func unsettledSMS(answeredBefore: Date, unansweredBefore: Date, limit: Int) async throws -> [SMSSend] {
        try await rows(
            Statements.Messages.unsettled,
            [
                "answeredBefore": .integer(answeredBefore.storedMilliseconds),
                "unansweredBefore": .integer(unansweredBefore.storedMilliseconds), "limit": .integer(limit),
            ]
        ).map(SMSSend.init)
    }
}
