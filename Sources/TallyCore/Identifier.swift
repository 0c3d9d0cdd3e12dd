/// A typed identifier: an `AccountID` can never be passed where a `UserID` is expected.
public struct Identifier<Kind>: Hashable, Codable, Comparable, CustomStringConvertible, Sendable {
    public let rawValue: String

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

public enum AccountKind {}
public enum UserKind {}
public enum APIKeyKind {}
public enum PaymentMethodKind {}
public enum PurchaseKind {}
public enum LedgerEntryKind {}
public enum HoldKind {}

public typealias AccountID = Identifier<AccountKind>
public typealias UserID = Identifier<UserKind>
public typealias APIKeyID = Identifier<APIKeyKind>
public typealias PaymentMethodID = Identifier<PaymentMethodKind>
public typealias PurchaseID = Identifier<PurchaseKind>
public typealias LedgerEntryID = Identifier<LedgerEntryKind>
public typealias HoldID = Identifier<HoldKind>

public enum LotKind {}
public enum RefundKind {}

public typealias LotID = Identifier<LotKind>
public typealias RefundID = Identifier<RefundKind>
