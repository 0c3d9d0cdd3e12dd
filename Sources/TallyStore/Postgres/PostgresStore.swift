import Foundation
import Logging
import PostgresNIO
import TallyCore

/// The production store: PostgreSQL through PostgresNIO's connection pool. Several
/// Tally processes may share one database.
///
/// A debit is one conditional `UPDATE … RETURNING` in the same transaction as its
/// ledger entry, so concurrent requests — in this process or another — never
/// overdraw a wallet: the row lock serialises them and the condition is
/// re-checked against the row each one finds.
public final class PostgresStore: Store {
    /// The connections, a pool on each event loop (`LoopPools`).
    let pools: LoopPools
    let logger: Logger
    /// Wallet transactions waiting on a busy wallet, committed together.
    let walletQueue = PostgresWalletQueue()
    /// How each account's next charge is best written, learnt from its last ones.
    let chargeRoutes = ChargeRoutes()

    /// How many wallet transactions this store has committed together with others, each in
    /// its own savepoint, since it opened.
    public var walletTransactionsCommittedTogether: Int { walletQueue.committedTogether }
    /// Run each pool's background work until `close()` cancels them.
    private let running: [Task<Void, Never>]

    /// Connects to `url`, `postgres://user[:password]@host[:port]/database`. A server keeps
    /// its pool's connections open (`keepingOpen`); a command that runs once opens them as
    /// it needs them.
    public convenience init(
        url: String,
        keepingOpen connections: Int? = nil,
        logger: Logger = Logger(label: "tally.postgres")
    )
        throws
    {
        var configuration = try PostgresClient.Configuration(url: url)
        if let connections { configuration.keepOpen(connections) }
        self.init(configuration: configuration, logger: logger)
    }

    public init(configuration: PostgresClient.Configuration, logger: Logger = Logger(label: "tally.postgres")) {
        let pools = LoopPools(configuration: configuration, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        self.pools = pools
        self.logger = logger
        // Started immediately, so the pools run before the first query asks for a connection.
        running = pools.clients.map { client in
            if #available(macOS 26, *) {
                Task.immediate { await client.run() }
            } else {
                Task { await client.run() }
            }
        }
    }

    public func migrate() async throws {
        try await migrate(through: Int.max)
    }

    /// Applies the migrations up to `version` only: a database as an earlier Tally left it.
    func migrate(through version: Int) async throws {
        try await transaction { connection in
            // Two processes starting together: the second waits here, then finds nothing to do.
            try await connection.run("SELECT pg_advisory_xact_lock(\(PostgresMigrations.lockKey))", logger)
            try await connection.run(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    applied_at BIGINT NOT NULL
                )
                """,
                logger
            )
            let applied = try await connection.rows("SELECT version FROM schema_migrations", logger)
                .map { try $0.decode(Int.self) }
            for migration in PostgresMigrations.all where !applied.contains(migration.version) && migration.version <= version {
                for statement in migration.statements {
                    try await connection.run(statement, logger)
                }
                try await connection.run(
                    """
                    INSERT INTO schema_migrations (version, name, applied_at)
                    VALUES (\(migration.version), \(migration.name), \(Date().storedMilliseconds))
                    """,
                    logger
                )
            }
        }
    }

    public func ping() async throws {
        _ = try await rows("SELECT 1")
    }

    public func close() async throws {
        for task in running { task.cancel() }
        for task in running { await task.value }
    }

    // MARK: Accounts and people

    public func createAccount(_ account: Account, owner: User) async throws {
        try await transaction { connection in
            _ = try await connection.rows(Statements.Accounts.insertAccount, Statements.Accounts.accountValues(account), logger)
            _ = try await connection.rows(Statements.Accounts.insertWallet, ["account": .text(account.id.rawValue)], logger)
            try await connection.run(Self.insert(owner), logger)
        }
    }

    public func createSession(_ session: Session) async throws {
        _ = try await rows(
            """
            INSERT INTO sessions (token_hash, account_id, user_id, created_at, expires_at)
            VALUES (\(session.tokenHash), \(session.accountID.rawValue), \(session.userID.rawValue),
                \(session.createdAt.storedMilliseconds),
                \(session.expiresAt.storedMilliseconds))
            """
        )
    }

    public func user(sessionTokenHash: String, now: Date) async throws -> User? {
        try await rows(
            """
            SELECT users.* FROM sessions JOIN users ON users.account_id = sessions.account_id AND users.id = sessions.user_id
            WHERE sessions.token_hash = \(sessionTokenHash) AND sessions.expires_at > \(now.storedMilliseconds)
            """
        ).first.map(Self.user)
    }

    /// Every API request's first read, prepared once per connection.
    public func apiKey(keyHash: String) async throws -> APIKey? {
        try await rows(Prepared<APIKeyShape>(["keyHash": .text(keyHash)])).first.map { try APIKey($0.makeRandomAccess()) }
    }

    enum APIKeyShape: PreparedShape {
        static let statement = Statements.Accounts.apiKey
        static let types: [String: PostgresDataType] = ["keyHash": .text]
    }

    /// An API request's first read with its `Idempotency-Key`'s lookup, prepared once per connection.
    public func apiKey(keyHash: String, lookingUp idempotencyKey: String) async throws -> (APIKey, KeyLookup)? {
        try await rows(Prepared<APIKeyLookupShape>(["keyHash": .text(keyHash), "key": .text(idempotencyKey)])).first.map {
            let row = $0.makeRandomAccess()
            return (try APIKey(row), try KeyLookup(row))
        }
    }

    enum APIKeyLookupShape: PreparedShape {
        static let statement = Statements.Accounts.apiKeyWithLookup
        static let types: [String: PostgresDataType] = ["keyHash": .text, "key": .text]
    }

    static func insert(_ user: User) -> PostgresQuery {
        Statements.Accounts.insertUser.postgresQuery(Statements.Accounts.userValues(user))
    }

    // MARK: Running statements

    /// Runs one statement on a pooled connection and collects its rows.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await pooled { connection in try await connection.rows(query, logger) }
    }

    /// Runs `body` on a pooled connection, its errors as callers see them.
    func pooled<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await pools.current.withConnection { connection in try await body(connection) }
        } catch {
            throw Self.storeError(error)
        }
    }

    /// Runs `body` in one transaction on one pooled connection: committed when it
    /// returns, rolled back whole when it throws.
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await pools.current.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch {
            throw Self.storeError(error)
        }
    }

    /// The error callers see: the store's own errors as thrown, PostgresNIO's transaction
    /// wrapper removed, and unique violations (SQLSTATE 23505) as `StoreError.duplicate`.
    static func storeError(_ error: any Error) -> any Error {
        if let wrapper = error as? PostgresTransactionError {
            return storeError(wrapper.closureError ?? wrapper.commitError ?? wrapper.beginError ?? error)
        }
        guard let error = error as? PSQLError, error.serverInfo?[.sqlState] == "23505" else { return error }
        return StoreError.duplicate(field: duplicateColumn(detail: error.serverInfo?[.detail]))
    }

    /// The column of a unique violation, from its detail `Key (email)=(…) already exists.`;
    /// the last one for a key of several columns, as SQLite names it.
    static func duplicateColumn(detail: String?) -> String {
        guard let detail, detail.hasPrefix("Key ("), let end = detail.firstIndex(of: ")") else { return "id" }
        let columns = detail[detail.index(detail.startIndex, offsetBy: 5)..<end]
        return columns.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "id"
    }
}

extension PostgresClient.Configuration {
    /// A server's pool: `connections` opened at start and kept open while it runs, none
    /// closed for being idle, and no keep-alive query run on an idle one.
    ///
    /// PostgresNIO times both with a sleeping task, scheduled every time a connection goes
    /// back to the pool (twice a request) and held by the system's timers for its full
    /// 30 or 60 seconds once cancelled: a quarter of a charge's CPU in Tally. A connection
    /// the server closes leaves the pool at once and is replaced; one the network drops
    /// without a word fails its next statement, which the request answers as an error and
    /// a retry with the same `Idempotency-Key` repeats safely.
    mutating func keepOpen(_ connections: Int) {
        options.minimumConnections = connections
        options.maximumConnections = connections
        options.keepAliveBehavior = nil
    }
}
