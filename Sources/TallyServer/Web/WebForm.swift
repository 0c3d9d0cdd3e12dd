import Foundation
import Hummingbird
import TallyApp
import TallyCore

/// An `application/x-www-form-urlencoded` body: every value of every field, in order.
struct WebForm: Sendable {
    private(set) var fields: [(name: String, value: String)] = []

    /// The largest form Tally reads: far above any page's form.
    static let maximumBytes = 64 * 1024

    static func read(_ request: Request, context: TallyRequestContext) async throws -> WebForm {
        var request = request
        let buffer = try await request.collectBody(upTo: maximumBytes)
        let form = WebForm(encoded: String(buffer: buffer))
        // The API's JSON scan refuses these in a body; a form refuses them the same way.
        if let field = form.fields.first(where: { ControlCharacterMiddleware.containsRefusedControl($0.name + $0.value) }) {
            throw TallyError.invalid(field.name, JSONBodyScan.controlCharacterReason)
        }
        return form
    }

    init(encoded: String) {
        for pair in encoded.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            fields.append((name, value))
        }
    }

    private static func decode(_ text: Substring) -> String {
        String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
    }

    /// The first value of `name`, trimmed; `nil` when absent.
    subscript(_ name: String) -> String? {
        fields.first { $0.name == name }?.value.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Every value of `name`, trimmed: repeated fields such as a route table's rows.
    func all(_ name: String) -> [String] {
        fields.filter { $0.name == name }.map { $0.value.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// Whether a checkbox was ticked.
    func checked(_ name: String) -> Bool {
        guard let value = self[name] else { return false }
        return ["on", "true", "1", "yes"].contains(value.lowercased())
    }

    /// The values as the form showed them, to render the form again with the input kept.
    var values: [String: String] {
        var values = [String: String]()
        for field in fields where values[field.name] == nil && field.name != "csrf" {
            values[field.name] = field.value
        }
        return values
    }
}

/// Field errors keyed by the form's field names, ready for a template.
struct FormErrors: Sendable {
    var byField: [String: String] = [:]

    init(_ errors: [FieldError] = [], renaming names: [String: String] = [:]) {
        for error in errors {
            let field = names[error.field] ?? error.field
            byField[field] = byField[field].map { $0 + "; " + error.reason } ?? error.reason
        }
    }

    var isEmpty: Bool { byField.isEmpty }

    mutating func add(_ field: String, _ reason: String) {
        byField[field] = byField[field].map { $0 + "; " + reason } ?? reason
    }
}

/// Builds the API's JSON for a form, so a form goes through the very decoding and
/// checks the API applies: one rule, one place.
struct JSONFields {
    private var parts: [String] = []

    mutating func string(_ name: String, _ value: String?) {
        guard let value, !value.isEmpty else { return }
        parts.append("\(quote(name)):\(quote(value))")
    }

    /// A number as typed; an empty field is left out. Text that is not a number is
    /// sent as a string, so the API's decoding names the field.
    mutating func number(_ name: String, _ value: String?) {
        guard let value, !value.isEmpty else { return }
        let isNumber = value.range(of: #"^-?[0-9]{1,18}(\.[0-9]{1,18})?$"#, options: .regularExpression) != nil
        parts.append("\(quote(name)):" + (isNumber ? value : quote(value)))
    }

    mutating func bool(_ name: String, _ value: Bool) {
        parts.append("\(quote(name)):\(value)")
    }

    /// A list of texts, always written (an empty list too).
    mutating func strings(_ name: String, _ values: [String]) {
        parts.append("\(quote(name)):[" + values.map(quote).joined(separator: ",") + "]")
    }

    mutating func raw(_ name: String, _ json: String) {
        parts.append("\(quote(name)):\(json)")
    }

    var json: String { "{" + parts.joined(separator: ",") + "}" }
    var bytes: [UInt8] { Array(json.utf8) }

    private func quote(_ text: String) -> String {
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
