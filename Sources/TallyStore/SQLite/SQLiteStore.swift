import Foundation
import GRDB
import TallyCore

/// The embedded store: one SQLite file in WAL mode with `synchronous=FULL`, so an
/// acknowledged charge survives a power cut. All writes go through GRDB's one
/// serial writer; reads run concurrently beside it.
public final class SQLiteStore: Store {
    let pool: DatabasePool
    let writer: SQLiteWriter
    let quick: SQLiteQuickReaders

    /// Opens (creating when missing) the SQLite file at `path`.
    public init(path: String) throws {
        var configuration = Configuration()
        // The CLI (`tally verify`) may open the same file while a server runs.
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Reports and exports read far more pages than charges: map the file (up to
            // 1 GiB) rather than copy each page through a read call, and cache 64 MiB.
            try db.execute(sql: "PRAGMA mmap_size = 1073741824")
            try db.execute(sql: "PRAGMA cache_size = -65536")
            // Statement journals and sorts in memory, not a temporary file opened (and
            // written, and closed) for a statement of nearly every charge.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        // Opening a pool in WAL mode sets `synchronous = NORMAL` after `prepareDatabase`
        // (GRDB's choice for most apps): a commit would then reach the disk only at the
        // next checkpoint, and a power cut could take back credits already answered.
        // Every commit goes through the one writer connection; it syncs each one. It reads
        // the pages it changes through the page cache, not a mapping of the file, which
        // would be remade (and unmapped on every core) each time the file grows; and it
        // keeps 8 MiB of them, the pages every charge touches, so its memory stays flat
        // however large the file grows.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA mmap_size = 0")
            try db.execute(sql: "PRAGMA cache_size = -8192")
        }
        writer = SQLiteWriter(pool: pool)
        quick = try SQLiteQuickReaders(path: path, configuration: configuration, count: 2)
    }

    public func migrate() async throws {
        try SQLiteMigrations.migrator.migrate(pool)
    }

    /// Applies the migrations up to the one named `identifier` only: a database as an
    /// earlier Tally left it.
    func migrate(upTo identifier: String) throws {
        try SQLiteMigrations.migrator.migrate(pool, upTo: identifier)
    }

    public func ping() async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    public func close() async throws {
        try quick.close()
        try pool.close()
    }

    // MARK: Accounts and people

    public func createAccount(_ account: Account, owner: User) async throws {
        try await write { db in
            _ = try Self.rows(Statements.Accounts.insertAccount, Statements.Accounts.accountValues(account), in: db)
            _ = try Self.rows(Statements.Accounts.insertWallet, ["account": .text(account.id.rawValue)], in: db)
            try Self.insert(owner, db)
        }
    }

    public func createSession(_ session: Session) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                arguments: [
                    session.tokenHash, session.userID.rawValue, session.createdAt.storedMilliseconds,
                    session.expiresAt.storedMilliseconds,
                ]
            )
        }
    }

    public func user(sessionTokenHash: String, now: Date) async throws -> User? {
        try await quickRead { db in
            try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT users.* FROM sessions JOIN users ON users.id = sessions.user_id
                        WHERE sessions.token_hash = ? AND sessions.expires_at > ?
                        """
                ),
                arguments: [sessionTokenHash, now.storedMilliseconds]
            ).map(User.init)
        }
    }

    public func apiKey(keyHash: String) async throws -> APIKey? {
        try await quickRead { db in
            try Self.rows(Statements.Accounts.apiKey, ["keyHash": .text(keyHash)], in: db).first.map(APIKey.init)
        }
    }

    public func apiKey(keyHash: String, lookingUp idempotencyKey: String) async throws -> (APIKey, KeyLookup)? {
        try await quickRead { db in
            try Self.rows(Statements.Accounts.apiKeyWithLookup, ["keyHash": .text(keyHash), "key": .text(idempotencyKey)], in: db)
                .first.map { (try APIKey($0), try KeyLookup($0)) }
        }
    }

    static func insert(_ user: User, _ db: Database) throws {
        _ = try rows(Statements.Accounts.insertUser, Statements.Accounts.userValues(user), in: db)
    }

    /// A short read by key, of one statement, on the caller's thread when a quick
    /// connection is idle, through the pool otherwise. Not for reports: a long read
    /// would hold a thread.
    func quickRead<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        if let value = try quick.read(body) { return value }
        return try await pool.read(body)
    }

    /// Runs a write in the writer's next group commit (its own savepoint there), turning
    /// unique-constraint failures into `StoreError.duplicate`.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await writer.write(body)
    }

    /// A unique-constraint failure as `StoreError.duplicate` naming its column; other errors unchanged.
    static func storeError(_ error: any Error) -> any Error {
        guard let error = error as? DatabaseError,
            error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
                || error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
        else { return error }
        let column = error.message?.split(separator: ".").last.map(String.init) ?? "id"
        return StoreError.duplicate(field: column)
    }
}
