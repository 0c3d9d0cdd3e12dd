import Testing

@testable import TallyCore

/// One of the 47 countries of data/sms-prices.csv, with its example mobile
/// and its national number lengths transcribed from the reference, kept apart
/// from the plan's own table so that a typo in either shows up here.
struct PricedPhoneCountry: Sendable, CustomTestStringConvertible {
    let iso: String
    let callingCode: Int
    let exampleMobile: String
    let lengths: ClosedRange<Int>
    let trunkPrefix: String?

    init(_ iso: String, _ callingCode: Int, _ example: String, _ lengths: ClosedRange<Int>, trunk: String?) {
        self.iso = iso
        self.callingCode = callingCode
        self.exampleMobile = example
        self.lengths = lengths
        self.trunkPrefix = trunk
    }

    var testDescription: String { "\(iso) \(exampleMobile)" }

    /// The example's national significant number.
    var nationalNumber: String { String(exampleMobile.dropFirst(1 + String(callingCode).count)) }

    static let all: [PricedPhoneCountry] = [
        .init("FR", 33, "+33612345678", 9...9, trunk: "0"),
        .init("BE", 32, "+32450001234", 8...9, trunk: "0"),
        .init("CH", 41, "+41781234567", 9...12, trunk: "0"),
        .init("RE", 262, "+262692123456", 9...9, trunk: "0"),
        .init("AE", 971, "+971501234567", 5...12, trunk: "0"),
        .init("GP", 590, "+590690001234", 9...9, trunk: "0"),
        .init("MQ", 596, "+596696201234", 9...9, trunk: "0"),
        .init("PF", 689, "+68987123456", 6...9, trunk: nil),
        .init("GF", 594, "+594694201234", 9...9, trunk: "0"),
        .init("US", 1, "+12015550123", 10...10, trunk: "1"),
        .init("NC", 687, "+687751234", 6...6, trunk: nil),
        .init("CI", 225, "+2250123456789", 10...10, trunk: nil),
        .init("CM", 237, "+237671234567", 8...9, trunk: nil),
        .init("DE", 49, "+4915123456789", 4...15, trunk: "0"),
        .init("TN", 216, "+21620123456", 8...8, trunk: nil),
        .init("PK", 92, "+923012345678", 8...12, trunk: "0"),
        .init("ES", 34, "+34612345678", 9...9, trunk: nil),
        .init("HT", 509, "+50934101234", 8...8, trunk: nil),
        .init("DZ", 213, "+213551234567", 8...9, trunk: "0"),
        .init("SN", 221, "+221701234567", 9...9, trunk: nil),
        .init("IL", 972, "+972502345678", 7...12, trunk: "0"),
        .init("LU", 352, "+352628123456", 4...11, trunk: nil),
        .init("SE", 46, "+46701234567", 6...12, trunk: "0"),
        .init("IT", 39, "+393123456789", 6...12, trunk: nil),
        .init("BJ", 229, "+2290195123456", 8...10, trunk: nil),
        .init("TR", 90, "+905012345678", 7...13, trunk: "0"),
        .init("NL", 31, "+31612345678", 5...11, trunk: "0"),
        .init("PL", 48, "+48512345678", 6...10, trunk: nil),
        .init("GB", 44, "+447400123456", 7...10, trunk: "0"),
        .init("ID", 62, "+62812345678", 7...17, trunk: "0"),
        .init("JP", 81, "+819012345678", 8...17, trunk: "0"),
        .init("TH", 66, "+66812345678", 8...13, trunk: "0"),
        .init("KR", 82, "+821020000000", 5...14, trunk: "0"),
        .init("IE", 353, "+353850123456", 7...10, trunk: "0"),
        .init("MX", 52, "+522221234567", 10...10, trunk: nil),
        .init("RU", 7, "+79123456789", 10...14, trunk: "8"),
        .init("CN", 86, "+8613123456789", 7...12, trunk: "0"),
        .init("PT", 351, "+351912345678", 9...9, trunk: nil),
        .init("DK", 45, "+4534412345", 8...8, trunk: nil),
        .init("FI", 358, "+358412345678", 5...12, trunk: "0"),
        .init("SA", 966, "+966512345678", 9...10, trunk: "0"),
        .init("IN", 91, "+918123456789", 8...13, trunk: "0"),
        .init("AU", 61, "+61412345678", 5...12, trunk: "0"),
        .init("LK", 94, "+94712345678", 9...9, trunk: "0"),
        .init("NZ", 64, "+64211234567", 5...10, trunk: "0"),
        .init("BR", 55, "+5511961234567", 8...11, trunk: "0"),
        .init("GR", 30, "+306912345678", 10...12, trunk: nil),
    ]
}

@Suite("Phone numbers: the 47 priced countries")
struct PhoneNumberPricedCountryTests {
    @Test func tableCoversTheCSVOnce() {
        #expect(PricedPhoneCountry.all.count == 47)
        #expect(Set(PricedPhoneCountry.all.map(\.iso)).count == 47)
        #expect(Set(PricedPhoneCountry.all.map(\.iso)) == Set(PhoneNumberPlan.nationalNumberLengths.keys))
    }

    /// Each example mobile belongs to its own country, not to a neighbour
    /// sharing its calling code, and prints back unchanged.
    @Test(arguments: PricedPhoneCountry.all)
    func exampleMobileParsesToItsCountry(_ country: PricedPhoneCountry) throws {
        let number = try PhoneNumber.parse(country.exampleMobile).get()
        #expect(number.regionCode == country.iso)
        #expect(number.callingCode == country.callingCode)
        #expect(number.e164 == country.exampleMobile)
        #expect(try PhoneNumber.parse(number.e164).get() == number)
    }

    /// Typed nationally, with the country's trunk prefix where it has one,
    /// the example is the same number.
    @Test(arguments: PricedPhoneCountry.all)
    func exampleMobileTypedNationally(_ country: PricedPhoneCountry) {
        let national = (country.trunkPrefix ?? "") + country.nationalNumber
        #expect(
            PhoneParseOutcome(national, defaultRegion: country.iso)
                == .number(country.exampleMobile, region: country.iso)
        )
    }

    /// One digit below the shortest number of the country is too short.
    @Test(arguments: PricedPhoneCountry.all)
    func oneDigitBelowTheShortestLengthIsTooShort(_ country: PricedPhoneCountry) {
        let digits = String(country.nationalNumber.prefix(country.lengths.lowerBound - 1))
        #expect(PhoneParseOutcome("+\(country.callingCode)\(digits)") == .error(.tooShort))
    }

    /// One digit above the longest number is refused: as a length the country
    /// does not use, or by E.164's 15-digit cap when that comes first
    /// (Germany's 15-digit numbers cannot be dialled with +49 in E.164).
    @Test(arguments: PricedPhoneCountry.all)
    func oneDigitAboveTheLongestLengthIsRefused(_ country: PricedPhoneCountry) {
        let digits = country.nationalNumber.padding(
            toLength: country.lengths.upperBound + 1,
            withPad: "0",
            startingAt: 0
        )
        let totalDigits = String(country.callingCode).count + digits.count
        let expected: PhoneNumberError = totalDigits > 15 ? .tooLong : .invalidLength
        #expect(PhoneParseOutcome("+\(country.callingCode)\(digits)") == .error(expected))
    }

    /// Inside the range, gaps are refused too: France has only 9-digit
    /// numbers, Britain none of 8, Benin none of 9, Sweden none of 11.
    @Test(arguments: [
        PhoneVector("+33 6 12 34 56 789", .error(.invalidLength)),
        PhoneVector("+44 7400 1234", .error(.invalidLength)),
        PhoneVector("+229 019 512 345", .error(.invalidLength)),
        PhoneVector("+229 9512 3456", .number("+22995123456", region: "BJ")),
        PhoneVector("+46 70 123 456 789", .error(.invalidLength)),
        PhoneVector("+61 2 1234 5678 90", .error(.invalidLength)),
    ])
    func lengthsInsideTheRangeMustBeListed(_ vector: PhoneVector) {
        #expect(PhoneParseOutcome(vector.text, defaultRegion: vector.defaultRegion) == vector.expected)
    }
}
