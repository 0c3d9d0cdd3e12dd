import Foundation
import GRDB
import TallyCore

/// Reports and logs: reads only, each served by one index range.
extension SQLiteStore {
    public func usageByDay(account: AccountID, range: PacificDateRange) async throws -> [DayUsage] {
        try await pool.read { db in
            // By position, from a cursor (no copy of each row): a five-year report reads thousands.
            try Array(
                Row.fetchCursor(
                    db,
                    sql: """
                        SELECT day, feature, uses, credits FROM usage_rollups
                        WHERE account_id = ? AND day >= ? AND day <= ? ORDER BY day, feature
                        """,
                    arguments: [account.rawValue, range.from.description, range.to.description]
                ).compactMap { row in
                    UsageFeature(stored: row[1]).map {
                        DayUsage(day: row[0], feature: $0, uses: row[2], credits: Credits(thousandths: row[3]))
                    }
                }
            )
        }
    }

    public func logLines(account: AccountID, query: LogQuery) async throws -> [UsageLogEntry] {
        try await pool.read { db in
            let source = try Self.searchedLines(account: account, query: query, db)
            var sql: SQL = "SELECT \(sql: Self.usageLogColumns) FROM "
            sql += source.table
            sql += " WHERE "
            sql += source.condition
            sql += Self.logFilter(account: account, query: query, after: query.after)
            sql += " ORDER BY created_at DESC, id DESC LIMIT \(query.limit)"
            // A cursor decodes each row straight from the statement, with no copy of the row.
            return try Array(
                SQLRequest<Row>(literal: sql).fetchCursor(db).map { try Self.usageLogEntry($0, feature: query.log.features[0]) }
            )
        }
    }

    public func logSummary(account: AccountID, query: LogQuery) async throws -> LogSummary {
        try await pool.read { db in
            guard !query.isCountedByDay else { return try Self.daySummary(account: account, query: query, db) }
            var sql: SQL = """
                SELECT COUNT(*) AS lines, COALESCE(SUM(credits), 0) AS credits,
                    COALESCE(SUM(status = \(FeatureLog.sentResult.rawValue)), 0) AS sent
                FROM\u{20}
                """
            let source = try Self.searchedLines(account: account, query: query, db)
            sql += source.table
            sql += " WHERE "
            sql += source.condition
            sql += Self.logFilter(account: account, query: query)
            return try Self.summary(try SQLRequest<Row>(literal: sql).fetchOne(db))
        }
    }

    /// A log's totals from its per-day counts, without reading the log: the search aside.
    static func daySummary(account: AccountID, query: LogQuery, _ db: Database) throws -> LogSummary {
        var sql: SQL = """
            SELECT COALESCE(SUM(lines), 0) AS lines, COALESCE(SUM(credits), 0) AS credits,
                COALESCE(SUM(CASE WHEN status = \(FeatureLog.sentResult.rawValue) THEN lines ELSE 0 END), 0) AS sent
            FROM usage_log_days
            WHERE account_id = \(account.rawValue) AND log = \(query.log.rawValue)
                AND day >= \(query.range.from.description) AND day <= \(query.range.to.description)
            """
        if let result = query.result { sql += " AND status = \(result.rawValue)" }
        return try summary(try SQLRequest<Row>(literal: sql).fetchOne(db))
    }

    /// Pieces of a search counted up to this many contacts each to find the rarest.
    static let trigramProbe = 5_000

    /// Where a read of a log takes its lines from: a table, and a condition on it (empty,
    /// or ending in `AND`) that `logFilter` follows.
    struct LineSource {
        var table: SQL = "usage_log"
        var condition: SQL = ""
    }

    /// What a read of a log draws its lines from. Without a search, or when the search
    /// matches many contacts, the log's index range, `LIKE` on each line; with a search
    /// matching few, the lines of the contacts it matches, read by key — so finding one
    /// person costs their lines, not the range's. Either way `logFilter` applies the exact
    /// search, field by field.
    ///
    /// The contacts' trigram index is asked cheaply: each three-character piece of the
    /// text is counted up to `trigramProbe` contacts, and the contacts holding the (up
    /// to) three rarest pieces are the candidates — a superset of the matches, found
    /// without reading the long lists of common pieces (every email holds "com"). When
    /// every piece is common, the index's own `LIKE` is asked.
    static func searchedLines(account: AccountID, query: LogQuery, _ db: Database) throws -> LineSource {
        guard let search = query.search, let patterns = search.indexPatterns else { return LineSource() }
        // Each pattern's candidates (the index drives: CROSS JOIN keeps it the outer loop,
        // each candidate one primary-key lookup) narrowed to the account's contacts whose
        // text holds the search.
        var contacts: SQL = ""
        for (index, pattern) in patterns.enumerated() {
            if index > 0 { contacts += " UNION " }
            contacts += """
                SELECT usage_log_contacts.id FROM usage_log_contact_search
                CROSS JOIN usage_log_contacts ON usage_log_contacts.id = usage_log_contact_search.rowid
                WHERE\u{20}
                """
            if let pieces = search.trigrams?[index], let rare = try rarest(pieces, db) {
                contacts += "usage_log_contact_search MATCH \(rare)"
            } else {
                // No ESCAPE clause: the index answers plain LIKE only.
                contacts += "usage_log_contact_search.text LIKE \(pattern)"
            }
            let exact = LogSearch.containsPattern(index == 0 ? search.text : search.digits ?? search.text)
            contacts += """
                 AND usage_log_contacts.account_id = \(account.rawValue)
                    AND usage_log_contacts.text LIKE \(exact) ESCAPE '\\'
                """
        }
        contacts += " LIMIT \(LogQuery.searchContactBudget + 1)"
        let found = try Int64.fetchAll(db, SQLRequest<Int64>(literal: contacts))
        guard found.count <= LogQuery.searchContactBudget else { return LineSource() }
        // The contacts are handed over once, as a JSON array; each is one range of the
        // contact index.
        let list = String(decoding: try JSONEncoder().encode(found), as: UTF8.self)
        return LineSource(
            table: "usage_log INDEXED BY usage_log_contact",
            condition: "contact_id IN (SELECT value FROM json_each(\(list))) AND "
        )
    }

    /// An FTS5 query for the contacts holding the rarest three of `pieces`, or nil when
    /// every piece is in `trigramProbe` contacts or more.
    static func rarest(_ pieces: [String], _ db: Database) throws -> String? {
        var counted = [(piece: String, lines: Int)]()
        for piece in pieces {
            let quoted = "\"" + piece.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            let lines =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM (SELECT 1 FROM usage_log_contact_search WHERE usage_log_contact_search MATCH ? LIMIT ?)
                        """,
                    arguments: [quoted, trigramProbe]
                ) ?? 0
            counted.append((quoted, lines))
        }
        let rare = counted.filter { $0.lines < trigramProbe }.sorted { $0.lines < $1.lines }.prefix(3)
        guard !rare.isEmpty else { return nil }
        return rare.map(\.piece).joined(separator: " AND ")
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
        if let result = query.result { sql += " AND status = \(result.rawValue)" }
        if let lineType = query.lineType { sql += " AND line_type = \(lineType)" }
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
