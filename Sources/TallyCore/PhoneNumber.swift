import Foundation

/// A phone number in international form, valid by construction: the only way
/// to get one is `parse`, which checks the characters, the calling code, the
/// country's trunk prefix, its region within shared codes (+1, +7, +44 …) and
/// its length.
///
/// `regionCode` is what SMS pricing keys on: `"US"` only for the 50 states and
/// DC, so a Canadian, Jamaican or Puerto Rican +1 number is never priced as
/// the US.
///
/// ```swift
/// let number = try PhoneNumber.parse("06 12 34 56 78", defaultRegion: "FR").get()
/// number.e164        // "+33612345678"
/// number.regionCode  // "FR"
/// ```
public struct PhoneNumber: Sendable, Hashable, CustomStringConvertible {
    /// The country calling code, without "+": 33 for France, 1 for NANP.
    public let callingCode: Int
    /// The national significant number: digits only, trunk prefix removed,
    /// a leading 0 kept where it belongs to the number (Italy, Côte d'Ivoire,
    /// Benin).
    public let nationalNumber: String
    /// ISO 3166-1 alpha-2 code of the country or territory the number belongs
    /// to ("FR", "CA", "KZ", "YT"), or "001" for non-geographic global
    /// services (+800, +870, +882 …), as in libphonenumber.
    public let regionCode: String

    /// The E.164 form, "+33612345678": what to store, compare and send.
    public var e164: String { "+\(callingCode)\(nationalNumber)" }
    public var description: String { e164 }
    /// The last four digits, for display and for sandbox rules keyed on them.
    /// Every number has at least four national digits, so this is always four.
    public var lastFourDigits: String { String(nationalNumber.suffix(4)) }

    private init(callingCode: Int, nationalNumber: String, regionCode: String) {
        self.callingCode = callingCode
        self.nationalNumber = nationalNumber
        self.regionCode = regionCode
    }

    /// Parses a number as typed.
    ///
    /// - Accepted: digits, one "+" before the first digit, and the separators
    ///   space (also no-break spaces), `-`, `.`, `/`, `(`, `)`. A literal "(0)"
    ///   is dropped and a leading "00" means "+". Anything else, letters
    ///   included, is `.invalidCharacter`.
    /// - A number without "+" or "00" is national: it needs `defaultRegion`
    ///   (ISO code, any case), whose calling code and trunk prefix apply.
    /// - Parameter defaultRegion: the caller's country for national numbers;
    ///   ignored when the text carries its own calling code.
    public static func parse(
        _ text: String,
        defaultRegion: String? = nil
    ) -> Result<PhoneNumber, PhoneNumberError> {
        let scanned: ScannedDigits
        switch scan(text) {
        case .success(let value): scanned = value
        case .failure(let error): return .failure(error)
        }

        let callingCode: Int
        let afterCallingCode: String
        if scanned.isInternational {
            guard let split = PhoneNumberPlan.splitCallingCode(scanned.digits) else {
                return .failure(.unknownCallingCode)
            }
            (callingCode, afterCallingCode) = split
        } else {
            guard let defaultRegion else { return .failure(.missingCountry) }
            guard let code = PhoneNumberPlan.callingCodeByRegion[defaultRegion.uppercased()] else {
                return .failure(.unknownRegion(defaultRegion))
            }
            (callingCode, afterCallingCode) = (code, scanned.digits)
        }

        let national = PhoneNumberPlan.removingTrunkPrefix(afterCallingCode, callingCode: callingCode)
        if PhoneNumberPlan.decimalDigits(callingCode) + national.count > PhoneNumberPlan.maxE164Digits {
            return .failure(.tooLong)
        }
        if national.isEmpty { return .failure(.tooShort) }

        return PhoneNumberPlan.region(callingCode: callingCode, nationalNumber: national)
            .flatMap { region in
                if let error = PhoneNumberPlan.lengthError(national.count, region: region, callingCode: callingCode) {
                    return .failure(error)
                }
                return .success(PhoneNumber(callingCode: callingCode, nationalNumber: national, regionCode: region))
            }
    }

    /// Throwing form of `parse`, for call sites that propagate errors.
    public init(_ text: String, defaultRegion: String? = nil) throws(PhoneNumberError) {
        self = try Self.parse(text, defaultRegion: defaultRegion).get()
    }
}

// MARK: - Reading the text

extension PhoneNumber {
    /// The digits of the typed text and whether they start with a calling code.
    private struct ScannedDigits {
        var digits: String
        var isInternational: Bool
    }

    /// Separators people type or paste between digits. No-break spaces come
    /// from formatted French numbers ("06 12 34 56 78" with U+202F).
    private static let separators: Set<Character> = [
        " ", "\u{00A0}", "\u{202F}", "\t", "-", ".", "/", "(", ")",
    ]

    private static func scan(_ text: String) -> Result<ScannedDigits, PhoneNumberError> {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return .failure(.empty) }
        // Bounded before any other work; the count stops early on long input.
        if trimmed.unicodeScalars.prefix(PhoneNumberPlan.maxInputCharacters + 1).count
            > PhoneNumberPlan.maxInputCharacters
        {
            return .failure(.tooLong)
        }
        // "+44 (0)20 …": the (0) is the trunk prefix to omit when dialling from abroad.
        let withoutTrunkHint = trimmed.replacingOccurrences(of: "(0)", with: "")

        var digits = ""
        var sawPlus = false
        for character in withoutTrunkHint {
            if let ascii = character.asciiValue, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(ascii) {
                digits.append(character)
            } else if character == "+", !sawPlus, digits.isEmpty {
                sawPlus = true  // "+33 …" or "(+33) …"
            } else if !separators.contains(character) {
                return .failure(.invalidCharacter(character))
            }
        }
        if digits.isEmpty { return .failure(.empty) }
        if !sawPlus, digits.hasPrefix("00") {
            return .success(ScannedDigits(digits: String(digits.dropFirst(2)), isInternational: true))
        }
        return .success(ScannedDigits(digits: digits, isInternational: sawPlus))
    }
}

/// Why a text is not a phone number. Each case carries a `reason` to show
/// the person who typed it.
public enum PhoneNumberError: Error, Sendable, Equatable {
    /// Nothing but whitespace or separators.
    case empty
    /// A character that cannot appear in a phone number, such as a letter.
    case invalidCharacter(Character)
    /// A national number (no "+" or "00") and no default region to place it.
    case missingCountry
    /// The default region is not an ISO code of any numbering plan.
    case unknownRegion(String)
    /// More than 15 digits with the calling code (E.164), or more than 64
    /// characters of text.
    case tooLong
    /// No country has this calling code (+999 …).
    case unknownCallingCode
    /// Fewer digits than the shortest number of the country.
    case tooShort
    /// A length the country does not use, longer than its shortest number.
    case invalidLength
    /// A NANP area code starting with 0 or 1.
    case invalidAreaCode
    /// A NANP exchange code (digits 4–6) starting with 0 or 1.
    case invalidExchangeCode
    /// A well-formed number whose area code (or +7 leading digit) no country
    /// has been given. Never guessed as the US: that would misprice it.
    case unassignedAreaCode

    /// A sentence for the person who typed the number.
    public var reason: String {
        switch self {
        case .empty: "The phone number is empty."
        case .invalidCharacter(let character):
            "“\(character)” cannot appear in a phone number: use digits, a leading +, spaces and - . / ( )."
        case .missingCountry: "Add the country code (+…) or choose the number's country."
        case .unknownRegion(let region): "“\(region)” is not a known country code."
        case .tooLong: "A phone number has at most 15 digits, country code included."
        case .unknownCallingCode: "No country uses this country calling code."
        case .tooShort: "The number has too few digits for its country."
        case .invalidLength: "The number's country has no numbers of this length."
        case .invalidAreaCode: "North American area codes start with a digit from 2 to 9."
        case .invalidExchangeCode: "North American exchange codes (digits 4 to 6) start with a digit from 2 to 9."
        case .unassignedAreaCode: "This area code is not assigned to any country."
        }
    }
}
