import Foundation
import TallyApp
import TallyCore

/// A JSON Schema, as much of it as the API description needs.
///
/// Answers and requests are described differently, as the code reads and writes them:
/// an answer object (`answer(_:optional:)`) lists every field it writes as required and
/// no other field (`@Nullable` fields are written as explicit nulls, so they are required
/// and nullable); a request object names what it requires, its optional fields may be
/// null, and no other field is accepted (the server answers 422 naming an unknown field,
/// ``BodyFields``).
indirect enum Schema: Sendable {
    case string(description: String? = nil)
    /// Text in a request: no control character the server refuses (``Schema/controlFree``),
    /// at most `maximum` characters, and with `blank: false` something besides whitespace
    /// (the server trims it and refuses what is left empty).
    /// `pattern` replaces the control-character rule with a stricter one.
    case text(minimum: Int? = nil, maximum: Int? = nil, blank: Bool = true, pattern: String? = nil, description: String? = nil)
    /// Credits in an answer: a string with exactly three decimals, `"12.500"`.
    case credits
    /// Credits in a request: a decimal string or a JSON number, at most three decimals,
    /// within the bounds the operation sets.
    case creditsInput(CreditsInput)
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
    /// `closed`: no field but those listed (answers, and requests: ``Schema/request(_:required:)``).
    case object([(String, Schema)], required: [String] = [], closed: Bool = false)
    case reference(String)
    case nullable(Schema)
    /// One of several shapes (the lines of the different feature logs).
    case anyOf([Schema])
    /// `schema` with extra JSON Schema keywords, written as a JSON object
    /// (`{"minLength": 1}`), for a rule no other case states.
    case with(Schema, keywords: String)

    /// A request's text that may not be empty nor only whitespace.
    static let nonEmpty = Schema.text(blank: false)

    /// What the server refuses in every key and string of a body, and in every query
    /// parameter: a control character (U+0000–U+001F) other than tab, line feed and
    /// carriage return (`JSONBodyScan`, `ControlCharacterMiddleware`).
    static let controlFree = #"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F]*$"#
    /// The whitespace the server trims from text (Foundation's `whitespacesAndNewlines`),
    /// less the control characters it refuses anyway.
    static let trimmedWhitespace = #"\t\n\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"#
    /// Text with something besides whitespace, and no refused control character.
    static let notBlank =
        #"^[\#(trimmedWhitespace)]*[^\u0000-\u001F\#(trimmedWhitespace)][^\u0000-\u0008\u000B\u000C\u000E-\u001F]*$"#
    /// Text of at most `maximum` characters once its surrounding whitespace is trimmed (the
    /// server counts Unicode scalars, as a pattern does), with no refused control character;
    /// with `blank: false`, not only whitespace.
    static func trimmed(maximum: Int, blank: Bool) -> String {
        let visible = #"[^\u0000-\u001F\#(trimmedWhitespace)]"#
        let inner = #"(?:\#(visible)(?:[^\u0000-\u0008\u000B\u000C\u000E-\u001F]{0,\#(maximum - 2)}\#(visible))?)"#
        return "^[\(trimmedWhitespace)]*" + inner + (blank ? "?" : "") + "[\(trimmedWhitespace)]*$"
    }

    /// A name of a person, an account or an API key: trimmed, 1 to 200 characters.
    static let name = Schema.text(maximum: 200, blank: false)
    /// Why credits were granted or adjusted: trimmed, 1 to 500 characters.
    static let reason = Schema.text(maximum: 500, blank: false)
    /// A password: at least 8 characters, at most 72 bytes in UTF-8 (bcrypt reads no more).
    static let password = Schema.text(
        minimum: 8,
        maximum: 72,
        // Not trimmed: every character counts.
        pattern: controlFree,
        description: "at least 8 characters, at most 72 bytes in UTF-8 (bcrypt reads no more; a character beyond ASCII "
            + "takes 2 to 4): a longer one is 422"
    )
    /// A person's email address as `EmailAddress.parse` reads it: a dot-atom of ASCII
    /// before `@` (at most 64), then two or more DNS labels (at most 63 each), the last
    /// not all digits nor a name reserved for special use. An internationalised domain
    /// (`münchen.de`) is read too; the pattern states the ASCII ones.
    static let emailAddress = Schema.text(
        maximum: 254,
        // Stricter than the server where a pattern without look-arounds cannot say it
        // exactly (a longer dot-atom, more labels, a digit in the last label), so what it
        // calls valid is accepted and generators draw from it quickly.
        pattern: #"^[ \t\n\r]*[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,32}(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,31})?"#
            + #"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,3}[A-Za-z]{2,63}[ \t\n\r]*$"#,
        description: "an email address, user@example.com; an internationalised domain is read too, and a domain "
            + "reserved for special use (.local, .localhost, .test, .onion, .arpa) is 422"
    )
    /// A number an SMS can go to: international (`+` or `00` first), digits and separators.
    static let phoneNumber = Schema.text(
        maximum: 64,
        pattern: #"^[\#(trimmedWhitespace)]*(?:\+|\(\+|00)[0-9 \t\u00A0\u202F()./-]*[0-9][0-9 \t\u00A0\u202F()./-]*[\#(trimmedWhitespace)]*$"#,
        description: "an international number, +33 6 12 34 56 78; one whose calling code, length or country Tally "
            + "cannot price (its numbering plan) is 422"
    )
    /// An SMS's text, as typed (not trimmed): at most 10 segments.
    static let smsBody = Schema.text(
        minimum: 1,
        maximum: 1_600,
        pattern: controlFree,
        description: "at most 10 segments (split, 153 GSM-7 characters or 67 UCS-2 each): a longer one is 422"
    )
    /// The feature a hold names: 1 to 64 ASCII letters, digits, `_`, `-` or `.`.
    static let holdFeature = Schema.text(pattern: #"^[ \t]*[A-Za-z0-9_.-]{1,64}[ \t]*$"#)
    /// A webhook endpoint: an http or https URL (one naming a loopback or private address is 422).
    static let webhookURL = Schema.text(
        maximum: 2_048,
        pattern: #"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?$"#,
        description: "an http or https URL; one naming a loopback or private address is 422"
    )
    /// A whole number within `range`.
    static func integer(_ range: ClosedRange<Int>) -> Schema {
        .with(.integer, keywords: #"{"minimum": \#(range.lowerBound), "maximum": \#(range.upperBound)}"#)
    }

    /// Credits in a request that must be more than zero, at most a purchase's maximum.
    static let positiveCreditsInput = Schema.creditsInput(.positive(maximumDigits: 6))

    /// An answer object: every field is written (a nil `@Nullable` as null) unless named
    /// in `optional` (a plain optional, left out when nil), and no other field is.
    static func answer(_ properties: [(String, Schema)], optional: Set<String> = []) -> Schema {
        .object(properties, required: properties.map(\.0).filter { !optional.contains($0) }, closed: true)
    }

    /// A request object: the fields it requires; the others may be left out or null, and
    /// no field it does not name is accepted.
    static func request(_ properties: [(String, Schema)], required: [String] = []) -> Schema {
        .object(
            properties.map { required.contains($0.0) ? $0 : ($0.0, .nullable($0.1)) },
            required: required,
            closed: true
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
        case .text(let minimum, let maximum, let blank, let pattern, let description):
            var text: [String: Any] = ["type": "string"]
            if let pattern {
                text["pattern"] = pattern
                if let maximum { text["maxLength"] = maximum }
            } else if let maximum {
                // The server counts what is left after trimming, so the limit is in the pattern.
                text["pattern"] = Self.trimmed(maximum: maximum, blank: blank)
            } else {
                text["pattern"] = blank ? Self.controlFree : Self.notBlank
            }
            if let minimum { text["minLength"] = minimum } else if !blank { text["minLength"] = 1 }
            if let description { text["description"] = description }
            return text
        case .credits:
            return [
                "type": "string", "pattern": "^-?[0-9]+\\.[0-9]{3}$",
                "description": "credits, a decimal string with exactly three decimals",
            ]
        case .creditsInput(let bounds):
            return [
                "anyOf": [["type": "string", "pattern": bounds.pattern], bounds.number],
                "description": "credits, a decimal string or number with at most three decimals; " + bounds.description,
            ]
        case .money:
            return ["type": "string", "pattern": "^[0-9]+\\.[0-9]{2}$", "description": "US dollars"]
        case .moneyInput:
            return [
                "anyOf": [
                    ["type": "string", "pattern": "^[0-9]{1,16}(\\.[0-9]{1,2})?$"],
                    ["type": "number", "multipleOf": 0.01, "minimum": 0, "maximum": 9_999_999_999_999_999],
                ],
                "description": "US dollars, a decimal string or number with at most two decimals, not negative",
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

/// The credits a request field accepts: how `Credits.parse` reads a string or a JSON
/// number, within the bounds the operation checks.
enum CreditsInput: Sendable {
    /// More than zero, below 10^`maximumDigits` or exactly it.
    case positive(maximumDigits: Int)
    /// Zero or more, below 10^`maximumDigits` or exactly it.
    case notNegative(maximumDigits: Int)
    /// Positive or negative, never zero, at most 10^`maximumDigits` either way.
    case notZero(maximumDigits: Int)
    /// Whole credits from `minimum` to 10^`maximumDigits` (a purchase: `Catalog.purchasePrice`).
    case whole(minimum: Int, maximumDigits: Int)

    var maximum: Int {
        switch self {
        case .positive(let digits), .notNegative(let digits), .notZero(let digits), .whole(_, let digits):
            (0..<digits).reduce(1) { power, _ in power * 10 }
        }
    }

    /// A decimal string: an optional sign, leading zeros, at most three decimals. Written
    /// without look-arounds, so generators draw from it quickly.
    var pattern: String {
        let top = "1" + String(repeating: "0", count: String(maximum).count - 1)
        // Not zero: a digit other than 0 before the point, or a decimal other than 0 after it.
        func notZero(_ digits: Int) -> String {
            #"0*[1-9][0-9]{0,\#(digits - 1)}(?:\.[0-9]{1,3})?|0*\.(?:[1-9][0-9]{0,2}|0[1-9][0-9]?|00[1-9])|\#(top)(?:\.0{1,3})?"#
        }
        switch self {
        case .positive(let digits):
            return #"^\+?(?:\#(notZero(digits)))$"#
        case .notNegative(let digits):
            return #"^\+?0*(?:[0-9]{1,\#(digits)}(?:\.[0-9]{1,3})?|\.[0-9]{1,3}|\#(top)(?:\.0{1,3})?)$"#
        case .notZero(let digits):
            return #"^[+-]?(?:\#(notZero(digits)))$"#
        case .whole(let minimum, let digits):
            let low = String(minimum)
            // At least `minimum` (a power of ten here), at most the top, with only zero decimals.
            precondition(low == "1" + String(repeating: "0", count: low.count - 1), "a power of ten")
            return #"^\+?0*(?:[1-9][0-9]{\#(low.count - 1),\#(digits - 1)}|\#(top))(?:\.0{1,3})?$"#
        }
    }

    /// The same bounds on a JSON number.
    var number: [String: Any] {
        switch self {
        case .positive: ["type": "number", "multipleOf": 0.001, "exclusiveMinimum": 0, "maximum": maximum]
        case .notNegative: ["type": "number", "multipleOf": 0.001, "minimum": 0, "maximum": maximum]
        case .notZero:
            ["type": "number", "multipleOf": 0.001, "minimum": -maximum, "maximum": maximum, "not": ["const": 0]]
        case .whole(let minimum, _): ["type": "number", "multipleOf": 1, "minimum": minimum, "maximum": maximum]
        }
    }

    var description: String {
        switch self {
        case .positive: "more than 0, at most \(maximum)"
        case .notNegative: "0 to \(maximum)"
        case .notZero: "not 0, at most \(maximum) either way"
        case .whole(let minimum, _): "whole credits, \(minimum) to \(maximum)"
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

    /// The query parameters' values: pages of 1 to 500, days written YYYY-MM-DD, and no
    /// refused control character in any text (``Schema/controlFree``).
    static func querySchema(_ name: String) -> [String: Any] {
        switch name {
        case "limit": ["type": "integer", "minimum": 1, "maximum": 500]
        case "from", "to": ["type": "string", "format": "date"]
        case "cursor": ["type": "string", "minLength": 1, "pattern": Schema.controlFree]
        case "q": ["type": "string", "maxLength": LogSearch.maximumLength, "pattern": Schema.controlFree]
        case "result": ["type": "string", "enum": ["sent", "failed", "valid", "invalid", "completed", "skipped", "blocked"]]
        case "lineType": ["type": "string", "enum": Reports.lineTypes]
        default: ["type": "string", "pattern": Schema.controlFree]
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
