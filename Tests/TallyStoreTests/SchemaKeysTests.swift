import Foundation
import PostgresNIO
import TallyTestSupport
import Testing

/// How far the PostgreSQL schema is from distributing by account (Citus, or one
/// database per group of accounts) unchanged: every table carries its account, and every
/// primary key, unique index and foreign key names it, so a row, its uniqueness and its
/// references live on the account's node. `accounts` is distributed by its own `id`.
///
/// The test reads the migrated schema and lists what stands in the way. That list must be
/// exactly `remaining`, which docs/scaling.md explains: a new table or key that a
/// distributed schema could not take fails here, and so does one that was fixed without
/// striking it from the list (and the document).
@Suite struct SchemaKeysTests {
    /// Tables kept whole on every node or on a coordinator: they hold no money and are
    /// read before any account is known (a provider's event is stored before Tally reads
    /// whose it is).
    static let referenceTables: Set<String> = ["login_attempts", "provider_events", "schema_migrations"]

    /// What stands between this schema and distributing it by account today.
    static let remaining: Set<String> = [
        "api_keys: unique index api_keys_key_hash_key (key_hash)",
        "sessions: primary key (token_hash)",
        "users: unique index users_email_key (email)",
    ]

    @Test(.enabled(if: PostgresTestDatabase.serverURL != nil, "needs TALLY_TEST_POSTGRES_URL"))
    func everyKeyNamesItsAccountOrIsListed() async throws {
        let database = try await PostgresTestDatabase.make()
        let found = try await PostgresTestDatabase.withClient(database) { client in try await Self.obstacles(client) }
        let new = found.subtracting(Self.remaining)
        let gone = Self.remaining.subtracting(found)
        #expect(new.isEmpty, "keys a schema distributed by account cannot take: \(new.sorted())")
        #expect(gone.isEmpty, "fixed: strike these from `remaining` and docs/scaling.md: \(gone.sorted())")
    }

    /// Each table without an account, and each primary key, unique index and foreign key
    /// of a distributed table that does not name the table's account column.
    static func obstacles(_ client: PostgresClient) async throws -> Set<String> {
        func keyColumn(_ table: String) -> String { table == "accounts" ? "id" : "account_id" }
        var obstacles = Set<String>()
        var distributed = Set<String>()
        let tables = try await client.query(
            """
            SELECT c.relname::text, EXISTS (
                SELECT 1 FROM pg_attribute a
                WHERE a.attrelid = c.oid AND a.attname = 'account_id' AND a.attnum > 0 AND NOT a.attisdropped
            )
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
            """
        ).collect()
        for row in tables {
            let (table, hasAccount) = try row.decode((String, Bool).self)
            guard !referenceTables.contains(table) else { continue }
            distributed.insert(table)
            if table != "accounts" && !hasAccount { obstacles.insert("\(table): no account_id") }
        }
        let indexes = try await client.query(
            """
            SELECT t.relname::text, i.relname::text, x.indisprimary,
                (SELECT string_agg(a.attname::text, ', ' ORDER BY array_position(x.indkey::int2[], a.attnum))
                    FROM pg_attribute a WHERE a.attrelid = t.oid AND a.attnum = ANY (x.indkey::int2[]))
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = current_schema() AND x.indisunique
            """
        ).collect()
        for row in indexes {
            let (table, index, primary, columns) = try row.decode((String, String, Bool, String?).self)
            guard distributed.contains(table) else { continue }
            let names = (columns ?? "").components(separatedBy: ", ")
            guard !names.contains(keyColumn(table)) else { continue }
            obstacles.insert(primary ? "\(table): primary key (\(columns ?? ""))" : "\(table): unique index \(index) (\(columns ?? ""))")
        }
        let references = try await client.query(
            """
            SELECT t.relname::text, r.relname::text,
                (SELECT string_agg(a.attname::text, ', ' ORDER BY array_position(k.conkey, a.attnum))
                    FROM pg_attribute a WHERE a.attrelid = t.oid AND a.attnum = ANY (k.conkey))
            FROM pg_constraint k
            JOIN pg_class t ON t.oid = k.conrelid
            JOIN pg_class r ON r.oid = k.confrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = current_schema() AND k.contype = 'f'
            """
        ).collect()
        for row in references {
            let (table, target, columns) = try row.decode((String, String, String?).self)
            guard distributed.contains(table), distributed.contains(target) else { continue }
            let names = (columns ?? "").components(separatedBy: ", ")
            // A reference by the account itself (to `accounts`, or naming `account_id`)
            // stays on the account's node.
            guard !names.contains(keyColumn(table)) else { continue }
            obstacles.insert("\(table): foreign key (\(columns ?? "")) → \(target)")
        }
        return obstacles
    }
}
