import Foundation
import GRDB
import TallyCore

extension SQLiteStore {
    // MARK: Payment methods and purchases

    public func addPaymentMethod(_ method: PaymentMethod, maximum: Int) async throws -> PaymentMethod {
        try await write { db in
            if let fingerprint = method.fingerprint, let existing = try Self.paymentMethod(fingerprint: fingerprint, account: method.accountID, db) {
                return existing
            }
            guard try Self.savePaymentMethod(method, maximum: maximum, db) else {
                throw StoreError.limitReached("an account keeps at most \(maximum) saved cards")
            }
            return method
        }
    }

    /// Inserts a card unless the account keeps `maximum` live cards or a live card with
    /// its fingerprint: one statement, so the count is exact. True when it was saved.
    static func savePaymentMethod(_ method: PaymentMethod, maximum: Int, _ db: Database) throws -> Bool {
        try rows(Statements.Purchases.savePaymentMethod, Statements.Purchases.methodValues(method, maximum: maximum), in: db).count == 1
    }

    static func paymentMethod(fingerprint: String, account: AccountID, _ db: Database) throws -> PaymentMethod? {
        try rows(
            Statements.Purchases.paymentMethodByFingerprint,
            ["account": .text(account.rawValue), "fingerprint": .text(fingerprint)],
            in: db
        ).first.map(PaymentMethod.init)
    }

    static func insert(_ purchase: Purchase, _ db: Database) throws {
        _ = try rows(Statements.Purchases.insertPurchase, Statements.Purchases.purchaseValues(purchase), in: db)
    }

    // MARK: Wallet and ledger

    public func wallet(account: AccountID) async throws -> WalletBalance? {
        try await quickRead { db in try Self.wallet(account, db) }
    }

    public func commit(_ transaction: WalletTransaction) async throws -> WalletBalance {
        let claim = transaction.unclaimed
        let balance = try await writer.write { db in try Self.apply(transaction, db) }
        claim?.committed(at: transaction.at)
        return balance
    }

    /// Applies a transaction inside an open write transaction; throwing rolls all of it back.
    static func apply(_ transaction: WalletTransaction, _ db: Database) throws -> WalletBalance {
        let account = transaction.accountID.rawValue
        let at = transaction.at.storedMilliseconds
        // A posting's update answers the balance after it; the wallet is read first only
        // when no posting will (or, for a guarded request, to refuse a missing wallet first).
        var balance: WalletBalance?
        // What the account has switched on, read from the wallet row this transaction reads
        // or updates anyway: the alerts and caps are read only by the accounts that have them.
        var controls = SpendingControls()
        if transaction.postings.isEmpty || transaction.guardedRequest {
            guard let current = try walletAndControls(transaction.accountID, db) else {
                throw StoreError.notFound("wallet of account \(account)")
            }
            (balance, controls) = (current.balance, current.controls)
        }
        // Available before the transaction: a refusal reports it, since every posting is rolled back.
        var before = balance?.available
        if transaction.guardedRequest {
            try admitGuardedRequest(transaction.accountID, at: transaction.at, db)
        }
        for posting in transaction.postings {
            let change = posting.change
            // The balance check is the conditional update itself: no read-then-write race. A
            // posting drawing lots counts no credit of a lot whose expiry has come.
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        UPDATE wallets SET available = available + ?, held = held + ?, used = used + ?,
                            total = total + ?
                        WHERE account_id = ? AND held + ? >= 0 AND used + ? >= 0
                            AND available + ? >= CASE WHEN ? THEN (
                                SELECT COALESCE(SUM(remaining), 0) FROM lots
                                WHERE account_id = ? AND has_remaining AND expires_at <= ?) ELSE 0 END
                        RETURNING available, held, used, total, controls
                        """
                ),
                arguments: [
                    change.available.thousandths, change.held.thousandths, change.used.thousandths,
                    change.total.thousandths, account, change.held.thousandths, change.used.thousandths,
                    change.available.thousandths, posting.drawsLots, account, at,
                ]
            )
            guard let row else {
                guard let current = try wallet(transaction.accountID, db) else {
                    throw StoreError.notFound("wallet of account \(account)")
                }
                let expired = posting.drawsLots ? try expiredCredits(transaction.accountID, at: transaction.at, db) : .zero
                if current.available - expired + change.available < .zero {
                    throw StoreError.insufficientCredits(available: (before ?? current.available) - expired)
                }
                throw StoreError.conflict("the \(posting.kind.rawValue) would take held or used credits below zero")
            }
            let after = balanceOf(row)
            precondition(after.isConsistent, "wallet invariant broken for account \(account)")
            if before == nil { before = after.available - change.available }
            balance = after
            controls = SpendingControls(rawValue: row["controls"])
            try db.cachedStatement(
                sql: """
                    INSERT INTO ledger (id, account_id, kind, available, held, used, total, available_after,
                        reference, created_at, idempotency_key)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                posting.id.rawValue, account, posting.kind.rawValue, change.available.thousandths,
                change.held.thousandths, change.used.thousandths, change.total.thousandths,
                after.available.thousandths, posting.reference, at, transaction.requestKey,
            ])
            if let expired = try moveLots(posting, account: transaction.accountID, at: transaction.at, db) {
                balance = expired
            }
        }
        for record in transaction.records {
            try write(record, account: transaction.accountID, at: transaction.at, db)
        }
        for feature in transaction.cappedFeatures where controls.contains(.caps) {
            try checkSpendCaps(feature, transaction, db)
        }
        guard let balance, let before else { throw StoreError.notFound("wallet of account \(account)") }
        if balance.available < before {
            try applyBalanceEffects(transaction, before: before, after: balance.available, db)
        }
        if balance.available != before, controls.contains(.alerts) {
            try applyBalanceAlerts(transaction, available: balance.available, db)
        }
        if let claim = transaction.unclaimed {
            try insert(claim, answer: transaction.idempotency, account: transaction.accountID, at: transaction.at, db)
        } else if let response = transaction.idempotency {
            try complete(response, account: transaction.accountID, at: transaction.at, db)
        }
        return balance
    }

    public func ledger(account: AccountID, limit: Int, before: Int64?, window: Range<Date>?) async throws -> [LedgerEntry] {
        try await pool.read { db in
            var entries = try Self.ledgerEntries(account: account, limit: limit, before: before, window: window, db)
            let movements = try Self.lotMovements(of: entries.map(\.id.rawValue), db)
            for index in entries.indices {
                entries[index].lots = movements[entries[index].id.rawValue] ?? []
            }
            return entries
        }
    }

    static func ledgerEntries(
        account: AccountID,
        limit: Int,
        before: Int64?,
        window: Range<Date>?,
        _ db: Database
    ) throws -> [LedgerEntry] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM ledger WHERE account_id = ? AND sequence < ? AND created_at >= ? AND created_at < ?
                ORDER BY sequence DESC LIMIT ?
                """,
            arguments: [
                account.rawValue, before ?? Int64.max, window?.lowerBound.storedMilliseconds ?? Int64.min,
                window?.upperBound.storedMilliseconds ?? Int64.max, limit,
            ]
        ).map { row in
            LedgerEntry(
                sequence: row["sequence"],
                id: LedgerEntryID(row["id"]),
                accountID: AccountID(row["account_id"]),
                kind: try LedgerKind(stored: row["kind"], column: "kind"),
                change: WalletChange(
                    available: Credits(thousandths: row["available"]),
                    held: Credits(thousandths: row["held"]),
                    used: Credits(thousandths: row["used"]),
                    total: Credits(thousandths: row["total"])
                ),
                availableAfter: Credits(thousandths: row["available_after"]),
                reference: row["reference"],
                createdAt: Date(storedMilliseconds: row["created_at"])
            )
        }
    }

    public func verifyWallets() async throws -> [WalletMismatch] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT w.account_id, w.available, w.held, w.used, w.total,
                        COALESCE(SUM(l.available), 0) AS l_available, COALESCE(SUM(l.held), 0) AS l_held,
                        COALESCE(SUM(l.used), 0) AS l_used, COALESCE(SUM(l.total), 0) AS l_total,
                        (SELECT COALESCE(SUM(h.credits), 0) FROM holds h
                            WHERE h.account_id = w.account_id AND h.status = 'active') AS active_holds
                    FROM wallets w LEFT JOIN ledger l ON l.account_id = w.account_id
                    GROUP BY w.account_id ORDER BY w.account_id
                    """
            ).compactMap { row in
                let wallet = Self.balanceOf(row)
                let ledger = WalletBalance(
                    available: Credits(thousandths: row["l_available"]),
                    held: Credits(thousandths: row["l_held"]),
                    used: Credits(thousandths: row["l_used"]),
                    total: Credits(thousandths: row["l_total"])
                )
                return WalletMismatch.check(
                    AccountID(row["account_id"]),
                    wallet: wallet,
                    ledger: ledger,
                    activeHolds: Credits(thousandths: row["active_holds"])
                )
            }
        }
    }

    static func wallet(_ account: AccountID, _ db: Database) throws -> WalletBalance? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT available, held, used, total FROM wallets WHERE account_id = ?"),
            arguments: [account.rawValue]
        ).map(balanceOf)
    }

    /// The wallet and the spending controls its account has switched on (`wallets.controls`).
    static func walletAndControls(_ account: AccountID, _ db: Database) throws -> (balance: WalletBalance, controls: SpendingControls)? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT available, held, used, total, controls FROM wallets WHERE account_id = ?"),
            arguments: [account.rawValue]
        ).map { row in (balanceOf(row), SpendingControls(rawValue: row["controls"])) }
    }

    static func balanceOf(_ row: Row) -> WalletBalance {
        WalletBalance(
            available: Credits(thousandths: row["available"]),
            held: Credits(thousandths: row["held"]),
            used: Credits(thousandths: row["used"]),
            total: Credits(thousandths: row["total"])
        )
    }

    // MARK: Idempotency

    public func claimIdempotencyKey(
        _ key: String,
        requestHash: String,
        account: AccountID,
        at: Date,
        staleAfter: TimeInterval,
        lease: ClaimLease?
    ) async throws -> IdempotencyClaim {
        let leaseUntil = lease?.until.storedMilliseconds
        return try await write { db in
            // One writer: what this transaction reads stays so until it commits.
            guard
                let existing = try Self.rows(Statements.Idempotency.find, Statements.Idempotency.keyValues(key, account: account), in: db)
                    .first.map(StoredClaim.init)
            else {
                let claim = Statements.Idempotency.claimValues(key, requestHash: requestHash, account: account, at: at, leaseUntil: leaseUntil)
                _ = try Self.rows(Statements.Idempotency.claim, claim, in: db)
                return .claimed
            }
            if let found = existing.finding(for: requestHash, at: at, staleAfter: staleAfter, lease: lease) { return found }
            _ = try Self.rows(
                Statements.Idempotency.takeOver,
                Statements.Idempotency.takeOverValues(key, account: account, at: at, leaseUntil: leaseUntil, wasClaimedAt: existing.claimedAt),
                in: db
            )
            return .claimed
        }
    }

    public func renewIdempotencyClaim(_ key: String, account: AccountID, until: Date) async throws {
        try await write { db in
            _ = try Self.rows(
                Statements.Idempotency.renew,
                ["leaseUntil": .integer(until.storedMilliseconds), "account": .text(account.rawValue), "key": .text(key)],
                in: db
            )
        }
    }

    public func completeIdempotencyKey(_ response: IdempotentResponse, account: AccountID, at: Date) async throws {
        try await write { db in try Self.complete(response, account: account, at: at, db) }
    }

    public func releaseIdempotencyKey(_ key: String, account: AccountID, claimToken: Int64?) async throws {
        try await write { db in
            _ = try Self.rows(
                Statements.Idempotency.release,
                ["account": .text(account.rawValue), "key": .text(key), "token": .integer(claimToken)],
                in: db
            )
        }
    }

    public func idempotencyKeyLookup(_ key: String, account: AccountID) async throws -> KeyLookup {
        try await quickRead { db in
            try Self.rows(Statements.Idempotency.lookup, Statements.Idempotency.keyValues(key, account: account), in: db)
                .first.map { try KeyLookup($0) } ?? KeyLookup(taken: false, available: nil)
        }
    }

    /// Claims a `FirstWriteClaim`'s key in the transaction that writes first, answered
    /// when `answer` is given; `StoreError.idempotencyKeyTaken` when another request has it.
    static func insert(_ claim: FirstWriteClaim, answer: IdempotentResponse?, account: AccountID, at: Date, _ db: Database) throws {
        let values = Statements.Idempotency.firstWriteValues(claim, answer: answer, account: account, at: at)
        guard try rows(Statements.Idempotency.claimWithFirstWrite, values, in: db).count == 1 else {
            throw StoreError.idempotencyKeyTaken
        }
    }

    static func complete(_ response: IdempotentResponse, account: AccountID, at: Date, _ db: Database) throws {
        let values = Statements.Idempotency.completeValues(response, account: account, at: at)
        guard try rows(Statements.Idempotency.complete, values, in: db).count == 1 else {
            throw StoreError.conflict("idempotency key \(response.key) is not claimed by this request or already answered")
        }
    }
}
