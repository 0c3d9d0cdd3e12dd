import Foundation
import Logging
import PostgresNIO
import TallyCore

extension PostgresStore {
    // MARK: Records of a wallet transaction

    /// Writes one record of a wallet transaction, inside its open transaction.
    static func write(
        _ record: WalletRecord,
        account: AccountID,
        at: Date,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        switch record {
        case .purchase(let purchase):
            try await connection.run(insert(purchase), logger)
        case .refund, .settleRefund, .adjustment, .expiryNotice:
            try await writeLotRecord(record, account: account, at: at, connection, logger)
        case .providerEventApplied, .reversal, .closeReversal:
            try await writeProviderRecord(record, account: account, at: at, connection, logger)
        case .hold(let hold):
            _ = try await connection.rows(Statements.Metering.addHold, Statements.Metering.holdValues(hold), logger)
        case .settleHold(let id, let status, let captured):
            let settled = try await connection.rows(
                Statements.Metering.settleHold,
                Statements.Metering.settleValues(id, status: status, captured: captured, account: account, at: at),
                logger
            )
            guard settled.count == 1 else { throw StoreError.conflict("hold \(id) is no longer active") }
        case .usage(let entry):
            try await insert(entry, connection, logger)
        case .heldUsage(let usage):
            _ = try await connection.rows(
                Statements.Metering.addToRollup,
                Statements.Metering.rollupValues(
                    account: account,
                    day: usage.day,
                    feature: UsageFeature.held(usage.feature).stored,
                    credits: usage.credits
                ),
                logger
            )
        case .notification(let notification):
            try await connection.run(insert(notification), logger)
        case .notificationOnce(let notification):
            try await connection.run(insert(notification, once: true), logger)
        case .recharge(let update):
            try await settle(update, account: account, at: at, connection, logger)
        case .settlePaymentIntent(let id):
            let settled = try await connection.rows(
                Statements.Providers.settlePaymentIntent,
                ["at": .integer(at.storedMilliseconds), "purchase": .text(id.rawValue), "account": .text(account.rawValue)],
                logger
            )
            guard settled.count == 1 else { throw StoreError.conflict("payment \(id) is settled already") }
        case .savePaymentMethod(let method, let maximum):
            _ = try await savePaymentMethod(method, maximum: maximum, connection, logger)
        case .smsSend(let send):
            _ = try await connection.rows(Statements.Messages.add, try Statements.Messages.addValues(send), logger)
        case .settleSMS(let id):
            let settled = try await connection.rows(
                Statements.Messages.settle,
                ["at": .integer(at.storedMilliseconds), "hold": .text(id.rawValue), "account": .text(account.rawValue)],
                logger
            )
            guard settled.count == 1 else { throw StoreError.conflict("message \(id) is settled already") }
        }
    }

    static func insert(_ entry: UsageLogEntry, _ connection: PostgresConnection, _ logger: Logger) async throws {
        _ = try await connection.rows(UsageLineStatement(entry), logger)
    }

    /// A log line in one statement, one round trip. The line names its contact (see
    /// `PostgresMigrations.logContacts`), added the first time it is seen; a contact added
    /// by a transaction still open is waited for, then found by the upsert. A log's totals
    /// read the day counts and reports read the rollups (a charged line only), both kept in
    /// the same transaction as the line.
    struct UsageLineStatement: PreparedStatement {
        static let sql = """
            WITH known AS (
                SELECT id FROM usage_log_contacts WHERE account_id = $2 AND md5(text) = md5($21) AND text = $21
            ), added AS (
                INSERT INTO usage_log_contacts (account_id, text)
                SELECT $2, $21 WHERE $21 IS NOT NULL AND NOT EXISTS (SELECT 1 FROM known)
                ON CONFLICT (account_id, md5(text)) DO UPDATE SET text = usage_log_contacts.text
                RETURNING id
            ), counted AS (
                INSERT INTO usage_log_days (account_id, log, day, status, lines, credits)
                VALUES ($2, $4, $8, $5, 1, $6)
                ON CONFLICT (account_id, log, day, status)
                DO UPDATE SET lines = usage_log_days.lines + 1, credits = usage_log_days.credits + excluded.credits
            ), rolled AS (
                INSERT INTO usage_rollups (account_id, day, feature, uses, credits)
                SELECT $2, $8, $3, 1, $6 WHERE $6 > 0
                ON CONFLICT (account_id, day, feature)
                DO UPDATE SET uses = usage_rollups.uses + 1, credits = usage_rollups.credits + excluded.credits
            )
            INSERT INTO usage_log (id, account_id, feature, log, status, credits, total_credits, day, created_at,
                contact_name, contact_email, phone, email, iso, segments, encoding, event, credit_score, dti_percent,
                reason, contact_id, sent_at, carrier_segments, line_type)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
                (SELECT id FROM known UNION ALL SELECT id FROM added LIMIT 1), $22, $23, $24)
            """
        static let bindingDataTypes: [PostgresDataType] = [
            .text, .text, .text, .text, .text, .int8, .int8, .text, .int8, .text, .text, .text, .text, .text, .int8,
            .text, .text, .int8, .int8, .text, .text, .int8, .int8, .text,
        ]
        var bindings = PostgresBindings(capacity: 24)

        init(_ entry: UsageLogEntry) {
            bindings.append(entry.id)
            bindings.append(entry.accountID.rawValue)
            bindings.append(entry.feature.rawValue)
            bindings.append(entry.log.rawValue)
            bindings.append(entry.status.rawValue)
            bindings.append(entry.credits.thousandths)
            bindings.append(entry.totalCredits?.thousandths)
            bindings.append(entry.day)
            bindings.append(entry.createdAt.storedMilliseconds)
            bindings.append(entry.contactName)
            bindings.append(entry.contactEmail)
            bindings.append(entry.phone)
            bindings.append(entry.email)
            bindings.append(entry.iso)
            bindings.append(entry.segments)
            bindings.append(entry.encoding)
            bindings.append(entry.event)
            bindings.append(entry.creditScore)
            bindings.append(entry.dtiPercent)
            bindings.append(entry.reason)
            bindings.append(entry.contactText)
            bindings.append(entry.sentAt?.storedMilliseconds)
            bindings.append(entry.carrierSegments)
            bindings.append(entry.lineType)
        }
    }

    /// Writes a notification and, in the same statement, its delivery to every live
    /// webhook of the account: the outbox a restart resumes from. (The deliveries'
    /// foreign key is checked at the end of the statement, after the notification.) `once`:
    /// nothing is written when a notification with its id is written already.
    static func insert(_ notification: Notification, once: Bool = false) -> PostgresQuery {
        let conflict = once ? "ON CONFLICT DO NOTHING" : ""
        return """
            WITH notification AS (
                INSERT INTO notifications (id, account_id, kind, message, data, created_at)
                VALUES (\(notification.id), \(notification.accountID.rawValue), \(notification.kind.rawValue),
                    \(notification.message), \(notification.data), \(notification.createdAt.storedMilliseconds))
                \(unescaped: conflict)
                RETURNING id, account_id, created_at
            )
            INSERT INTO webhook_deliveries (id, account_id, webhook_id, notification_id, status, next_attempt_at, created_at)
            SELECT 'dlv_' || n.id || '_' || w.id, n.account_id, w.id, n.id, 'pending', n.created_at, n.created_at
            FROM notification n JOIN webhooks w ON w.account_id = n.account_id AND w.deleted_at IS NULL
            ORDER BY w.created_at, w.id COLLATE "C"
            """
    }

    /// Counts the request against the usage guard's sliding window (`UsageGuardRule`),
    /// inside the transaction that holds its price. Exact across processes: the guard
    /// row's lock makes concurrent requests of the account take turns until each commits
    /// or rolls back, and under READ COMMITTED each statement after the lock sees the
    /// requests of the turns before.
    static func admitGuardedRequest(
        _ account: AccountID,
        at: Date,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        let settings = try await connection.rows(Statements.UsageGuard.settingsLocked, ["account": .text(account.rawValue)], logger)
            .first.map(UsageGuardSettings.init)
        guard let settings, let start = try UsageGuardRule.windowStart(settings, at: at) else { return }
        let window: KeyValuePairs<String, SQLValue> = [
            "account": .text(account.rawValue), "windowStart": .integer(start.storedMilliseconds),
        ]
        _ = try await connection.rows(Statements.UsageGuard.forgetBefore, window, logger)
        let requests = try await connection.rows(Statements.UsageGuard.countSince, window, logger).first?.integer("requests") ?? 0
        try UsageGuardRule.admit(settings, requestsInWindow: Int(requests))
        _ = try await connection.rows(
            Statements.UsageGuard.count,
            ["account": .text(account.rawValue), "at": .integer(at.storedMilliseconds)],
            logger
        )
    }

    // MARK: Reads and settings

    public func usageGuard(account: AccountID) async throws -> UsageGuardSettings {
        try await rows(Statements.UsageGuard.settings, ["account": .text(account.rawValue)]).first.map(UsageGuardSettings.init) ?? .off
    }

    public func pauseUsageGuard(account: AccountID, at: Date, notification: Notification) async throws -> Bool {
        try await transaction { connection in
            let paused = try await connection.rows(
                Statements.UsageGuard.pause,
                ["at": .integer(at.storedMilliseconds), "account": .text(account.rawValue)],
                logger
            )
            guard paused.count == 1 else { return false }
            try await connection.run(Self.insert(notification), logger)
            return true
        }
    }

    public func resumeUsageGuard(account: AccountID, at: Date, notification: Notification) async throws -> Bool {
        try await transaction { connection in
            let resumed = try await connection.rows(Statements.UsageGuard.resume, ["account": .text(account.rawValue)], logger)
            guard resumed.count == 1 else { return false }
            _ = try await connection.rows(Statements.UsageGuard.forgetAll, ["account": .text(account.rawValue)], logger)
            try await connection.run(Self.insert(notification), logger)
            return true
        }
    }

    // MARK: Rows

    /// A column of `usage_log` that a log's pages and exports read.
    enum LogColumn: String {
        case id, feature, status, credits
        case createdAt = "created_at"
        case contactName = "contact_name"
        case contactEmail = "contact_email"
        case phone, email, iso, segments, event
        case creditScore = "credit_score"
        case dtiPercent = "dti_percent"
        case reason
        case totalCredits = "total_credits"
        case sentAt = "sent_at"
        case carrierSegments = "carrier_segments"
        case lineType = "line_type"
    }

    /// What a log's page and export show of a line, and what that is built from: its
    /// lines are read with these columns only, as every cell costs the client more than
    /// its row (an email line is seven cells, not nineteen). The rest of the entry stays
    /// empty; the account is the query's, and the day is the Pacific day of the time.
    static func logColumns(_ log: FeatureLog) -> [LogColumn] {
        let shared: [LogColumn] = [.id, .feature, .status, .credits, .createdAt]
        switch log {
        case .sms: return shared + [.contactEmail, .phone, .iso, .segments, .event, .sentAt, .carrierSegments]
        case .emailValidation: return shared + [.contactName, .email]
        case .phoneValidation: return shared + [.contactName, .phone, .iso, .lineType]
        case .creditChecks: return shared + [.contactName, .phone, .creditScore, .dtiPercent, .reason, .totalCredits]
        }
    }

    /// A line read by position from `columns` (what `logColumns` gives its log).
    static func usageLogEntry(_ row: PostgresRow, columns: [LogColumn], account: AccountID, feature: Feature) throws -> UsageLogEntry {
        var entry = UsageLogEntry(
            id: "",
            accountID: account,
            feature: feature,
            status: .pending,
            credits: .zero,
            day: "",
            createdAt: Date(timeIntervalSince1970: 0)
        )
        var cells = PostgresCells(row)
        for column in columns {
            switch column {
            case .id: entry.id = try cells.next()
            case .feature: entry.feature = Feature(rawValue: try cells.next(String.self)) ?? feature
            case .status: entry.status = try UsageResult(stored: cells.next(), column: "status")
            case .credits: entry.credits = Credits(thousandths: try cells.next())
            case .createdAt: entry.createdAt = Date(storedMilliseconds: try cells.next())
            case .contactName: entry.contactName = try cells.next()
            case .contactEmail: entry.contactEmail = try cells.next()
            case .phone: entry.phone = try cells.next()
            case .email: entry.email = try cells.next()
            case .iso: entry.iso = try cells.next()
            case .segments: entry.segments = try cells.next()
            case .event: entry.event = try cells.next()
            case .creditScore: entry.creditScore = try cells.next()
            case .dtiPercent: entry.dtiPercent = try cells.next()
            case .reason: entry.reason = try cells.next()
            case .totalCredits: entry.totalCredits = try cells.next(Int64?.self).map(Credits.init(thousandths:))
            case .sentAt: entry.sentAt = try cells.next(Int64?.self).map(Date.init(storedMilliseconds:))
            case .carrierSegments: entry.carrierSegments = try cells.next()
            case .lineType: entry.lineType = try cells.next()
            }
        }
        entry.day = PacificDay.of(entry.createdAt)
        return entry
    }
}
