import Foundation
import TallyCore

/// Accounts, people and API keys, on either engine (the statements: `Statements.Accounts`).
/// Per engine still: an account's creation (three rows in one transaction), sessions (their
/// key differs) and the API key lookup every request makes (prepared on PostgreSQL, on the
/// quick connection on SQLite).
extension StatementRunning {
    public func account(_ id: AccountID) async throws -> Account? {
        try await read(Statements.Accounts.account, ["id": .text(id.rawValue)], as: { try Account($0) }).first
    }

    public func setUSBusinessEntity(_ verified: Bool, account: AccountID) async throws -> Bool {
        try await written(Statements.Accounts.setUSBusinessEntity, ["verified": .boolean(verified), "id": .text(account.rawValue)]) == 1
    }

    public func createUser(_ user: User) async throws {
        try await written(Statements.Accounts.insertUser, Statements.Accounts.userValues(user))
    }

    public func user(email: String) async throws -> User? {
        try await read(Statements.Accounts.userByEmail, ["email": .text(email)], as: { try User($0) }).first
    }

    public func createAPIKey(_ key: APIKey) async throws {
        try await written(Statements.Accounts.insertAPIKey, Statements.Accounts.apiKeyValues(key))
    }

    public func apiKeys(account: AccountID) async throws -> [APIKey] {
        try await read(Statements.Accounts.apiKeys, ["account": .text(account.rawValue)], as: { try APIKey($0) })
    }

    public func revokeAPIKey(_ id: APIKeyID, account: AccountID, at: Date) async throws -> Bool {
        try await written(Statements.Accounts.revokeAPIKey, Statements.Accounts.revokeValues(id, account: account, at: at)) == 1
    }

    public func deleteSession(tokenHash: String) async throws {
        try await written(Statements.Accounts.deleteSession, ["tokenHash": .text(tokenHash)])
    }
}
