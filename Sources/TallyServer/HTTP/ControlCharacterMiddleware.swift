import Foundation
import Hummingbird
import TallyApp

/// Refuses a request whose query holds a control character (U+0000–U+001F other than
/// tab and newline, percent-encoded or not) with a 422 naming the parameter, and
/// answers 404 for a path that holds one, before any route reads them. PostgreSQL
/// refuses U+0000 in text, so a search for `%00` would otherwise fail inside the
/// database; no parameter or id of Tally's holds one.
struct ControlCharacterMiddleware: RouterMiddleware {
    typealias Context = TallyRequestContext

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        // No id of Tally's holds a control character: such a path names nothing.
        // Decoded only when it holds an escape (Foundation's decoding costs more than the
        // rest of this check on every request).
        let path = request.uri.path
        let decoded = path.utf8.contains(UInt8(ascii: "%")) ? (path.removingPercentEncoding ?? path) : path
        if Self.containsRefusedControl(decoded) {
            throw TallyError.notFound("no such resource: the path holds a control character")
        }
        if let field = Self.firstRefusedField(query: request.uri.queryParameters) {
            throw TallyError.invalid(field, JSONBodyScan.controlCharacterReason)
        }
        return try await next(request, context)
    }

    static func firstRefusedField(query: Parameters) -> String? {
        for (name, value) in query {
            if containsRefusedControl(String(name)) || containsRefusedControl(String(value)) { return String(name) }
        }
        return nil
    }

    static func containsRefusedControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { JSONBodyScan.isRefusedControl($0.value) }
    }
}
