import Testing

@testable import TallyCore

/// What parsing a text should give: a number (E.164 and region) or an error.
/// Comparing whole outcomes makes each table row one readable expectation.
enum PhoneParseOutcome: Equatable, Sendable, CustomStringConvertible {
    case number(String, region: String)
    case error(PhoneNumberError)

    init(_ text: String, defaultRegion: String? = nil) {
        switch PhoneNumber.parse(text, defaultRegion: defaultRegion) {
        case .success(let number): self = .number(number.e164, region: number.regionCode)
        case .failure(let error): self = .error(error)
        }
    }

    var description: String {
        switch self {
        case .number(let e164, let region): "\(region) \(e164)"
        case .error(let error): "\(error)"
        }
    }
}

/// One row of a parsing table: the text as typed, the caller's country for
/// national numbers, and the expected outcome.
struct PhoneVector: Sendable, CustomTestStringConvertible {
    let text: String
    let defaultRegion: String?
    let expected: PhoneParseOutcome

    init(_ text: String, _ expected: PhoneParseOutcome) {
        self.init(text, nil, expected)
    }

    init(_ text: String, _ defaultRegion: String?, _ expected: PhoneParseOutcome) {
        self.text = text
        self.defaultRegion = defaultRegion
        self.expected = expected
    }

    var testDescription: String { "\(text.debugDescription) → \(expected)" }
}

@Suite("Phone numbers: parsing as typed")
struct PhoneNumberParsingTests {
    /// Every row of the reference table (shared/reference/numbers-and-addresses.md).
    /// "Unsupported" rows parse to their own country; refusing to price them is
    /// the catalog's job, not the parser's.
    @Test(arguments: [
        PhoneVector("+33 6 12 34 56 78", .number("+33612345678", region: "FR")),
        PhoneVector("0033 6 12 34 56 78", .number("+33612345678", region: "FR")),
        PhoneVector("+33 (0)6 12 34 56 78", .number("+33612345678", region: "FR")),
        PhoneVector("+33 6 12 34 56 7", .error(.tooShort)),
        PhoneVector("+262 692 12 34 56", .number("+262692123456", region: "RE")),
        PhoneVector("+1 (201) 555-0123", .number("+12015550123", region: "US")),
        PhoneVector("+1 416 234 5678", .number("+14162345678", region: "CA")),
        PhoneVector("+1 123 456 7890", .error(.invalidAreaCode)),
        PhoneVector("+7 912 345-67-89", .number("+79123456789", region: "RU")),
        PhoneVector("+7 701 123 45 67", .number("+77011234567", region: "KZ")),
        PhoneVector("+1234567890123456", .error(.tooLong)),
        PhoneVector("+999 123 456 789", .error(.unknownCallingCode)),
    ])
    func referenceVectors(_ vector: PhoneVector) {
        #expect(PhoneParseOutcome(vector.text, defaultRegion: vector.defaultRegion) == vector.expected)
    }

    /// The same French mobile however it is punctuated or pasted.
    @Test(arguments: [
        "+33612345678", "+33 6 12 34 56 78", "+33.6.12.34.56.78", "+33-6-12-34-56-78",
        "+33/6/12/34/56/78", "+33 (6) 12-34-56-78", "(+33) 6 12 34 56 78", "+33 (0)6.12.34.56.78",
        "+33 (0) 6 12 34 56 78", "0033612345678", "00 33 6 12 34 56 78", "  +33 6 12 34 56 78\n",
        "+33\u{202F}6\u{202F}12\u{202F}34\u{202F}56\u{202F}78", "+33\u{00A0}6 12 34 56 78",
        "+33 06 12 34 56 78", "+33\t612345678",
    ])
    func separatorsAndInternationalPrefixes(_ text: String) {
        #expect(PhoneParseOutcome(text) == .number("+33612345678", region: "FR"))
    }

    /// The trunk prefix goes only where the country has one; Italy, Côte
    /// d'Ivoire and Benin keep their leading 0 as part of the number.
    @Test(arguments: [
        PhoneVector("+44 (0)7400 123456", .number("+447400123456", region: "GB")),
        PhoneVector("+44 07400 123456", .number("+447400123456", region: "GB")),
        PhoneVector("+49 (0)151 23456789", .number("+4915123456789", region: "DE")),
        PhoneVector("+49 0151 23456789", .number("+4915123456789", region: "DE")),
        PhoneVector("+7 8 912 345 67 89", .number("+79123456789", region: "RU")),
        PhoneVector("+7 812 123 45 67", .number("+78121234567", region: "RU")),
        PhoneVector("+1 1 201 555 0123", .number("+12015550123", region: "US")),
        PhoneVector("+39 02 1234 5678", .number("+390212345678", region: "IT")),
        PhoneVector("+225 01 23 45 67 89", .number("+2250123456789", region: "CI")),
        PhoneVector("+229 01 95 12 34 56", .number("+2290195123456", region: "BJ")),
        PhoneVector("+34 0612345678", .error(.invalidLength)),  // Spain has no trunk prefix
    ])
    func trunkPrefixes(_ vector: PhoneVector) {
        #expect(PhoneParseOutcome(vector.text, defaultRegion: vector.defaultRegion) == vector.expected)
    }

    /// A national number takes the caller's country: its calling code and its
    /// trunk prefix. A text with its own calling code ignores the default.
    @Test(arguments: [
        PhoneVector("06 12 34 56 78", "FR", .number("+33612345678", region: "FR")),
        PhoneVector("6 12 34 56 78", "FR", .number("+33612345678", region: "FR")),
        PhoneVector("06.12.34.56.78", "fr", .number("+33612345678", region: "FR")),
        PhoneVector("(201) 555-0123", "US", .number("+12015550123", region: "US")),
        PhoneVector("201-555-0123", "US", .number("+12015550123", region: "US")),
        PhoneVector("1 (201) 555-0123", "US", .number("+12015550123", region: "US")),
        PhoneVector("416 234 5678", "US", .number("+14162345678", region: "CA")),
        PhoneVector("(123) 456-7890", "US", .error(.invalidAreaCode)),
        PhoneVector("07400 123456", "GB", .number("+447400123456", region: "GB")),
        PhoneVector("8 912 345-67-89", "RU", .number("+79123456789", region: "RU")),
        PhoneVector("812 123-45-67", "RU", .number("+78121234567", region: "RU")),
        PhoneVector("02 1234 5678", "IT", .number("+390212345678", region: "IT")),
        PhoneVector("06 698 12345", "VA", .number("+390669812345", region: "VA")),
        PhoneVector("0692 12 34 56", "RE", .number("+262692123456", region: "RE")),
        PhoneVector("01 23 45 67 89", "CI", .number("+2250123456789", region: "CI")),
        PhoneVector("+44 7400 123456", "FR", .number("+447400123456", region: "GB")),
        PhoneVector("0044 7400 123456", "US", .number("+447400123456", region: "GB")),
        PhoneVector("06 12 34 56 78", nil, .error(.missingCountry)),
        PhoneVector("06 12 34 56 78", "XX", .error(.unknownRegion("XX"))),
        PhoneVector("800 1234 5678", "001", .error(.unknownRegion("001"))),
    ])
    func nationalNumbersUseTheDefaultRegion(_ vector: PhoneVector) {
        #expect(PhoneParseOutcome(vector.text, defaultRegion: vector.defaultRegion) == vector.expected)
    }

    /// Letters, stray plus signs and other scripts' characters are refused,
    /// naming the first offending character.
    @Test(arguments: [
        PhoneVector("+33 6 12 34 56 7A", .error(.invalidCharacter("A"))),
        PhoneVector("call +33 6 12 34 56 78", .error(.invalidCharacter("c"))),
        PhoneVector("+33 6 12 34 56 78 ext. 12", .error(.invalidCharacter("e"))),
        PhoneVector("1-800-FLOWERS", .error(.invalidCharacter("F"))),
        PhoneVector("+33 6 12 + 34 56 78", .error(.invalidCharacter("+"))),
        PhoneVector("++33 6 12 34 56 78", .error(.invalidCharacter("+"))),
        PhoneVector("＋33 6 12 34 56 78", .error(.invalidCharacter("＋"))),
        PhoneVector("+33 ６ 12 34 56 78", .error(.invalidCharacter("６"))),
        PhoneVector("+33_6_12_34_56_78", .error(.invalidCharacter("_"))),
        PhoneVector("+33 6 12 34 56 78#", .error(.invalidCharacter("#"))),
    ])
    func lettersAndSymbolsAreRejected(_ vector: PhoneVector) {
        #expect(PhoneParseOutcome(vector.text, defaultRegion: vector.defaultRegion) == vector.expected)
    }

    /// Texts that hold no complete number: nothing, too many digits, a
    /// calling code alone, an unassigned code.
    @Test(arguments: [
        PhoneVector("", .error(.empty)),
        PhoneVector("   ", .error(.empty)),
        PhoneVector("+", .error(.empty)),
        PhoneVector("( ) - .", .error(.empty)),
        PhoneVector("+33", .error(.tooShort)),
        PhoneVector("+33 0", .error(.tooShort)),
        PhoneVector("+3", .error(.unknownCallingCode)),
        PhoneVector("+0 612345678", .error(.unknownCallingCode)),
        PhoneVector("+42 612345678", .error(.unknownCallingCode)),
        PhoneVector("+1 234 567 8901 23456", .error(.tooLong)),
        PhoneVector("+33 612345678 612345678", .error(.tooLong)),
        PhoneVector("0033 6 12 34 56 78 90 12 34", .error(.tooLong)),
        PhoneVector("+33 " + String(repeating: " ", count: 61) + "612345678", .error(.tooLong)),
        PhoneVector("+800 1234 5678", .number("+80012345678", region: "001")),
        PhoneVector("+882 1234 5678", .number("+88212345678", region: "001")),
        PhoneVector("+380 44 123 4567", .number("+380441234567", region: "UA")),
        PhoneVector("+380 441", .error(.tooShort)),
    ])
    func incompleteAndOversizedNumbers(_ vector: PhoneVector) {
        #expect(PhoneParseOutcome(vector.text, defaultRegion: vector.defaultRegion) == vector.expected)
    }
}

@Suite("Phone numbers: the value")
struct PhoneNumberValueTests {
    @Test func exposesItsParts() throws {
        let number = try PhoneNumber.parse("+33 (0)6 12 34 56 78").get()
        #expect(number.callingCode == 33)
        #expect(number.nationalNumber == "612345678")
        #expect(number.regionCode == "FR")
        #expect(number.e164 == "+33612345678")
        #expect(number.description == "+33612345678")
        #expect(number.lastFourDigits == "5678")
    }

    /// Two spellings of one number are one value, so sets and dictionaries
    /// keyed by phone number see the same lead.
    @Test func spellingsOfOneNumberAreEqual() throws {
        let international = try PhoneNumber("+33 6 12 34 56 78")
        let national = try PhoneNumber("06 12 34 56 78", defaultRegion: "FR")
        #expect(international == national)
        #expect(Set([international, national]).count == 1)
    }

    @Test func throwingInitializerReportsTheError() {
        #expect(throws: PhoneNumberError.missingCountry) { try PhoneNumber("06 12 34 56 78") }
    }

    /// Every error explains itself to the person who typed the number.
    @Test(arguments: [
        PhoneNumberError.empty, .invalidCharacter("x"), .missingCountry, .unknownRegion("XX"),
        .tooLong, .unknownCallingCode, .tooShort, .invalidLength, .invalidAreaCode,
        .invalidExchangeCode, .unassignedAreaCode,
    ])
    func everyErrorHasAReason(_ error: PhoneNumberError) {
        #expect(!error.reason.isEmpty)
        #expect(error.reason.hasSuffix("."))
    }
}
