import Foundation

/// Whole-number fields of requests, read so that a wrong number names its field.
///
/// Foundation's decoder reports `100.5` or `1e30` given for an `Int` with no coding
/// path, so the caller would only hear that the body is wrong. Within this module the
/// synthesised `Codable` conformances call this overload instead: it reads the number
/// exactly (as `Decimal`) and refuses a fraction or an out-of-range value at its key.
extension KeyedDecodingContainer {
    public func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
        let number: Decimal
        do {
            number = try decode(Decimal.self, forKey: key)
        } catch DecodingError.typeMismatch(_, let context) {
            throw DecodingError.typeMismatch(Int.self, context)
        }
        var rounded = Decimal()
        var copy = number
        NSDecimalRound(&rounded, &copy, 0, .plain)
        guard rounded == number else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "must be a whole number")
        }
        guard number >= Decimal(Int.min), number <= Decimal(Int.max), let value = Int(exactly: NSDecimalNumber(decimal: number).int64Value),
            Decimal(value) == number
        else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "is too large")
        }
        return value
    }

    public func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decode(Int.self, forKey: key)
    }
}
