import Crypto
import Foundation

/// The login form's anti-forgery token: made by Tally for one form and one browser, so
/// neither a cookie planted in the browser nor a token copied from another one passes.
///
/// The browser holds a random value in the login cookie (kept across login pages, so
/// two pages open side by side both work). Each form carries its own token:
/// `nonce.expiry.mac`, where `mac` is an HMAC-SHA256, with Tally's form key, of the
/// purpose (`login`), the browser's value, the nonce and the expiry. A planted cookie
/// with a value of the attacker's choosing has no token Tally made for it, and the
/// cookie is `__Host-` prefixed when Tally runs behind HTTPS, so a sibling domain
/// cannot set it at all.
struct LoginForm {
    /// How long a login page's form may be sent.
    static let lifetimeSeconds: Int64 = 12 * 3600
    /// How long the browser keeps its value: past any form's lifetime.
    static let cookieSeconds = 24 * 3600

    let key: SymmetricKey

    /// The cookie's name: `__Host-` prefixed (only this host, over HTTPS, path `/`) when cookies are Secure.
    static func cookieName(_ settings: WebSettings) -> String {
        settings.secureCookies ? "__Host-tally_login_csrf" : "tally_login_csrf"
    }

    static func cookiePath(_ settings: WebSettings) -> String {
        settings.secureCookies ? "/" : "/app/login"
    }

    /// The browser's value: the one its cookie holds when it is well formed, else a new one.
    static func browserValue(_ cookie: String?) -> (value: String, isNew: Bool) {
        if let cookie, (16...64).contains(cookie.utf8.count),
            cookie.utf8.allSatisfy({ isHexDigit($0) })
        {
            return (cookie, false)
        }
        return (randomHex(byteCount: 16), true)
    }

    /// A token for a new form in the browser holding `browser`.
    func token(browser: String, now: Date) -> String {
        let nonce = Self.randomHex(byteCount: 12)
        let expiry = Int64(now.timeIntervalSince1970) + Self.lifetimeSeconds
        return "\(nonce).\(expiry).\(mac(browser: browser, nonce: nonce, expiry: expiry))"
    }

    /// Whether `token` was made by Tally for a login form in the browser holding `browser`, and is still fresh.
    func accepts(_ token: String?, browser: String?, now: Date) -> Bool {
        guard let token, let browser, !browser.isEmpty else { return false }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let expiry = Int64(parts[1]), expiry > Int64(now.timeIntervalSince1970),
            expiry <= Int64(now.timeIntervalSince1970) + Self.lifetimeSeconds
        else { return false }
        let expected = mac(browser: browser, nonce: String(parts[0]), expiry: expiry)
        return WebSession.tokensMatch(String(parts[2]), expected)
    }

    private func mac(browser: String, nonce: String, expiry: Int64) -> String {
        let message = "tally-login-form\n\(browser)\n\(nonce)\n\(expiry)"
        let code = HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: key)
        return code.map { String(format: "%02x", $0) }.joined()
    }

    /// The key for a server secret: the same secret gives every Tally process the same key.
    static func key(secret: String) -> SymmetricKey {
        SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array("tally-login-form-key".utf8), using: SymmetricKey(data: Array(secret.utf8))))
    }

    static func randomHex(byteCount: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<byteCount).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}
