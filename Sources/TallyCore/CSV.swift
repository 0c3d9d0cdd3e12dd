/// Rows of comma-separated values as RFC 4180 writes them, safe to open in a spreadsheet.
public enum CSV {
    /// One line: fields quoted where they need it, ending in CRLF.
    public static func row(_ fields: [String]) -> String {
        var line = ""
        append(fields, to: &line)
        return line
    }

    /// Appends one line to `text`: what an export does for every row, without a string per row.
    public static func append(_ fields: [String], to text: inout String) {
        for (index, value) in fields.enumerated() {
            if index > 0 { text.append(",") }
            text.append(field(value))
        }
        text.append("\r\n")
    }

    /// A field a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`,
    /// a tab or a carriage return) gets a leading `'`, so it reads as text; a field with
    /// a comma, a quote or a line break is quoted, its quotes doubled. A negative
    /// amount (`-0.500`) is a number, not a formula, and stays as it is.
    public static func field(_ value: String) -> String {
        // Bytes, not Characters, and no copy of a plain cell: exports call this for every cell.
        var text = value
        switch text.utf8.first {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
            if !isNegativeAmount(text) { text = "'" + text }
        default:
            break
        }
        guard text.utf8.contains(where: { $0 == 44 || $0 == 34 || $0 == 10 || $0 == 13 }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func isNegativeAmount(_ text: String) -> Bool {
        let body = text.utf8.dropFirst()
        guard text.utf8.first == UInt8(ascii: "-"), let firstDigit = body.first,
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(firstDigit)
        else { return false }
        var seenPoint = false
        for byte in body {
            if byte == UInt8(ascii: ".") && !seenPoint {
                seenPoint = true
            } else if !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                return false
            }
        }
        return text.utf8.last != UInt8(ascii: ".")
    }
}
