/// An enumeration the API reads by its string values: a wrong value is refused
/// with the list of the right ones, e.g. "must be one of: credit_score, dti".
public protocol APIEnumeration: RawRepresentable, CaseIterable, Codable where RawValue == String {}

extension APIEnumeration {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Self(rawValue: text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "must be one of: " + Self.allCases.map(\.rawValue).joined(separator: ", ")
            )
        }
        self = value
    }
}

extension Role: APIEnumeration {}
extension Feature: APIEnumeration {}
