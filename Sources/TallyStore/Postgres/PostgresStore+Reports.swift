import Foundation
import PostgresNIO
import TallyCore

/// A statement put together from fixed SQL and bound values, for reads whose filters
/// are optional: every value is a bind (`$n`), never text in the SQL.
struct PostgresStatement {
    private(set) var sql = ""
    private(set) var binds = PostgresBindings()

    mutating func append(_ text: String) { sql += text }

    /// Binds `value` and answers its placeholder.
    mutating func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    /// Binds `value`, or NULL, and answers its placeholder.
    mutating func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value?) -> String {
        if let value { binds.append(value) } else { binds.appendNull() }
        return "$\(binds.count)"
    }

    var query: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
}

/// Reports and logs: reads only, each served by one index range.
extension PostgresStore {
    public func usageByDay(account: AccountID, range: PacificDateRange) async throws -> [DayUsage] {
        // Unordered: the report folds the rows by day, and a sort would cost more than the scan.
        try await rows(
            """
            SELECT day, feature, uses, credits FROM usage_rollups
            WHERE account_id = \(account.rawValue) AND day >= \(range.from.description) AND day <= \(range.to.description)
            """
        ).compactMap { row in
            let (day, feature, uses, credits) = try row.decode((String, String, Int64, Int64).self)
            return Feature(rawValue: feature).map {
                DayUsage(day: day, feature: $0, uses: uses, credits: Credits(thousandths: credits))
            }
        }
    }

    public func logLines(account: AccountID, query: LogQuery) async throws -> [UsageLogEntry] {
        var statement = PostgresStatement()
        statement.append("SELECT \(Self.usageLogColumns) FROM usage_log WHERE ")
        Self.logFilter(account: account, query: query, &statement)
        if let after = query.after {
            // Keyset: strictly after the cursor in (created_at DESC, id DESC) order.
            let at = statement.bind(after.createdAtMilliseconds)
            let id = statement.bind(after.id)
            statement.append(" AND (created_at, id) < (\(at), \(id))")
        }
        statement.append(" ORDER BY created_at DESC, id DESC LIMIT \(statement.bind(query.limit))")
        return try await rows(statement.query).map { try Self.usageLogEntry(positional: $0, feature: query.log.features[0]) }
    }

    public func logSummary(account: AccountID, query: LogQuery) async throws -> LogSummary {
        var statement = PostgresStatement()
        let sent = statement.bind(FeatureLog.sentResult)
        if query.search != nil {
            statement.append(
                """
                SELECT COUNT(*)::BIGINT, COALESCE(SUM(credits), 0)::BIGINT,
                    COUNT(*) FILTER (WHERE status = \(sent))::BIGINT
                FROM usage_log WHERE\u{20}
                """
            )
            Self.logFilter(account: account, query: query, &statement)
        } else {
            statement.append(
                """
                SELECT COALESCE(SUM(lines), 0)::BIGINT, COALESCE(SUM(credits), 0)::BIGINT,
                    COALESCE(SUM(lines) FILTER (WHERE status = \(sent)), 0)::BIGINT
                FROM usage_log_days
                WHERE account_id = \(statement.bind(account.rawValue)) AND log = \(statement.bind(query.log.rawValue))
                    AND day >= \(statement.bind(query.range.from.description))
                    AND day <= \(statement.bind(query.range.to.description))
                """
            )
            if let result = query.result { statement.append(" AND status = \(statement.bind(result))") }
        }
        guard let row = try await rows(statement.query).first else { return LogSummary(lines: 0, credits: .zero, sent: 0) }
        let (lines, credits, sentLines) = try row.decode((Int64, Int64, Int64).self)
        return LogSummary(lines: lines, credits: Credits(thousandths: credits), sent: sentLines)
    }

    /// The conditions every read of a log shares: account, log, days, result, search.
    static func logFilter(account: AccountID, query: LogQuery, _ statement: inout PostgresStatement) {
        statement.append(
            """
            account_id = \(statement.bind(account.rawValue)) AND log = \(statement.bind(query.log.rawValue))
                AND created_at >= \(statement.bind(query.range.start.storedMilliseconds))
                AND created_at < \(statement.bind(query.range.end.storedMilliseconds))
            """
        )
        if let result = query.result { statement.append(" AND status = \(statement.bind(result))") }
        if let search = query.search {
            let text = statement.bind(LogSearch.containsPattern(search.text))
            let digits = search.digits.map { statement.bind(LogSearch.containsPattern($0)) }
            // What the trigram index answers (the planner weighs it against the range)...
            statement.append(" AND (\(searchText) LIKE lower(\(text))")
            if let digits { statement.append(" OR \(searchText) LIKE \(digits)") }
            // ...and the exact search, field by field.
            statement.append(
                """
                ) AND (contact_name ILIKE \(text) OR contact_email ILIKE \(text) OR email ILIKE \(text)
                    OR phone ILIKE \(text)
                """
            )
            if let digits { statement.append(" OR phone LIKE \(digits)") }
            statement.append(")")
        }
    }

    /// The text a log line is searched by, lowercased: the expression the trigram index
    /// `usage_log_search` holds. (`||` and `lower` are immutable, as an index needs.)
    static let searchText = """
        lower(coalesce(contact_name, '') || ' ' || coalesce(contact_email, '') || ' ' || coalesce(email, '') || ' '
            || coalesce(phone, ''))
        """
}
