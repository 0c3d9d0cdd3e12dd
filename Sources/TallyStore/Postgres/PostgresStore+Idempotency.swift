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
        for _ in 0..<Self.claimAttempts {
            let inserted = try await rows(ClaimStatement(key, requestHash: requestHash, account: account, at: at, leaseUntil: leaseUntil))
            if !inserted.isEmpty { return .claimed }
            let existing = try await rows(
                """
                SELECT request_hash, status, body, claimed_at, lease_until FROM idempotency_keys
                WHERE account_id = \(account.rawValue) AND key = \(key)
                """
            ).first?.makeRandomAccess()
            // Released since the insert: claim it again.
            guard let existing else { continue }
            guard try existing["request_hash"].decode(String.self) == requestHash else { return .mismatch }
            if let status = try existing["status"].decode(Int?.self) {
                let body = try existing["body"].decode(ByteBuffer?.self)
                return .replay(status: status, body: body.map { Array($0.readableBytesView) } ?? [])
            }
            let claimedAt = try existing["claimed_at"].decode(Int64.self)
            let heldUntil = try existing["lease_until"].decode(Int64?.self).map { Date(storedMilliseconds: $0) }
            let abandoned = IdempotencyClaim.isAbandoned(
                claimedAt: Date(storedMilliseconds: claimedAt),
                leaseUntil: heldUntil,
                at: at,
                staleAfter: staleAfter,
                lease: lease
            )
            guard abandoned else { return .inProgress }
            // A claim left by a crash: only the request that still finds it stale takes it over.
            let takenOver = try await rows(
                """
                UPDATE idempotency_keys SET claimed_at = \(at.storedMilliseconds), lease_until = \(leaseUntil)
                WHERE account_id = \(account.rawValue) AND key = \(key) AND status IS NULL
                    AND claimed_at = \(claimedAt)
                RETURNING key
                """
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
            """
            UPDATE idempotency_keys SET lease_until = \(until.storedMilliseconds)
            WHERE account_id = \(account.rawValue) AND key = \(key) AND status IS NULL
            """
        )
    }

    public func releaseIdempotencyKey(_ key: String, account: AccountID, claimToken: Int64?) async throws {
        _ = try await rows(
            """
            DELETE FROM idempotency_keys WHERE account_id = \(account.rawValue) AND key = \(key) AND status IS NULL
                AND (\(claimToken)::BIGINT IS NULL OR claimed_at = \(claimToken))
            """
        )
    }

    public func idempotencyKeyExists(_ key: String, account: AccountID) async throws -> Bool {
        try await !rows(KeyExistsStatement(key, account: account)).isEmpty
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
        let inserted = try await connection.rows(FirstWriteClaimStatement(claim, answer: answer, account: account, at: at), logger)
        guard inserted.count == 1 else { throw StoreError.idempotencyKeyTaken }
    }

    static func complete(
        _ response: IdempotentResponse,
        account: AccountID,
        at: Date,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        let answered = try await connection.rows(CompleteStatement(response, account: account, at: at), logger)
        guard answered.count == 1 else {
            throw StoreError.conflict("idempotency key \(response.key) is not claimed by this request or already answered")
        }
    }

    /// The primary key picks exactly one winner among concurrent claims, in any process.
    struct ClaimStatement: PreparedStatement {
        static let sql = """
            INSERT INTO idempotency_keys (account_id, key, request_hash, claimed_at, lease_until) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (account_id, key) DO NOTHING
            RETURNING key
            """
        static let bindingDataTypes: [PostgresDataType] = [.text, .text, .text, .int8, .int8]
        var bindings = PostgresBindings(capacity: 5)

        init(_ key: String, requestHash: String, account: AccountID, at: Date, leaseUntil: Int64?) {
            bindings.append(account.rawValue)
            bindings.append(key)
            bindings.append(requestHash)
            bindings.append(at.storedMilliseconds)
            bindings.append(leaseUntil)
        }
    }

    struct KeyExistsStatement: PreparedStatement {
        static let sql = "SELECT 1 FROM idempotency_keys WHERE account_id = $1 AND key = $2"
        static let bindingDataTypes: [PostgresDataType] = [.text, .text]
        var bindings = PostgresBindings(capacity: 2)

        init(_ key: String, account: AccountID) {
            bindings.append(account.rawValue)
            bindings.append(key)
        }
    }

    /// Inserts a key claimed by its request's first write, with its answer when that write carries it.
    struct FirstWriteClaimStatement: PreparedStatement {
        static let sql = """
            INSERT INTO idempotency_keys (account_id, key, request_hash, claimed_at, status, body, completed_at, lease_until)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (account_id, key) DO NOTHING
            RETURNING key
            """
        static let bindingDataTypes: [PostgresDataType] = [.text, .text, .text, .int8, .int8, .bytea, .int8, .int8]
        var bindings = PostgresBindings(capacity: 8)

        init(_ claim: FirstWriteClaim, answer: IdempotentResponse?, account: AccountID, at: Date) {
            bindings.append(account.rawValue)
            bindings.append(claim.key)
            bindings.append(claim.requestHash)
            bindings.append(at.storedMilliseconds)
            bindings.append(answer?.status)
            bindings.append(answer.map { ByteBuffer(bytes: $0.body) })
            bindings.append(answer.map { _ in at.storedMilliseconds })
            bindings.append(claim.leaseUntil?.storedMilliseconds)
        }
    }

    /// Answers a claimed key, only while this request's claim holds it (`$6`, its fence, when given).
    struct CompleteStatement: PreparedStatement {
        static let sql = """
            UPDATE idempotency_keys SET status = $1, body = $2, completed_at = $3
            WHERE account_id = $4 AND key = $5 AND status IS NULL AND ($6 IS NULL OR claimed_at = $6)
            RETURNING key
            """
        static let bindingDataTypes: [PostgresDataType] = [.int8, .bytea, .int8, .text, .text, .int8]
        var bindings = PostgresBindings(capacity: 6)

        init(_ response: IdempotentResponse, account: AccountID, at: Date) {
            bindings.append(response.status)
            bindings.append(ByteBuffer(bytes: response.body))
            bindings.append(at.storedMilliseconds)
            bindings.append(account.rawValue)
            bindings.append(response.key)
            bindings.append(response.claimToken)
        }
    }
}
