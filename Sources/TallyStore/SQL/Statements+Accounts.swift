import Foundation
import TallyCore

/// Accounts, their people and API keys. Sessions stay per engine: PostgreSQL's carry the
/// account in their key, SQLite's do not.
extension Statements {
    enum Accounts {
        static let insertAccount = Statement(
            "accounts.insertAccount",
            """
            INSERT INTO accounts (id, name, us_business_entity, created_at)
            VALUES (:id, :name, :usBusinessEntity, :createdAt)
            """
        )
        static let insertWallet = Statement(
            "accounts.insertWallet",
            "INSERT INTO wallets (account_id, available, held, used, total) VALUES (:account, 0, 0, 0, 0)"
        )
        static let account = Statement("accounts.account", "SELECT * FROM accounts WHERE id = :id")
        static let setUSBusinessEntity = Statement(
            "accounts.setUSBusinessEntity",
            "UPDATE accounts SET us_business_entity = :verified WHERE id = :id RETURNING id"
        )
        static let insertUser = Statement(
            "accounts.insertUser",
            """
            INSERT INTO users (id, account_id, email, name, role, password_hash, created_at)
            VALUES (:id, :account, :email, :name, :role, :passwordHash, :createdAt)
            """
        )
        static let userByEmail = Statement("accounts.userByEmail", "SELECT * FROM users WHERE email = :email")
        static let insertAPIKey = Statement(
            "accounts.insertAPIKey",
            """
            INSERT INTO api_keys (id, account_id, name, key_hash, created_at)
            VALUES (:id, :account, :name, :keyHash, :createdAt)
            """
        )
        /// Every API request's first read: the caller's key by its hash.
        static let apiKey = Statement(
            "accounts.apiKey",
            "SELECT id, account_id, name, key_hash, created_at FROM api_keys WHERE key_hash = :keyHash AND revoked_at IS NULL"
        )
        /// An API request's first read with the read its first write would make next: the
        /// key, and its account's `Idempotency-Key` looked up as `Idempotency.lookup` does.
        static let apiKeyWithLookup = Statement(
            "accounts.apiKeyWithLookup",
            "SELECT id, account_id, name, key_hash, created_at, "
                + Statements.Idempotency.lookupColumns(account: "api_keys.account_id")
                + " FROM api_keys WHERE key_hash = :keyHash AND revoked_at IS NULL"
        )
        static let apiKeys = Statement(
            "accounts.apiKeys",
            """
            SELECT * FROM api_keys WHERE account_id = :account AND revoked_at IS NULL
            ORDER BY created_at, id {bytewise}
            """
        )
        static let revokeAPIKey = Statement(
            "accounts.revokeAPIKey",
            """
            UPDATE api_keys SET revoked_at = :at
            WHERE id = :id AND account_id = :account AND revoked_at IS NULL
            RETURNING id
            """
        )
        static let deleteSession = Statement("accounts.deleteSession", "DELETE FROM sessions WHERE token_hash = :tokenHash")

        static let all = [
            insertAccount, insertWallet, account, setUSBusinessEntity, insertUser, userByEmail, insertAPIKey, apiKey, apiKeyWithLookup, apiKeys,
            revokeAPIKey, deleteSession,
        ]

        static func accountValues(_ account: Account) -> KeyValuePairs<String, SQLValue> {
            [
                "id": .text(account.id.rawValue), "name": .text(account.name), "usBusinessEntity": .boolean(account.usBusinessEntity),
                "createdAt": .integer(account.createdAt.storedMilliseconds),
            ]
        }

        static func userValues(_ user: User) -> KeyValuePairs<String, SQLValue> {
            [
                "id": .text(user.id.rawValue), "account": .text(user.accountID.rawValue), "email": .text(user.email),
                "name": .text(user.name), "role": .text(user.role.rawValue), "passwordHash": .text(user.passwordHash),
                "createdAt": .integer(user.createdAt.storedMilliseconds),
            ]
        }

        static func apiKeyValues(_ key: APIKey) -> KeyValuePairs<String, SQLValue> {
            [
                "id": .text(key.id.rawValue), "account": .text(key.accountID.rawValue), "name": .text(key.name),
                "keyHash": .text(key.keyHash), "createdAt": .integer(key.createdAt.storedMilliseconds),
            ]
        }

        static func revokeValues(_ id: APIKeyID, account: AccountID, at: Date) -> KeyValuePairs<String, SQLValue> {
            ["at": .integer(at.storedMilliseconds), "id": .text(id.rawValue), "account": .text(account.rawValue)]
        }
    }
}

extension Account {
    /// A row of `accounts`.
    init(_ row: some StoreRow) throws {
        self.init(
            id: AccountID(try row.text("id")),
            name: try row.text("name"),
            usBusinessEntity: try row.boolean("us_business_entity"),
            createdAt: try row.date("created_at")
        )
    }
}
