import Foundation
import Hummingbird
import TallyApp

/// Refuses a request whose path or query holds a control character (U+0000–U+001F
/// other than tab and newline, percent-encoded or not), naming the parameter, before
/// any route reads it. PostgreSQL refuses U+0000 in text, so a search for `%00` would
/// otherwise fail inside the database; no parameter of Tally's holds one.
struct ControlCharacterMiddleware: RouterMiddleware {
    typealias Context = TallyRequestContext

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if let field = Self.firstRefusedField(path: request.uri.path, query: request.uri.queryParameters) {
            throw TallyError.invalid(field, JSONBodyScan.controlCharacterReason)
        }
        return try await next(request, context)
    }

    static func firstRefusedField(path: String, query: Parameters) -> String? {
        if containsRefusedControl(path.removingPercentEncoding ?? path) { return "path" }
        for (name, value) in query {
            if containsRefusedControl(String(name)) || containsRefusedControl(String(value)) { return String(name) }
        }
        return nil
    }

    static func containsRefusedControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { JSONBodyScan.isRefusedControl($0.value) }
    }
}
