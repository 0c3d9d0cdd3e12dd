import Foundation
import PostgresNIO

extension PostgresStore {
    public func countLoginAttempt(email: String, at: Date, windowSeconds: Int, maximum: Int) async throws -> LoginAttempt {
        guard let (attempts, windowStart) = try await countLogin(key: email, at: at, windowSeconds: windowSeconds, maximum: Int64(maximum))
        else { return .allowed }
        return LoginAttempt.after(
            attempts: attempts,
            windowStart: Date(storedMilliseconds: windowStart),
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
        var binds = PostgresBindings()
        binds.append(key)
        binds.append(now)
        binds.append(now - Int64(windowSeconds) * 1_000)
        binds.append(maximum)
        guard let row = try await rows(PostgresQuery(unsafeSQL: LoginAttemptStatement.sql, binds: binds)).first else { return nil }
        return try row.decode((Int64, Int64).self)
    }

    public func clearLoginAttempts(email: String) async throws {
        _ = try await rows("DELETE FROM login_attempts WHERE email = \(email)")
    }
}
