import Hummingbird
import TallyApp

/// Any `/app/...` path no page answers: an HTML page with the navigation, status 404,
/// rather than the API's problem+json.
extension WebRoutes {
    func addNotFound(to router: Router<TallyRequestContext>) {
        // The lowest-priority route: every page's own path wins over it.
        router.get("/app/**") { request, _ in try await notFound(request) }
    }

    func notFound(_ request: Request) async throws -> Response {
        switch try await resolve(request) {
        case .visit(let visit):
            let model = MessageModel(
                heading: "There is no such page",
                text: "Nothing lives at \(request.uri.path). It may have moved, or the link was mistyped: pick a page from the menu above.",
                test: "not-found",
                link: "/app/billing",
                linkLabel: "Go to Billing"
            )
            return WebResponse.html(views.page("message", model, title: "Page not found", section: nil, visit: visit), status: .notFound)
        case .anonymous, .forbidden:
            let model = MessageModel(
                heading: "There is no such page",
                text: "Nothing lives at \(request.uri.path).",
                test: "not-found",
                link: "/app/billing",
                linkLabel: "Go to Billing"
            )
            return WebResponse.html(views.bare("message", model, title: "Page not found"), status: .notFound)
        }
    }
}
