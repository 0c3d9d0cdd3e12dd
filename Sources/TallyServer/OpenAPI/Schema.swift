import Foundation

/// A JSON Schema, as much of it as the API description needs.
///
/// Answers and requests are described differently, as the code reads and writes them:
/// an answer object (`answer(_:optional:)`) lists every field it writes as required and
/// no other field (`@Nullable` fields are written as explicit nulls, so they are required
/// and nullable); a request object names what it requires and lets other fields through,
/// as the decoder ignores them, and its optional fields may be null.
indirect enum Schema: Sendable {
    case string(description: String? = nil)
    /// Credits in an answer: a string with exactly three decimals, `"12.500"`.
    case credits
    /// Credits in a request: a decimal string or a JSON number, at most three decimals.
    case creditsInput
    /// US dollars in an answer: a string with two decimals, `"20.00"`.
    case money
    /// US dollars in a request: a decimal string or a JSON number, at most two decimals.
    case moneyInput
    case integer
    case boolean
    /// An RFC 3339 time, `2026-03-01T17:00:00Z`.
    case dateTime
    /// A day, `2026-03-01`.
    case date
    case oneOf([String])
    case array(Schema)
    /// `closed`: no field but those listed (answers).
    case object([(String, Schema)], required: [String] = [], closed: Bool = false)
    case reference(String)
    case nullable(Schema)
    /// One of several shapes (the lines of the different feature logs).
    case anyOf([Schema])
    /// `schema` with extra JSON Schema keywords, written as a JSON object
    /// (`{"minLength": 1}`), for a rule no other case states.
    case with(Schema, keywords: String)

    /// A request's text that may not be empty.
    static let nonEmpty = Schema.with(.string(), keywords: #"{"minLength": 1}"#)
    /// Credits in a request that must be more than zero (a JSON number; a string is read the same way).
    static let positiveCreditsInput = Schema.with(.creditsInput, keywords: #"{"exclusiveMinimum": 0}"#)

    /// An answer object: every field is written (a nil `@Nullable` as null) unless named
    /// in `optional` (a plain optional, left out when nil), and no other field is.
    static func answer(_ properties: [(String, Schema)], optional: Set<String> = []) -> Schema {
        .object(properties, required: properties.map(\.0).filter { !optional.contains($0) }, closed: true)
    }

    /// A request object: the fields it requires; the others may be left out or null, and
    /// fields it does not know are ignored.
    static func request(_ properties: [(String, Schema)], required: [String] = []) -> Schema {
        .object(
            properties.map { required.contains($0.0) ? $0 : ($0.0, .nullable($0.1)) },
            required: required
        )
    }

    /// `{"items": [...]}`, the shape of every unpaged list.
    static func items(_ item: Schema) -> Schema {
        answer([("items", .array(item))])
    }

    var json: [String: Any] {
        switch self {
        case .string(let description):
            return description.map { ["type": "string", "description": $0] } ?? ["type": "string"]
        case .credits:
            return [
                "type": "string", "pattern": "^-?[0-9]+\\.[0-9]{3}$",
                "description": "credits, a decimal string with exactly three decimals",
            ]
        case .creditsInput:
            return [
                "type": ["string", "number"], "pattern": "^[+-]?([0-9]+(\\.[0-9]{1,3})?|\\.[0-9]{1,3})$",
                "description": "credits, a decimal string or number with at most three decimals",
            ]
        case .money:
            return ["type": "string", "pattern": "^[0-9]+\\.[0-9]{2}$", "description": "US dollars"]
        case .moneyInput:
            return [
                "type": ["string", "number"], "pattern": "^[0-9]+(\\.[0-9]{1,2})?$", "minimum": 0,
                "description": "US dollars, a decimal string or number with at most two decimals",
            ]
        case .integer: return ["type": "integer"]
        case .boolean: return ["type": "boolean"]
        case .dateTime: return ["type": "string", "format": "date-time"]
        case .date: return ["type": "string", "format": "date"]
        case .oneOf(let values): return ["type": "string", "enum": values]
        case .array(let items): return ["type": "array", "items": items.json]
        case .object(let properties, let required, let closed):
            var object: [String: Any] = [
                "type": "object",
                "properties": Dictionary(uniqueKeysWithValues: properties.map { ($0.0, $0.1.json) }),
            ]
            if !required.isEmpty { object["required"] = required }
            if closed { object["additionalProperties"] = false }
            return object
        case .reference(let name): return ["$ref": "#/components/schemas/\(name)"]
        case .nullable(let schema):
            return ["anyOf": [schema.json, ["type": "null"]]]
        case .anyOf(let schemas):
            return ["anyOf": schemas.map(\.json)]
        case .with(let schema, let keywords):
            let extra = try! JSONSerialization.jsonObject(with: Data(keywords.utf8)) as! [String: Any]
            return schema.json.merging(extra) { _, keyword in keyword }
        }
    }
}

/// Who may call an operation; what a caller who may not is answered follows from it.
enum Access: Sendable {
    /// No token needed (an unknown token is still 401).
    case anyone
    /// Any valid token: the operator, a person or an API key.
    case anyPrincipal
    /// A person's session token.
    case session
    /// The operator of the installation.
    case operatorOnly
    /// The account's owner and super admins.
    case manager
    /// The account's API keys, owner and super admins (metered features, the wallet).
    case feature
    /// The account's owner, super admins and API keys (usage, logs, ledger, lots).
    case reader
    /// The operator, the account's owner and super admins.
    case refunder

    var callers: String {
        switch self {
        case .anyone: "anyone"
        case .anyPrincipal: "any principal"
        case .session: "a person with a session"
        case .operatorOnly: "operator"
        case .manager: "owner, super_admin"
        case .feature: "API key, owner, super_admin"
        case .reader: "owner, super_admin, API key"
        case .refunder: "owner, super_admin, operator"
        }
    }

    /// Whether some valid callers are refused for their role (403).
    var refusesRoles: Bool {
        switch self {
        case .anyone, .anyPrincipal, .session: false
        case .operatorOnly, .manager, .feature, .reader, .refunder: true
        }
    }
}

/// One operation of the API: method, path, who may call it, what it takes and answers.
struct Operation: Sendable {
    var method: String
    var path: String
    var summary: String
    var access: Access
    var request: Schema?
    /// Whether the request body may be left out (capturing a whole hold).
    var requestOptional = false
    var status: Int
    var answer: Schema?
    /// Other success answers with their bodies: a payment Stripe has not decided yet (202).
    var alsoAnswers: [(status: Int, description: String, answer: Schema)] = []
    var query: [(String, String)] = []
    var idempotent = false
    /// Also answers `text/csv` (for `Accept: text/csv` or `format=csv`).
    var csv = false
    /// The media type of a success answer that is not JSON.
    var answerType = "application/json"
    /// The media type of the request body (a provider's form-encoded callback is not JSON).
    var requestType = "application/json"
    /// Path parameters whose values are a fixed set.
    var pathChoices: [String: [String]] = [:]
    /// A typical request body (JSON text), shown to readers and sent by the fuzzer (`scripts/fuzz`).
    var example: String? = nil
    /// Error statuses this operation answers beyond those every operation of its kind does.
    var errors: [Int] = []

    var pathParameters: [String] {
        path.split(separator: "/").compactMap { part in
            part.hasPrefix("{") ? String(part.dropFirst().dropLast()) : nil
        }
    }

    /// Every error status the operation can answer, each with a problem+json body.
    ///
    /// Every operation: 401 for an unknown token, 413 for a body over the limit. An
    /// operation of one account (a path parameter) answers 404 for another account's
    /// or a missing resource; one refused to some roles 403; one that reads a body,
    /// query parameters or an `Idempotency-Key` 422; an idempotent one 409 when its key
    /// was used for another request or is still being answered.
    var errorStatuses: [Int] {
        var statuses: Set<Int> = [401, 413]
        statuses.formUnion(errors)
        if !pathParameters.isEmpty { statuses.insert(404) }
        if access.refusesRoles { statuses.insert(403) }
        if request != nil || !query.isEmpty || idempotent { statuses.insert(422) }
        if idempotent { statuses.insert(409) }
        return statuses.sorted()
    }

    static let errorDescriptions: [Int: String] = [
        400: "the Stripe-Signature header does not match the body or is older than 5 minutes, or the body is not an event",
        401: "no token, or one that is unknown, revoked or expired; for logins, a wrong email or password",
        402: "not enough available credits, or the card or refund was declined",
        403: "the caller's role may not do this",
        404: "no such resource, or another account's",
        409: "conflicts with the resource's state, or the Idempotency-Key was used for another request",
        413: "the body is larger than 64 KiB",
        422: "invalid fields, each named in errors",
        429: "too many requests; Retry-After says when to try again",
        502: "a provider could not answer, or did not confirm; nothing is charged twice",
    ]

    /// The query parameters' values: pages of 1 to 500, days written YYYY-MM-DD.
    static func querySchema(_ name: String) -> [String: Any] {
        switch name {
        case "limit": ["type": "integer", "minimum": 1, "maximum": 500]
        case "from", "to": ["type": "string", "format": "date"]
        case "cursor": ["type": "string", "minLength": 1]
        default: ["type": "string"]
        }
    }

    var json: [String: Any] {
        var parameters: [[String: Any]] = pathParameters.map { name in
            var parameter: [String: Any] = ["name": name, "in": "path", "required": true, "schema": ["type": "string"]]
            if let choices = pathChoices[name] {
                parameter["schema"] = ["type": "string", "enum": choices]
            } else if name == "event" {
                parameter["schema"] = ["type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$"]
                parameter["example"] = "open-house"
            }
            return parameter
        }
        parameters += query.map {
            ["name": $0.0, "in": "query", "required": false, "schema": Self.querySchema($0.0), "description": $0.1]
        }
        if idempotent {
            parameters.append([
                "name": "Idempotency-Key", "in": "header", "required": false,
                "schema": ["type": "string", "pattern": "^[!-~]{1,255}$"],
                "description": "1 to 255 visible ASCII characters; a replay returns the first answer; "
                    + "the same key with another body is 409",
            ])
        }
        var content: [String: Any] = [:]
        if let answer {
            content[answerType] = ["schema": answer.json] as [String: Any]
        }
        if csv {
            let text: [String: Any] = ["type": "string", "description": "RFC 4180, a header row first"]
            content["text/csv"] = ["schema": text] as [String: Any]
        }
        var success: [String: Any] = ["description": "success"]
        if !content.isEmpty { success["content"] = content }
        var responses: [String: Any] = [String(status): success]
        for other in alsoAnswers {
            responses[String(other.status)] = [
                "description": other.description, "content": ["application/json": ["schema": other.answer.json]],
            ]
        }
        for status in errorStatuses {
            responses[String(status)] = [
                "description": Self.errorDescriptions[status] ?? "an error",
                "content": ["application/problem+json": ["schema": ["$ref": "#/components/schemas/Problem"]]],
            ]
        }
        let name = OpenAPIOperationNames.name(method: method, path: path)
        var operation: [String: Any] = [
            "summary": summary, "description": "Callers: \(access.callers).", "responses": responses,
            "operationId": name.id, "tags": [name.tag],
        ]
        if !parameters.isEmpty { operation["parameters"] = parameters }
        if let request {
            var media: [String: Any] = ["schema": request.json]
            if let example {
                media["example"] =
                    requestType == "application/json" ? try! JSONSerialization.jsonObject(with: Data(example.utf8)) : example
            }
            operation["requestBody"] = ["required": !requestOptional, "content": [requestType: media]]
        }
        if access != .anyone { operation["security"] = [["bearer": [String]()]] }
        return operation
    }
}
