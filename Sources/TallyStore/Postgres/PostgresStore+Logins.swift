import Foundation
import PostgresNIO

extension PostgresStore {
    public func countLoginAttempt(email: String, at: Date, windowSeconds: Int, maximum: Int) async throws -> LoginAttempt {
        let now = at.storedMilliseconds
        var binds = PostgresBindings()
        binds.append(email)
        binds.append(now)
        binds.append(now - Int64(windowSeconds) * 1_000)
        binds.append(Int64(maximum))
        guard let row = try await rows(PostgresQuery(unsafeSQL: LoginAttemptStatement.sql, binds: binds)).first else {
            return .allowed
        }
        let (attempts, windowStart) = try row.decode((Int64, Int64).self)
        return LoginAttempt.after(
            attempts: attempts,
            windowStart: Date(storedMilliseconds: windowStart),
            at: at,
            windowSeconds: windowSeconds,
            maximum: maximum
        )
    }

    public func clearLoginAttempts(email: String) async throws {
        _ = try await rows("DELETE FROM login_attempts WHERE email = \(email)")
    }
}
