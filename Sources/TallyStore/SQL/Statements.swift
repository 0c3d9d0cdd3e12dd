import GRDB
import Logging
import PostgresNIO

/// Every statement written once for both engines (``Statement``), by concern. The
/// statements not yet here are still written per engine in `SQLite/` and `Postgres/`.
public enum Statements {
    /// Every shared statement, for the contract test that runs `EXPLAIN` on each on both engines.
    public static let all: [Statement] =
        Logins.all + Lots.all + LotChecks.all + Messages.all + Metering.all + Providers.all
        + Recharges.all + Webhooks.all + UsageGuard.all + Spending.all + Explanations.all + Idempotency.all + Purchases.all
        + Accounts.all
}

extension SQLiteStore {
    /// Runs a shared statement on `db` (in a read or a write) and collects its rows,
    /// through SQLite's statement cache.
    static func rows(_ statement: Statement, _ values: KeyValuePairs<String, SQLValue>, in db: Database) throws -> [Row] {
        try Row.fetchAll(db.cachedStatement(sql: statement.sqlite), arguments: statement.sqliteArguments(values))
    }
}

extension PostgresStore {
    /// Runs a shared statement on a pooled connection and collects its rows, each read by column name.
    func rows(_ statement: Statement, _ values: KeyValuePairs<String, SQLValue>) async throws -> [PostgresRandomAccessRow] {
        try await rows(statement.postgresQuery(values)).map { $0.makeRandomAccess() }
    }
}

extension PostgresConnection {
    /// Runs a shared statement on this connection (in a transaction) and collects its rows.
    func rows(
        _ statement: Statement,
        _ values: KeyValuePairs<String, SQLValue>,
        _ logger: Logger
    ) async throws -> [PostgresRandomAccessRow] {
        try await rows(statement.postgresQuery(values), logger).map { $0.makeRandomAccess() }
    }
}
