import Foundation
import Hummingbird
import TallyApp

/// A request's JSON body, read once: its bytes (for idempotency) and its decoded value.
struct JSONBody<Value: Decodable & Sendable>: Sendable {
    let bytes: [UInt8]
    let value: Value

    /// Reads and decodes the body; a wrong field answers 422 naming it.
    static func read(_ request: Request, context: some RequestContext) async throws -> JSONBody {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        let bytes = Array(buffer.readableBytesView)
        return JSONBody(bytes: bytes, value: try decode(Value.self, from: bytes, fields: fields(request, context)))
    }

    /// The fields the document names for the route `request` was routed to.
    static func fields(_ request: Request, _ context: some RequestContext) -> BodyFields {
        BodyFields.of(method: request.method.rawValue, route: context.endpointPath)
    }

    static func decode<T: Decodable>(
        _ type: T.Type,
        from bytes: [UInt8],
        fields: BodyFields = .any
    ) throws(TallyError) -> T {
        guard !bytes.isEmpty else { throw .invalid("body", "must be a JSON object") }
        if let problem = JSONBodyScan.firstProblem(in: bytes, fields: fields) { throw .invalid([problem]) }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .rfc3339
        do {
            return try decoder.decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw TallyError.invalid([fieldError(error)])
        } catch let error as TallyError {
            throw error
        } catch {
            throw TallyError.invalid("body", "is not valid JSON")
        }
    }

    static func fieldError(_ error: DecodingError) -> FieldError {
        switch error {
        case .keyNotFound(let key, let context):
            return FieldError(path(context.codingPath + [key]), "is required")
        case .valueNotFound(_, let context):
            return FieldError(path(context.codingPath), "must not be null")
        case .typeMismatch(let type, let context):
            return FieldError(path(context.codingPath), "must be \(jsonName(of: type))")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return FieldError("body", "is not valid JSON")
            }
            return FieldError(path(context.codingPath), context.debugDescription)
        @unknown default:
            return FieldError("body", "cannot be read")
        }
    }

    /// `owner.email`, `routes[2].name`.
    static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text.isEmpty ? "body" : text
    }

    static func jsonName(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Double.Type: "a number"
        default: type is any Collection.Type ? "an array" : "an object"
        }
    }
}

extension Request {
    /// The `Idempotency-Key` header's value, as sent.
    var idempotencyKey: String? { headers.first(where: { $0.name.canonicalName == "idempotency-key" })?.value }

    /// The `Idempotency-Key` of a request whose body is `body`, fingerprinted, with the
    /// lookup made with its API key (`lookedUp`) when there was one.
    func idempotency(body: [UInt8], lookedUp: KeyLookedUp? = nil) throws -> IdempotencyRequest? {
        guard let key = idempotencyKey else { return nil }
        var request = try IdempotencyRequest(key: key, method: method.rawValue, path: uri.path, body: body)
        request.lookedUp = lookedUp
        return request
    }
}
