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
        // A row per feature holding its days packed in one BYTEA (each day's ten characters,
        // then uses and credits as big-endian 64-bit integers), not a row per day and feature
        // nor arrays: a five-year report is thousands of rollups, and each row, text or array
        // element the client decodes costs more than the scan.
        let rows = try await rows(
            """
            SELECT feature, string_agg(textsend(day) || int8send(uses) || int8send(credits), ''::BYTEA)
            FROM usage_rollups
            WHERE account_id = \(account.rawValue) AND day >= \(range.from.description) AND day <= \(range.to.description)
            GROUP BY feature
            """
        )
        var usage = [DayUsage]()
        for row in rows {
            var cells = PostgresCells(row)
            guard let feature = UsageFeature(stored: try cells.next()) else { continue }
            var packed: ByteBuffer = try cells.next()
            while packed.readableBytes > 0 {
                guard let day = packed.readString(length: PacificDate.textLength),
                    let (uses, credits) = packed.readMultipleIntegers(endianness: .big, as: (Int64, Int64).self)
                else { throw StoreError.conflict("a usage rollup's day is not YYYY-MM-DD") }
                usage.append(DayUsage(day: day, feature: feature, uses: uses, credits: Credits(thousandths: credits)))
            }
        }
        return usage
    }

    public func logLines(account: AccountID, query: LogQuery) async throws -> [UsageLogEntry] {
        let contacts = try await searchedContacts(account: account, query: query)
        var statement = PostgresStatement()
        let columns = Self.logColumns(query.log)
        statement.append("SELECT \(columns.map(\.rawValue).joined(separator: ", ")) FROM usage_log WHERE ")
        Self.logFilter(account: account, query: query, contacts: contacts, &statement)
        if let after = query.after {
            // Keyset: strictly after the cursor in (created_at DESC, id DESC) order.
            let at = statement.bind(after.createdAtMilliseconds)
            let id = statement.bind(after.id)
            statement.append(" AND (created_at, id) < (\(at), \(id))")
        }
        statement.append(" ORDER BY created_at DESC, id DESC LIMIT \(statement.bind(query.limit))")
        return try await rows(statement.query).map {
            try Self.usageLogEntry($0, columns: columns, account: account, feature: query.log.features[0])
        }
    }

    public func logSummary(account: AccountID, query: LogQuery) async throws -> LogSummary {
        var statement = PostgresStatement()
        let sent = statement.bind(FeatureLog.sentResult.rawValue)
        if !query.isCountedByDay {
            let contacts = try await searchedContacts(account: account, query: query)
            statement.append(
                """
                SELECT COUNT(*)::BIGINT, COALESCE(SUM(credits), 0)::BIGINT,
                    COUNT(*) FILTER (WHERE status = \(sent))::BIGINT
                FROM usage_log WHERE\u{20}
                """
            )
            Self.logFilter(account: account, query: query, contacts: contacts, &statement)
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
            if let result = query.result { statement.append(" AND status = \(statement.bind(result.rawValue))") }
        }
        guard let row = try await rows(statement.query).first else { return LogSummary(lines: 0, credits: .zero, sent: 0) }
        let (lines, credits, sentLines) = try row.decode((Int64, Int64, Int64).self)
        return LogSummary(lines: lines, credits: Credits(thousandths: credits), sent: sentLines)
    }

    /// The account's contacts a search matches (their text holds it), found through the
    /// contacts' trigram index; nil when there is no search, when it is too short for the
    /// index, or when it matches more than `LogQuery.searchContactBudget` contacts — then the
    /// range is read instead. A superset of the matching lines' contacts: `logFilter`
    /// still applies the exact search, field by field.
    func searchedContacts(account: AccountID, query: LogQuery) async throws -> [Int64]? {
        guard let search = query.search, search.indexPatterns != nil else { return nil }
        var statement = PostgresStatement()
        let text = statement.bind(LogSearch.containsPattern(search.text))
        statement.append(
            "SELECT id FROM usage_log_contacts WHERE account_id = \(statement.bind(account.rawValue)) AND (text ILIKE \(text)"
        )
        if let digits = search.digits {
            statement.append(" OR text LIKE \(statement.bind(LogSearch.containsPattern(digits)))")
        }
        statement.append(") LIMIT \(statement.bind(LogQuery.searchContactBudget + 1))")
        let found = try await rows(statement.query).map { try $0.decode(Int64.self) }
        return found.count <= LogQuery.searchContactBudget ? found : nil
    }

    /// The conditions every read of a log shares: account, log, days, result, search
    /// (narrowed to `contacts` when the search found them).
    static func logFilter(
        account: AccountID,
        query: LogQuery,
        contacts: [Int64]?,
        _ statement: inout PostgresStatement
    ) {
        statement.append(
            """
            account_id = \(statement.bind(account.rawValue)) AND log = \(statement.bind(query.log.rawValue))
                AND created_at >= \(statement.bind(query.range.start.storedMilliseconds))
                AND created_at < \(statement.bind(query.range.end.storedMilliseconds))
            """
        )
        if let result = query.result { statement.append(" AND status = \(statement.bind(result.rawValue))") }
        if let lineType = query.lineType { statement.append(" AND line_type = \(statement.bind(lineType))") }
        if let search = query.search {
            if let contacts { statement.append(" AND contact_id = ANY(\(statement.bind(contacts)))") }
            let text = statement.bind(LogSearch.containsPattern(search.text))
            let digits = search.digits.map { statement.bind(LogSearch.containsPattern($0)) }
            statement.append(
                """
                 AND (contact_name ILIKE \(text) OR contact_email ILIKE \(text) OR email ILIKE \(text)
                    OR phone ILIKE \(text)
                """
            )
            if let digits { statement.append(" OR phone LIKE \(digits)") }
            statement.append(")")
        }
    }

    /// The text a log line was searched by before contacts, lowercased: the expression
    /// of migration 9's trigram index.
    static let searchText = """
        lower(coalesce(contact_name, '') || ' ' || coalesce(contact_email, '') || ' ' || coalesce(email, '') || ' '
            || coalesce(phone, ''))
        """

    /// The text a line is searched by, as `LogSearch.indexedText` joins it: the non-empty
    /// fields, one space apart; NULL when there is none.
    static let lineSearchText = """
        NULLIF(concat_ws(' ', NULLIF(contact_name, ''), NULLIF(contact_email, ''), NULLIF(email, ''), NULLIF(phone, '')), '')
        """
}
