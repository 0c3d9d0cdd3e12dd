/// An amount of US dollars, kept as an exact integer number of cents.
public struct Money: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let cents: Int64
    public static let currency = "USD"

    public init(cents: Int64) {
        self.cents = cents
    }

    /// The amount as a decimal string with two decimals: `"100.00"`.
    public var description: String {
        let magnitude = cents.magnitude
        let fraction = magnitude % 100
        return (cents < 0 ? "-" : "") + "\(magnitude / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }

    /// Parses `"100"`, `"100.5"` or `"100.50"`; at most two decimals.
    public static func parse(_ text: String) -> Money? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let wholeText = parts.first, !wholeText.isEmpty,
            wholeText.allSatisfy(\.isASCIIDigit), let whole = Int64(wholeText)
        else { return nil }
        var fraction: Int64 = 0
        if parts.count == 2 {
            let fractionText = parts[1]
            guard (1...2).contains(fractionText.count), fractionText.allSatisfy(\.isASCIIDigit),
                let value = Int64(fractionText)
            else { return nil }
            fraction = fractionText.count == 1 ? value * 10 : value
        }
        let (scaled, overflow1) = whole.multipliedReportingOverflow(by: 100)
        let (total, overflow2) = scaled.addingReportingOverflow(fraction)
        return overflow1 || overflow2 ? nil : Money(cents: total)
    }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.cents < rhs.cents }

    public static func + (lhs: Money, rhs: Money) -> Money {
        let (value, overflow) = lhs.cents.addingReportingOverflow(rhs.cents)
        precondition(!overflow, "money overflow")
        return Money(cents: value)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
