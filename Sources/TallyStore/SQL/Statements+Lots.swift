import Foundation
import TallyCore

/// Credit lots: every credit added is a lot, and each movement of a wallet moves its lots
/// too, recorded beside the ledger entry (the draw order itself is `LotOrder`, in
/// TallyCore); the records written with them — refunds, adjustments, expiry notices —
/// and the checks that the wallets, their lots and the ledger agree.
extension Statements {
    enum Lots {
        // MARK: Moving lots with a posting

        static let insert = Statement(
            "lots.insert",
            """
            INSERT INTO lots (id, account_id, source, source_id, credits, remaining, held, cost_cents, expires_at,
                priority, reason, created_by, created_at)
            VALUES (:id, :account, :source, :sourceID, :credits, :credits, 0, :costCents, :expiresAt,
                :priority, :reason, :createdBy, :at)
            """
        )
        /// One lot's part in a ledger entry (`LotMovement`), with the hold that moved it.
        static let record = Statement(
            "lots.record",
            """
            INSERT INTO ledger_lots (ledger_id, lot_id, account_id, hold_id, available, held)
            VALUES (:entry, :lot, :account, :hold, :available, :held)
            """
        )
        /// Moves a lot's credits between spendable and held, or in and out of it, only while
        /// neither figure goes below zero nor the lot above what it began with. `whole` asks
        /// that all its spendable credits go (an expiry, so a lot expires once: credits given
        /// back meanwhile make the expiry read it again); `unexpired` that its expiry has not
        /// come by `at` (the credits of an expired lot are its expiry's alone).
        static let shift = Statement(
            "lots.shift",
            """
            UPDATE lots SET remaining = remaining + :available, held = held + :held
            WHERE id = :lot AND account_id = :account AND remaining + :available >= 0 AND held + :held >= 0
                AND remaining + :available + held + :held <= credits
                AND (NOT :whole OR remaining + :available = 0)
                AND (NOT :unexpired OR expires_at IS NULL OR expires_at > :at)
            RETURNING id
            """
        )
        /// The lots a debit or a hold draws from, as `LotPosition`s (PostgreSQL prepares it
        /// on each connection: it is on the charge path).
        static let spendable = Statement(
            "lots.spendable",
            "SELECT id, priority, expires_at, created_at, remaining AS offered FROM lots WHERE account_id = :account AND has_remaining"
        )
        /// The lots a hold drew and still holds of, as `LotPosition`s offering what the hold
        /// holds of each (at most the lot's held credits).
        static let heldByHold = Statement(
            "lots.heldByHold",
            """
            SELECT l.id, l.priority, l.expires_at, l.created_at,
                CASE WHEN l.held < SUM(m.held) THEN l.held ELSE CAST(SUM(m.held) AS BIGINT) END AS offered
            FROM ledger_lots m JOIN lots l ON l.account_id = m.account_id AND l.id = m.lot_id
            WHERE m.hold_id = :hold AND m.account_id = :account
            GROUP BY l.account_id, l.id HAVING SUM(m.held) > 0
            """
        )
        /// Every lot with held credits, for a hold made before lots existed.
        static let held = Statement(
            "lots.held",
            "SELECT id, priority, expires_at, created_at, held AS offered FROM lots WHERE account_id = :account AND has_held"
        )
        /// The spendable credits of an account's lots whose expiry has come by `at`. (A SUM
        /// of BIGINT is NUMERIC on PostgreSQL: cast back.)
        static let expiredCredits = Statement(
            "lots.expiredCredits",
            """
            SELECT CAST(COALESCE(SUM(remaining), 0) AS BIGINT) AS credits FROM lots
            WHERE account_id = :account AND has_remaining AND expires_at <= :at
            """
        )
        /// Whether the expiry worker's `expiry` entry of a lot (the one naming no hold) is written.
        static let expiryWritten = Statement(
            "lots.expiryWritten",
            """
            SELECT EXISTS (
                SELECT 1 FROM ledger_lots m JOIN ledger e ON e.account_id = m.account_id AND e.id = m.ledger_id
                WHERE m.account_id = :account AND m.lot_id = :lot AND m.hold_id IS NULL AND e.kind = 'expiry') AS written
            """
        )

        // MARK: Records of lots

        static let insertRefund = Statement(
            "lots.insertRefund",
            """
            INSERT INTO refunds (id, account_id, purchase_id, lot_id, credits, amount_cents, status,
                gateway_reference, failure_reason, created_at)
            VALUES (:id, :account, :purchase, :lot, :credits, :amountCents, :status, :reference, :reason, :createdAt)
            """
        )
        /// Conditional: of the request and the reconciler racing, in any process, one settles it.
        static let settleRefund = Statement(
            "lots.settleRefund",
            """
            UPDATE refunds SET status = :status, gateway_reference = :reference, failure_reason = :reason,
                settled_at = :at, lease_until = NULL
            WHERE id = :id AND account_id = :account AND status = 'pending'
            RETURNING purchase_id, credits, amount_cents
            """
        )
        static let addRefunded = Statement(
            "lots.addRefunded",
            """
            UPDATE purchases SET refunded_credits = refunded_credits + :credits, refunded_cents = refunded_cents + :amountCents
            WHERE id = :purchase AND account_id = :account
            """
        )
        static let insertAdjustment = Statement(
            "lots.insertAdjustment",
            """
            INSERT INTO adjustments (id, account_id, credits, reason, created_by, created_at)
            VALUES (:id, :account, :credits, :reason, :createdBy, :createdAt)
            """
        )
        /// Conditional: a lot's expiry is announced once.
        static let noticeExpiry = Statement(
            "lots.noticeExpiry",
            """
            UPDATE lots SET expiry_noticed_at = :at WHERE id = :lot AND account_id = :account AND expiry_noticed_at IS NULL
            RETURNING id
            """
        )

        // MARK: Reading lots

        /// One statement, so the lots with credits left and the spent ones are read from one
        /// snapshot: a lot spent meanwhile is listed once. Each part is read by keyset from
        /// the cursor, at most `limit` of each: the lots with credits left in draw order
        /// (`LotOrder`: a lot that never expires sorts as expiring last), then the spent ones
        /// newest first; `page` puts them in that order and keeps the first `limit`.
        static let page = Statement(
            "lots.page",
            """
            SELECT * FROM (
                SELECT * FROM lots
                WHERE account_id = :account AND (has_remaining OR has_held) AND :inLive
                    AND (:fromStart OR (priority, COALESCE(expires_at, 9223372036854775807), created_at, id {bytewise})
                        > (:priority, :expiresAt, :createdAt, :id))
                ORDER BY priority, COALESCE(expires_at, 9223372036854775807), created_at, id {bytewise} LIMIT :limit
            ) AS live
            UNION ALL
            SELECT * FROM (
                SELECT * FROM lots
                WHERE account_id = :account AND remaining = 0 AND held = 0
                    AND (:spentFromStart OR (created_at, id {bytewise}) < (:createdAt, :id))
                ORDER BY created_at DESC, id {bytewise} DESC LIMIT :limit
            ) AS spent
            """
        )
        static let lot = Statement("lots.lot", "SELECT * FROM lots WHERE id = :id AND account_id = :account")
        /// A purchase's lot: the first made for it.
        static let lotOfPurchase = Statement(
            "lots.lotOfPurchase",
            """
            SELECT * FROM lots WHERE account_id = :account AND source_id = :purchase AND source IN ('purchase', 'recharge')
            ORDER BY created_at, id {bytewise} LIMIT 1
            """
        )
        static let nextExpiry = Statement(
            "lots.nextExpiry",
            """
            SELECT expires_at, CAST(SUM(remaining) AS BIGINT) AS credits FROM lots
            WHERE account_id = :account AND has_remaining AND expires_at IS NOT NULL
            GROUP BY expires_at ORDER BY expires_at LIMIT 1
            """
        )
        /// Lots whose expiry comes after `at` and by `before`, not announced yet.
        static let expiring = Statement(
            "lots.expiring",
            """
            SELECT * FROM lots WHERE has_remaining AND expires_at IS NOT NULL AND expires_at > :at AND expires_at <= :before
                AND expiry_noticed_at IS NULL
            ORDER BY expires_at, id {bytewise} LIMIT :limit
            """
        )
        static let refund = Statement("lots.refund", "SELECT * FROM refunds WHERE id = :id AND account_id = :account")
        static let refundsOfPurchase = Statement(
            "lots.refundsOfPurchase",
            "SELECT * FROM refunds WHERE account_id = :account AND purchase_id = :purchase ORDER BY created_at, id {bytewise}"
        )

        static let all = [
            insert, record, shift, spendable, heldByHold, held, expiredCredits, expiryWritten, insertRefund, settleRefund,
            addRefunded, insertAdjustment, noticeExpiry, page, lot, lotOfPurchase, nextExpiry, expiring, refund,
            refundsOfPurchase,
        ]

        static func insertValues(_ lot: NewLot, credits: Credits, account: AccountID, at: Date) -> KeyValuePairs<String, SQLValue> {
            [
                "id": .text(lot.id.rawValue), "account": .text(account.rawValue), "source": .text(lot.source.rawValue),
                "sourceID": .text(lot.sourceID), "credits": .integer(credits.thousandths), "costCents": .integer(lot.costCents),
                "expiresAt": .integer(lot.expiresAt?.storedMilliseconds), "priority": .integer(lot.priority),
                "reason": .text(lot.reason), "createdBy": .text(lot.createdBy), "at": .integer(at.storedMilliseconds),
            ]
        }

        static func recordValues(
            _ movement: LotMovement,
            entry: String,
            hold: HoldID?,
            account: AccountID
        ) -> KeyValuePairs<String, SQLValue> {
            [
                "entry": .text(entry), "lot": .text(movement.lot.rawValue), "account": .text(account.rawValue),
                "hold": .text(hold?.rawValue), "available": .integer(movement.available.thousandths),
                "held": .integer(movement.held.thousandths),
            ]
        }

        /// The values of `shift` for `movement`: `whole` as `shift` says, and `unexpiredAt`
        /// the time by which the lot's expiry must not have come, if any.
        static func shiftValues(
            _ movement: LotMovement,
            account: AccountID,
            whole: Bool = false,
            unexpiredAt: Date? = nil
        ) -> KeyValuePairs<String, SQLValue> {
            [
                "lot": .text(movement.lot.rawValue), "account": .text(account.rawValue),
                "available": .integer(movement.available.thousandths), "held": .integer(movement.held.thousandths),
                "whole": .boolean(whole), "unexpired": .boolean(unexpiredAt != nil),
                "at": .integer(unexpiredAt?.storedMilliseconds),
            ]
        }

        static func refundValues(_ refund: Refund, account: AccountID) -> KeyValuePairs<String, SQLValue> {
            [
                "id": .text(refund.id.rawValue), "account": .text(account.rawValue), "purchase": .text(refund.purchaseID.rawValue),
                "lot": .text(refund.lotID.rawValue), "credits": .integer(refund.credits.thousandths),
                "amountCents": .integer(refund.amount.cents), "status": .text(refund.status.rawValue),
                "reference": .text(refund.gatewayReference), "reason": .text(refund.failureReason),
                "createdAt": .integer(refund.createdAt.storedMilliseconds),
            ]
        }

        static func adjustmentValues(_ adjustment: Adjustment, account: AccountID) -> KeyValuePairs<String, SQLValue> {
            [
                "id": .text(adjustment.id), "account": .text(account.rawValue), "credits": .integer(adjustment.credits.thousandths),
                "reason": .text(adjustment.reason), "createdBy": .text(adjustment.createdBy),
                "createdAt": .integer(adjustment.createdAt.storedMilliseconds),
            ]
        }

        /// The values of `page` for the page after `after` (from the start when `nil`).
        static func pageValues(account: AccountID, limit: Int, after: LotCursor?) -> KeyValuePairs<String, SQLValue> {
            [
                "account": .text(account.rawValue), "inLive": .boolean(after?.hasCredits ?? true),
                "fromStart": .boolean(after == nil), "spentFromStart": .boolean(after?.hasCredits != false),
                "priority": .integer(after?.priority ?? 0), "expiresAt": .integer(after?.expiresAt ?? Int64.max),
                "createdAt": .integer(after?.createdAt ?? 0), "id": .text(after?.id.rawValue ?? ""), "limit": .integer(limit),
            ]
        }

        /// The lots `page` read, in its order: those with credits left in draw order, then
        /// the spent ones newest first; the first `limit`.
        static func page(_ lots: [CreditLot], limit: Int) -> [CreditLot] {
            let live = lots.filter { $0.remaining > .zero || $0.held > .zero }
                .sorted { LotOrder.drawsFirst($0.position, $1.position) }
            let spent = lots.filter { $0.remaining == .zero && $0.held == .zero }
                .sorted { ($0.createdAt, $0.id.rawValue) > ($1.createdAt, $1.id.rawValue) }
            return Array((live + spent).prefix(limit))
        }
    }
}

extension Statements {
    /// The checks `verifyLots` runs, the same statements on both engines: the wallets,
    /// the lots and the ledger entries whose figures disagree with what they add up to,
    /// then the two about expiry.
    enum LotChecks {
        /// The three that add figures up, in one statement so that all of them read one
        /// snapshot: the wallets whose spendable or held credits differ from their lots',
        /// the lots whose figures differ from what their movements add up to (or are below
        /// zero), then the ledger entries whose lot movements do not add up to what they
        /// moved; each by id, by bytes.
        static let sums = Statement(
            "lotChecks.sums",
            """
            SELECT * FROM (
                SELECT 0 AS part, w.account_id AS subject, w.available AS figure_available, w.held AS figure_held,
                    CAST(COALESCE(SUM(l.remaining), 0) AS BIGINT) AS sum_available,
                    CAST(COALESCE(SUM(l.held), 0) AS BIGINT) AS sum_held
                FROM wallets w LEFT JOIN lots l ON l.account_id = w.account_id
                GROUP BY w.account_id, w.available, w.held
                HAVING w.available <> COALESCE(SUM(l.remaining), 0) OR w.held <> COALESCE(SUM(l.held), 0)
                UNION ALL
                SELECT 1, l.id, l.remaining, l.held, CAST(COALESCE(SUM(m.available), 0) AS BIGINT),
                    CAST(COALESCE(SUM(m.held), 0) AS BIGINT)
                FROM lots l LEFT JOIN ledger_lots m ON m.account_id = l.account_id AND m.lot_id = l.id
                GROUP BY l.account_id, l.id, l.remaining, l.held
                HAVING l.remaining <> COALESCE(SUM(m.available), 0) OR l.held <> COALESCE(SUM(m.held), 0)
                    OR l.remaining < 0 OR l.held < 0
                UNION ALL
                SELECT 2, e.id, e.available, e.held, CAST(SUM(m.available) AS BIGINT), CAST(SUM(m.held) AS BIGINT)
                FROM ledger e JOIN ledger_lots m ON m.account_id = e.account_id AND m.ledger_id = e.id
                GROUP BY e.account_id, e.id, e.available, e.held
                HAVING e.available <> SUM(m.available) OR e.held <> SUM(m.held)
            ) AS problems
            ORDER BY part, subject {bytewise}
            """
        )
        /// Movements that drew spendable credits of a lot at or after its expiry, other than
        /// its expiry. They read only what is never changed once written.
        static let drawsAfterExpiry = Statement(
            "lotChecks.drawsAfterExpiry",
            """
            SELECT m.ledger_id AS entry, m.lot_id AS lot, -m.available AS credits, l.expires_at, e.created_at
            FROM ledger_lots m
            JOIN ledger e ON e.account_id = m.account_id AND e.id = m.ledger_id
            JOIN lots l ON l.account_id = m.account_id AND l.id = m.lot_id
            WHERE m.available < 0 AND e.kind <> 'expiry' AND l.expires_at IS NOT NULL AND e.created_at >= l.expires_at
            ORDER BY m.ledger_id {bytewise}, m.lot_id {bytewise}
            """
        )
        /// Lots expired more than once: a lot has one `expiry` entry of its own (naming no
        /// hold), and one more for each hold that gave credits back to it after it expired.
        static let repeatedExpiries = Statement(
            "lotChecks.repeatedExpiries",
            """
            SELECT m.lot_id AS lot, m.hold_id AS hold, COUNT(*) AS times
            FROM ledger_lots m JOIN ledger e ON e.account_id = m.account_id AND e.id = m.ledger_id
            WHERE e.kind = 'expiry'
            GROUP BY m.account_id, m.lot_id, m.hold_id HAVING COUNT(*) > 1
            ORDER BY m.lot_id {bytewise}, m.hold_id {bytewise} NULLS FIRST
            """
        )

        static let all = [sums, drawsAfterExpiry, repeatedExpiries]

        /// A row of `sums`, as the problem it shows.
        static func sumProblem(_ row: some StoreRow) throws -> String {
            let subject = try row.text("subject")
            let figures = (Credits(thousandths: try row.integer("figure_available")), Credits(thousandths: try row.integer("figure_held")))
            let sums = (Credits(thousandths: try row.integer("sum_available")), Credits(thousandths: try row.integer("sum_held")))
            switch try row.integer("part") {
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

        /// A row of `drawsAfterExpiry`, as the problem it shows.
        static func drawAfterExpiryProblem(_ row: some StoreRow) throws -> String {
            let (entry, lot) = (try row.text("entry"), try row.text("lot"))
            let credits = Credits(thousandths: try row.integer("credits"))
            let (at, expiresAt) = (try row.date("created_at"), try row.date("expires_at"))
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return "ledger entry \(entry) drew \(credits) credits from lot \(lot) at \(formatter.string(from: at)), "
                + "after it expired at \(formatter.string(from: expiresAt))"
        }

        /// A row of `repeatedExpiries`, as the problem it shows.
        static func repeatedExpiryProblem(_ row: some StoreRow) throws -> String {
            let (lot, hold, times) = (try row.text("lot"), try row.optionalText("hold"), try row.integer("times"))
            return "lot \(lot) expired \(times) times" + (hold.map { " with the credits hold \($0) gave back" } ?? "")
        }
    }
}

extension LotPosition {
    /// A row of `spendable`, `heldByHold` or `held`: a lot's place in draw order and the
    /// credits it offers.
    init(_ row: some StoreRow) throws {
        self.init(
            id: LotID(try row.text("id")),
            priority: Int(try row.integer("priority")),
            expiresAt: try row.optionalInteger("expires_at"),
            createdAt: try row.integer("created_at"),
            remaining: Credits(thousandths: try row.integer("offered"))
        )
    }
}
