import Foundation
import GRDB
import TallyCore

extension SQLiteStore {
    // MARK: Moving lots with a posting

    /// Moves the credits of the account's lots as `posting` moves the wallet's, inside
    /// its transaction; throws `StoreError.conflict` (rolling all of it back) when the
    /// lots cannot do what the wallet did. Answers the wallet when it moved it again:
    /// credits given back to a lot that has expired leave at once (`expireReturned`).
    static func moveLots(_ posting: Posting, account: AccountID, at: Date, _ db: Database) throws -> WalletBalance? {
        let change = posting.change
        let ledgerID = posting.id.rawValue
        if change.available > .zero, change.total > .zero, posting.fromLot == nil {
            try insert(posting.lot ?? posting.derivedLot, credits: change.available, account: account, at: at, db)
            try record(
                LotMovement(lot: (posting.lot ?? posting.derivedLot).id, available: change.available, held: .zero),
                ledgerID: ledgerID,
                hold: nil,
                account: account,
                db
            )
        } else if let lot = posting.fromLot {
            guard change.held == .zero, change.available != .zero else {
                throw StoreError.conflict("a \(posting.kind.rawValue) of one lot moves spendable credits only")
            }
            // An expiry takes all the lot's spendable credits or nothing, so a lot expires once:
            // credits given back to it meanwhile make the expiry read the lot again. Anything
            // else takes nothing from a lot whose expiry has come, and gives a lot back no more
            // than it began with (the same credits given back twice).
            let expiry = posting.kind == .expiry
            try db.execute(
                sql: """
                    UPDATE lots SET remaining = remaining + ?
                    WHERE id = ? AND account_id = ? AND remaining + ? >= 0 AND (? = 0 OR remaining + ? = 0)
                        AND (? = 0 OR expires_at IS NULL OR expires_at > ?) AND remaining + held + ? <= credits
                    """,
                arguments: [
                    change.available.thousandths, lot.rawValue, account.rawValue, change.available.thousandths,
                    expiry, change.available.thousandths, !expiry && change.available < .zero, at.storedMilliseconds,
                    change.available.thousandths,
                ]
            )
            guard db.changesCount == 1 else {
                guard change.available < .zero else {
                    throw StoreError.conflict("lot \(lot) cannot take back the \(posting.kind.rawValue): it would keep more than it began with")
                }
                let refusal = expiry ? "other credits than" : "fewer spendable credits than"
                throw StoreError.conflict("lot \(lot) keeps \(refusal) the \(posting.kind.rawValue) takes")
            }
            try record(LotMovement(lot: lot, available: change.available, held: .zero), ledgerID: ledgerID, hold: nil, account: account, db)
        } else if change.held > .zero {
            // A hold: spendable credits become held, drawn in lot order.
            for draw in try draws(change.held, account: account, at: at, db) {
                try shift(draw.lot, available: -draw.credits, held: draw.credits, account: account, db)
                try record(
                    LotMovement(lot: draw.lot, available: -draw.credits, held: draw.credits),
                    ledgerID: ledgerID,
                    hold: posting.hold,
                    account: account,
                    db
                )
            }
        } else if change.held < .zero {
            // A capture or a release: the held credits go from the lots the hold drew.
            let returned = change.available > .zero
            let held = try heldDraws(-change.held, hold: posting.hold, account: account, db)
            var toExpire: [(lot: LotID, credits: Credits)] = []
            for draw in held.draws {
                let available = returned ? draw.credits : .zero
                try shift(draw.lot, available: available, held: -draw.credits, account: account, db)
                try record(
                    LotMovement(lot: draw.lot, available: available, held: -draw.credits),
                    ledgerID: ledgerID,
                    hold: posting.hold,
                    account: account,
                    db
                )
                if returned, let expiresAt = held.expiries[draw.lot], try hasExpired(draw.lot, expiresAt: expiresAt, account: account, at: at, db) {
                    toExpire.append(draw)
                }
            }
            return try expireReturned(toExpire, by: posting, account: account, at: at, db)
        } else if change.available < .zero {
            for draw in try draws(-change.available, account: account, at: at, db) {
                try shift(draw.lot, available: -draw.credits, held: .zero, account: account, db)
                try record(LotMovement(lot: draw.lot, available: -draw.credits, held: .zero), ledgerID: ledgerID, hold: nil, account: account, db)
            }
        }
        return nil
    }

    /// What a debit of `credits` at `at` takes from each spendable lot, in `LotOrder`,
    /// never from a lot whose expiry has come. The wallet's check left those credits out
    /// first, so the lots cover what it let through; if not, the debit is refused as
    /// insufficient rather than drawn from an expired lot.
    static func draws(_ credits: Credits, account: AccountID, at: Date, _ db: Database) throws -> [(lot: LotID, credits: Credits)] {
        let positions = try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT id, priority, expires_at, created_at, remaining FROM lots WHERE account_id = ? AND remaining > 0"
            ),
            arguments: [account.rawValue]
        ).map(heldPosition)
        guard let draws = LotOrder.draws(credits, from: positions, at: at.storedMilliseconds) else {
            let spendable = positions.filter { !LotOrder.hasExpired($0, at: at.storedMilliseconds) }
            throw StoreError.insufficientCredits(available: spendable.reduce(Credits.zero) { $0 + $1.remaining })
        }
        return draws
    }

    /// The credits of the account's lots whose expiry has come by `at` and that the expiry
    /// has not taken yet: in the wallet's `available`, but no debit's.
    static func expiredCredits(_ account: AccountID, at: Date, _ db: Database) throws -> Credits {
        Credits(
            thousandths: try Int64.fetchOne(
                db.cachedStatement(sql: ExpiredCredits.sql),
                arguments: [account.rawValue, at.storedMilliseconds]
            ) ?? 0
        )
    }

    /// Whether credits given back to `lot` at `at` are expired: its expiry has come, or
    /// the expiry worker has taken its credits already (the giving back was stamped just
    /// before the expiry but committed after it).
    private static func hasExpired(_ lot: LotID, expiresAt: Int64, account: AccountID, at: Date, _ db: Database) throws -> Bool {
        if expiresAt <= at.storedMilliseconds { return true }
        return try Bool.fetchOne(
            db.cachedStatement(sql: ExpiredCredits.expiryWritten),
            arguments: [account.rawValue, lot.rawValue]
        ) ?? false
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
        _ db: Database
    ) throws -> WalletBalance? {
        var balance: WalletBalance?
        for (lot, credits) in returned {
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        UPDATE wallets SET available = available - ?, total = total - ?
                        WHERE account_id = ? AND available - ? >= 0
                        RETURNING available, held, used, total
                        """
                ),
                arguments: [credits.thousandths, credits.thousandths, account.rawValue, credits.thousandths]
            )
            guard let row else { throw StoreError.conflict("the wallet of account \(account) lost credits given back to lot \(lot)") }
            let after = balanceOf(row)
            precondition(after.isConsistent, "wallet invariant broken for account \(account)")
            let expiry = WalletChange.remove(credits)
            let id = posting.expiryID(of: lot)
            try db.cachedStatement(
                sql: """
                    INSERT INTO ledger (id, account_id, kind, available, held, used, total, available_after,
                        reference, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                id.rawValue, account.rawValue, LedgerKind.expiry.rawValue, expiry.available.thousandths,
                expiry.held.thousandths, expiry.used.thousandths, expiry.total.thousandths, after.available.thousandths,
                lot.rawValue, at.storedMilliseconds,
            ])
            try shift(lot, available: -credits, held: .zero, account: account, db)
            try record(LotMovement(lot: lot, available: -credits, held: .zero), ledgerID: id.rawValue, hold: posting.hold, account: account, db)
            balance = after
        }
        return balance
    }

    /// Which lots `credits` held credits come from: first those the hold drew (in lot
    /// order), then — for a hold made before lots existed — any held credits in lot order;
    /// with the expiry of each of those lots that has one.
    static func heldDraws(
        _ credits: Credits,
        hold: HoldID?,
        account: AccountID,
        _ db: Database
    ) throws -> (draws: [(lot: LotID, credits: Credits)], expiries: [LotID: Int64]) {
        var positions: [LotPosition] = []
        if let hold {
            positions = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT l.id, l.priority, l.expires_at, l.created_at, MIN(l.held, SUM(m.held))
                        FROM ledger_lots m JOIN lots l ON l.id = m.lot_id
                        WHERE m.hold_id = ? AND m.account_id = ? GROUP BY l.id HAVING SUM(m.held) > 0
                        """
                ),
                arguments: [hold.rawValue, account.rawValue]
            ).map(heldPosition)
        }
        var others: [LotPosition] = []
        if positions.reduce(Credits.zero, { $0 + $1.remaining }) < credits {
            others = try Row.fetchAll(
                db.cachedStatement(
                    sql: "SELECT id, priority, expires_at, created_at, held FROM lots WHERE account_id = ? AND held > 0"
                ),
                arguments: [account.rawValue]
            ).map(heldPosition)
        }
        guard let draws = LotOrder.heldDraws(credits, own: positions, others: others) else {
            throw StoreError.conflict("the lots of account \(account) do not hold \(credits) credits")
        }
        let expiries = (positions + others).reduce(into: [LotID: Int64]()) { expiries, lot in
            if let expiresAt = lot.expiresAt { expiries[lot.id] = expiresAt }
        }
        return (draws, expiries)
    }

    private static func heldPosition(_ row: Row) -> LotPosition {
        LotPosition(id: LotID(row[0]), priority: row[1], expiresAt: row[2], createdAt: row[3], remaining: Credits(thousandths: row[4]))
    }

    private static func shift(_ lot: LotID, available: Credits, held: Credits, account: AccountID, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                UPDATE lots SET remaining = remaining + ?, held = held + ?
                WHERE id = ? AND account_id = ? AND remaining + ? >= 0 AND held + ? >= 0
                """
        ).execute(arguments: [
            available.thousandths, held.thousandths, lot.rawValue, account.rawValue, available.thousandths,
            held.thousandths,
        ])
        guard db.changesCount == 1 else { throw StoreError.conflict("lot \(lot) cannot move \(available) and \(held)") }
    }

    private static func record(_ movement: LotMovement, ledgerID: String, hold: HoldID?, account: AccountID, _ db: Database) throws {
        try db.cachedStatement(
            sql: "INSERT INTO ledger_lots (ledger_id, lot_id, account_id, hold_id, available, held) VALUES (?, ?, ?, ?, ?, ?)"
        ).execute(arguments: [
            ledgerID, movement.lot.rawValue, account.rawValue, hold?.rawValue, movement.available.thousandths,
            movement.held.thousandths,
        ])
    }

    private static func insert(_ lot: NewLot, credits: Credits, account: AccountID, at: Date, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO lots (id, account_id, source, source_id, credits, remaining, held, cost_cents, expires_at,
                    priority, reason, created_by, created_at)
                VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            lot.id.rawValue, account.rawValue, lot.source.rawValue, lot.sourceID, credits.thousandths,
            credits.thousandths, lot.costCents, lot.expiresAt?.storedMilliseconds, lot.priority, lot.reason,
            lot.createdBy, at.storedMilliseconds,
        ])
    }

    // MARK: Records of lots

    static func writeLotRecord(_ record: WalletRecord, account: AccountID, at: Date, _ db: Database) throws {
        switch record {
        case .refund(let refund):
            try db.execute(
                sql: """
                    INSERT INTO refunds (id, account_id, purchase_id, lot_id, credits, amount_cents, status,
                        gateway_reference, failure_reason, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    refund.id.rawValue, account.rawValue, refund.purchaseID.rawValue, refund.lotID.rawValue,
                    refund.credits.thousandths, refund.amount.cents, refund.status.rawValue, refund.gatewayReference,
                    refund.failureReason, refund.createdAt.storedMilliseconds,
                ]
            )
        case .settleRefund(let id, let status, let reference, let reason):
            let row = try Row.fetchOne(
                db,
                sql: """
                    UPDATE refunds SET status = ?, gateway_reference = ?, failure_reason = ?, settled_at = ?, lease_until = NULL
                    WHERE id = ? AND account_id = ? AND status = 'pending'
                    RETURNING purchase_id, credits, amount_cents
                    """,
                arguments: [status.rawValue, reference, reason, at.storedMilliseconds, id.rawValue, account.rawValue]
            )
            guard let row else { throw StoreError.conflict("refund \(id) is settled already") }
            if status == .succeeded {
                try db.execute(
                    sql: """
                        UPDATE purchases SET refunded_credits = refunded_credits + ?, refunded_cents = refunded_cents + ?
                        WHERE id = ? AND account_id = ?
                        """,
                    arguments: [row["credits"] as Int64, row["amount_cents"] as Int64, row["purchase_id"] as String, account.rawValue]
                )
            }
        case .adjustment(let adjustment):
            try db.execute(
                sql: """
                    INSERT INTO adjustments (id, account_id, credits, reason, created_by, created_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    adjustment.id, account.rawValue, adjustment.credits.thousandths, adjustment.reason,
                    adjustment.createdBy, adjustment.createdAt.storedMilliseconds,
                ]
            )
        case .expiryNotice(let lot):
            try db.execute(
                sql: "UPDATE lots SET expiry_noticed_at = ? WHERE id = ? AND account_id = ? AND expiry_noticed_at IS NULL",
                arguments: [at.storedMilliseconds, lot.rawValue, account.rawValue]
            )
            guard db.changesCount == 1 else { throw StoreError.conflict("the expiry of lot \(lot) was announced already") }
        default:
            preconditionFailure("not a record of lots: \(record)")
        }
    }

    // MARK: Reading lots

    /// The lots with credits left in draw order (`LotOrder`: a lot that never expires sorts
    /// as expiring last), then the spent ones newest first, each part by keyset from
    /// `after`; both read in one transaction, so a lot spent meanwhile is listed once.
    public func lots(account: AccountID, limit: Int, after: LotCursor?) async throws -> [CreditLot] {
        let limit = max(0, limit)
        return try await pool.read { db in
            var live: [CreditLot] = []
            if after?.hasCredits ?? true {
                live = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT * FROM lots WHERE account_id = ? AND (remaining > 0 OR held > 0)
                            AND (? OR (priority, COALESCE(expires_at, 9223372036854775807), created_at, id) > (?, ?, ?, ?))
                        ORDER BY priority, COALESCE(expires_at, 9223372036854775807), created_at, id LIMIT ?
                        """,
                    arguments: [
                        account.rawValue, after == nil, after?.priority, after?.expiresAt ?? Int64.max, after?.createdAt,
                        after?.id.rawValue, limit,
                    ]
                ).map(Self.lot)
            }
            let spentAfter = after?.hasCredits == false ? after : nil
            let spent = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM lots WHERE account_id = ? AND remaining = 0 AND held = 0
                        AND (? OR (created_at, id) < (?, ?))
                    ORDER BY created_at DESC, id DESC LIMIT ?
                    """,
                arguments: [account.rawValue, spentAfter == nil, spentAfter?.createdAt, spentAfter?.id.rawValue, limit - live.count]
            ).map(Self.lot)
            return live + spent
        }
    }

    public func lot(_ id: LotID, account: AccountID) async throws -> CreditLot? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM lots WHERE id = ? AND account_id = ?", arguments: [id.rawValue, account.rawValue])
                .map(Self.lot)
        }
    }

    public func lot(purchase: PurchaseID, account: AccountID) async throws -> CreditLot? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT * FROM lots WHERE account_id = ? AND source_id = ? AND source IN ('purchase', 'recharge')
                    ORDER BY created_at LIMIT 1
                    """,
                arguments: [account.rawValue, purchase.rawValue]
            ).map(Self.lot)
        }
    }

    public func nextExpiry(account: AccountID) async throws -> (credits: Credits, at: Date)? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT expires_at, SUM(remaining) AS credits FROM lots
                    WHERE account_id = ? AND remaining > 0 AND expires_at IS NOT NULL
                    GROUP BY expires_at ORDER BY expires_at LIMIT 1
                    """,
                arguments: [account.rawValue]
            ).map { row in (Credits(thousandths: row["credits"]), Date(storedMilliseconds: row["expires_at"])) }
        }
    }

    public func claimExpiredLots(at: Date, leaseSeconds: Int, limit: Int) async throws -> [CreditLot] {
        try await write { db in
            let now = at.storedMilliseconds
            return try Row.fetchAll(
                db,
                sql: """
                    UPDATE lots SET lease_until = ?
                    WHERE id IN (
                        SELECT id FROM lots WHERE remaining > 0 AND expires_at IS NOT NULL AND expires_at <= ?
                            AND (lease_until IS NULL OR lease_until <= ?)
                        ORDER BY expires_at LIMIT ?)
                    RETURNING *
                    """,
                arguments: [now + Int64(leaseSeconds) * 1000, now, now, limit]
            ).map(Self.lot)
        }
    }

    public func lotsExpiring(at: Date, before: Date, limit: Int) async throws -> [CreditLot] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM lots WHERE remaining > 0 AND expires_at IS NOT NULL AND expires_at > ? AND expires_at <= ?
                        AND expiry_noticed_at IS NULL
                    ORDER BY expires_at LIMIT ?
                    """,
                arguments: [at.storedMilliseconds, before.storedMilliseconds, limit]
            ).map(Self.lot)
        }
    }

    public func refund(_ id: RefundID, account: AccountID) async throws -> Refund? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM refunds WHERE id = ? AND account_id = ?", arguments: [id.rawValue, account.rawValue])
                .map(Self.refund)
        }
    }

    public func refunds(purchase: PurchaseID, account: AccountID) async throws -> [Refund] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM refunds WHERE account_id = ? AND purchase_id = ? ORDER BY created_at, id",
                arguments: [account.rawValue, purchase.rawValue]
            ).map(Self.refund)
        }
    }

    public func claimStaleRefunds(createdBefore: Date, at: Date, leaseSeconds: Int, limit: Int) async throws -> [Refund] {
        try await write { db in
            let now = at.storedMilliseconds
            return try Row.fetchAll(
                db,
                sql: """
                    UPDATE refunds SET lease_until = ?
                    WHERE id IN (
                        SELECT id FROM refunds WHERE status = 'pending' AND created_at < ?
                            AND (lease_until IS NULL OR lease_until <= ?)
                        ORDER BY created_at LIMIT ?)
                    RETURNING *
                    """,
                arguments: [now + Int64(leaseSeconds) * 1000, createdBefore.storedMilliseconds, now, limit]
            ).map(Self.refund)
        }
    }

    public func verifyLots() async throws -> [String] {
        try await pool.read { db in
            var problems: [String] = []
            for row in try Row.fetchAll(db, sql: LotChecks.wallets) {
                problems.append(
                    "account \(row[0] as String): wallet available=\(Credits(thousandths: row[1])) held=\(Credits(thousandths: row[2])), "
                        + "its lots remaining=\(Credits(thousandths: row[3])) held=\(Credits(thousandths: row[4]))"
                )
            }
            for row in try Row.fetchAll(db, sql: LotChecks.lots) {
                problems.append(
                    "lot \(row[0] as String): remaining=\(Credits(thousandths: row[1])) held=\(Credits(thousandths: row[2])), "
                        + "its movements add up to remaining=\(Credits(thousandths: row[3])) held=\(Credits(thousandths: row[4]))"
                )
            }
            for row in try Row.fetchAll(db, sql: LotChecks.entries) {
                problems.append(
                    "ledger entry \(row[0] as String): available=\(Credits(thousandths: row[1])) held=\(Credits(thousandths: row[2])), "
                        + "its lot movements add up to available=\(Credits(thousandths: row[3])) held=\(Credits(thousandths: row[4]))"
                )
            }
            for row in try Row.fetchAll(db, sql: LotChecks.drawsAfterExpiry) {
                problems.append(
                    LotChecks.drewAfterExpiry(entry: row[0], lot: row[1], credits: Credits(thousandths: row[2]), expiresAt: row[3], at: row[4])
                )
            }
            for row in try Row.fetchAll(db, sql: LotChecks.repeatedExpiries) {
                problems.append(LotChecks.expiredTwice(lot: row[0], hold: row[1], times: row[2]))
            }
            return problems
        }
    }

    static func lot(_ row: Row) throws -> CreditLot { try CreditLot(row) }

    static func refund(_ row: Row) throws -> Refund { try Refund(row) }

    /// The ledger entries' lot movements, by entry.
    static func lotMovements(of entries: [String], _ db: Database) throws -> [String: [LotMovement]] {
        guard !entries.isEmpty else { return [:] }
        var movements: [String: [LotMovement]] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT m.ledger_id, m.lot_id, m.available, m.held FROM ledger_lots m
                WHERE m.ledger_id IN (SELECT value FROM json_each(?)) ORDER BY m.rowid
                """,
            arguments: [String(decoding: try JSONEncoder().encode(entries), as: UTF8.self)]
        ) {
            movements[row[0], default: []].append(
                LotMovement(lot: LotID(row[1]), available: Credits(thousandths: row[2]), held: Credits(thousandths: row[3]))
            )
        }
        return movements
    }
}

/// How SQLite finds credits whose lot has expired.
enum ExpiredCredits {
    /// The spendable credits of an account's lots whose expiry has come by a time.
    static let sql = "SELECT COALESCE(SUM(remaining), 0) FROM lots WHERE account_id = ? AND remaining > 0 AND expires_at <= ?"
    /// Whether the expiry worker's `expiry` entry (the one naming no hold) of a lot is written.
    static let expiryWritten = """
        SELECT EXISTS (
            SELECT 1 FROM ledger_lots m JOIN ledger e ON e.id = m.ledger_id
            WHERE m.account_id = ? AND m.lot_id = ? AND m.hold_id IS NULL AND e.kind = 'expiry')
        """
}

/// The checks `verifyLots` runs; the same SQL serves both databases.
enum LotChecks {
    /// Wallets whose spendable or held credits differ from their lots'.
    static let wallets = """
        SELECT w.account_id, w.available, w.held, COALESCE(SUM(l.remaining), 0), COALESCE(SUM(l.held), 0)
        FROM wallets w LEFT JOIN lots l ON l.account_id = w.account_id
        GROUP BY w.account_id, w.available, w.held
        HAVING w.available <> COALESCE(SUM(l.remaining), 0) OR w.held <> COALESCE(SUM(l.held), 0)
        ORDER BY w.account_id
        """
    /// Lots whose figures differ from what their movements add up to, or are below zero.
    static let lots = """
        SELECT l.id, l.remaining, l.held, COALESCE(SUM(m.available), 0), COALESCE(SUM(m.held), 0)
        FROM lots l LEFT JOIN ledger_lots m ON m.lot_id = l.id
        GROUP BY l.id, l.remaining, l.held
        HAVING l.remaining <> COALESCE(SUM(m.available), 0) OR l.held <> COALESCE(SUM(m.held), 0)
            OR l.remaining < 0 OR l.held < 0
        ORDER BY l.id
        """
    /// Movements that drew spendable credits of a lot at or after its expiry, other than its
    /// expiry: entry, lot, credits drawn, the lot's expiry and the entry's time.
    static let drawsAfterExpiry = """
        SELECT m.ledger_id, m.lot_id, -m.available, l.expires_at, e.created_at
        FROM ledger_lots m
        JOIN ledger e ON e.account_id = m.account_id AND e.id = m.ledger_id
        JOIN lots l ON l.account_id = m.account_id AND l.id = m.lot_id
        WHERE m.available < 0 AND e.kind <> 'expiry' AND l.expires_at IS NOT NULL AND e.created_at >= l.expires_at
        ORDER BY m.ledger_id, m.lot_id
        """
    /// Lots expired more than once: a lot has one `expiry` entry of its own (naming no
    /// hold), and one more for each hold that gave credits back to it after it expired.
    static let repeatedExpiries = """
        SELECT m.lot_id, m.hold_id, COUNT(*)
        FROM ledger_lots m JOIN ledger e ON e.account_id = m.account_id AND e.id = m.ledger_id
        WHERE e.kind = 'expiry'
        GROUP BY m.account_id, m.lot_id, m.hold_id HAVING COUNT(*) > 1
        ORDER BY m.lot_id, m.hold_id
        """

    static func drewAfterExpiry(entry: String, lot: String, credits: Credits, expiresAt: Int64, at: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let time = { (milliseconds: Int64) in formatter.string(from: Date(storedMilliseconds: milliseconds)) }
        return "ledger entry \(entry) drew \(credits) credits from lot \(lot) at \(time(at)), after it expired at \(time(expiresAt))"
    }

    static func expiredTwice(lot: String, hold: String?, times: Int) -> String {
        "lot \(lot) expired \(times) times" + (hold.map { " with the credits hold \($0) gave back" } ?? "")
    }

    /// Ledger entries whose lot movements do not add up to what they moved.
    static let entries = """
        SELECT e.id, e.available, e.held, SUM(m.available), SUM(m.held)
        FROM ledger e JOIN ledger_lots m ON m.ledger_id = e.id
        GROUP BY e.id, e.available, e.held
        HAVING e.available <> SUM(m.available) OR e.held <> SUM(m.held)
        ORDER BY e.id
        """
}
