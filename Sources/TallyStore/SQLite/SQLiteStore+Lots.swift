import Foundation
import GRDB
import TallyCore

/// Credit lots on SQLite (the statements: `Statements.Lots` and `Statements.LotChecks`).
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
            let lot = posting.lot ?? posting.derivedLot
            try insert(lot, credits: change.available, account: account, at: at, db)
            try record(
                LotMovement(lot: lot.id, available: change.available, held: .zero),
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
            let movement = LotMovement(lot: lot, available: change.available, held: .zero)
            let shifted = try rows(
                Statements.Lots.shift,
                Statements.Lots.shiftValues(movement, account: account, whole: expiry, unexpiredAt: !expiry && change.available < .zero ? at : nil),
                in: db
            )
            guard shifted.count == 1 else {
                guard change.available < .zero else {
                    throw StoreError.conflict("lot \(lot) cannot take back the \(posting.kind.rawValue): it would keep more than it began with")
                }
                let refusal = expiry ? "other credits than" : "fewer spendable credits than"
                throw StoreError.conflict("lot \(lot) keeps \(refusal) the \(posting.kind.rawValue) takes")
            }
            try record(movement, ledgerID: ledgerID, hold: nil, account: account, db)
        } else if change.held > .zero {
            // A hold: spendable credits become held, drawn in lot order.
            for draw in try draws(change.held, account: account, at: at, db) {
                try shift(
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
                try shift(
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
                try shift(LotMovement(lot: draw.lot, available: -draw.credits, held: .zero), ledgerID: ledgerID, hold: nil, account: account, db)
            }
        }
        return nil
    }

    /// What a debit of `credits` at `at` takes from each spendable lot, in `LotOrder`,
    /// never from a lot whose expiry has come. The wallet's check left those credits out
    /// first, so the lots cover what it let through; if not, the debit is refused as
    /// insufficient rather than drawn from an expired lot.
    static func draws(_ credits: Credits, account: AccountID, at: Date, _ db: Database) throws -> [(lot: LotID, credits: Credits)] {
        let positions = try rows(Statements.Lots.spendable, ["account": .text(account.rawValue)], in: db).map(LotPosition.init)
        guard let draws = LotOrder.draws(credits, from: positions, at: at.storedMilliseconds) else {
            let spendable = positions.filter { !LotOrder.hasExpired($0, at: at.storedMilliseconds) }
            throw StoreError.insufficientCredits(available: spendable.reduce(Credits.zero) { $0 + $1.remaining })
        }
        return draws
    }

    /// The credits of the account's lots whose expiry has come by `at` and that the expiry
    /// has not taken yet: in the wallet's `available`, but no debit's.
    static func expiredCredits(_ account: AccountID, at: Date, _ db: Database) throws -> Credits {
        let sum = try rows(
            Statements.Lots.expiredCredits,
            ["account": .text(account.rawValue), "at": .integer(at.storedMilliseconds)],
            in: db
        )
        return Credits(thousandths: try sum.first?.integer("credits") ?? 0)
    }

    /// Whether credits given back to `lot` at `at` are expired: its expiry has come, or
    /// the expiry worker has taken its credits already (the giving back was stamped just
    /// before the expiry but committed after it).
    private static func hasExpired(_ lot: LotID, expiresAt: Int64, account: AccountID, at: Date, _ db: Database) throws -> Bool {
        if expiresAt <= at.storedMilliseconds { return true }
        let written = try rows(Statements.Lots.expiryWritten, ["account": .text(account.rawValue), "lot": .text(lot.rawValue)], in: db)
        return try written.first?.boolean("written") ?? false
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
            try shift(LotMovement(lot: lot, available: -credits, held: .zero), ledgerID: id.rawValue, hold: posting.hold, account: account, db)
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
            positions = try rows(
                Statements.Lots.heldByHold,
                ["hold": .text(hold.rawValue), "account": .text(account.rawValue)],
                in: db
            ).map(LotPosition.init)
        }
        var others: [LotPosition] = []
        if positions.reduce(Credits.zero, { $0 + $1.remaining }) < credits {
            others = try rows(Statements.Lots.held, ["account": .text(account.rawValue)], in: db).map(LotPosition.init)
        }
        guard let draws = LotOrder.heldDraws(credits, own: positions, others: others) else {
            throw StoreError.conflict("the lots of account \(account) do not hold \(credits) credits")
        }
        let expiries = (positions + others).reduce(into: [LotID: Int64]()) { expiries, lot in
            if let expiresAt = lot.expiresAt { expiries[lot.id] = expiresAt }
        }
        return (draws, expiries)
    }

    /// Moves a lot's credits between spendable and held and records the movement under its
    /// ledger entry. Refused if either figure of the lot would go below zero.
    private static func shift(_ movement: LotMovement, ledgerID: String, hold: HoldID?, account: AccountID, _ db: Database) throws {
        guard try rows(Statements.Lots.shift, Statements.Lots.shiftValues(movement, account: account), in: db).count == 1 else {
            throw StoreError.conflict("lot \(movement.lot) cannot move \(movement.available) and \(movement.held)")
        }
        try record(movement, ledgerID: ledgerID, hold: hold, account: account, db)
    }

    private static func record(_ movement: LotMovement, ledgerID: String, hold: HoldID?, account: AccountID, _ db: Database) throws {
        _ = try rows(Statements.Lots.record, Statements.Lots.recordValues(movement, entry: ledgerID, hold: hold, account: account), in: db)
    }

    private static func insert(_ lot: NewLot, credits: Credits, account: AccountID, at: Date, _ db: Database) throws {
        _ = try rows(Statements.Lots.insert, Statements.Lots.insertValues(lot, credits: credits, account: account, at: at), in: db)
    }

    // MARK: Records of lots

    static func writeLotRecord(_ record: WalletRecord, account: AccountID, at: Date, _ db: Database) throws {
        switch record {
        case .refund(let refund):
            _ = try rows(Statements.Lots.insertRefund, Statements.Lots.refundValues(refund, account: account), in: db)
        case .settleRefund(let id, let status, let reference, let reason):
            let settled = try rows(
                Statements.Lots.settleRefund,
                [
                    "status": .text(status.rawValue), "reference": .text(reference), "reason": .text(reason),
                    "at": .integer(at.storedMilliseconds), "id": .text(id.rawValue), "account": .text(account.rawValue),
                ],
                in: db
            )
            guard let row = settled.first else { throw StoreError.conflict("refund \(id) is settled already") }
            if status == .succeeded {
                _ = try rows(
                    Statements.Lots.addRefunded,
                    [
                        "credits": .integer(try row.integer("credits")), "amountCents": .integer(try row.integer("amount_cents")),
                        "purchase": .text(try row.text("purchase_id")), "account": .text(account.rawValue),
                    ],
                    in: db
                )
            }
        case .adjustment(let adjustment):
            _ = try rows(Statements.Lots.insertAdjustment, Statements.Lots.adjustmentValues(adjustment, account: account), in: db)
        case .expiryNotice(let lot):
            let noticed = try rows(
                Statements.Lots.noticeExpiry,
                ["at": .integer(at.storedMilliseconds), "lot": .text(lot.rawValue), "account": .text(account.rawValue)],
                in: db
            )
            guard noticed.count == 1 else { throw StoreError.conflict("the expiry of lot \(lot) was announced already") }
        default:
            preconditionFailure("not a record of lots: \(record)")
        }
    }

    // MARK: Reading lots

    /// Leases lots whose expiry has come, soonest first. Per engine: SQLite's one writer is
    /// the lease's lock, where PostgreSQL skips the rows other processes are leasing.
    public func claimExpiredLots(at: Date, leaseSeconds: Int, limit: Int) async throws -> [CreditLot] {
        let lots = try await write { db in
            let now = at.storedMilliseconds
            return try Row.fetchAll(
                db,
                sql: """
                    UPDATE lots SET lease_until = ?
                    WHERE id IN (
                        SELECT id FROM lots WHERE has_remaining AND expires_at IS NOT NULL AND expires_at <= ?
                            AND (lease_until IS NULL OR lease_until <= ?)
                        ORDER BY expires_at, id LIMIT ?)
                    RETURNING *
                    """,
                arguments: [now + Int64(leaseSeconds) * 1000, now, now, limit]
            ).map(CreditLot.init)
        }
        // RETURNING answers in no particular order.
        return lots.sorted { ($0.expiresAt ?? .distantFuture, $0.id.rawValue) < ($1.expiresAt ?? .distantFuture, $1.id.rawValue) }
    }

    /// Leases stale pending refunds, oldest first; per engine as `claimExpiredLots` is.
    public func claimStaleRefunds(createdBefore: Date, at: Date, leaseSeconds: Int, limit: Int) async throws -> [Refund] {
        let refunds = try await write { db in
            let now = at.storedMilliseconds
            return try Row.fetchAll(
                db,
                sql: """
                    UPDATE refunds SET lease_until = ?
                    WHERE id IN (
                        SELECT id FROM refunds WHERE status = 'pending' AND created_at < ?
                            AND (lease_until IS NULL OR lease_until <= ?)
                        ORDER BY created_at, id LIMIT ?)
                    RETURNING *
                    """,
                arguments: [now + Int64(leaseSeconds) * 1000, createdBefore.storedMilliseconds, now, limit]
            ).map(Refund.init)
        }
        // RETURNING answers in no particular order.
        return refunds.sorted { ($0.createdAt, $0.id.rawValue) < ($1.createdAt, $1.id.rawValue) }
    }

    /// All the checks read in one transaction, so they see one snapshot.
    public func verifyLots() async throws -> [String] {
        try await pool.read { db in
            try Self.rows(Statements.LotChecks.sums, [:], in: db).map(Statements.LotChecks.sumProblem)
                + Self.rows(Statements.LotChecks.drawsAfterExpiry, [:], in: db).map(Statements.LotChecks.drawAfterExpiryProblem)
                + Self.rows(Statements.LotChecks.repeatedExpiries, [:], in: db).map(Statements.LotChecks.repeatedExpiryProblem)
        }
    }

    /// The ledger entries' lot movements, by entry, each entry's in the order written. Per
    /// engine: SQLite takes the list of entries as JSON and keeps the order in its rowid.
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
