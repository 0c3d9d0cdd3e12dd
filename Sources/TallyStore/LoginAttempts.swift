import Foundation

/// The one statement both databases run to count a login attempt: a new window when
/// the last one ended, no growth once locked, and the counter as it now stands.
enum LoginAttemptStatement {
    static let sql = """
        INSERT INTO login_attempts (email, attempts, window_start) VALUES ($1, 1, $2)
        ON CONFLICT (email) DO UPDATE SET
            attempts = CASE
                WHEN login_attempts.window_start <= $3 THEN 1
                WHEN login_attempts.attempts > $4 THEN login_attempts.attempts
                ELSE login_attempts.attempts + 1 END,
            window_start = CASE WHEN login_attempts.window_start <= $3 THEN $2 ELSE login_attempts.window_start END
        RETURNING attempts, window_start
        """
}
