/// Finds a key that appears twice in one JSON object. JSONDecoder keeps the last
/// silently, so `{"credits":1,"credits":100}` would mean something the sender may
/// not have meant: such a body is refused, naming the key.
enum DuplicateKeys {
    private struct Level {
        var isObject: Bool
        var keys: Set<[UInt8]> = []
        var path: String
        var index = 0
        /// In an object: the next string is a key.
        var expectingKey = true
        var lastKey = ""
    }

    /// The path of the first repeated key (`owner.email`, `routes[1].name`), or nil.
    /// Malformed JSON is left for the decoder to describe.
    static func first(in bytes: [UInt8]) -> String? {
        var stack = [Level]()
        var position = 0
        func childPath() -> String {
            guard let top = stack.last else { return "" }
            if top.isObject { return top.path.isEmpty ? top.lastKey : top.path + "." + top.lastKey }
            return top.path + "[\(top.index)]"
        }
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                stack.append(Level(isObject: byte == UInt8(ascii: "{"), path: childPath()))
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
                while position < bytes.count, bytes[position] != UInt8(ascii: "\"") {
                    position += bytes[position] == UInt8(ascii: "\\") ? 2 : 1
                }
                guard position < bytes.count else { return nil }
                if var top = stack.last, top.isObject, top.expectingKey {
                    let key = Array(bytes[start..<position])
                    top.lastKey = String(decoding: key, as: UTF8.self)
                    guard top.keys.insert(key).inserted else {
                        stack[stack.count - 1] = top
                        return childPath()
                    }
                    top.expectingKey = false
                    stack[stack.count - 1] = top
                }
            default:
                break
            }
            position += 1
        }
        return nil
    }
}
