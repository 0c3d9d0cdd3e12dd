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

    /// A field a spreadsheet would run as a formula gets a `'` before the formula's
    /// first character, so it reads as text: at the start of the cell (`=`, `+`, `-`,
    /// `@`, a tab or a carriage return), and wherever `=`, `+`, `-` or `@` follows a
    /// `,`, `;`, tab or line break (spaces between allowed), since spreadsheets that
    /// split on `;` or tabs, or ignore quotes, start a new cell there. A field with a
    /// comma, a semicolon, a quote or a line break, or one neutralised inside, is quoted,
    /// its quotes doubled. A negative amount (`-0.500`) is a number, not a formula, and
    /// stays as it is.
    public static func field(_ value: String) -> String {
        // Bytes, not Characters, and no copy of a plain cell: exports call this for every cell.
        // A multi-byte character never holds an ASCII byte, so reading bytes is exact.
        var needsQuotes = false
        var needsMarks = false
        var afterSeparator = true
        for byte in value.utf8 {
            switch byte {
            case comma, semicolon, lineFeed, carriageReturn:
                needsQuotes = true
                afterSeparator = true
            case tab:
                afterSeparator = true
            case quote:
                needsQuotes = true
                afterSeparator = false
            case space:
                break
            case _ where startsFormula(byte):
                if afterSeparator { needsMarks = true }
                afterSeparator = false
            default:
                afterSeparator = false
            }
        }
        if let first = value.utf8.first, first == tab || first == carriageReturn { needsMarks = true }
        guard needsQuotes || needsMarks else { return value }
        if needsMarks && isNegativeAmount(value) { return value }

        var bytes: [UInt8] = [quote]
        bytes.reserveCapacity(value.utf8.count + 8)
        var markedInside = false
        afterSeparator = true
        for (offset, byte) in value.utf8.enumerated() {
            if offset == 0 && (byte == tab || byte == carriageReturn) {
                bytes.append(apostrophe)
            } else if afterSeparator && startsFormula(byte) {
                bytes.append(apostrophe)
                if bytes.count > 2 { markedInside = true }
            }
            switch byte {
            case comma, semicolon, lineFeed, carriageReturn, tab: afterSeparator = true
            case space: break
            default: afterSeparator = false
            }
            bytes.append(byte)
            if byte == quote { bytes.append(quote) }
        }
        guard needsQuotes || markedInside else { return String(decoding: bytes.dropFirst(), as: UTF8.self) }
        bytes.append(quote)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let comma = UInt8(ascii: ","), semicolon = UInt8(ascii: ";"), tab = UInt8(ascii: "\t")
    private static let lineFeed = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r"), space = UInt8(ascii: " ")
    private static let quote = UInt8(ascii: "\""), apostrophe = UInt8(ascii: "'")

    private static func startsFormula(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "=") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "@")
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
