import Foundation
import Logging
import PostgresNIO
import TallyCore

/// Credit lots on PostgreSQL (the statements: `Statements.Lots` and `Statements.LotChecks`).
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
            // An expiry takes all the lot's spendable credits or nothing, so a lot expires once:
            // credits given back to it meanwhile make the expiry read the lot again. Anything
            // else takes nothing from a lot whose expiry has come, and gives a lot back no more
            // than it began with (the same credits given back twice).
            let expiry = posting.kind == .expiry
            let movement = LotMovement(lot: lot, available: change.available, held: .zero)
            let shifted = try await connection.rows(
                Statements.Lots.shift,
                Statements.Lots.shiftValues(movement, account: account, whole: expiry, unexpiredAt: !expiry && change.available < .zero ? at : nil),
                logger
            )
            guard shifted.count == 1 else {
                guard change.available < .zero else {
                    throw StoreError.conflict("lot \(lot) cannot take back the \(posting.kind.rawValue): it would keep more than it began with")
                }
                let refusal = expiry ? "other credits than" : "fewer spendable credits than"
                throw StoreError.conflict("lot \(lot) keeps \(refusal) the \(posting.kind.rawValue) takes")
            }
            try await record(movement, ledgerID: ledgerID, hold: nil, account: account, connection, logger)
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
        let positions = try await connection.rows(SpendableLotsStatement(account.rawValue), logger)
            .map { try LotPosition($0.makeRandomAccess()) }
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
        let rows = try await connection.rows(
            Statements.Lots.expiredCredits,
            ["account": .text(account.rawValue), "at": .integer(at.storedMilliseconds)],
            logger
        )
        return Credits(thousandths: try rows.first?.integer("credits") ?? 0)
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
            Statements.Lots.expiryWritten,
            ["account": .text(account.rawValue), "lot": .text(lot.rawValue)],
            logger
        )
        return try rows.first?.boolean("written") ?? false
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
            guard let (after, _) = try await post(expiry, account, at: at.storedMilliseconds, connection, logger) else {
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
            positions = try await connection.rows(
                Statements.Lots.heldByHold,
                ["hold": .text(hold.rawValue), "account": .text(account.rawValue)],
                logger
            ).map(LotPosition.init)
        }
        var others: [LotPosition] = []
        if positions.reduce(Credits.zero, { $0 + $1.remaining }) < credits {
            others = try await connection.rows(Statements.Lots.held, ["account": .text(account.rawValue)], logger)
                .map(LotPosition.init)
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
    /// ledger entry: one statement, the movement inserted from the update's returned row.
    /// Refused if either figure of the lot would go below zero.
    private static func shift(
        _ movement: LotMovement,
        ledgerID: String,
        hold: HoldID?,
        account: AccountID,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        let statement = ShiftStatement(movement, ledgerID: ledgerID, hold: hold, account: account)
        guard try await connection.rows(statement, logger).count == 1 else {
            throw StoreError.conflict("lot \(movement.lot) cannot move \(movement.available) and \(movement.held)")
        }
    }

    /// `Statements.Lots.spendable`, prepared on each connection: the charge path reads it.
    struct SpendableLotsStatement: OneValueStatement {
        static let sql = Statements.Lots.spendable.postgres
        let bindings: PostgresBindings
    }

    /// A lot's move and its record (`Statements.Lots.shift` and `.record`) in one round trip
    /// of the charge path, prepared on each connection. Per engine: a writable CTE, which
    /// SQLite has not.
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
        _ = try await connection.rows(
            Statements.Lots.record,
            Statements.Lots.recordValues(movement, entry: ledgerID, hold: hold, account: account),
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
        _ = try await connection.rows(
            Statements.Lots.insert,
            Statements.Lots.insertValues(lot, credits: credits, account: account, at: at),
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
            _ = try await connection.rows(Statements.Lots.insertRefund, Statements.Lots.refundValues(refund, account: account), logger)
        case .settleRefund(let id, let status, let reference, let reason):
            let settled = try await connection.rows(
                Statements.Lots.settleRefund,
                [
                    "status": .text(status.rawValue), "reference": .text(reference), "reason": .text(reason),
                    "at": .integer(at.storedMilliseconds), "id": .text(id.rawValue), "account": .text(account.rawValue),
                ],
                logger
            )
            guard let row = settled.first else { throw StoreError.conflict("refund \(id) is settled already") }
            if status == .succeeded {
                _ = try await connection.rows(
                    Statements.Lots.addRefunded,
                    [
                        "credits": .integer(try row.integer("credits")), "amountCents": .integer(try row.integer("amount_cents")),
                        "purchase": .text(try row.text("purchase_id")), "account": .text(account.rawValue),
                    ],
                    logger
                )
            }
        case .adjustment(let adjustment):
            _ = try await connection.rows(
                Statements.Lots.insertAdjustment,
                Statements.Lots.adjustmentValues(adjustment, account: account),
                logger
            )
        case .expiryNotice(let lot):
            let noticed = try await connection.rows(
                Statements.Lots.noticeExpiry,
                ["at": .integer(at.storedMilliseconds), "lot": .text(lot.rawValue), "account": .text(account.rawValue)],
                logger
            )
            guard noticed.count == 1 else { throw StoreError.conflict("the expiry of lot \(lot) was announced already") }
        default:
            preconditionFailure("not a record of lots: \(record)")
        }
    }

    // MARK: Reading lots

    /// Leases lots whose expiry has come, soonest first, as `claimDueRecharges` leases
    /// recharges. Per engine: PostgreSQL skips the rows other processes are leasing.
    public func claimExpiredLots(at: Date, leaseSeconds: Int, limit: Int) async throws -> [CreditLot] {
        let now = at.storedMilliseconds
        let leaseUntil = now + Int64(leaseSeconds) * 1000
        return try await rows(
            """
            WITH claimed AS (
                UPDATE lots SET lease_until = \(leaseUntil)
                WHERE (account_id, id) IN (
                    SELECT account_id, id FROM lots WHERE has_remaining AND expires_at IS NOT NULL AND expires_at <= \(now)
                        AND (lease_until IS NULL OR lease_until <= \(now))
                    ORDER BY expires_at, id COLLATE "C" LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED)
                RETURNING *
            )
            SELECT * FROM claimed ORDER BY expires_at, id COLLATE "C"
            """
        ).map { try CreditLot($0.makeRandomAccess()) }
    }

    /// Leases stale pending refunds, oldest first; per engine as `claimExpiredLots` is.
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
                    ORDER BY created_at, id COLLATE "C" LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED)
                RETURNING *
            )
            SELECT * FROM claimed ORDER BY created_at, id COLLATE "C"
            """
        ).map { try Refund($0.makeRandomAccess()) }
    }

    /// The three checks that add figures up are one statement, so they read one snapshot;
    /// the two about expiry read only what is never changed once written.
    public func verifyLots() async throws -> [String] {
        try await rows(Statements.LotChecks.sums, [:]).map(Statements.LotChecks.sumProblem)
            + rows(Statements.LotChecks.drawsAfterExpiry, [:]).map(Statements.LotChecks.drawAfterExpiryProblem)
            + rows(Statements.LotChecks.repeatedExpiries, [:]).map(Statements.LotChecks.repeatedExpiryProblem)
    }

    /// The ledger entries' lot movements, by entry, each entry's in the order written. Per
    /// engine: PostgreSQL binds the list of entries as an array and keeps the order in `sequence`.
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
}
