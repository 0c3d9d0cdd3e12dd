import Hummingbird
import Logging
import TallyApp
import TallyStore

/// Turns every error into an RFC 9457 problem+json answer, in one place.
///
/// Tally's own errors carry their status and fields; Hummingbird's (no such
/// route, body too large) keep their status; anything else is a 500 whose
/// details go to the log, not to the caller.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = TallyRequestContext

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as TallyError {
            var response = Response(answer: Answer(error))
            if let seconds = error.retryAfterSeconds { response.headers[.retryAfter] = String(seconds) }
            return response
        } catch let error as any HTTPResponseError {
            let status = error.status
            let tally: TallyError =
                switch status.code {
                case 404: .notFound("no route \(request.method) \(request.uri.path)")
                case 405: .notFound("\(request.method) is not allowed on \(request.uri.path)")
                case 413: .payloadTooLarge(limitBytes: TallyRequestContext.maximumBodyBytes)
                case 401: .unauthenticated
                default: .badRequest(status.reasonPhrase)
                }
            return Response(answer: Answer(tally))
        } catch {
            // Only the error's kind and code: a database error may quote bound values or rows.
            context.logger.error("unexpected error", metadata: ["error": "\(LoggableError.describe(error))"])
            let body = #"{"type":"urn:tally:problem:internal","title":"Internal error","status":500,"detail":"the error was logged"}"#
            return Response(answer: Answer(status: 500, body: Array(body.utf8)))
        }
    }
}

extension Response {
    /// An answer as an HTTP response: JSON, or problem+json for errors.
    init(answer: Answer) {
        let type = answer.status >= 400 ? "application/problem+json" : "application/json"
        self.init(
            status: HTTPResponse.Status(code: answer.status),
            headers: [.contentType: type],
            body: answer.status == 204 ? .init() : .init(byteBuffer: ByteBuffer(bytes: answer.body))
        )
    }

    /// A value encoded as the API's JSON.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(answer: try Answer(status: status.code, value))
    }
}
