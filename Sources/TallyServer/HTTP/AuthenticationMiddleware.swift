import Hummingbird
import TallyApp

/// Reads `Authorization: Bearer <token>` and records who is calling.
///
/// A request without the header goes on anonymous (routes that need a caller
/// answer 401); a header with an unknown token is answered 401 at once.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = TallyRequestContext
    let accounts: Accounts

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            return try await next(request, context)
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        // A write's `Idempotency-Key` is looked up with the API key, in one read.
        guard parts.count == 2, parts[0].lowercased() == "bearer",
            let (principal, lookedUp) = try await accounts.authenticate(
                bearer: String(parts[1]),
                idempotencyKey: request.method == .post ? request.idempotencyKey : nil
            )
        else { throw TallyError.unauthenticated }
        var context = context
        context.principal = principal
        context.keyLookedUp = lookedUp
        return try await next(request, context)
    }
}
