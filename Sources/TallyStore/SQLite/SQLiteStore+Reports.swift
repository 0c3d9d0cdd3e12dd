import Foundation
import GRDB
import TallyCore

/// Reports and logs: reads only, each served by one index range.
extension SQLiteStore {
    public func usageByDay(account: AccountID, range: PacificDateRange) async throws -> [DayUsage] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT day, feature, uses, credits FROM usage_rollups
                    WHERE account_id = ? AND day >= ? AND day <= ? ORDER BY day, feature
                    """,
                arguments: [account.rawValue, range.from.description, range.to.description]
            ).compactMap { row in
                // By position: a five-year report reads thousands of rows.
                Feature(rawValue: row[1]).map {
                    DayUsage(day: row[0], feature: $0, uses: row[2], credits: Credits(thousandths: row[3]))
                }
            }
        }
    }

    public func logLines(account: AccountID, query: LogQuery) async throws -> [UsageLogEntry] {
        var sql = SQL(sql: "SELECT \(Self.usageLogColumns) FROM usage_log WHERE ")
        sql += Self.logFilter(account: account, query: query, after: query.after)
        sql += " ORDER BY created_at DESC, id DESC LIMIT \(query.limit)"
        let request = SQLRequest<Row>(literal: sql)
        return try await pool.read { db in
            try request.fetchAll(db).map { Self.usageLogEntry($0, feature: query.log.features[0]) }
        }
    }

    public func logSummary(account: AccountID, query: LogQuery) async throws -> LogSummary {
        guard query.search == nil else {
            var sql: SQL = """
                SELECT COUNT(*) AS lines, COALESCE(SUM(credits), 0) AS credits,
                    COALESCE(SUM(status = \(FeatureLog.sentResult)), 0) AS sent
                FROM usage_log WHERE\u{20}
                """
            sql += Self.logFilter(account: account, query: query)
            let request = SQLRequest<Row>(literal: sql)
            return try await pool.read { db in try Self.summary(try request.fetchOne(db)) }
        }
        var sql: SQL = """
            SELECT COALESCE(SUM(lines), 0) AS lines, COALESCE(SUM(credits), 0) AS credits,
                COALESCE(SUM(CASE WHEN status = \(FeatureLog.sentResult) THEN lines ELSE 0 END), 0) AS sent
            FROM usage_log_days
            WHERE account_id = \(account.rawValue) AND log = \(query.log.rawValue)
                AND day >= \(query.range.from.description) AND day <= \(query.range.to.description)
            """
        if let result = query.result { sql += " AND status = \(result)" }
        let request = SQLRequest<Row>(literal: sql)
        return try await pool.read { db in try Self.summary(try request.fetchOne(db)) }
    }

    static func summary(_ row: Row?) throws -> LogSummary {
        guard let row else { return LogSummary(lines: 0, credits: .zero, sent: 0) }
        return LogSummary(lines: row["lines"], credits: Credits(thousandths: row["credits"]), sent: row["sent"])
    }

    /// The conditions every read of a log shares: account, log, days, result, search.
    /// After a cursor, the range ends at the cursor's time: one upper bound on `created_at`,
    /// so SQLite seeks the index there instead of walking down from the range's end.
    static func logFilter(account: AccountID, query: LogQuery, after: LogCursor? = nil) -> SQL {
        let end = query.range.end.storedMilliseconds - 1
        var sql: SQL = """
            account_id = \(account.rawValue) AND log = \(query.log.rawValue)
                AND created_at >= \(query.range.start.storedMilliseconds)
                AND created_at <= \(min(end, after?.createdAtMilliseconds ?? end))
            """
        if let after {
            // Keyset: strictly after the cursor in (created_at DESC, id DESC) order.
            sql += " AND (created_at < \(after.createdAtMilliseconds) OR id < \(after.id))"
        }
        if let result = query.result { sql += " AND status = \(result)" }
        if let search = query.search {
            // SQLite's LIKE ignores ASCII case.
            let text = LogSearch.containsPattern(search.text)
            sql += """
                 AND (contact_name LIKE \(text) ESCAPE '\\' OR contact_email LIKE \(text) ESCAPE '\\'
                    OR email LIKE \(text) ESCAPE '\\' OR phone LIKE \(text) ESCAPE '\\'
                """
            if let digits = search.digits {
                sql += " OR phone LIKE \(LogSearch.containsPattern(digits)) ESCAPE '\\'"
            }
            sql += ")"
        }
        return sql
    }
}
