import PostgresNIO
import TallyCore

extension PostgresStore: UsageLoading {
    /// Lines a statement inserts: 21 binds each, under PostgreSQL's 65,535.
    static let linesPerInsert = 2_000

    public func loadUsage(_ lines: [UsageLogEntry]) async throws {
        try await transaction { connection in
            var start = lines.startIndex
            while start < lines.endIndex {
                let end = min(start + Self.linesPerInsert, lines.endIndex)
                let chunk = lines[start..<end]
                let (accounts, texts) = Self.contacts(chunk)
                // Every contact of the chunk with its id, added or found: the no-op
                // update makes the upsert return the rows it found too.
                var ids = [[String]: Int64]()
                for row in try await connection.rows(
                    """
                    INSERT INTO usage_log_contacts (account_id, text)
                    SELECT account, text FROM unnest(\(accounts)::TEXT[], \(texts)::TEXT[]) AS added(account, text)
                    ON CONFLICT (account_id, md5(text)) DO UPDATE SET text = usage_log_contacts.text
                    RETURNING id, account_id, text
                    """,
                    logger
                ) {
                    var cells = PostgresCells(row)
                    let id: Int64 = try cells.next()
                    ids[[try cells.next(), try cells.next()]] = id
                }
                try await connection.query(Self.insertLines(chunk, contacts: ids), logger: logger)
                start = end
            }
            let tallies = UsageTallies(lines)
            for (key, sum) in tallies.days {
                try await connection.run(
                    """
                    INSERT INTO usage_log_days (account_id, log, day, status, lines, credits)
                    VALUES (\(key.account), \(key.log), \(key.day), \(key.status), \(sum.lines), \(sum.credits))
                    ON CONFLICT (account_id, log, day, status) DO UPDATE
                    SET lines = usage_log_days.lines + excluded.lines, credits = usage_log_days.credits + excluded.credits
                    """,
                    logger
                )
            }
            for (key, sum) in tallies.rollups {
                try await connection.run(
                    """
                    INSERT INTO usage_rollups (account_id, day, feature, uses, credits)
                    VALUES (\(key.account), \(key.day), \(key.feature), \(sum.uses), \(sum.credits))
                    ON CONFLICT (account_id, day, feature) DO UPDATE
                    SET uses = usage_rollups.uses + excluded.uses, credits = usage_rollups.credits + excluded.credits
                    """,
                    logger
                )
            }
        }
    }

    public func settleLoad() async throws {
        for table in ["usage_log", "usage_log_contacts", "usage_log_days", "usage_rollups"] {
            _ = try await rows(PostgresQuery(unsafeSQL: "VACUUM ANALYZE \(table)"))
        }
    }

    /// The distinct contacts of `lines`: their accounts and texts, in two arrays.
    static func contacts(_ lines: ArraySlice<UsageLogEntry>) -> (accounts: [String], texts: [String]) {
        var accounts = [String]()
        var texts = [String]()
        var seen = Set<[String]>()
        for line in lines {
            guard let text = line.contactText, seen.insert([line.accountID.rawValue, text]).inserted else { continue }
            accounts.append(line.accountID.rawValue)
            texts.append(text)
        }
        return (accounts, texts)
    }

    /// One multi-row INSERT of `lines`, every value bound, each naming its contact (ids
    /// by account and text).
    static func insertLines(_ lines: ArraySlice<UsageLogEntry>, contacts: [[String]: Int64]) -> PostgresQuery {
        var statement = PostgresStatement()
        statement.append(
            """
            INSERT INTO usage_log (id, account_id, feature, log, status, credits, total_credits, day, created_at,
                contact_name, contact_email, phone, email, iso, segments, encoding, event, credit_score, dti_percent,
                reason, contact_id) VALUES\u{20}
            """
        )
        for (index, line) in lines.enumerated() {
            let values = [
                statement.bind(line.id), statement.bind(line.accountID.rawValue), statement.bind(line.feature.rawValue),
                statement.bind(line.log.rawValue), statement.bind(line.status.rawValue), statement.bind(line.credits.thousandths),
                statement.bind(line.totalCredits?.thousandths), statement.bind(line.day),
                statement.bind(line.createdAt.storedMilliseconds), statement.bind(line.contactName),
                statement.bind(line.contactEmail), statement.bind(line.phone), statement.bind(line.email),
                statement.bind(line.iso), statement.bind(line.segments), statement.bind(line.encoding),
                statement.bind(line.event), statement.bind(line.creditScore), statement.bind(line.dtiPercent),
                statement.bind(line.reason),
                statement.bind(line.contactText.flatMap { contacts[[line.accountID.rawValue, $0]] }),
            ]
            statement.append((index == 0 ? "(" : ", (") + values.joined(separator: ", ") + ")")
        }
        return statement.query
    }
}
