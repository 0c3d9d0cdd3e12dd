import Foundation

/// A whole number given in a request, read so that a wrong number names its field.
///
/// Foundation's decoder reports `100.5` or `1e30` given for an `Int` with no coding
/// path, so the caller would only hear that the body is wrong. A request field of this
/// type reads the number exactly (as `Decimal`) and refuses a fraction or an out-of-range
/// value at its key. It is written as a plain JSON number, as an `Int` would be.
public struct WholeNumber: Sendable, Hashable, Codable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    public let value: Int

    public init(_ value: Int) {
        self.value = value
    }

    public init(integerLiteral value: Int) {
        self.value = value
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let number: Decimal
        do {
            number = try container.decode(Decimal.self)
        } catch DecodingError.typeMismatch(_, let context) {
            throw DecodingError.typeMismatch(Int.self, context)
        }
        var rounded = Decimal()
        var copy = number
        NSDecimalRound(&rounded, &copy, 0, .plain)
        guard rounded == number else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be a whole number")
        }
        guard number >= Decimal(Int.min), number <= Decimal(Int.max), let value = Int(exactly: NSDecimalNumber(decimal: number).int64Value),
            Decimal(value) == number
        else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "is too large")
        }
        self.value = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    public var description: String { String(value) }
}
