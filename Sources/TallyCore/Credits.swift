import Foundation

/// An amount of credits, kept as an exact integer number of thousandths.
///
/// Credits have three decimals because SMS prices go to 0.001 credit. Binary
/// floating point never touches an amount: parsing and formatting work on the
/// decimal digits, and arithmetic traps on overflow instead of wrapping.
public struct Credits: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The amount in thousandths of a credit.
    public let thousandths: Int64

    public static let zero = Credits(thousandths: 0)
    /// The largest amount Tally accepts in one request: one billion credits.
    public static let maximumPerRequest = Credits(thousandths: 1_000_000_000_000)

    public init(thousandths: Int64) {
        self.thousandths = thousandths
    }

    /// Whole credits, e.g. `Credits(whole: 17)` is 17.000.
    public init(whole: Int64) {
        let (value, overflow) = whole.multipliedReportingOverflow(by: 1000)
        precondition(!overflow, "credits overflow")
        self.thousandths = value
    }

    /// Parses a decimal string such as `"17"`, `"17.5"`, `"0.450"` or `"-2.000"`.
    ///
    /// At most three decimals are accepted; anything else (exponents, spaces,
    /// a fourth decimal, a value past `Int64`) is rejected with a reason.
    public static func parse(_ text: String) -> Result<Credits, CreditsParseError> {
        var scalars = Substring(text).unicodeScalars[...]
        var negative = false
        if let first = scalars.first, first == "-" || first == "+" {
            negative = first == "-"
            scalars = scalars.dropFirst()
        }
        var whole: Int64 = 0
        var fraction: Int64 = 0
        var fractionDigits = 0
        var wholeDigits = 0
        var seenPoint = false
        for scalar in scalars {
            if scalar == "." {
                guard !seenPoint else { return .failure(.notANumber) }
                seenPoint = true
                continue
            }
            guard
                let digit = scalar.properties.numericType == .decimal && scalar.isASCII
                    ? Int64(scalar.value - 48) : nil
            else { return .failure(.notANumber) }
            if seenPoint {
                fractionDigits += 1
                guard fractionDigits <= 3 else { return .failure(.tooManyDecimals) }
                fraction = fraction * 10 + digit
            } else {
                wholeDigits += 1
                let (times10, o1) = whole.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(digit)
                guard !o1, !o2 else { return .failure(.outOfRange) }
                whole = sum
            }
        }
        guard wholeDigits > 0 || fractionDigits > 0 else { return .failure(.notANumber) }
        if seenPoint && fractionDigits == 0 { return .failure(.notANumber) }
        while fractionDigits < 3 {
            fraction *= 10
            fractionDigits += 1
        }
        let (scaled, o1) = whole.multipliedReportingOverflow(by: 1000)
        let (total, o2) = scaled.addingReportingOverflow(fraction)
        guard !o1, !o2 else { return .failure(.outOfRange) }
        return .success(Credits(thousandths: negative ? -total : total))
    }

    /// The amount as a decimal string with exactly three decimals: `"17.000"`, `"0.450"`.
    public var description: String {
        // Digits written from the end of one small buffer: answers and exports format
        // an amount per line, and a string per part cost more than the digits.
        String(unsafeUninitializedCapacity: 24) { buffer in
            var end = buffer.count
            func put(_ byte: UInt8) {
                end -= 1
                buffer[end] = byte
            }
            var magnitude = thousandths.magnitude
            for _ in 0..<3 {
                put(UInt8(ascii: "0") + UInt8(magnitude % 10))
                magnitude /= 10
            }
            put(UInt8(ascii: "."))
            repeat {
                put(UInt8(ascii: "0") + UInt8(magnitude % 10))
                magnitude /= 10
            } while magnitude > 0
            if thousandths < 0 { put(UInt8(ascii: "-")) }
            let count = buffer.count - end
            for index in 0..<count { buffer[index] = buffer[end + index] }
            return count
        }
    }

    public static func < (lhs: Credits, rhs: Credits) -> Bool {
        lhs.thousandths < rhs.thousandths
    }

    /// Adds two amounts; traps on overflow, which no valid wallet can reach.
    public static func + (lhs: Credits, rhs: Credits) -> Credits {
        let (value, overflow) = lhs.thousandths.addingReportingOverflow(rhs.thousandths)
        precondition(!overflow, "credits overflow")
        return Credits(thousandths: value)
    }

    public static func += (lhs: inout Credits, rhs: Credits) {
        lhs = lhs + rhs
    }

    public static func - (lhs: Credits, rhs: Credits) -> Credits {
        let (value, overflow) = lhs.thousandths.subtractingReportingOverflow(rhs.thousandths)
        precondition(!overflow, "credits overflow")
        return Credits(thousandths: value)
    }

    /// Multiplies by a count (segments, uses); `nil` on overflow.
    public func times(_ count: Int64) -> Credits? {
        let (value, overflow) = thousandths.multipliedReportingOverflow(by: count)
        return overflow ? nil : Credits(thousandths: value)
    }

    public static prefix func - (amount: Credits) -> Credits {
        Credits(thousandths: -amount.thousandths)
    }

    public var isPositive: Bool { thousandths > 0 }
    public var isNegative: Bool { thousandths < 0 }

    // Encoded as the decimal string the API uses; decoded from a string or a JSON number.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text: String
        if let string = try? container.decode(String.self) {
            text = string
        } else if let number = try? container.decode(Decimal.self) {
            // Decimal keeps the JSON number's decimal digits exactly; no binary floating point.
            text = number.description
        } else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "credits must be a decimal string or number"
            )
        }
        switch Credits.parse(text) {
        case .success(let value): self = value
        case .failure(let error):
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.reason)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Why a text is not an amount of credits.
public enum CreditsParseError: Error, Sendable, Equatable {
    case notANumber
    case tooManyDecimals
    case outOfRange

    public var reason: String {
        switch self {
        case .notANumber: "must be a decimal number of credits, e.g. \"17\" or \"0.450\""
        case .tooManyDecimals: "has more than three decimals"
        case .outOfRange: "is too large"
        }
    }
}
