import Foundation
import Logging
import PostgresNIO
import TallyCore

extension PostgresStore {
    // MARK: Moving lots with a posting

    /// Moves the credits of the account's lots as `posting` moves the wallet's, inside
    /// its transaction; throws `StoreError.conflict` (rolling all of it back) when the
    /// lots cannot do what the wallet did. Answers the wallet when it moved it again:
    /// credits given back to a lot that has expired leave at once (`expireReturned`).
    ///
    /// Runs after the posting's conditional update of the wallet, whose row lock is held
    /// until commit: the lots of one account move one transaction at a time, in any
    /// process. Each lot update is conditional all the same.
    static func moveLots(
        _ posting: Posting,
        account: AccountID,
        at: Date,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> WalletBalance? {
        let change = posting.change
        let ledgerID = posting.id.rawValue
        if change.available > .zero, change.total > .zero, posting.fromLot == nil {
            let lot = posting.lot ?? posting.derivedLot
            try await insert(lot, credits: change.available, account: account, at: at, connection, logger)
            try await record(
                LotMovement(lot: lot.id, available: change.available, held: .zero),
                ledgerID: ledgerID,
                hold: nil,
                account: account,
                connection,
                logger
            )
        } else if let lot = posting.fromLot {
            guard change.held == .zero, change.available != .zero else {
                throw StoreError.conflict("a \(posting.kind.rawValue) of one lot moves spendable credits only")
            }
            let movement = LotMovement(lot: lot, available: change.available, held: .zero)
            if posting.kind == .expiry {
                try await expireWhole(movement, ledgerID: ledgerID, account: account, connection, logger)
            } else if change.available < .zero {
                try await take(movement, ledgerID: ledgerID, account: account, at: at, kind: posting.kind, connection, logger)
            } else {
                try await shift(
                    movement,
                    ledgerID: ledgerID,
                    hold: nil,
                    account: account,
                    connection,
                    logger,
                    refusal: "lot \(lot) cannot take back the \(posting.kind.rawValue): it would keep more than it began with"
                )
            }
        } else if change.held > .zero {
            // A hold: spendable credits become held, drawn in lot order.
            for draw in try await draws(change.held, account: account, at: at, connection, logger) {
                try await shift(
                    LotMovement(lot: draw.lot, available: -draw.credits, held: draw.credits),
                    ledgerID: ledgerID,
                    hold: posting.hold,
                    account: account,
                    connection,
                    logger
                )
            }
        } else if change.held < .zero {
            // A capture or a release: the held credits go from the lots the hold drew.
            let returned = change.available > .zero
            let held = try await heldDraws(-change.held, hold: posting.hold, account: account, connection, logger)
            var toExpire: [(lot: LotID, credits: Credits)] = []
            for draw in held.draws {
                let available = returned ? draw.credits : .zero
                try await shift(
                    LotMovement(lot: draw.lot, available: available, held: -draw.credits),
                    ledgerID: ledgerID,
                    hold: posting.hold,
                    account: account,
                    connection,
                    logger
                )
                if returned, let expiresAt = held.expiries[draw.lot],
                    try await hasExpired(draw.lot, expiresAt: expiresAt, account: account, at: at, connection, logger)
                {
                    toExpire.append(draw)
                }
            }
            return try await expireReturned(toExpire, by: posting, account: account, at: at, connection, logger)
        } else if change.available < .zero {
            for draw in try await draws(-change.available, account: account, at: at, connection, logger) {
                try await shift(
                    LotMovement(lot: draw.lot, available: -draw.credits, held: .zero),
                    ledgerID: ledgerID,
                    hold: nil,
                    account: account,
                    connection,
                    logger
                )
            }
        }
        return nil
    }

    /// What a debit of `credits` at `at` takes from each spendable lot, in `LotOrder`,
    /// never from a lot whose expiry has come. The wallet's check left those credits out
    /// first; should a lot have moved between that check and this read, the debit is
    /// refused as insufficient rather than drawn from an expired lot.
    static func draws(
        _ credits: Credits,
        account: AccountID,
        at: Date,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> [(lot: LotID, credits: Credits)] {
        let positions = try await connection.rows(SpendableLotsStatement(account.rawValue), logger).map(position)
        guard let draws = LotOrder.draws(credits, from: positions, at: at.storedMilliseconds) else {
            let spendable = positions.filter { !LotOrder.hasExpired($0, at: at.storedMilliseconds) }
            throw StoreError.insufficientCredits(available: spendable.reduce(Credits.zero) { $0 + $1.remaining })
        }
        return draws
    }

    /// The credits of the account's lots whose expiry has come by `at` and that the expiry
    /// has not taken yet: in the wallet's `available`, but no debit's.
    static func expiredCredits(
        _ account: AccountID,
        at: Date,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> Credits {
        // SUM of BIGINT is NUMERIC in PostgreSQL: cast back.
        let rows = try await connection.rows(
            """
            SELECT COALESCE(SUM(remaining), 0)::BIGINT FROM lots
            WHERE account_id = \(account.rawValue) AND remaining > 0 AND expires_at <= \(at.storedMilliseconds)
            """,
            logger
        )
        return Credits(thousandths: try rows.first?.decode(Int64.self) ?? 0)
    }

    /// Whether credits given back to `lot` at `at` are expired: its expiry has come, or
    /// the expiry worker has taken its credits already (the giving back was stamped just
    /// before the expiry but committed after it).
    private static func hasExpired(
        _ lot: LotID,
        expiresAt: Int64,
        account: AccountID,
        at: Date,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> Bool {
        if expiresAt <= at.storedMilliseconds { return true }
        let rows = try await connection.rows(
            """
            SELECT EXISTS (
                SELECT 1 FROM ledger_lots m JOIN ledger e ON e.account_id = m.account_id AND e.id = m.ledger_id
                WHERE m.account_id = \(account.rawValue) AND m.lot_id = \(lot.rawValue) AND m.hold_id IS NULL
                    AND e.kind = 'expiry')
            """,
            logger
        )
        return try rows.first?.decode(Bool.self) ?? false
    }

    /// Takes credits just given back to expired lots out of the wallet again, each lot's as
    /// an `expiry` entry of its own naming the lot (and, in its movement, the hold that gave
    /// them back): no debit can draw them, and the wallet, its ledger and its lots agree.
    /// Answers the wallet after, or `nil` when there was nothing to expire.
    private static func expireReturned(
        _ returned: [(lot: LotID, credits: Credits)],
        by posting: Posting,
        account: AccountID,
        at: Date,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> WalletBalance? {
        var balance: WalletBalance?
        for (lot, credits) in returned {
            let expiry = Posting(id: posting.expiryID(of: lot), kind: .expiry, change: .remove(credits), reference: lot.rawValue, fromLot: lot)
            guard let after = try await post(expiry, account, at: at.storedMilliseconds, connection, logger) else {
                throw StoreError.conflict("the wallet of account \(account) lost credits given back to lot \(lot)")
            }
            precondition(after.isConsistent, "wallet invariant broken for account \(account)")
            try await shift(
                LotMovement(lot: lot, available: -credits, held: .zero),
                ledgerID: expiry.id.rawValue,
                hold: posting.hold,
                account: account,
                connection,
                logger
            )
            balance = after
        }
        return balance
    }

    /// An expiry takes all of its lot's spendable credits or nothing, so a lot expires once:
    /// credits given back to it meanwhile make the expiry read the lot again.
    private static func expireWhole(
        _ movement: LotMovement,
        ledgerID: String,
        account: AccountID,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        let moved = try await connection.rows(
            """
            WITH expired AS (
                UPDATE lots SET remaining = 0
                WHERE id = \(movement.lot.rawValue) AND account_id = \(account.rawValue)
                    AND remaining = \(-movement.available.thousandths)
                RETURNING id
            )
            INSERT INTO ledger_lots (ledger_id, lot_id, account_id, hold_id, available, held)
            SELECT \(ledgerID), id, \(account.rawValue), NULL, \(movement.available.thousandths), 0 FROM expired
            RETURNING lot_id
            """,
            logger
        )
        guard moved.count == 1 else {
            throw StoreError.conflict("lot \(movement.lot) keeps other credits than the expiry takes")
        }
    }

    /// Takes spendable credits of one lot (a refund) when it keeps them and its expiry has
    /// not come: the credits of an expired lot are its expiry's alone.
    private static func take(
        _ movement: LotMovement,
        ledgerID: String,
        account: AccountID,
        at: Date,
        kind: LedgerKind,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        let moved = try await connection.rows(
            """
            WITH taken AS (
                UPDATE lots SET remaining = remaining + \(movement.available.thousandths)
                WHERE id = \(movement.lot.rawValue) AND account_id = \(account.rawValue)
                    AND remaining + \(movement.available.thousandths) >= 0
                    AND (expires_at IS NULL OR expires_at > \(at.storedMilliseconds))
                RETURNING id
            )
            INSERT INTO ledger_lots (ledger_id, lot_id, account_id, hold_id, available, held)
            SELECT \(ledgerID), id, \(account.rawValue), NULL, \(movement.available.thousandths), 0 FROM taken
            RETURNING lot_id
            """,
            logger
        )
        guard moved.count == 1 else {
            throw StoreError.conflict("lot \(movement.lot) keeps fewer spendable credits than the \(kind.rawValue) takes")
        }
    }

    /// Which lots `credits` held credits come from: first those the hold drew (in lot
    /// order), then — for a hold made before lots existed — any held credits in lot order;
    /// with the expiry of each of those lots that has one.
    static func heldDraws(
        _ credits: Credits,
        hold: HoldID?,
        account: AccountID,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> (draws: [(lot: LotID, credits: Credits)], expiries: [LotID: Int64]) {
        var positions: [LotPosition] = []
        if let hold {
            // Grouped by the lots' primary key, so their other columns may be selected;
            // SUM of BIGINT is NUMERIC in PostgreSQL: cast back.
            positions = try await connection.rows(
                """
                SELECT l.id, l.priority, l.expires_at, l.created_at, LEAST(l.held, SUM(m.held))::BIGINT
                FROM ledger_lots m JOIN lots l ON l.account_id = m.account_id AND l.id = m.lot_id
                WHERE m.hold_id = \(hold.rawValue) AND m.account_id = \(account.rawValue)
                GROUP BY l.account_id, l.id HAVING SUM(m.held) > 0
                """,
                logger
            ).map(position)
        }
        var others: [LotPosition] = []
        if positions.reduce(Credits.zero, { $0 + $1.remaining }) < credits {
            others = try await connection.rows(
                """
                SELECT id, priority, expires_at, created_at, held FROM lots
                WHERE account_id = \(account.rawValue) AND held > 0
                """,
                logger
            ).map(position)
        }
        guard let draws = LotOrder.heldDraws(credits, own: positions, others: others) else {
            throw StoreError.conflict("the lots of account \(account) do not hold \(credits) credits")
        }
        let expiries = (positions + others).reduce(into: [LotID: Int64]()) { expiries, lot in
            if let expiresAt = lot.expiresAt { expiries[lot.id] = expiresAt }
        }
        return (draws, expiries)
    }

    /// A lot's place in draw order from the columns `id, priority, expires_at, created_at`
    /// and the credits it offers.
    private static func position(_ row: PostgresRow) throws -> LotPosition {
        var cells = PostgresCells(row)
        return try LotPosition(
            id: LotID(cells.next()),
            priority: cells.next(),
            expiresAt: cells.next(),
            createdAt: cells.next(),
            remaining: Credits(thousandths: cells.next())
        )
    }

    /// Moves a lot's credits between spendable and held and records the movement under its
    /// ledger entry: one statement, the movement inserted from the update's returned row.
    /// Refused (with `refusal`, when given) if either figure of the lot would go below zero.
    private static func shift(
        _ movement: LotMovement,
        ledgerID: String,
        hold: HoldID?,
        account: AccountID,
        _ connection: PostgresConnection,
        _ logger: Logger,
        refusal: String? = nil
    ) async throws {
        let statement = ShiftStatement(movement, ledgerID: ledgerID, hold: hold, account: account)
        guard try await connection.rows(statement, logger).count == 1 else {
            throw StoreError.conflict(refusal ?? "lot \(movement.lot) cannot move \(movement.available) and \(movement.held)")
        }
    }

    struct SpendableLotsStatement: OneValueStatement {
        static let sql = """
            SELECT id, priority, expires_at, created_at, remaining FROM lots WHERE account_id = $1 AND remaining > 0
            """
        let bindings: PostgresBindings
    }

    struct ShiftStatement: PreparedStatement {
        static let sql = """
            WITH shifted AS (
                UPDATE lots SET remaining = remaining + $4, held = held + $5
                WHERE id = $2 AND account_id = $3 AND remaining + $4 >= 0 AND held + $5 >= 0
                    AND remaining + $4 + held + $5 <= credits
                RETURNING id
            )
            INSERT INTO ledger_lots (ledger_id, lot_id, account_id, hold_id, available, held)
            SELECT $1, id, $3, $6, $4, $5 FROM shifted
            RETURNING lot_id
            """
        static let bindingDataTypes: [PostgresDataType] = [.text, .text, .text, .int8, .int8, .text]
        var bindings = PostgresBindings(capacity: 6)

        init(_ movement: LotMovement, ledgerID: String, hold: HoldID?, account: AccountID) {
            bindings.append(ledgerID)
            bindings.append(movement.lot.rawValue)
            bindings.append(account.rawValue)
            bindings.append(movement.available.thousandths)
            bindings.append(movement.held.thousandths)
            bindings.append(hold?.rawValue)
        }
    }

    private static func record(
        _ movement: LotMovement,
        ledgerID: String,
        hold: HoldID?,
        account: AccountID,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        try await connection.run(
            """
            INSERT INTO ledger_lots (ledger_id, lot_id, account_id, hold_id, available, held)
            VALUES (\(ledgerID), \(movement.lot.rawValue), \(account.rawValue), \(hold?.rawValue),
                \(movement.available.thousandths), \(movement.held.thousandths))
            """,
            logger
        )
    }

    private static func insert(
        _ lot: NewLot,
        credits: Credits,
        account: AccountID,
        at: Date,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        try await connection.run(
            """
            INSERT INTO lots (id, account_id, source, source_id, credits, remaining, held, cost_cents, expires_at,
                priority, reason, created_by, created_at)
            VALUES (\(lot.id.rawValue), \(account.rawValue), \(lot.source.rawValue), \(lot.sourceID),
                \(credits.thousandths), \(credits.thousandths), 0, \(lot.costCents), \(lot.expiresAt?.storedMilliseconds),
                \(lot.priority), \(lot.reason), \(lot.createdBy), \(at.storedMilliseconds))
            """,
            logger
        )
    }

    // MARK: Records of lots

    /// Writes a record of refunds, adjustments or expiry notices inside a wallet transaction.
    static func writeLotRecord(
        _ record: WalletRecord,
        account: AccountID,
        at: Date,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        switch record {
        case .refund(let refund):
            try await connection.run(
                """
                INSERT INTO refunds (id, account_id, purchase_id, lot_id, credits, amount_cents, status,
                    gateway_reference, failure_reason, created_at)
                VALUES (\(refund.id.rawValue), \(account.rawValue), \(refund.purchaseID.rawValue),
                    \(refund.lotID.rawValue), \(refund.credits.thousandths), \(refund.amount.cents),
                    \(refund.status.rawValue), \(refund.gatewayReference), \(refund.failureReason),
                    \(refund.createdAt.storedMilliseconds))
                """,
                logger
            )
        case .settleRefund(let id, let status, let reference, let reason):
            // Conditional: of the request and the reconciler racing, in any process, one settles it.
            let settled = try await connection.rows(
                """
                UPDATE refunds SET status = \(status.rawValue), gateway_reference = \(reference),
                    failure_reason = \(reason), settled_at = \(at.storedMilliseconds), lease_until = NULL
                WHERE id = \(id.rawValue) AND account_id = \(account.rawValue) AND status = 'pending'
                RETURNING purchase_id, credits, amount_cents
                """,
                logger
            )
            guard let row = settled.first else { throw StoreError.conflict("refund \(id) is settled already") }
            if status == .succeeded {
                let (purchase, credits, cents) = try row.decode((String, Int64, Int64).self)
                try await connection.run(
                    """
                    UPDATE purchases SET refunded_credits = refunded_credits + \(credits),
                        refunded_cents = refunded_cents + \(cents)
                    WHERE id = \(purchase) AND account_id = \(account.rawValue)
                    """,
                    logger
                )
            }
        case .adjustment(let adjustment):
            try await connection.run(
                """
                INSERT INTO adjustments (id, account_id, credits, reason, created_by, created_at)
                VALUES (\(adjustment.id), \(account.rawValue), \(adjustment.credits.thousandths), \(adjustment.reason),
                    \(adjustment.createdBy), \(adjustment.createdAt.storedMilliseconds))
                """,
                logger
            )
        case .expiryNotice(let lot):
            let noticed = try await connection.rows(
                """
                UPDATE lots SET expiry_noticed_at = \(at.storedMilliseconds)
                WHERE id = \(lot.rawValue) AND account_id = \(account.rawValue) AND expiry_noticed_at IS NULL
                RETURNING id
                """,
                logger
            )
            guard noticed.count == 1 else { throw StoreError.conflict("the expiry of lot \(lot) was announced already") }
        default:
            preconditionFailure("not a record of lots: \(record)")
        }
    }

    // MARK: Reading lots

    /// One statement, so the lots with credits left and the spent ones are read from one
    /// snapshot: a lot spent meanwhile is listed once. Each part is read by keyset from
    /// `after`, at most `limit` of each: the lots with credits left in draw order
    /// (`LotOrder`: a lot that never expires sorts as expiring last; ids by bytes, as
    /// SQLite orders them), then the spent ones newest first; those past `limit` in all
    /// are dropped here.
    public func lots(account: AccountID, limit: Int, after: LotCursor?) async throws -> [CreditLot] {
        let limit = max(0, limit)
        let fromStart = after == nil
        let inLive = after?.hasCredits ?? true
        let spentFromStart = after?.hasCredits != false
        let lots = try await rows(
            """
            SELECT * FROM (
                (SELECT *, 0 AS part FROM lots
                WHERE account_id = \(account.rawValue) AND (remaining > 0 OR held > 0) AND \(inLive)
                    AND (\(fromStart) OR (priority, COALESCE(expires_at, 9223372036854775807), created_at, id COLLATE "C")
                        > (\(after?.priority ?? 0), \(after?.expiresAt ?? Int64.max), \(after?.createdAt ?? 0), \(after?.id.rawValue ?? "")))
                ORDER BY priority, COALESCE(expires_at, 9223372036854775807), created_at, id COLLATE "C" LIMIT \(limit))
                UNION ALL
                (SELECT *, 1 AS part FROM lots
                WHERE account_id = \(account.rawValue) AND remaining = 0 AND held = 0
                    AND (\(spentFromStart) OR (created_at, id COLLATE "C") < (\(after?.createdAt ?? 0), \(after?.id.rawValue ?? "")))
                ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT \(limit))
            ) AS l
            """
        ).map(Self.lot)
        let live = lots.filter { $0.remaining > .zero || $0.held > .zero }
            .sorted { LotOrder.drawsFirst($0.position, $1.position) }
        let spent = lots.filter { $0.remaining == .zero && $0.held == .zero }
            .sorted { ($0.createdAt, $0.id.rawValue) > ($1.createdAt, $1.id.rawValue) }
        return Array((live + spent).prefix(limit))
    }

    public func lot(_ id: LotID, account: AccountID) async throws -> CreditLot? {
        try await rows("SELECT * FROM lots WHERE id = \(id.rawValue) AND account_id = \(account.rawValue)")
            .first.map(Self.lot)
    }

    public func lot(purchase: PurchaseID, account: AccountID) async throws -> CreditLot? {
        try await rows(
            """
            SELECT * FROM lots WHERE account_id = \(account.rawValue) AND source_id = \(purchase.rawValue)
                AND source IN ('purchase', 'recharge')
            ORDER BY created_at, sequence LIMIT 1
            """
        ).first.map(Self.lot)
    }

    public func nextExpiry(account: AccountID) async throws -> (credits: Credits, at: Date)? {
        // SUM of BIGINT is NUMERIC in PostgreSQL: cast back.
        try await rows(
            """
            SELECT expires_at, SUM(remaining)::BIGINT AS credits FROM lots
            WHERE account_id = \(account.rawValue) AND remaining > 0 AND expires_at IS NOT NULL
            GROUP BY expires_at ORDER BY expires_at LIMIT 1
            """
        ).first.map { row in
            let (expiresAt, credits) = try row.decode((Int64, Int64).self)
            return (credits: Credits(thousandths: credits), at: Date(storedMilliseconds: expiresAt))
        }
    }

    /// Leases lots whose expiry has come, as `claimDueRecharges` leases recharges.
    public func claimExpiredLots(at: Date, leaseSeconds: Int, limit: Int) async throws -> [CreditLot] {
        let now = at.storedMilliseconds
        let leaseUntil = now + Int64(leaseSeconds) * 1000
        return try await rows(
            """
            WITH claimed AS (
                UPDATE lots SET lease_until = \(leaseUntil)
                WHERE (account_id, id) IN (
                    SELECT account_id, id FROM lots WHERE remaining > 0 AND expires_at IS NOT NULL AND expires_at <= \(now)
                        AND (lease_until IS NULL OR lease_until <= \(now))
                    ORDER BY expires_at, sequence LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED)
                RETURNING *
            )
            SELECT * FROM claimed ORDER BY expires_at, sequence
            """
        ).map(Self.lot)
    }

    public func lotsExpiring(at: Date, before: Date, limit: Int) async throws -> [CreditLot] {
        try await rows(
            """
            SELECT * FROM lots WHERE remaining > 0 AND expires_at IS NOT NULL
                AND expires_at > \(at.storedMilliseconds) AND expires_at <= \(before.storedMilliseconds)
                AND expiry_noticed_at IS NULL
            ORDER BY expires_at, sequence LIMIT \(limit)
            """
        ).map(Self.lot)
    }

    public func refund(_ id: RefundID, account: AccountID) async throws -> Refund? {
        try await rows("SELECT * FROM refunds WHERE id = \(id.rawValue) AND account_id = \(account.rawValue)")
            .first.map(Self.refund)
    }

    public func refunds(purchase: PurchaseID, account: AccountID) async throws -> [Refund] {
        try await rows(
            """
            SELECT * FROM refunds WHERE account_id = \(account.rawValue) AND purchase_id = \(purchase.rawValue)
            ORDER BY created_at, id COLLATE "C"
            """
        ).map(Self.refund)
    }

    /// Leases stale pending refunds, as `claimDueRecharges` leases recharges.
    public func claimStaleRefunds(createdBefore: Date, at: Date, leaseSeconds: Int, limit: Int) async throws -> [Refund] {
        let now = at.storedMilliseconds
        let leaseUntil = now + Int64(leaseSeconds) * 1000
        return try await rows(
            """
            WITH claimed AS (
                UPDATE refunds SET lease_until = \(leaseUntil)
                WHERE (account_id, id) IN (
                    SELECT account_id, id FROM refunds WHERE status = 'pending' AND created_at < \(createdBefore.storedMilliseconds)
                        AND (lease_until IS NULL OR lease_until <= \(now))
                    ORDER BY created_at, sequence LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED)
                RETURNING *
            )
            SELECT * FROM claimed ORDER BY created_at, sequence
            """
        ).map(Self.refund)
    }

    /// SQLite's `LotChecks`: the three that add figures up in one statement, so all of them
    /// read one snapshot — the wallets, then the lots, then the ledger entries that
    /// disagree, each by id as SQLite orders them (COLLATE "C") — then the two about
    /// expiry, which read only what is never changed once written.
    public func verifyLots() async throws -> [String] {
        let sums = try await verifyLotSums()
        let drawnAfterExpiry = try await rows(
            """
            SELECT m.ledger_id, m.lot_id, -m.available, l.expires_at, e.created_at
            FROM ledger_lots m
            JOIN ledger e ON e.account_id = m.account_id AND e.id = m.ledger_id
            JOIN lots l ON l.account_id = m.account_id AND l.id = m.lot_id
            WHERE m.available < 0 AND e.kind <> 'expiry' AND l.expires_at IS NOT NULL AND e.created_at >= l.expires_at
            ORDER BY m.ledger_id COLLATE "C", m.lot_id COLLATE "C"
            """
        ).map { row in
            let (entry, lot, credits, expiresAt, at) = try row.decode((String, String, Int64, Int64, Int64).self)
            return LotChecks.drewAfterExpiry(entry: entry, lot: lot, credits: Credits(thousandths: credits), expiresAt: expiresAt, at: at)
        }
        let expiredTwice = try await rows(
            """
            SELECT m.lot_id, m.hold_id, COUNT(*)::BIGINT
            FROM ledger_lots m JOIN ledger e ON e.account_id = m.account_id AND e.id = m.ledger_id
            WHERE e.kind = 'expiry'
            GROUP BY m.account_id, m.lot_id, m.hold_id HAVING COUNT(*) > 1
            ORDER BY m.lot_id COLLATE "C", m.hold_id COLLATE "C" NULLS FIRST
            """
        ).map { row in
            let (lot, hold, times) = try row.decode((String, String?, Int64).self)
            return LotChecks.expiredTwice(lot: lot, hold: hold, times: Int(times))
        }
        return sums + drawnAfterExpiry + expiredTwice
    }

    private func verifyLotSums() async throws -> [String] {
        try await rows(
            """
            SELECT * FROM (
                SELECT 0 AS part, w.account_id AS subject, w.available AS figure_available, w.held AS figure_held,
                    COALESCE(SUM(l.remaining), 0)::BIGINT AS sum_available, COALESCE(SUM(l.held), 0)::BIGINT AS sum_held
                FROM wallets w LEFT JOIN lots l ON l.account_id = w.account_id
                GROUP BY w.account_id, w.available, w.held
                HAVING w.available <> COALESCE(SUM(l.remaining), 0) OR w.held <> COALESCE(SUM(l.held), 0)
                UNION ALL
                SELECT 1, l.id, l.remaining, l.held, COALESCE(SUM(m.available), 0)::BIGINT,
                    COALESCE(SUM(m.held), 0)::BIGINT
                FROM lots l LEFT JOIN ledger_lots m ON m.account_id = l.account_id AND m.lot_id = l.id
                GROUP BY l.account_id, l.id, l.remaining, l.held
                HAVING l.remaining <> COALESCE(SUM(m.available), 0) OR l.held <> COALESCE(SUM(m.held), 0)
                    OR l.remaining < 0 OR l.held < 0
                UNION ALL
                SELECT 2, e.id, e.available, e.held, SUM(m.available)::BIGINT, SUM(m.held)::BIGINT
                FROM ledger e JOIN ledger_lots m ON m.account_id = e.account_id AND m.ledger_id = e.id
                GROUP BY e.account_id, e.id, e.available, e.held
                HAVING e.available <> SUM(m.available) OR e.held <> SUM(m.held)
            ) AS problems
            ORDER BY part, subject COLLATE "C"
            """
        ).map { row in
            let (part, subject, available, held, sumAvailable, sumHeld) = try row.decode(
                (Int, String, Int64, Int64, Int64, Int64).self
            )
            let figures = (Credits(thousandths: available), Credits(thousandths: held))
            let sums = (Credits(thousandths: sumAvailable), Credits(thousandths: sumHeld))
            switch part {
            case 0:
                return "account \(subject): wallet available=\(figures.0) held=\(figures.1), "
                    + "its lots remaining=\(sums.0) held=\(sums.1)"
            case 1:
                return "lot \(subject): remaining=\(figures.0) held=\(figures.1), "
                    + "its movements add up to remaining=\(sums.0) held=\(sums.1)"
            default:
                return "ledger entry \(subject): available=\(figures.0) held=\(figures.1), "
                    + "its lot movements add up to available=\(sums.0) held=\(sums.1)"
            }
        }
    }

    /// The ledger entries' lot movements, by entry, each entry's in the order written.
    func lotMovements(of entries: [String]) async throws -> [String: [LotMovement]] {
        guard !entries.isEmpty else { return [:] }
        var movements: [String: [LotMovement]] = [:]
        for row in try await rows(
            """
            SELECT ledger_id, lot_id, available, held FROM ledger_lots
            WHERE ledger_id = ANY(\(entries)) ORDER BY sequence
            """
        ) {
            let (entry, lot, available, held) = try row.decode((String, String, Int64, Int64).self)
            movements[entry, default: []].append(
                LotMovement(lot: LotID(lot), available: Credits(thousandths: available), held: Credits(thousandths: held))
            )
        }
        return movements
    }

    // MARK: Rows

    static func lot(_ row: PostgresRow) throws -> CreditLot { try CreditLot(row.makeRandomAccess()) }

    static func refund(_ row: PostgresRow) throws -> Refund { try Refund(row.makeRandomAccess()) }
}
