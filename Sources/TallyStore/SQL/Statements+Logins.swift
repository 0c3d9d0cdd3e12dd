import Foundation
import TallyCore

/// The counters of login attempts the wrong-password lock reads (the rule is
/// `LoginLock`, in TallyCore).
extension Statements {
    enum Logins {
        /// Counts an attempt in one statement, so concurrent guesses from any number of
        /// processes cannot outrun the limit: a new window when the last one ended, no
        /// growth once past `maximum`, and the counter as it now stands.
        static let count = Statement(
            "logins.count",
            """
            INSERT INTO login_attempts (email, attempts, window_start) VALUES (:key, 1, :at)
            ON CONFLICT (email) DO UPDATE SET
                attempts = CASE
                    WHEN login_attempts.window_start <= :windowEnded THEN 1
                    WHEN login_attempts.attempts > :maximum THEN login_attempts.attempts
                    ELSE login_attempts.attempts + 1 END,
                window_start = CASE WHEN login_attempts.window_start <= :windowEnded THEN :at ELSE login_attempts.window_start END
            RETURNING attempts, window_start
            """
        )
        /// The right password starts the count again.
        static let clear = Statement("logins.clear", "DELETE FROM login_attempts WHERE email = :key")

        static let all = [count, clear]

        static func countValues(key: String, at: Date, windowSeconds: Int, maximum: Int64) -> KeyValuePairs<String, SQLValue> {
            let now = at.storedMilliseconds
            return [
                "key": .text(key), "at": .integer(now), "windowEnded": .integer(now - Int64(windowSeconds) * 1_000),
                "maximum": .integer(maximum),
            ]
        }
    }
}
