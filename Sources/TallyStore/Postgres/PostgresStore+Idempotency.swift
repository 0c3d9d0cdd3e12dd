import Foundation
import Logging
import NIOCore
import PostgresNIO
import TallyCore

extension PostgresStore {
    // MARK: Idempotency

    /// How many times a claim looks again when the key changes under it (released,
    /// answered or taken over by another process between two statements).
    static let claimAttempts = 4

    public func claimIdempotencyKey(
        _ key: String,
        requestHash: String,
        account: AccountID,
        at: Date,
        staleAfter: TimeInterval,
        lease: ClaimLease?
    ) async throws -> IdempotencyClaim {
        let leaseUntil = lease?.until.storedMilliseconds
        let keyValues = Statements.Idempotency.keyValues(key, account: account)
        for _ in 0..<Self.claimAttempts {
            let claim = Statements.Idempotency.claimValues(key, requestHash: requestHash, account: account, at: at, leaseUntil: leaseUntil)
            if try await !rows(Prepared<ClaimShape>(claim)).isEmpty { return .claimed }
            // Released since the insert: claim it again.
            guard let existing = try await rows(Statements.Idempotency.find, keyValues).first.map(StoredClaim.init) else { continue }
            if let found = existing.finding(for: requestHash, at: at, staleAfter: staleAfter, lease: lease) { return found }
            // A claim left by a crash: only the request that still finds it stale takes it over.
            let takenOver = try await rows(
                Statements.Idempotency.takeOver,
                Statements.Idempotency.takeOverValues(key, account: account, at: at, leaseUntil: leaseUntil, wasClaimedAt: existing.claimedAt)
            )
            if !takenOver.isEmpty { return .claimed }
        }
        throw StoreError.conflict("idempotency key \(key) keeps changing while being claimed")
    }

    public func completeIdempotencyKey(_ response: IdempotentResponse, account: AccountID, at: Date) async throws {
        try await transaction { connection in
            try await Self.complete(response, account: account, at: at, connection, logger)
        }
    }

    public func renewIdempotencyClaim(_ key: String, account: AccountID, until: Date) async throws {
        _ = try await rows(
            Statements.Idempotency.renew,
            ["leaseUntil": .integer(until.storedMilliseconds), "account": .text(account.rawValue), "key": .text(key)]
        )
    }

    public func releaseIdempotencyKey(_ key: String, account: AccountID, claimToken: Int64?) async throws {
        _ = try await rows(
            Statements.Idempotency.release,
            ["account": .text(account.rawValue), "key": .text(key), "token": .integer(claimToken)]
        )
    }

    public func idempotencyKeyLookup(_ key: String, account: AccountID) async throws -> KeyLookup {
        let rows = try await rows(Prepared<KeyLookupShape>(Statements.Idempotency.keyValues(key, account: account)))
        return try rows.first.map { try KeyLookup($0.makeRandomAccess()) } ?? KeyLookup(taken: false, available: nil)
    }

    /// Claims a `FirstWriteClaim`'s key in the transaction that writes first, answered
    /// when `answer` is given; `StoreError.idempotencyKeyTaken` when another request has it
    /// (one still being committed is waited for: its key is taken once it commits).
    static func insert(
        _ claim: FirstWriteClaim,
        answer: IdempotentResponse?,
        account: AccountID,
        at: Date,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        let values = Statements.Idempotency.firstWriteValues(claim, answer: answer, account: account, at: at)
        let inserted = try await connection.rows(Prepared<FirstWriteClaimShape>(values), logger)
        guard inserted.count == 1 else { throw StoreError.idempotencyKeyTaken }
    }

    static func complete(
        _ response: IdempotentResponse,
        account: AccountID,
        at: Date,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        let values = Statements.Idempotency.completeValues(response, account: account, at: at)
        let answered = try await connection.rows(Prepared<CompleteShape>(values), logger)
        guard answered.count == 1 else {
            throw StoreError.conflict("idempotency key \(response.key) is not claimed by this request or already answered")
        }
    }

    // The charge path's claims, prepared once per connection.

    enum ClaimShape: PreparedShape {
        static let statement = Statements.Idempotency.claim
        static let types: [String: PostgresDataType] = [
            "account": .text, "key": .text, "requestHash": .text, "claimedAt": .int8, "leaseUntil": .int8,
        ]
    }

    enum KeyLookupShape: PreparedShape {
        static let statement = Statements.Idempotency.lookup
        static let types: [String: PostgresDataType] = ["account": .text, "key": .text]
    }

    enum FirstWriteClaimShape: PreparedShape {
        static let statement = Statements.Idempotency.claimWithFirstWrite
        static let types: [String: PostgresDataType] = [
            "account": .text, "key": .text, "requestHash": .text, "claimedAt": .int8, "status": .int8, "body": .bytea,
            "completedAt": .int8, "leaseUntil": .int8,
        ]
    }

    enum CompleteShape: PreparedShape {
        static let statement = Statements.Idempotency.complete
        static let types: [String: PostgresDataType] = [
            "status": .int8, "body": .bytea, "completedAt": .int8, "account": .text, "key": .text, "token": .int8,
        ]
    }
}
