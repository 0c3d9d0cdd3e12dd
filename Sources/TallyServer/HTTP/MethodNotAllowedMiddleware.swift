import Hummingbird
import TallyApp

/// A path Tally knows, asked with a method none of its routes has (`TRACE /health`,
/// `PUT /v1/accounts/{account}/wallet`): 405 problem+json with an `Allow` header listing
/// the path's methods (RFC 9110 §15.5.6). A path no route has stays 404, whatever the
/// method.
///
/// Hummingbird's router answers both with its not-found responder, which runs the
/// router's middleware. Installed after every route, this middleware runs only there,
/// and reads the routes from the router itself, so `Allow` always lists what the
/// router serves.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = TallyRequestContext

    /// One path template and the methods its routes answer.
    struct Route: Sendable {
        var components: [RouterPath.Element]
        var methods: [HTTPRequest.Method]
    }

    let routes: [Route]

    /// The router's routes as they stand: install this after the last route.
    init(routes: [Router<Context>.RouteDescription]) {
        var methods = [String: (components: [RouterPath.Element], methods: Set<HTTPRequest.Method>)]()
        for route in routes {
            methods[route.path.description, default: (route.path.components, [])].methods.insert(route.method)
        }
        self.routes = methods.values
            .map { Route(components: $0.components, methods: $0.methods.sorted { $0.rawValue < $1.rawValue }) }
    }

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let allowed = allowedMethods(path: request.uri.path), !allowed.contains(request.method) else {
            return try await next(request, context)
        }
        let allow = allowed.map(\.rawValue).joined(separator: ", ")
        let problem = MethodNotAllowed(
            type: Problem.typePrefix + "method-not-allowed",
            title: "Method not allowed",
            status: 405,
            detail: "\(request.method) is not allowed on \(request.uri.path); it answers \(allow)"
        )
        var response = Response(answer: try Answer(status: 405, problem))
        response.headers[.allow] = allow
        return response
    }

    /// The methods of the route the router would pick for `path`, or nil when no route has it.
    func allowedMethods(path: String) -> [HTTPRequest.Method]? {
        let segments = path.split(separator: "/")
        var best: (rank: [Int], methods: [HTTPRequest.Method])?
        for route in routes {
            guard let rank = Self.rank(route.components, segments) else { continue }
            if let best, !best.rank.lexicographicallyPrecedes(rank) { continue }
            best = (rank, route.methods)
        }
        return best?.methods
    }

    /// How closely a template matches `segments`, one figure per segment (a constant
    /// beats a parameter, as the router prefers); nil when it does not match. A
    /// catch-all (`/app/**`, the web app's page not found) names no path: it never matches.
    static func rank(_ components: [RouterPath.Element], _ segments: [Substring]) -> [Int]? {
        guard components.count == segments.count, !components.contains(.recursiveWildcard) else { return nil }
        var rank = [Int]()
        for (element, segment) in zip(components, segments) {
            guard element ~= segment else { return nil }
            rank.append(element == segment ? 2 : 1)
        }
        return rank
    }
}

/// The problem+json body of a 405.
private struct MethodNotAllowed: Encodable {
    var type: String
    var title: String
    var status: Int
    var detail: String
}
