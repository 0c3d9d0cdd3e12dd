import Foundation
import TallyApp

/// Reads a JSON body once, before it is decoded, for what the decoder lets through:
///
/// - a key that appears twice in one object. JSONDecoder keeps the last silently, so
///   `{"credits":1,"credits":100}` would mean something the sender may not have meant;
/// - a control character (U+0000–U+001F) in a string, written as an escape
///   (`\u0000`) or raw. No field of Tally's holds one: PostgreSQL refuses U+0000 in
///   text outright, and the others only hide what a log or a page shows. Tab, line
///   feed and carriage return are allowed (an SMS may span lines).
///
/// - a field the request's operation does not name (``BodyFields``, from `/openapi.json`).
///
/// Each is refused naming the field (`owner.email`, `routes[1].name`), before
/// anything is read from the database or sent to a provider.
enum JSONBodyScan {
    private struct Level {
        var isObject: Bool
        var keys: Set<[UInt8]> = []
        var path: String
        var index = 0
        /// In an object: the next string is a key.
        var expectingKey = true
        var lastKey = ""
        /// The fields this object or array may hold.
        var fields: BodyFields
    }

    static let unknownFieldReason = "is not a field of this request"
    static let controlCharacterReason = "must not contain control characters (U+0000 to U+001F other than tab and newline)"

    /// Whether a Unicode scalar is a control character no field accepts.
    static func isRefusedControl(_ value: UInt32) -> Bool {
        value < 0x20 && value != 0x09 && value != 0x0A && value != 0x0D
    }

    /// The first problem found, or nil. Malformed JSON is left for the decoder to describe.
    static func firstProblem(in bytes: [UInt8], fields: BodyFields = .any) -> FieldError? {
        var stack = [Level]()
        var position = 0
        func childPath() -> String {
            guard let top = stack.last else { return "" }
            if top.isObject { return top.path.isEmpty ? top.lastKey : top.path + "." + top.lastKey }
            return top.path + "[\(top.index)]"
        }
        func childFields() -> BodyFields {
            guard let top = stack.last else { return fields }
            return top.isObject ? top.fields.field(top.lastKey) ?? .any : top.fields.items
        }
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                stack.append(Level(isObject: byte == UInt8(ascii: "{"), path: childPath(), fields: childFields()))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard !stack.isEmpty else { return nil }
                stack.removeLast()
            case UInt8(ascii: ","):
                guard !stack.isEmpty else { return nil }
                if stack[stack.count - 1].isObject {
                    stack[stack.count - 1].expectingKey = true
                } else {
                    stack[stack.count - 1].index += 1
                }
            case UInt8(ascii: "\""):
                let start = position + 1
                position = start
                var hasControl = false
                while position < bytes.count, bytes[position] != UInt8(ascii: "\"") {
                    if bytes[position] == UInt8(ascii: "\\") {
                        if let escaped = unicodeEscape(in: bytes, at: position), isRefusedControl(escaped) {
                            hasControl = true
                        }
                        position += 2
                    } else {
                        if isRefusedControl(UInt32(bytes[position])) { hasControl = true }
                        position += 1
                    }
                }
                guard position < bytes.count else { return nil }
                if var top = stack.last, top.isObject, top.expectingKey {
                    let key = Array(bytes[start..<position])
                    top.lastKey = decodedKey(key)
                    let inserted = top.keys.insert(key).inserted
                    top.expectingKey = false
                    stack[stack.count - 1] = top
                    if hasControl { return FieldError(childPath(), "a key " + controlCharacterReason) }
                    if !inserted { return FieldError(childPath(), "appears more than once") }
                    if top.fields.field(top.lastKey) == nil { return FieldError(childPath(), unknownFieldReason) }
                } else if hasControl {
                    let path = childPath()
                    return FieldError(path.isEmpty ? "body" : path, controlCharacterReason)
                }
            default:
                break
            }
            position += 1
        }
        return nil
    }

    /// A key as the decoder reads it: `"cr\u0065dits"` is `credits`.
    private static func decodedKey(_ key: [UInt8]) -> String {
        guard key.contains(UInt8(ascii: "\\")) else { return String(decoding: key, as: UTF8.self) }
        let literal = Data([UInt8(ascii: "\"")] + key + [UInt8(ascii: "\"")])
        return (try? JSONDecoder().decode(String.self, from: literal)) ?? String(decoding: key, as: UTF8.self)
    }

    /// The value of a `\uXXXX` escape starting at `position` (the backslash), or nil.
    private static func unicodeEscape(in bytes: [UInt8], at position: Int) -> UInt32? {
        guard position + 5 < bytes.count, bytes[position + 1] == UInt8(ascii: "u") else { return nil }
        var value: UInt32 = 0
        for byte in bytes[(position + 2)...(position + 5)] {
            guard let digit = hexDigit(byte) else { return nil }
            value = value * 16 + digit
        }
        return value
    }

    private static func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
