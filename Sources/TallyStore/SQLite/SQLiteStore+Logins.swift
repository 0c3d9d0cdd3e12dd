import Foundation
import GRDB

extension SQLiteStore {
    public func countLoginAttempt(email: String, at: Date, windowSeconds: Int, maximum: Int) async throws -> LoginAttempt {
        guard let counter = try await countLogin(key: email, at: at, windowSeconds: windowSeconds, maximum: Int64(maximum)) else {
            return .allowed
        }
        return LoginAttempt.after(
            attempts: counter.attempts,
            windowStart: Date(storedMilliseconds: counter.windowStart),
            at: at,
            windowSeconds: windowSeconds,
            maximum: maximum
        )
    }

    public func countLoginAttempts(key: String, at: Date, windowSeconds: Int) async throws -> Int {
        let counter = try await countLogin(key: key, at: at, windowSeconds: windowSeconds, maximum: Int64.max)
        return Int(counter?.attempts ?? 1)
    }

    /// Runs the counting statement: the counter as it now stands.
    private func countLogin(key: String, at: Date, windowSeconds: Int, maximum: Int64) async throws -> (attempts: Int64, windowStart: Int64)? {
        let now = at.storedMilliseconds
        let windowEnded = now - Int64(windowSeconds) * 1_000
        return try await write { db in
            try Row.fetchOne(
                db,
                sql: LoginAttemptStatement.sql.replacingOccurrences(of: "$", with: "?"),
                arguments: [key, now, windowEnded, maximum]
            ).map { ($0[0], $0[1]) }
        }
    }

    public func clearLoginAttempts(email: String) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM login_attempts WHERE email = ?", arguments: [email])
        }
    }
}
