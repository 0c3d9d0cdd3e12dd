import Foundation
import TallyCore

/// Login attempt counters, on either engine (the statements: `Statements.Logins`; the rule: `LoginLock`).
extension StatementRunning {
    public func countLoginAttempt(email: String, at: Date, windowSeconds: Int, maximum: Int) async throws -> LoginAttempt {
        guard let counter = try await countLogin(key: email, at: at, windowSeconds: windowSeconds, maximum: Int64(maximum)) else {
            return .allowed
        }
        return LoginLock.verdict(
            attempts: counter.attempts,
            windowStart: counter.windowStart,
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
    private func countLogin(key: String, at: Date, windowSeconds: Int, maximum: Int64) async throws -> (attempts: Int64, windowStart: Date)? {
        try await written(
            Statements.Logins.count,
            Statements.Logins.countValues(key: key, at: at, windowSeconds: windowSeconds, maximum: maximum),
            as: { (try $0.integer("attempts"), try $0.date("window_start")) }
        ).first
    }

    public func clearLoginAttempts(email: String) async throws {
        try await written(Statements.Logins.clear, ["key": .text(email)])
    }
}
