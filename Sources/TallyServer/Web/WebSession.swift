import Crypto
import Foundation
import Hummingbird
import TallyApp
import TallyCore

/// How the web app's cookies are set and its login forms signed, from the environment.
public struct WebSettings: Sendable {
    /// `Secure` on every cookie (and HSTS on every answer): set `TALLY_SECURE_COOKIES=1`
    /// when Tally runs behind HTTPS.
    public var secureCookies: Bool
    /// Signs the login form's tokens (see `LoginForm`).
    let loginForm: LoginForm
    /// Origins a form's answer may send the browser to besides Tally: Stripe's hosted
    /// pages (Checkout, 3-D Secure) when payments go to Stripe. The pages' `form-action`
    /// names them (see `SecurityHeadersMiddleware`).
    public var paymentPages: [String] = []

    /// `formSecret` is the server secret the login form's tokens are signed with; every
    /// Tally process serving the same users needs the same one. Without one, a random
    /// key of this process's own.
    public init(secureCookies: Bool = false, formSecret: String? = nil) {
        self.secureCookies = secureCookies
        let secret = formSecret.flatMap { $0.isEmpty ? nil : $0 } ?? LoginForm.randomHex(byteCount: 32)
        loginForm = LoginForm(key: LoginForm.key(secret: secret))
    }

    /// `TALLY_SECURE_COOKIES`; the form secret is `TALLY_WEB_SECRET`, else derived from
    /// `TALLY_OPERATOR_TOKEN` (which every process of one installation shares).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> WebSettings {
        let value = environment["TALLY_SECURE_COOKIES"]?.lowercased() ?? ""
        let secret = environment["TALLY_WEB_SECRET"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["TALLY_OPERATOR_TOKEN"]
        var settings = WebSettings(secureCookies: ["1", "true", "yes", "on"].contains(value), formSecret: secret)
        settings.paymentPages = paymentPages(environment)
        return settings
    }

    /// Stripe's hosted pages when `TALLY_STRIPE_SECRET_KEY` is set, and the origin of
    /// `TALLY_STRIPE_API_BASE` (a fake Stripe on loopback serves its pages there).
    static func paymentPages(_ environment: [String: String]) -> [String] {
        guard let key = environment["TALLY_STRIPE_SECRET_KEY"], !key.isEmpty else { return [] }
        var pages = ["https://checkout.stripe.com", "https://hooks.stripe.com"]
        if let base = environment["TALLY_STRIPE_API_BASE"].flatMap({ URLComponents(string: $0) }),
            let scheme = base.scheme, ["http", "https"].contains(scheme), let host = base.host, !host.isEmpty,
            host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" })
        {
            pages.append("\(scheme)://\(host)" + (base.port.map { ":\($0)" } ?? ""))
        }
        return pages
    }
}

/// A logged-in owner or super admin on a page of the web app: what every page handler gets.
///
/// Holding a `Visit` proves the caller manages the account's credits, the way a
/// `CreditManager` does for the API; admins and members never get one.
struct Visit: Sendable {
    let manager: CreditManager
    let principal: Principal
    let accountName: String
    /// The value every form of this session carries in its hidden `csrf` field.
    let csrf: String
    /// The confirmation of the last action, shown once.
    let flash: String?
    /// A secret shown once (a new API key or webhook secret), only on the answer to the POST that made it.
    let secret: String?
    /// How the flash reads: done (the default), still waiting, or a problem.
    var flashTone = FlashTone.done

    /// The same visit with a confirmation and a secret to show on the page rendered now.
    func showing(flash: String, secret: String) -> Visit {
        Visit(manager: manager, principal: principal, accountName: accountName, csrf: csrf, flash: flash, secret: secret)
    }

    /// The same visit with `flash` to show on the page rendered now (what came back from Stripe).
    func showing(_ flash: Flash) -> Visit {
        var visit = Visit(manager: manager, principal: principal, accountName: accountName, csrf: csrf, flash: flash.text, secret: nil)
        visit.flashTone = flash.tone
        return visit
    }

    var featureCaller: FeatureCaller {
        get throws { try principal.featureCaller(of: manager.accountID) }
    }
}

/// A confirmation shown at the top of a page, and how it reads.
struct Flash: Sendable, Equatable {
    let text: String
    var tone = FlashTone.done
}

/// The flash's color: green for done, amber for still waiting, red for a problem.
enum FlashTone: String, Sendable {
    case done = ""
    case waiting
    case problem
}

/// The session cookie, the one-time flash cookies and the CSRF tokens derived from the session.
enum WebSession {
    static let cookieName = "tally_session"
    static let flashCookie = "tally_flash"

    /// Where an unauthenticated request is sent: the login page, then back.
    static func loginRedirect(for request: Request) -> Response {
        var path = request.uri.path
        if let query = request.uri.query, !query.isEmpty { path += "?" + query }
        return WebResponse.redirect("/app/login?next=" + percentEncoded(path))
    }

    /// Only a path inside the app is a place to land after login: no open redirect.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/app"), !next.hasPrefix("/app/login"), !next.contains("//"), !next.contains("\\")
        else { return "/app/billing" }
        return next
    }

    /// The anti-forgery token of a session: a digest of the session token, which only
    /// the browser holding the HttpOnly cookie knows, so another site cannot make it.
    static func csrfToken(session token: String) -> String {
        let digest = SHA256.hash(data: Array("tally-web-csrf\n\(token)".utf8))
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    /// Compares two tokens in constant time.
    static func tokensMatch(_ given: String?, _ expected: String) -> Bool {
        guard let given else { return false }
        let left = Array(given.utf8)
        let right = Array(expected.utf8)
        guard left.count == right.count, !right.isEmpty else { return false }
        return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// A random value for idempotency keys and the login form's token.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(generator.next() as UInt64, radix: 36) }.joined(separator: "-")
    }

    static func cookie(_ name: String, _ value: String, settings: WebSettings, path: String = "/", maxAge: Int? = nil) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: path, secure: settings.secureCookies, httpOnly: true, sameSite: .lax)
    }

    static func expired(_ name: String, settings: WebSettings, path: String = "/") -> Cookie {
        cookie(name, "", settings: settings, path: path, maxAge: 0)
    }

    /// ASCII letters, digits and `-._~/`: safe in a cookie value, a query value and a path.
    static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/")

    static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    static func percentDecoded(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text.removingPercentEncoding
    }
}
