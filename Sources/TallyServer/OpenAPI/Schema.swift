import Foundation

/// A JSON Schema, as much of it as the API description needs.
indirect enum Schema: Sendable {
    case string(description: String? = nil)
    case credits
    case money
    case integer
    case boolean
    case dateTime
    case oneOf([String])
    case array(Schema)
    case object([(String, Schema)], required: [String] = [])
    case reference(String)
    case nullable(Schema)

    var json: [String: Any] {
        switch self {
        case .string(let description):
            return description.map { ["type": "string", "description": $0] } ?? ["type": "string"]
        case .credits:
            return [
                "type": ["string", "number"], "pattern": "^-?[0-9]+(\\.[0-9]{1,3})?$",
                "description": "credits with up to three decimals; answers use a string with exactly three",
            ]
        case .money:
            return ["type": "string", "pattern": "^[0-9]+\\.[0-9]{2}$", "description": "US dollars"]
        case .integer: return ["type": "integer"]
        case .boolean: return ["type": "boolean"]
        case .dateTime: return ["type": "string", "format": "date-time"]
        case .oneOf(let values): return ["type": "string", "enum": values]
        case .array(let items): return ["type": "array", "items": items.json]
        case .object(let properties, let required):
            var object: [String: Any] = [
                "type": "object",
                "properties": Dictionary(uniqueKeysWithValues: properties.map { ($0.0, $0.1.json) }),
            ]
            if !required.isEmpty { object["required"] = required }
            return object
        case .reference(let name): return ["$ref": "#/components/schemas/\(name)"]
        case .nullable(let schema):
            return ["oneOf": [schema.json, ["type": "null"]]]
        }
    }
}

/// One operation of the API: method, path, who may call it, what it takes and answers.
struct Operation: Sendable {
    var method: String
    var path: String
    var summary: String
    var callers: String
    var request: Schema?
    var status: Int
    var answer: Schema?
    var query: [(String, String)] = []
    var idempotent = false
    /// Also answers `text/csv` (for `Accept: text/csv` or `format=csv`).
    var csv = false

    var pathParameters: [String] {
        path.split(separator: "/").compactMap { part in
            part.hasPrefix("{") ? String(part.dropFirst().dropLast()) : nil
        }
    }

    var json: [String: Any] {
        var parameters: [[String: Any]] = pathParameters.map {
            ["name": $0, "in": "path", "required": true, "schema": ["type": "string"]]
        }
        parameters += query.map {
            ["name": $0.0, "in": "query", "required": false, "schema": ["type": "string"], "description": $0.1]
        }
        if idempotent {
            parameters.append([
                "name": "Idempotency-Key", "in": "header", "required": false, "schema": ["type": "string"],
                "description": "a replay returns the first answer; the same key with another body is 409",
            ])
        }
        var content: [String: Any] = [:]
        if let answer {
            content["application/json"] = ["schema": answer.json] as [String: Any]
        }
        if csv {
            let text: [String: Any] = ["type": "string", "description": "RFC 4180, a header row first"]
            content["text/csv"] = ["schema": text] as [String: Any]
        }
        var success: [String: Any] = ["description": "success"]
        if !content.isEmpty { success["content"] = content }
        var responses: [String: Any] = [
            String(status): success,
            "default": [
                "description": "an error",
                "content": ["application/problem+json": ["schema": ["$ref": "#/components/schemas/Problem"]]],
            ],
        ]
        if status != 200 && status != 201 && status != 204 { responses["200"] = nil }
        var operation: [String: Any] = [
            "summary": summary, "description": "Callers: \(callers).", "responses": responses,
            "operationId": "\(method.lowercased())" + path.replacingOccurrences(of: "/", with: "_"),
        ]
        if !parameters.isEmpty { operation["parameters"] = parameters }
        if let request {
            operation["requestBody"] = [
                "required": true, "content": ["application/json": ["schema": request.json]],
            ]
        }
        if callers != "anyone" { operation["security"] = [["bearer": [String]()]] }
        return operation
    }
}
