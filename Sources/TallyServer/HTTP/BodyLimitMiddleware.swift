import Hummingbird
import TallyApp

/// Answers 413 at once for a request that announces a body over the limit, before
/// any of it is read.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = TallyRequestContext

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > context.maxUploadSize {
            throw TallyError.payloadTooLarge(limitBytes: context.maxUploadSize)
        }
        return try await next(request, context)
    }
}
