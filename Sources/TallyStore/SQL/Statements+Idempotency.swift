import Foundation
import TallyCore

/// `Idempotency-Key` claims: a key claimed, taken over when its request died, renewed
/// while its request runs, answered, or released. Each statement returns the key it
/// wrote, so a caller knows whether it won.
extension Statements {
    enum Idempotency {
        /// The primary key picks exactly one winner among concurrent claims, in any process.
        static let claim = Statement(
            "idempotency.claim",
            """
            INSERT INTO idempotency_keys (account_id, key, request_hash, claimed_at, lease_until)
            VALUES (:account, :key, :requestHash, :claimedAt, :leaseUntil)
            ON CONFLICT (account_id, key) DO NOTHING
            RETURNING key
            """
        )
        /// A key claimed by its request's first write, answered when that write carries the answer.
        static let claimWithFirstWrite = Statement(
            "idempotency.claimWithFirstWrite",
            """
            INSERT INTO idempotency_keys (account_id, key, request_hash, claimed_at, status, body, completed_at, lease_until)
            VALUES (:account, :key, :requestHash, :claimedAt, :status, :body, :completedAt, :leaseUntil)
            ON CONFLICT (account_id, key) DO NOTHING
            RETURNING key
            """
        )
        static let find = Statement(
            "idempotency.find",
            """
            SELECT request_hash, status, body, claimed_at, lease_until FROM idempotency_keys
            WHERE account_id = :account AND key = :key
            """
        )
        /// A first write's key looked up together with the balance its request is checked
        /// against before any work: one read instead of two.
        static let lookup = Statement("idempotency.lookup", "SELECT " + lookupColumns(account: ":account"))
        /// What a lookup reads (`KeyLookup`), for the account `account` names (a value, or
        /// a column of the statement it is part of): whether `:key` is taken there, and the
        /// account's available credits.
        static func lookupColumns(account: String) -> String {
            """
            EXISTS (SELECT 1 FROM idempotency_keys
                    WHERE idempotency_keys.account_id = \(account) AND idempotency_keys.key = :key) AS found,
                (SELECT available FROM wallets WHERE wallets.account_id = \(account)) AS available
            """
        }
        /// A claim left by a crash: only the request that still finds it as it was takes it over.
        static let takeOver = Statement(
            "idempotency.takeOver",
            """
            UPDATE idempotency_keys SET claimed_at = :claimedAt, lease_until = :leaseUntil
            WHERE account_id = :account AND key = :key AND status IS NULL AND claimed_at = :wasClaimedAt
            RETURNING key
            """
        )
        static let renew = Statement(
            "idempotency.renew",
            """
            UPDATE idempotency_keys SET lease_until = :leaseUntil
            WHERE account_id = :account AND key = :key AND status IS NULL
            """
        )
        /// Answers a claimed key, only while this request's claim holds it (`:token`, its fence, when given).
        static let complete = Statement(
            "idempotency.complete",
            """
            UPDATE idempotency_keys SET status = :status, body = :body, completed_at = :completedAt
            WHERE account_id = :account AND key = :key AND status IS NULL
                AND (CAST(:token AS BIGINT) IS NULL OR claimed_at = :token)
            RETURNING key
            """
        )
        static let release = Statement(
            "idempotency.release",
            """
            DELETE FROM idempotency_keys WHERE account_id = :account AND key = :key AND status IS NULL
                AND (CAST(:token AS BIGINT) IS NULL OR claimed_at = :token)
            """
        )

        static let all = [claim, claimWithFirstWrite, find, lookup, takeOver, renew, complete, release]

        static func claimValues(
            _ key: String,
            requestHash: String,
            account: AccountID,
            at: Date,
            leaseUntil: Int64?
        ) -> KeyValuePairs<String, SQLValue> {
            [
                "account": .text(account.rawValue), "key": .text(key), "requestHash": .text(requestHash),
                "claimedAt": .integer(at.storedMilliseconds), "leaseUntil": .integer(leaseUntil),
            ]
        }

        static func firstWriteValues(
            _ claim: FirstWriteClaim,
            answer: IdempotentResponse?,
            account: AccountID,
            at: Date
        ) -> KeyValuePairs<String, SQLValue> {
            [
                "account": .text(account.rawValue), "key": .text(claim.key), "requestHash": .text(claim.requestHash),
                "claimedAt": .integer(at.storedMilliseconds), "status": .integer(answer?.status),
                "body": .bytes(answer?.body), "completedAt": .integer(answer.map { _ in at.storedMilliseconds }),
                "leaseUntil": .integer(claim.leaseUntil?.storedMilliseconds),
            ]
        }

        /// Takes over the claim found `claimedAt`, only while it is still that claim.
        static func takeOverValues(
            _ key: String,
            account: AccountID,
            at: Date,
            leaseUntil: Int64?,
            wasClaimedAt: Int64
        ) -> KeyValuePairs<String, SQLValue> {
            [
                "claimedAt": .integer(at.storedMilliseconds), "leaseUntil": .integer(leaseUntil),
                "account": .text(account.rawValue), "key": .text(key), "wasClaimedAt": .integer(wasClaimedAt),
            ]
        }

        static func keyValues(_ key: String, account: AccountID) -> KeyValuePairs<String, SQLValue> {
            ["account": .text(account.rawValue), "key": .text(key)]
        }

        static func completeValues(_ response: IdempotentResponse, account: AccountID, at: Date) -> KeyValuePairs<String, SQLValue> {
            [
                "status": .integer(response.status), "body": .bytes(response.body), "completedAt": .integer(at.storedMilliseconds),
                "account": .text(account.rawValue), "key": .text(response.key), "token": .integer(response.claimToken),
            ]
        }
    }
}

/// A key's row as a claim finds it (`Statements.Idempotency.find`), read the same on both engines.
struct StoredClaim {
    let requestHash: String
    let status: Int?
    let body: [UInt8]
    /// The claim's fencing token.
    let claimedAt: Int64
    let leaseUntil: Date?

    init(_ row: some StoreRow) throws {
        requestHash = try row.text("request_hash")
        status = try row.optionalInt("status")
        body = try row.bytes("body")
        claimedAt = try row.integer("claimed_at")
        leaseUntil = try row.optionalDate("lease_until")
    }

    /// What the key means for a request with `requestHash`: another request's (mismatch),
    /// answered (replay), still being answered; `nil` when its claim is abandoned and may be
    /// taken over (`IdempotencyClaim.isAbandoned`).
    func finding(for requestHash: String, at: Date, staleAfter: TimeInterval, lease: ClaimLease?) -> IdempotencyClaim? {
        guard requestHash == self.requestHash else { return .mismatch }
        if let status { return .replay(status: status, body: body) }
        let abandoned = IdempotencyClaim.isAbandoned(
            claimedAt: Date(storedMilliseconds: claimedAt),
            leaseUntil: leaseUntil,
            at: at,
            staleAfter: staleAfter,
            lease: lease
        )
        return abandoned ? nil : .inProgress
    }
}
