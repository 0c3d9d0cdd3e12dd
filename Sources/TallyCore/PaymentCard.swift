/// A card as typed into a payment form, checked before it reaches a payment gateway.
public struct PaymentCard: Sendable, Hashable {
    /// Digits only.
    public let number: String
    public let expMonth: Int
    public let expYear: Int
    public let cvc: String

    /// Checks a typed card; spaces and dashes in the number are allowed.
    /// `currentYear`/`currentMonth` decide whether the card has expired.
    public static func parse(
        number: String,
        expMonth: Int,
        expYear: Int,
        cvc: String,
        currentYear: Int,
        currentMonth: Int
    ) -> Result<PaymentCard, PaymentCardError> {
        let digits = number.filter { $0 != " " && $0 != "-" }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) else { return .failure(.numberNotDigits) }
        guard (12...19).contains(digits.count) else { return .failure(.numberLength) }
        guard luhnValid(digits) else { return .failure(.numberFailsLuhn) }
        guard (1...12).contains(expMonth) else { return .failure(.expMonth) }
        guard (2000...2100).contains(expYear) else { return .failure(.expYear) }
        guard expYear > currentYear || (expYear == currentYear && expMonth >= currentMonth) else {
            return .failure(.expired)
        }
        guard (3...4).contains(cvc.count), cvc.allSatisfy(\.isASCIIDigit) else { return .failure(.cvc) }
        return .success(PaymentCard(number: digits, expMonth: expMonth, expYear: expYear, cvc: cvc))
    }

    /// The card network, from the number's leading digits.
    public var brand: String {
        if number.hasPrefix("4") { return "visa" }
        if let two = Int(number.prefix(2)), (51...55).contains(two) { return "mastercard" }
        if let four = Int(number.prefix(4)), (2221...2720).contains(four) { return "mastercard" }
        if number.hasPrefix("34") || number.hasPrefix("37") { return "amex" }
        if number.hasPrefix("6011") || number.hasPrefix("65") { return "discover" }
        return "unknown"
    }

    public var last4: String { String(number.suffix(4)) }

    /// The Luhn (mod 10) check every card number carries.
    public static func luhnValid(_ digits: String) -> Bool {
        var sum = 0
        for (index, character) in digits.reversed().enumerated() {
            guard let digit = character.wholeNumberValue else { return false }
            if index % 2 == 1 {
                let doubled = digit * 2
                sum += doubled > 9 ? doubled - 9 : doubled
            } else {
                sum += digit
            }
        }
        return sum % 10 == 0
    }
}

/// Why a typed card is refused before any payment is tried; each names its field.
public enum PaymentCardError: Error, Sendable, Equatable {
    case numberNotDigits, numberLength, numberFailsLuhn, expMonth, expYear, expired, cvc

    public var field: String {
        switch self {
        case .numberNotDigits, .numberLength, .numberFailsLuhn: "card.number"
        case .expMonth: "card.expMonth"
        case .expYear, .expired: "card.expYear"
        case .cvc: "card.cvc"
        }
    }

    public var reason: String {
        switch self {
        case .numberNotDigits: "must contain digits only"
        case .numberLength: "must have 12 to 19 digits"
        case .numberFailsLuhn: "is not a valid card number (Luhn check failed)"
        case .expMonth: "must be a month from 1 to 12"
        case .expYear: "must be a four-digit year"
        case .expired: "is past: the card has expired"
        case .cvc: "must be 3 or 4 digits"
        }
    }
}
