import Hummingbird

/// The headers every answer carries, API and web app alike, set in one place.
///
/// - `X-Content-Type-Options: nosniff`: a browser takes each answer as the type it
///   says (JSON, CSV, HTML), never guesses a script or a page out of it.
/// - `Content-Security-Policy`: the pages run only Tally's own script and stylesheet
///   (no inline script, handler or style), send forms only to Tally and are never
///   framed; every other answer may load nothing at all.
/// - `Cache-Control: no-store` on every answer that does not say otherwise (only the
///   stylesheet and the script do): wallets, ledgers, logs, keys and sessions are
///   never kept by a browser or a proxy.
/// - `Strict-Transport-Security` when Tally is told it runs behind HTTPS
///   (`TALLY_SECURE_COOKIES=1`): browsers then refuse plain HTTP for a year.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = TallyRequestContext

    /// What a page may load: its own script and stylesheet, images drawn inline.
    static let pagePolicy = pagePolicy(formTargets: [])

    /// The page policy whose forms may also lead to `formTargets` (origins): with Stripe on,
    /// the Buy dialog's answer is a 303 to Stripe Checkout or 3-D Secure, which a browser
    /// follows only when `form-action` names Stripe's pages.
    static func pagePolicy(formTargets: [String]) -> String {
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "form-action \((["'self'"] + formTargets).joined(separator: " ")); frame-ancestors 'none'; base-uri 'none'"
    }
    /// What any other answer may load: nothing.
    static let answerPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
    static let strictTransportSecurity = "max-age=31536000"

    let settings: WebSettings
    let pagePolicy: String

    init(settings: WebSettings = .fromEnvironment()) {
        self.settings = settings
        self.pagePolicy = Self.pagePolicy(formTargets: settings.paymentPages)
    }

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.contentSecurityPolicy] =
            WebRoutes.isWebPath(request.uri.path) ? pagePolicy : Self.answerPolicy
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        if settings.secureCookies {
            response.headers[.strictTransportSecurity] = Self.strictTransportSecurity
        }
        return response
    }
}
