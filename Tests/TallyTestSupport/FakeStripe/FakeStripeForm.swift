import Foundation

/// A form body or query as Stripe reads it: `a=1&metadata[k]=v&list[0]=x`, decoded into a
/// tree (a list's indexes become keys). Written here on its own, not borrowed from Tally,
/// so the fake checks Tally's encoding instead of agreeing with it.
indirect enum FakeStripeForm: Sendable, Equatable {
    case value(String)
    case object([String: FakeStripeForm])

    /// The pairs of a form body, in order, percent-decoded (`+` is a space).
    static func pairs(_ text: String) -> [(String, String)]? { FakeFormBody.pairs(text) }

    /// The parameters' tree, or the name of the one that cannot be read.
    static func parse(_ text: String) -> Result<[String: FakeStripeForm], Refusal> {
        guard let pairs = pairs(text) else { return .failure(Refusal(param: nil, message: "The request body could not be decoded.")) }
        var root: [String: FakeStripeForm] = [:]
        for (name, value) in pairs {
            guard let path = path(name) else { return .failure(Refusal(param: name, message: "Invalid parameter name: \(name)")) }
            guard insert(value, at: path[...], into: &root) else {
                return .failure(Refusal(param: path[0], message: "Invalid value for \(name): it is given as both a value and an object."))
            }
        }
        return .success(root)
    }

    struct Refusal: Error {
        var param: String?
        var message: String
    }

    /// `metadata[a][b]` → `["metadata", "a", "b"]`; `list[]` → an index-less key is refused.
    static func path(_ name: String) -> [String]? {
        guard let open = name.firstIndex(of: "[") else { return name.isEmpty ? nil : [name] }
        var path = [String(name[..<open])]
        var rest = name[open...]
        while !rest.isEmpty {
            guard rest.first == "[", let close = rest.firstIndex(of: "]") else { return nil }
            let key = String(rest[rest.index(after: rest.startIndex)..<close])
            guard !key.isEmpty else { return nil }
            path.append(key)
            rest = rest[rest.index(after: close)...]
        }
        return path[0].isEmpty ? nil : path
    }

    private static func insert(_ value: String, at path: ArraySlice<String>, into object: inout [String: FakeStripeForm]) -> Bool {
        let key = path.first!
        if path.count == 1 {
            guard object[key] == nil else { return object[key] == .value(value) }
            object[key] = .value(value)
            return true
        }
        var inner: [String: FakeStripeForm]
        switch object[key] {
        case nil: inner = [:]
        case .object(let existing): inner = existing
        case .value: return false
        }
        guard insert(value, at: path.dropFirst(), into: &inner) else { return false }
        object[key] = .object(inner)
        return true
    }

    var string: String? {
        if case .value(let text) = self { return text }
        return nil
    }

    var fields: [String: FakeStripeForm]? {
        if case .object(let fields) = self { return fields }
        return nil
    }

    /// As JSON (`metadata` echoes back as an object of strings).
    var json: Any {
        switch self {
        case .value(let text): text
        case .object(let fields): fields.mapValues(\.json)
        }
    }
}
