import Foundation
import Hummingbird
import Logging
import TallyApp
import TallyCore

/// The billing web app under `/app`: server-rendered pages for an account's owner and super admins.
///
/// Every page goes through `page` (GET) or `action` (POST): they find the session in
/// the cookie, send strangers to the login page, answer admins and members with the
/// 403 page, refuse a POST without the session's CSRF token, and only then hand the
/// handler a `Visit`.
public struct WebRoutes: Sendable {
    let tally: Tally
    let settings: WebSettings
    let views: WebViews

    public init(tally: Tally, settings: WebSettings = .fromEnvironment()) {
        self.tally = tally
        self.settings = settings
        self.views = WebViews(testMode: tally.providerChoices.inTestMode)
    }

    /// Whether a route path belongs to the web app rather than the JSON API.
    public static func isWebPath(_ path: String) -> Bool {
        path == "/" || path == "/app" || path.hasPrefix("/app/")
    }

    public func add(to router: Router<TallyRequestContext>) {
        router.get("/") { _, _ in WebResponse.redirect("/app/billing") }
        router.get("/app") { _, _ in WebResponse.redirect("/app/billing") }
        router.get("/app/assets/tally.css") { _, _ in WebAssets.response(WebAssets.stylesheet, type: "text/css; charset=utf-8") }
        router.get("/app/assets/tally.js") { _, _ in WebAssets.response(WebAssets.script, type: "text/javascript; charset=utf-8") }
        addLogin(to: router)
        addBilling(to: router)
        addAccountPages(to: router)
        addEvents(to: router)
        addDevelopers(to: router)
        addUsage(to: router)
        addIntegrations(to: router)
        addExplanation(to: router)
        addNotFound(to: router)
    }

    // MARK: Sessions

    enum Resolution {
        case anonymous
        case forbidden(csrf: String)
        case visit(Visit)
    }

    /// Who holds the session cookie of `request`.
    func resolve(_ request: Request) async throws -> Resolution {
        guard let token = request.cookies[WebSession.cookieName]?.value, !token.isEmpty,
            let principal = try await tally.accounts.authenticate(bearer: token),
            case .user(let user) = principal
        else { return .anonymous }
        let csrf = WebSession.csrfToken(session: token)
        guard let manager = try? principal.creditManager(of: user.accountID) else { return .forbidden(csrf: csrf) }
        let account = try await tally.store.account(user.accountID)
        return .visit(
            Visit(
                manager: manager,
                principal: principal,
                accountName: account?.name ?? "",
                csrf: csrf,
                flash: WebSession.percentDecoded(request.cookies[WebSession.flashCookie]?.value),
                secret: nil
            )
        )
    }

    typealias Handler = @Sendable (Request, TallyRequestContext) async throws -> Response

    /// A page: GET, for owners and super admins.
    func page(_ handler: @escaping @Sendable (Request, Visit, TallyRequestContext) async throws -> Response) -> Handler {
        { request, context in
            switch try await resolve(request) {
            case .anonymous:
                return WebSession.loginRedirect(for: request)
            case .forbidden(let csrf):
                return forbidden(csrf: csrf)
            case .visit(let visit):
                var response = try await rescue(visit, context) { try await handler(request, visit, context) }
                // The flash is shown once.
                if visit.flash != nil { response.setCookie(WebSession.expired(WebSession.flashCookie, settings: settings, path: "/app")) }
                return response
            }
        }
    }

    /// A form's POST: for owners and super admins, with the session's CSRF token.
    func action(_ handler: @escaping @Sendable (WebForm, Visit, TallyRequestContext) async throws -> Response) -> Handler {
        { request, context in
            switch try await resolve(request) {
            case .anonymous:
                return WebResponse.redirect("/app/login")
            case .forbidden(let csrf):
                return forbidden(csrf: csrf)
            case .visit(let visit):
                let form = try await WebForm.read(request, context: context)
                guard WebSession.tokensMatch(form["csrf"], visit.csrf) else { return csrfRefused() }
                return try await rescue(visit, context) { try await handler(form, visit, context) }
            }
        }
    }

    /// Renders an error no form handles as a page of its own, never as JSON.
    func rescue(_ visit: Visit, _ context: TallyRequestContext, _ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as TallyError {
            let problem = error.problem
            let model = MessageModel(heading: problem.title, text: problem.detail, test: "error", link: "/app/billing", linkLabel: "Back to Billing")
            return WebResponse.html(
                views.page("message", model, title: problem.title, section: .billing, visit: visit),
                status: .init(code: error.status)
            )
        } catch {
            context.logger.error("web page failed", metadata: ["error": "\(String(reflecting: error))"])
            let model = MessageModel(
                heading: "Something went wrong",
                text: "The error was logged. Nothing was charged; please try again.",
                test: "error",
                link: "/app/billing",
                linkLabel: "Back to Billing"
            )
            return WebResponse.html(views.page("message", model, title: "Error", section: .billing, visit: visit), status: .internalServerError)
        }
    }

    func forbidden(csrf: String) -> Response {
        let model = MessageModel(
            heading: "Only the owner and super admins manage credits",
            text:
                "Your role in this account cannot see or change its billing, usage or settings. Ask your account's owner or a super admin if you need access.",
            test: "forbidden",
            link: "",
            linkLabel: "",
            csrf: Text(csrf)
        )
        return WebResponse.html(views.bare("message", model, title: "Not allowed"), status: .forbidden)
    }

    func csrfRefused() -> Response {
        let model = MessageModel(
            heading: "This form has expired",
            text: "The form was not sent from this session, so nothing was changed. Go back, reload the page and try again.",
            test: "csrf-refused",
            link: "/app/billing",
            linkLabel: "Back to Billing"
        )
        return WebResponse.html(views.bare("message", model, title: "Form expired"), status: .forbidden)
    }

    // MARK: Login and logout

    struct LoginModel {
        let csrf: String
        let next: String
        let email: String
        let error: Text
    }

    func addLogin(to router: Router<TallyRequestContext>) {
        router.get("/app/login") { request, _ in
            let next = WebSession.safeNext(request.uri.queryParameters.get("next"))
            if case .visit = try await resolve(request) { return WebResponse.redirect(next) }
            return loginPage(request, next: next, email: "", error: "", status: .ok)
        }
        router.post("/app/login") { request, context in
            let form = try await WebForm.read(request, context: context)
            let next = WebSession.safeNext(form["next"])
            let browser = request.cookies[LoginForm.cookieName(settings)]?.value
            guard settings.loginForm.accepts(form["csrf"], browser: browser, now: tally.time.now()) else {
                return csrfRefused()
            }
            let email = form["email"] ?? ""
            do {
                let session = try await tally.accounts.login(
                    email: email,
                    password: form.fields.first { $0.name == "password" }?.value ?? "",
                    from: context.remoteAddress
                )
                var response = WebResponse.redirect(next)
                response.setCookie(
                    WebSession.cookie(WebSession.cookieName, session.token, settings: settings, maxAge: Int(Accounts.sessionSeconds))
                )
                return response
            } catch let error as TallyError where error.status == 429 {
                return loginPage(request, next: next, email: email, error: "Too many attempts: \(error.problem.detail).", status: .tooManyRequests)
            } catch TallyError.wrongCredentials {
                return loginPage(
                    request,
                    next: next,
                    email: email,
                    error: "That email and password do not match an account.",
                    status: .unauthorized
                )
            }
        }
        router.post("/app/logout") { request, context in
            let form = try await WebForm.read(request, context: context)
            guard let token = request.cookies[WebSession.cookieName]?.value, !token.isEmpty else {
                return WebResponse.redirect("/app/login")
            }
            guard WebSession.tokensMatch(form["csrf"], WebSession.csrfToken(session: token)) else { return csrfRefused() }
            try? await tally.accounts.logout(bearer: token)
            var response = WebResponse.redirect("/app/login")
            response.setCookie(WebSession.expired(WebSession.cookieName, settings: settings))
            return response
        }
    }

    /// The login page, its form with a token of its own for this browser (see `LoginForm`).
    func loginPage(_ request: Request, next: String, email: String, error: String, status: HTTPResponse.Status) -> Response {
        let browser = LoginForm.browserValue(request.cookies[LoginForm.cookieName(settings)]?.value)
        let csrf = settings.loginForm.token(browser: browser.value, now: tally.time.now())
        let model = LoginModel(csrf: csrf, next: next, email: email, error: Text(error))
        var response = WebResponse.html(views.bare("login", model, title: "Sign in"), status: status)
        // The same value again when the browser had one: the forms of its other login pages keep working.
        response.setCookie(
            WebSession.cookie(
                LoginForm.cookieName(settings),
                browser.value,
                settings: settings,
                path: LoginForm.cookiePath(settings),
                maxAge: LoginForm.cookieSeconds
            )
        )
        return response
    }
}
