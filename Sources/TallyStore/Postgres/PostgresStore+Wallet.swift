import Foundation
import Logging
import PostgresNIO
import TallyCore

extension PostgresStore {
    // MARK: Payment methods and purchases

    public func addPaymentMethod(_ method: PaymentMethod, maximum: Int) async throws -> PaymentMethod {
        try await transaction { connection in
            if let fingerprint = method.fingerprint,
                let existing = try await connection.rows(
                    Statements.Purchases.paymentMethodByFingerprint,
                    ["account": .text(method.accountID.rawValue), "fingerprint": .text(fingerprint)],
                    logger
                ).first
            {
                return try PaymentMethod(existing)
            }
            guard try await Self.savePaymentMethod(method, maximum: maximum, connection, logger) else {
                throw StoreError.limitReached("an account keeps at most \(maximum) saved cards")
            }
            return method
        }
    }

    /// Inserts a card unless the account keeps `maximum` live cards or a live card with
    /// its fingerprint. The account row is locked first, so concurrent saves count exactly.
    static func savePaymentMethod(
        _ method: PaymentMethod,
        maximum: Int,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> Bool {
        try await connection.run("SELECT id FROM accounts WHERE id = \(method.accountID.rawValue) FOR UPDATE", logger)
        return try await connection.rows(
            Statements.Purchases.savePaymentMethod,
            Statements.Purchases.methodValues(method, maximum: maximum),
            logger
        ).count == 1
    }

    static func insert(_ purchase: Purchase) -> PostgresQuery {
        Statements.Purchases.insertPurchase.postgresQuery(Statements.Purchases.purchaseValues(purchase))
    }

    // MARK: Wallet and ledger

    public func wallet(account: AccountID) async throws -> WalletBalance? {
        try await rows(WalletStatement(account.rawValue)).first.map(Self.balance)
    }

    struct WalletStatement: OneValueStatement {
        static let sql = "SELECT available, held, used, total FROM wallets WHERE account_id = $1"
        let bindings: PostgresBindings
    }

    public func commit(_ transaction: WalletTransaction) async throws -> WalletBalance {
        let claim = transaction.unclaimed
        let balance = try await walletQueue.commit(transaction) { [self] transactions in await commitTogether(transactions) }
        claim?.committed(at: transaction.at)
        return balance
    }

    /// Applies wallet transactions of one account in one database transaction: a charge,
    /// hold or settlement a function writes whole (`OneCall`) is one call (its refusal
    /// undoes its own writes), and a run of such charges one statement of calls; anything
    /// else is applied in its own savepoint when there are several, so one's refusal or
    /// error rolls back its own writes only. The results are in the transactions' order; if the commit fails, every
    /// one of them has failed.
    func commitTogether(_ transactions: [WalletTransaction]) async -> [Result<WalletBalance, any Error>] {
        guard transactions.count > 1 else {
            do {
                return [.success(try await commitAlone(transactions[0]))]
            } catch {
                return [.failure(error)]
            }
        }
        do {
            return try await transaction { connection in
                // One account's: an account at a spend cap skips the calls.
                let account = transactions[0].accountID
                var oneCall = chargeRoutes.next(account) != .statementByStatement
                var results: [Result<WalletBalance, any Error>?] = Array(repeating: nil, count: transactions.count)
                /// One transaction alone: in one call while the account's charges take it,
                /// else statement by statement in its savepoint.
                func applyOne(_ position: Int) async throws {
                    let transaction = transactions[position]
                    if oneCall, let call = OneCall(transaction) {
                        switch try await Self.callTogether(call, connection, logger) {
                        case .charged(let balance, _, _):
                            results[position] = .success(balance)
                            return
                        case .refused(let error):
                            results[position] = .failure(error)
                            return
                        case .leftToStatements, .leftForEffects:
                            chargeRoutes.remember(account, .statementByStatement)
                            oneCall = false
                        case .leftForAlerts, .leftForLots: break
                        }
                    }
                    results[position] = try await Self.applyInSavepoint(transaction, connection, logger)
                }
                var position = 0
                while position < transactions.count {
                    // A run of charges the function writes whole: all in one statement.
                    var run: [OneCallCharge] = []
                    while oneCall, position + run.count < transactions.count,
                        let charge = OneCallCharge(transactions[position + run.count])
                    {
                        run.append(charge)
                    }
                    guard run.count > 1 else {
                        try await applyOne(position)
                        position += 1
                        continue
                    }
                    let outcomes = try await Self.abortingTheBatch { try await Self.callEach(run, connection, logger) }
                    for (offset, outcome) in outcomes.enumerated() {
                        switch outcome {
                        case .charged(let balance, _, _): results[position + offset] = .success(balance)
                        case .refused(let error): results[position + offset] = .failure(error)
                        // Nothing of it written: called again now, with its balance effects,
                        // or statement by statement.
                        case .leftForEffects, .leftToStatements, .leftForAlerts, .leftForLots: try await applyOne(position + offset)
                        }
                    }
                    position += run.count
                }
                return results.map { $0! }
            }
        } catch is CommitInSavepoints {
            return await commitInSavepoints(transactions)
        } catch {
            return Array(repeating: .failure(error), count: transactions.count)
        }
    }

    /// A call of `tally_charge` failed inside a batch and so aborted its database
    /// transaction (a duplicate ledger id, say): nothing of the batch was committed, and
    /// the batch is applied again with each transaction in its savepoint, as before.
    struct CommitInSavepoints: Error {}

    /// Runs calls of `tally_charge` inside a batch: any failure (a duplicate ledger id, say)
    /// aborted the database transaction, and the batch is applied again in savepoints.
    private static func abortingTheBatch<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw CommitInSavepoints()
        }
    }

    /// One charge, hold or settlement of a batch in one call, with its balance effects
    /// after it when it may have set some off.
    private static func callTogether(
        _ call: OneCall,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> ChargeOutcome {
        try await abortingTheBatch {
            let outcome = try await Self.call(call, effectsAfter: true, connection, logger)
            if case .charged(let balance, let before, effects: true) = outcome {
                try await applyBalanceEffects(call.transaction, before: before, after: balance.available, connection, logger)
            }
            return outcome
        }
    }

    /// The batch with each transaction in its own savepoint, statement by statement.
    private func commitInSavepoints(_ transactions: [WalletTransaction]) async -> [Result<WalletBalance, any Error>] {
        do {
            return try await transaction { connection in
                var results: [Result<WalletBalance, any Error>] = []
                results.reserveCapacity(transactions.count)
                for transaction in transactions {
                    results.append(try await Self.applyInSavepoint(transaction, connection, logger))
                }
                return results
            }
        } catch {
            return Array(repeating: .failure(error), count: transactions.count)
        }
    }

    /// Applies a transaction statement by statement in its own savepoint: its refusal or
    /// error rolls back its own writes only and is its result.
    private static func applyInSavepoint(
        _ transaction: WalletTransaction,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> Result<WalletBalance, any Error> {
        try await connection.run("SAVEPOINT wallet_transaction", logger)
        do {
            let balance = try await apply(transaction, connection, logger)
            try await connection.run("RELEASE SAVEPOINT wallet_transaction", logger)
            return .success(balance)
        } catch {
            try await connection.run("ROLLBACK TO SAVEPOINT wallet_transaction", logger)
            return .failure(storeError(error))
        }
    }

    /// Applies a transaction inside an open transaction; throwing rolls all of it back.
    static func apply(
        _ transaction: WalletTransaction,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> WalletBalance {
        let account = transaction.accountID
        let at = transaction.at.storedMilliseconds
        // First, as SQLite does: a refused request writes nothing and waits on no wallet lock.
        if transaction.guardedRequest {
            try await admitGuardedRequest(account, at: transaction.at, connection, logger)
        }
        guard !transaction.postings.isEmpty else {
            guard let balance = try await wallet(account, connection, logger, lock: false) else {
                throw StoreError.notFound("wallet of account \(account)")
            }
            try await writeRecords(of: transaction, before: balance.available, after: balance.available, controls: [], connection, logger)
            return balance
        }
        var balance = WalletBalance.empty
        // Available before this transaction, learnt from its first posting: from then on the
        // wallet row stays locked until commit, so concurrent debits see each other in turn
        // and exactly one of them crosses a threshold.
        var before: Credits?
        // What this transaction's postings moved so far, to report the balance its caller saw.
        var applied = Credits.zero
        // What the account has switched on, read from the wallet row the postings lock: the
        // alerts and caps are read only by the accounts that have them.
        var controls = SpendingControls()
        for posting in transaction.postings {
            let change = posting.change
            // The balance check is the conditional update itself: no read-then-write race.
            var posted = try await post(posting, account, at: at, requestKey: transaction.requestKey, connection, logger)
            if posted == nil {
                // Lock the row to learn why, against figures nobody can change until we finish.
                guard let current = try await wallet(account, connection, logger, lock: true) else {
                    throw StoreError.notFound("wallet of account \(account)")
                }
                // Credits of lots whose expiry has come are no debit's (`PostStatement`).
                let expired = posting.drawsLots ? try await expiredCredits(account, at: transaction.at, connection, logger) : .zero
                if current.available - expired + change.available < .zero {
                    // A refusal reports the balance before this transaction, since all of it is rolled back.
                    throw StoreError.insufficientCredits(available: current.available - expired - applied)
                } else if current.applying(change) != nil {
                    // Credits arrived (or the expiry took expired ones) between the check and
                    // the lock: the posting fits now.
                    posted = try await post(posting, account, at: at, requestKey: transaction.requestKey, connection, logger)
                }
            }
            guard let (after, switchedOn) = posted else {
                throw StoreError.conflict("the \(posting.kind.rawValue) would take held or used credits below zero")
            }
            precondition(after.isConsistent, "wallet invariant broken for account \(account)")
            controls = switchedOn
            balance = after
            if before == nil { before = after.available - change.available }
            applied = applied + change.available
            if let expired = try await moveLots(posting, account: account, at: transaction.at, connection, logger) {
                balance = expired
            }
        }
        try await writeRecords(
            of: transaction,
            before: before ?? balance.available,
            after: balance.available,
            controls: controls,
            connection,
            logger
        )
        return balance
    }

    /// Moves a posting's credits when no figure would go below zero, and writes its ledger
    /// entry with the balance it left: the wallet after, or `nil` (nothing written) when
    /// refused. One statement, one round trip: the entry is inserted from the update's
    /// own returned row, so it is written exactly when the wallet moved. A posting that
    /// draws lots counts no credit of a lot whose expiry has come by its time (the sum is
    /// read only for such a posting), so such credits are never spent while they wait for
    /// the expiry worker, and the wallet row stays the one place a debit is refused.
    static func post(
        _ posting: Posting,
        _ account: AccountID,
        at: Int64,
        requestKey: String? = nil,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> (balance: WalletBalance, controls: SpendingControls)? {
        try await connection.rows(PostStatement(posting, account: account, at: at, requestKey: requestKey), logger).first.map { row in
            (try balance(row), SpendingControls(rawValue: try row.makeRandomAccess()["controls"].decode(Int.self)))
        }
    }

    struct PostStatement: PreparedStatement {
        static let sql = """
            WITH moved AS (
                UPDATE wallets SET available = available + $2, held = held + $3, used = used + $4, total = total + $5
                WHERE account_id = $1 AND held + $3 >= 0 AND used + $4 >= 0
                    AND available + $2 >= CASE WHEN $10 THEN (
                        SELECT COALESCE(SUM(remaining), 0) FROM lots
                        WHERE account_id = $1 AND has_remaining AND expires_at <= $9) ELSE 0 END
                RETURNING available, held, used, total, controls
            ), entry AS (
                INSERT INTO ledger (id, account_id, kind, available, held, used, total, available_after,
                    reference, created_at, idempotency_key)
                SELECT $6, $1, $7, $2, $3, $4, $5, moved.available, $8, $9, $11 FROM moved
            )
            SELECT available, held, used, total, controls FROM moved
            """
        static let bindingDataTypes: [PostgresDataType] = [.text, .int8, .int8, .int8, .int8, .text, .text, .text, .int8, .bool, .text]
        var bindings = PostgresBindings(capacity: 11)

        init(_ posting: Posting, account: AccountID, at: Int64, requestKey: String?) {
            let change = posting.change
            bindings.append(account.rawValue)
            bindings.append(change.available.thousandths)
            bindings.append(change.held.thousandths)
            bindings.append(change.used.thousandths)
            bindings.append(change.total.thousandths)
            bindings.append(posting.id.rawValue)
            bindings.append(posting.kind.rawValue)
            bindings.append(posting.reference)
            bindings.append(at)
            bindings.append(posting.drawsLots)
            bindings.append(requestKey)
        }
    }

    /// Writes the rows that go with a transaction's postings, what lowering available from
    /// `before` to `after` sets off (the alerts and caps only when `controls` says the
    /// account has them), and its idempotent answer.
    static func writeRecords(
        of transaction: WalletTransaction,
        before: Credits,
        after: Credits,
        controls: SpendingControls,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        for record in transaction.records {
            try await write(record, account: transaction.accountID, at: transaction.at, connection, logger)
        }
        for feature in transaction.cappedFeatures where controls.contains(.caps) {
            try await checkSpendCaps(feature, transaction, connection, logger)
        }
        if after < before {
            try await applyBalanceEffects(transaction, before: before, after: after, connection, logger)
        }
        if after != before, controls.contains(.alerts) {
            try await applyBalanceAlerts(transaction, available: after, connection, logger)
        }
        if let claim = transaction.unclaimed {
            try await insert(claim, answer: transaction.idempotency, account: transaction.accountID, at: transaction.at, connection, logger)
        } else if let response = transaction.idempotency {
            try await complete(response, account: transaction.accountID, at: transaction.at, connection, logger)
        }
    }

    static func wallet(
        _ account: AccountID,
        _ connection: PostgresConnection,
        _ logger: Logger,
        lock: Bool
    ) async throws -> WalletBalance? {
        let query: PostgresQuery =
            lock
            ? "SELECT available, held, used, total FROM wallets WHERE account_id = \(account.rawValue) FOR UPDATE"
            : "SELECT available, held, used, total FROM wallets WHERE account_id = \(account.rawValue)"
        return try await connection.rows(query, logger).first.map(balance)
    }

    /// Two statements, and no snapshot is needed: an entry and its lot movements commit
    /// together and are never changed, so every entry read has all its movements written.
    public func ledger(account: AccountID, limit: Int, before: Int64?, window: Range<Date>?) async throws -> [LedgerEntry] {
        var entries = try await rows(
            """
            SELECT * FROM ledger WHERE account_id = \(account.rawValue) AND sequence < \(before ?? Int64.max)
                AND created_at >= \(window?.lowerBound.storedMilliseconds ?? Int64.min)
                AND created_at < \(window?.upperBound.storedMilliseconds ?? Int64.max)
            ORDER BY sequence DESC LIMIT \(limit)
            """
        ).map(Self.ledgerEntry)
        let movements = try await lotMovements(of: entries.map(\.id.rawValue))
        for index in entries.indices {
            entries[index].lots = movements[entries[index].id.rawValue] ?? []
        }
        return entries
    }

    public func verifyWallets() async throws -> [WalletMismatch] {
        // SUM of BIGINT is NUMERIC in PostgreSQL: cast back, the sums fit as the wallet figures do.
        try await rows(
            """
            SELECT w.account_id, w.available, w.held, w.used, w.total,
                COALESCE(SUM(l.available), 0)::BIGINT AS l_available, COALESCE(SUM(l.held), 0)::BIGINT AS l_held,
                COALESCE(SUM(l.used), 0)::BIGINT AS l_used, COALESCE(SUM(l.total), 0)::BIGINT AS l_total,
                (SELECT COALESCE(SUM(h.credits), 0)::BIGINT FROM holds h
                    WHERE h.account_id = w.account_id AND h.status = 'active') AS active_holds
            FROM wallets w LEFT JOIN ledger l ON l.account_id = w.account_id
            GROUP BY w.account_id ORDER BY w.account_id COLLATE "C"
            """
        ).compactMap { row in
            let wallet = try Self.balance(row)
            let columns = row.makeRandomAccess()
            let ledger = try WalletBalance(
                available: Credits(thousandths: columns["l_available"].decode(Int64.self)),
                held: Credits(thousandths: columns["l_held"].decode(Int64.self)),
                used: Credits(thousandths: columns["l_used"].decode(Int64.self)),
                total: Credits(thousandths: columns["l_total"].decode(Int64.self))
            )
            return try WalletMismatch.check(
                AccountID(columns["account_id"].decode(String.self)),
                wallet: wallet,
                ledger: ledger,
                activeHolds: Credits(thousandths: columns["active_holds"].decode(Int64.self))
            )
        }
    }
}
