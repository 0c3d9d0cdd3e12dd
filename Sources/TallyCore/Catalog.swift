/// A metered feature, by its API id.
public enum Feature: String, Sendable, Hashable, Codable, CaseIterable {
    case emailValidation = "email_validation"
    case phoneValidation = "phone_validation"
    case creditScore = "credit_score"
    case dti = "dti"
    case sms = "sms"
}

/// The price of SMS to one destination country.
public struct SMSRate: Sendable, Hashable {
    public let country: String
    /// ISO 3166-1 alpha-2.
    public let iso: String
    public let callingCode: Int
    public let creditsPerSegment: Credits
}

/// A fixed bundle of credits and its price.
public struct CreditBundle: Sendable, Hashable {
    public let credits: Credits
    public let price: Money
}

/// Every price Tally charges or sells at. The one place prices live.
public enum Catalog {
    /// One credit costs USD 0.20.
    public static let centsPerCredit: Int64 = 20
    /// The smallest purchase: 100 credits (USD 20).
    public static let minimumPurchase = Credits(whole: 100)
    /// The largest single purchase Tally accepts: a limit against typing errors.
    public static let maximumPurchase = Credits(whole: 1_000_000)
    public static let bundles: [CreditBundle] = [500, 1_000, 2_000, 5_000].map {
        CreditBundle(credits: Credits(whole: $0), price: Money(cents: $0 * centsPerCredit))
    }

    /// The fixed price of one use of a feature; SMS is priced per country and segment.
    public static func price(of feature: Feature) -> Credits? {
        switch feature {
        case .emailValidation: Credits(thousandths: 500)
        case .phoneValidation: Credits(thousandths: 1_500)
        case .creditScore: Credits(whole: 15)
        case .dti: Credits(whole: 24)
        case .sms: nil
        }
    }

    /// When a feature's price is charged, as the price list says it.
    public static func chargedWhen(_ feature: Feature) -> String {
        switch feature {
        case .emailValidation, .phoneValidation: "every attempt, valid or invalid result"
        case .creditScore, .dti: "only when the check completes"
        case .sms: "per segment at the destination country's price, only when the message is sent"
        }
    }

    /// The price in dollars of a whole number of credits, or why it cannot be bought.
    public static func purchasePrice(of credits: Credits) -> Result<Money, PurchaseAmountError> {
        guard credits.thousandths % 1000 == 0 else { return .failure(.notWhole) }
        guard credits >= minimumPurchase else { return .failure(.belowMinimum) }
        guard credits <= maximumPurchase else { return .failure(.aboveMaximum) }
        return .success(Money(cents: credits.thousandths / 1000 * centsPerCredit))
    }

    /// The SMS price table, one row per destination country, in the order it was published.
    public static let smsRates: [SMSRate] = parseRates(SMSRateTable.csv)

    /// The price of the cheapest use of any feature (one SMS segment to the cheapest
    /// country): below it, every usage-based feature has stopped.
    public static let cheapestUse: Credits = (Feature.allCases.compactMap(price(of:)) + smsRates.map(\.creditsPerSegment)).min()!

    /// The SMS rate of a destination country, by ISO code.
    public static func smsRate(iso: String) -> SMSRate? {
        ratesByISO[iso]
    }

    private static let ratesByISO: [String: SMSRate] = Dictionary(
        uniqueKeysWithValues: smsRates.map { ($0.iso, $0) }
    )

    private static func parseRates(_ csv: String) -> [SMSRate] {
        csv.split(whereSeparator: \.isNewline).dropFirst().map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            precondition(fields.count == 4, "sms-prices.csv: bad row \(line)")
            guard let code = Int(fields[2]), case .success(let price) = Credits.parse(fields[3]) else {
                preconditionFailure("sms-prices.csv: bad row \(line)")
            }
            return SMSRate(country: fields[0], iso: fields[1], callingCode: code, creditsPerSegment: price)
        }
    }
}

/// Why an amount of credits cannot be bought.
public enum PurchaseAmountError: Error, Sendable, Equatable {
    case notWhole, belowMinimum, aboveMaximum

    public var reason: String {
        switch self {
        case .notWhole: "must be a whole number of credits"
        case .belowMinimum: "must be at least \(Catalog.minimumPurchase.thousandths / 1000) credits"
        case .aboveMaximum: "must be at most \(Catalog.maximumPurchase.thousandths / 1000) credits"
        }
    }
}
