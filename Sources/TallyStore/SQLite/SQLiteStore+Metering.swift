import Foundation
import GRDB
import TallyCore

extension SQLiteStore {
    /// Writes one record of a wallet transaction.
    static func write(_ record: WalletRecord, account: AccountID, at: Date, _ db: Database) throws {
        switch record {
        case .purchase(let purchase):
            try insert(purchase, db)
        case .refund, .settleRefund, .adjustment, .expiryNotice:
            try writeLotRecord(record, account: account, at: at, db)
        case .providerEventApplied, .reversal, .closeReversal:
            try writeProviderRecord(record, account: account, at: at, db)
        case .hold(let hold):
            _ = try rows(Statements.Metering.addHold, Statements.Metering.holdValues(hold), in: db)
        case .settleHold(let id, let status, let captured):
            let settled = try rows(
                Statements.Metering.settleHold,
                Statements.Metering.settleValues(id, status: status, captured: captured, account: account, at: at),
                in: db
            )
            guard settled.count == 1 else { throw StoreError.conflict("hold \(id) is no longer active") }
        case .usage(let entry):
            try insert(entry, db)
        case .heldUsage(let usage):
            try addToRollup(
                account: account,
                day: usage.day,
                feature: UsageFeature.held(usage.feature).stored,
                credits: usage.credits,
                db
            )
        case .notification(let notification):
            try insert(notification, db)
        case .notificationOnce(let notification):
            try insert(notification, db, once: true)
        case .recharge(let update):
            try settle(update, account: account, at: at, db)
        case .settlePaymentIntent(let id):
            let settled = try rows(
                Statements.Providers.settlePaymentIntent,
                ["at": .integer(at.storedMilliseconds), "purchase": .text(id.rawValue), "account": .text(account.rawValue)],
                in: db
            )
            guard settled.count == 1 else { throw StoreError.conflict("payment \(id) is settled already") }
        case .savePaymentMethod(let method, let maximum):
            _ = try savePaymentMethod(method, maximum: maximum, db)
        case .smsSend(let send):
            do {
                _ = try rows(Statements.Messages.add, try Statements.Messages.addValues(send), in: db)
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw StoreError.duplicate(field: "idempotency_key")
            }
        case .settleSMS(let id):
            let settled = try rows(
                Statements.Messages.settle,
                ["at": .integer(at.storedMilliseconds), "hold": .text(id.rawValue), "account": .text(account.rawValue)],
                in: db
            )
            guard settled.count == 1 else { throw StoreError.conflict("message \(id) is settled already") }
        }
    }

    static func insert(_ entry: UsageLogEntry, _ db: Database) throws {
        // Prepared once per connection: every metered request writes these.
        try db.cachedStatement(
            sql: """
                INSERT INTO usage_log (id, account_id, feature, log, status, credits, total_credits, day, created_at,
                    contact_name, contact_email, phone, email, iso, segments, encoding, event, credit_score,
                    dti_percent, reason, contact_id, sent_at, carrier_segments, line_type)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                entry.id, entry.accountID.rawValue, entry.feature.rawValue, entry.log.rawValue, entry.status.rawValue,
                entry.credits.thousandths, entry.totalCredits?.thousandths, entry.day,
                entry.createdAt.storedMilliseconds, entry.contactName, entry.contactEmail, entry.phone, entry.email,
                entry.iso, entry.segments, entry.encoding, entry.event, entry.creditScore, entry.dtiPercent,
                entry.reason, try contact(of: entry, db), entry.sentAt?.storedMilliseconds, entry.carrierSegments,
                entry.lineType,
            ]
        )
        // A log's totals read these counts, kept in the same transaction as the line.
        try db.cachedStatement(
            sql: """
                INSERT INTO usage_log_days (account_id, log, day, status, lines, credits) VALUES (?, ?, ?, ?, 1, ?)
                ON CONFLICT (account_id, log, day, status)
                DO UPDATE SET lines = lines + 1, credits = credits + excluded.credits
                """
        ).execute(
            arguments: [
                entry.accountID.rawValue, entry.log.rawValue, entry.day, entry.status.rawValue, entry.credits.thousandths,
            ]
        )
        // Reports read only the rollups, kept in the same transaction as the charge.
        guard entry.credits.isPositive else { return }
        try addToRollup(account: entry.accountID, day: entry.day, feature: entry.feature.rawValue, credits: entry.credits, db)
    }

    /// One use of `feature` (as `UsageFeature.stored` writes it) on a Pacific day.
    static func addToRollup(account: AccountID, day: String, feature: String, credits: Credits, _ db: Database) throws {
        _ = try rows(
            Statements.Metering.addToRollup,
            Statements.Metering.rollupValues(account: account, day: day, feature: feature, credits: credits),
            in: db
        )
    }

    /// The contact a line is searched by (see `SQLiteMigrations.logContacts`): found, or
    /// added with its place in the trigram index the first time it is seen. Nil for a line
    /// with no name, email or phone.
    static func contact(of entry: UsageLogEntry, _ db: Database) throws -> Int64? {
        guard let text = entry.contactText else { return nil }
        let arguments: StatementArguments = [entry.accountID.rawValue, text]
        let known = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT id FROM usage_log_contacts WHERE account_id = ? AND text = ?"),
            arguments: arguments
        )
        if let known { return known }
        try db.cachedStatement(sql: "INSERT INTO usage_log_contacts (account_id, text) VALUES (?, ?)")
            .execute(arguments: arguments)
        let id = db.lastInsertedRowID
        try db.cachedStatement(sql: "INSERT INTO usage_log_contact_search (rowid, text) VALUES (?, ?)")
            .execute(arguments: [id, text])
        return id
    }

    /// Writes a notification and, in the same transaction, its delivery to every
    /// webhook of the account: the outbox a restart resumes from. `once`: nothing is
    /// written when a notification with its id is written already.
    static func insert(_ notification: Notification, _ db: Database, once: Bool = false) throws {
        try db.execute(
            sql: """
                INSERT INTO notifications (id, account_id, kind, message, data, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """ + (once ? " ON CONFLICT DO NOTHING" : ""),
            arguments: [
                notification.id, notification.accountID.rawValue, notification.kind.rawValue, notification.message,
                notification.data, notification.createdAt.storedMilliseconds,
            ]
        )
        guard db.changesCount == 1 else { return }
        try db.execute(
            sql: """
                INSERT INTO webhook_deliveries (id, webhook_id, notification_id, status, next_attempt_at, created_at)
                SELECT 'dlv_' || ? || '_' || id, id, ?, 'pending', ?, ? FROM webhooks
                WHERE account_id = ? AND deleted_at IS NULL
                """,
            arguments: [
                notification.id, notification.id, notification.createdAt.storedMilliseconds,
                notification.createdAt.storedMilliseconds, notification.accountID.rawValue,
            ]
        )
    }

    /// Counts the request against the usage guard's sliding window (`UsageGuardRule`),
    /// inside the transaction that holds its price: exact, since SQLite has one writer.
    static func admitGuardedRequest(_ account: AccountID, at: Date, _ db: Database) throws {
        guard let settings = try usageGuard(account, db), let start = try UsageGuardRule.windowStart(settings, at: at) else { return }
        let window: KeyValuePairs<String, SQLValue> = [
            "account": .text(account.rawValue), "windowStart": .integer(start.storedMilliseconds),
        ]
        _ = try rows(Statements.UsageGuard.forgetBefore, window, in: db)
        let requests = try rows(Statements.UsageGuard.countSince, window, in: db).first?.integer("requests") ?? 0
        try UsageGuardRule.admit(settings, requestsInWindow: Int(requests))
        _ = try rows(
            Statements.UsageGuard.count,
            ["account": .text(account.rawValue), "at": .integer(at.storedMilliseconds)],
            in: db
        )
    }

    static func usageGuard(_ account: AccountID, _ db: Database) throws -> UsageGuardSettings? {
        try rows(Statements.UsageGuard.settingsLocked, ["account": .text(account.rawValue)], in: db)
            .first.map(UsageGuardSettings.init)
    }

    // MARK: Reads and settings

    /// The columns `usageLogEntry` reads, in its order: rows are read by position,
    /// since a log export reads millions of them.
    static let usageLogColumns = """
        id, account_id, feature, status, credits, day, created_at, contact_name, contact_email, phone, email, iso,
        segments, encoding, event, credit_score, dti_percent, reason, total_credits, sent_at, carrier_segments, line_type
        """

    static func usageLogEntry(_ row: Row, feature: Feature) throws -> UsageLogEntry {
        UsageLogEntry(
            id: row[0],
            accountID: AccountID(row[1]),
            feature: Feature(rawValue: row[2]) ?? feature,
            status: try UsageResult(stored: row[3], column: "status"),
            credits: Credits(thousandths: row[4]),
            day: row[5],
            createdAt: Date(storedMilliseconds: row[6]),
            contactName: row[7],
            contactEmail: row[8],
            phone: row[9],
            email: row[10],
            iso: row[11],
            segments: row[12],
            encoding: row[13],
            event: row[14],
            creditScore: row[15],
            dtiPercent: row[16],
            reason: row[17],
            totalCredits: (row[18] as Int64?).map(Credits.init(thousandths:)),
            sentAt: (row[19] as Int64?).map(Date.init(storedMilliseconds:)),
            carrierSegments: row[20],
            lineType: row[21]
        )
    }

    public func usageGuard(account: AccountID) async throws -> UsageGuardSettings {
        try await pool.read { db in try Self.usageGuard(account, db) ?? .off }
    }

    public func pauseUsageGuard(account: AccountID, at: Date, notification: Notification) async throws -> Bool {
        try await write { db in
            let paused = try Self.rows(
                Statements.UsageGuard.pause,
                ["at": .integer(at.storedMilliseconds), "account": .text(account.rawValue)],
                in: db
            )
            guard paused.count == 1 else { return false }
            try Self.insert(notification, db)
            return true
        }
    }

    public func resumeUsageGuard(account: AccountID, at: Date, notification: Notification) async throws -> Bool {
        try await write { db in
            let resumed = try Self.rows(Statements.UsageGuard.resume, ["account": .text(account.rawValue)], in: db)
            guard resumed.count == 1 else { return false }
            _ = try Self.rows(Statements.UsageGuard.forgetAll, ["account": .text(account.rawValue)], in: db)
            try Self.insert(notification, db)
            return true
        }
    }

}
