import Foundation
import GRDB

extension SQLiteStore {
    public func countLoginAttempt(email: String, at: Date, windowSeconds: Int, maximum: Int) async throws -> LoginAttempt {
        let now = at.storedMilliseconds
        let windowEnded = now - Int64(windowSeconds) * 1_000
        let counter: (attempts: Int64, windowStart: Int64)? = try await write { db in
            try Row.fetchOne(
                db,
                sql: LoginAttemptStatement.sql.replacingOccurrences(of: "$", with: "?"),
                arguments: [email, now, windowEnded, maximum]
            ).map { ($0[0], $0[1]) }
        }
        guard let counter else { return .allowed }
        return LoginAttempt.after(
            attempts: counter.attempts,
            windowStart: Date(storedMilliseconds: counter.windowStart),
            at: at,
            windowSeconds: windowSeconds,
            maximum: maximum
        )
    }

    public func clearLoginAttempts(email: String) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM login_attempts WHERE email = ?", arguments: [email])
        }
    }
}
