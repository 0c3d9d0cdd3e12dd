/// The fields a JSON request body may hold, read from its operation's schema in
/// `/openapi.json`: the server refuses a field the document does not name (422 naming
/// it, `JSONBodyScan`), so a misspelt optional field is never silently ignored and the
/// document and the server agree by construction.
indirect enum BodyFields: Sendable {
    /// An object with these fields and no other.
    case object([String: BodyFields])
    /// An array whose items hold these fields.
    case array(BodyFields)
    /// Any value: a scalar, or an object the document leaves open (a provider's event).
    case any

    init(_ schema: Schema) {
        switch schema {
        case .object(let properties, _, let closed):
            self = closed ? .object(Dictionary(uniqueKeysWithValues: properties.map { ($0.0, BodyFields($0.1)) })) : .any
        case .array(let items): self = .array(BodyFields(items))
        case .nullable(let schema), .with(let schema, _): self = BodyFields(schema)
        case .reference(let name): self = OpenAPIDocument.schemas[name].map(BodyFields.init) ?? .any
        default: self = .any
        }
    }

    /// What the field `key` of an object may hold; nil when the object has no such field.
    func field(_ key: String) -> BodyFields? {
        guard case .object(let fields) = self else { return .any }
        return fields[key]
    }

    /// What the items of an array may hold.
    var items: BodyFields {
        guard case .array(let items) = self else { return .any }
        return items
    }

    /// The body fields of each operation taking JSON, by method and route (`POST /v1/accounts/{account}/sms`).
    private static let byRoute: [String: BodyFields] = {
        var routes = [String: BodyFields]()
        for operation in OpenAPIDocument.operations where operation.requestType == "application/json" {
            if let request = operation.request { routes[operation.method + " " + operation.path] = BodyFields(request) }
        }
        return routes
    }()

    /// The body fields of the route a request was routed to; any fields when the document
    /// describes no JSON body for it.
    static func of(method: String, route: String?) -> BodyFields {
        route.flatMap { byRoute[method + " " + $0] } ?? .any
    }
}
