import Foundation
import TallyTestSupport
import Testing

@testable import TallyCore

// Property tests for the pure core: random inputs from a small seeded generator,
// checked against the rules restated here. A failure names the seed and case that
// replay it: `TALLY_PROPERTY_SEED=<seed> swift test --filter PropertyTests`.

// MARK: - The seeded generator

/// Cases per property: enough to reach every boundary (160/161 septets, an escape
/// pair at septet 153 …) many times, few enough for a fast debug run.
private let casesPerProperty = 2_000

/// The seed of every property: `TALLY_PROPERTY_SEED` when set, else a fixed default,
/// so that every run tries the same cases unless asked otherwise.
private enum PropertySeed {
    static let variable = "TALLY_PROPERTY_SEED"
    static let fallback: UInt64 = 20_261_130
    /// nil when the variable holds something other than a decimal UInt64.
    static let value: UInt64? = {
        guard let text = ProcessInfo.processInfo.environment[variable] else { return fallback }
        return UInt64(text.trimmingCharacters(in: .whitespaces))
    }()
}

/// The suite's one seeded generator (`TallyTestSupport.SplitMix64`: one UInt64 of
/// state, so a seed replays a case exactly), seeded per property and case.
extension SplitMix64 {
    /// The generator of one case of one property, whatever else runs: a reported
    /// case replays alone. FNV-1a names the property (`hashValue` changes per process).
    init(seed: UInt64, property: String, caseIndex: Int) {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in property.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        var mixer = SplitMix64(seed: seed ^ hash ^ (UInt64(caseIndex) &* 0xD1B5_4A32_D192_ED03))
        self.init(seed: mixer.next())
    }

    /// An index below `count`, cheaper than `Int.random(in:using:)` in a debug build, for
    /// the hot loop that picks characters (the modulo bias is under 10^-16 for these counts).
    mutating func index(below count: Int) -> Int {
        Int(next() % UInt64(count))
    }
}

/// What replays a failed case, printed with every failed expectation.
private struct Replay: CustomStringConvertible {
    let seed: UInt64
    let caseIndex: Int
    var description: String { "[\(PropertySeed.variable)=\(seed), case \(caseIndex)]" }
}

/// Runs a property over random cases. `holds` returns false when its case failed:
/// the run stops there, since one counterexample says more than two thousand.
private func forEachCase(
    of property: String,
    cases: Int = casesPerProperty,
    _ holds: (inout SplitMix64, Replay) throws -> Bool
) throws {
    let seed = try #require(PropertySeed.value, "\(PropertySeed.variable) must be a decimal UInt64")
    for caseIndex in 0..<cases {
        var generator = SplitMix64(seed: seed, property: property, caseIndex: caseIndex)
        guard try holds(&generator, Replay(seed: seed, caseIndex: caseIndex)) else { return }
    }
}

private func randomDigits(_ count: Int, using generator: inout SplitMix64) -> String {
    var digits = ""
    for _ in 0..<count { digits += String(Int.random(in: 0...9, using: &generator)) }
    return digits
}

private func ceilDiv(_ numerator: Int, _ denominator: Int) -> Int {
    (numerator + denominator - 1) / denominator
}

// MARK: - SMS bodies

/// One grapheme cluster of a generated body: its GSM-7 cost in septets (nil when it
/// is in neither GSM table); in UCS-2 it costs its UTF-16 code units.
private struct SMSPiece: Sendable {
    let text: String
    let septets: Int?
    var utf16Units: Int { text.utf16.count }
}

private func smsPieces(_ codePoints: [UInt32], septets: Int?) -> [SMSPiece] {
    codePoints.map { SMSPiece(text: String(Character(Unicode.Scalar($0)!)), septets: septets) }
}

/// The GSM 03.38 basic table (3GPP TS 23.038 §6.2.1), written here apart from the
/// segmenter's own. CR alone is left out, as it would join a following LF into one
/// cluster; it comes in as the CRLF piece.
private let basicTableWithoutCR: [UInt32] =
    [0x40, 0xA3, 0x24, 0xA5, 0xE8, 0xE9, 0xF9, 0xEC, 0xF2, 0xC7, 0x0A, 0xD8, 0xF8, 0xC5, 0xE5]
    + [0x394, 0x5F, 0x3A6, 0x393, 0x39B, 0x3A9, 0x3A0, 0x3A8, 0x3A3, 0x398, 0x39E, 0xC6, 0xE6, 0xDF, 0xC9]
    + [0x20, 0x21, 0x22, 0x23, 0xA4] + Array(0x25...0x3F)
    + [0xA1] + Array(0x41...0x5A) + [0xC4, 0xD6, 0xD1, 0xDC, 0xA7]
    + [0xBF] + Array(0x61...0x7A) + [0xE4, 0xF6, 0xF1, 0xFC, 0xE0]
private let oneSeptetPieces = smsPieces(basicTableWithoutCR, septets: 1)
/// The extension table: form feed, ^ { } \ [ ~ ] | and €, an escape plus a code each.
private let extensionPieces = smsPieces([0x0C, 0x5E, 0x7B, 0x7D, 0x5C, 0x5B, 0x7E, 0x5D, 0x7C, 0x20AC], septets: 2)
/// One Character, two septets.
private let crlfPiece = SMSPiece(text: "\r\n", septets: 2)
/// Outside GSM-7, one UTF-16 unit each: ç, backtick, TAB, no-break space, α, Ж, ∆, 中,
/// ’, …, ú, 한.
private let nonGSMOneUnitPieces = smsPieces(
    [0xE7, 0x60, 0x09, 0xA0, 0x3B1, 0x416, 0x2206, 0x4E2D, 0x2019, 0x2026, 0xFA, 0xD55C],
    septets: nil
)
/// Outside GSM-7, one cluster of several units: an emoji (a surrogate pair), one with a
/// skin tone, a ZWJ family (11 units), a flag, e + combining acute, ❤️ with its
/// variation selector, and 𝄞 (outside the BMP, not an emoji).
private let nonGSMWidePieces = [
    "\u{1F600}", "\u{1F44D}\u{1F3FD}", "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}",
    "\u{1F1EB}\u{1F1F7}", "e\u{301}", "\u{2764}\u{FE0F}", "\u{1D11E}",
].map { SMSPiece(text: $0, septets: nil) }

private enum BodyKind: CaseIterable {
    /// One-septet characters only: the naive count ceil(septets / 153) is exact.
    case gsm7OneSeptet
    /// GSM-7 with extension characters and CRLF (two septets that never part).
    case gsm7
    /// One character outside GSM-7 somewhere, every cluster one UTF-16 unit: the naive
    /// count ceil(units / 67) is exact.
    case ucs2OneUnit
    /// Anything: emoji, flags, ZWJ sequences, combining marks, and now and then a
    /// cluster longer than a whole part.
    case ucs2
}

private struct GeneratedBody: CustomStringConvertible {
    let kind: BodyKind
    let pieces: [SMSPiece]
    let text: String
    var description: String { "\(kind) body of \(pieces.count) characters: \(text.debugDescription)" }
}

private func randomPiece(for kind: BodyKind, using generator: inout SplitMix64) -> SMSPiece {
    func any(_ pieces: [SMSPiece]) -> SMSPiece { pieces[generator.index(below: pieces.count)] }
    let roll = generator.index(below: 1_000)
    switch kind {
    case .gsm7OneSeptet:
        return any(oneSeptetPieces)
    case .gsm7:
        if roll < 800 { return any(oneSeptetPieces) }
        if roll < 980 { return any(extensionPieces) }
        return crlfPiece
    case .ucs2OneUnit:
        if roll < 600 { return any(oneSeptetPieces) }
        if roll < 750 { return any(extensionPieces) }
        return any(nonGSMOneUnitPieces)
    case .ucs2:
        if roll < 500 { return any(oneSeptetPieces) }
        if roll < 600 { return any(extensionPieces) }
        if roll < 620 { return crlfPiece }
        if roll < 800 { return any(nonGSMOneUnitPieces) }
        if roll < 997 { return any(nonGSMWidePieces) }
        // A letter with 60 to 90 combining marks: one cluster, often longer than a part.
        let marks = 60 + generator.index(below: 31)
        return SMSPiece(text: "a" + String(repeating: "\u{301}", count: marks), septets: nil)
    }
}

/// A body of `kind`: half of them end within 3 units of a part boundary (160, 2 × 153,
/// 3 × 153, 4 × 153 or 70, 2 × 67 …), where off-by-one errors live; the others are 1 to
/// 400 units long.
private func randomBody(_ kind: BodyKind, using generator: inout SplitMix64) -> GeneratedBody {
    let isGSM7 = kind == .gsm7OneSeptet || kind == .gsm7
    let (singlePart, multipart) = isGSM7 ? (160, 153) : (70, 67)
    let targetUnits: Int
    if Bool.random(using: &generator) {
        let parts = Int.random(in: 1...4, using: &generator)
        let boundary = parts == 1 ? singlePart : parts * multipart
        targetUnits = boundary + Int.random(in: -3...3, using: &generator)
    } else {
        let longest = [60, 200, 400].randomElement(using: &generator)!
        targetUnits = Int.random(in: 1...longest, using: &generator)
    }
    var pieces: [SMSPiece] = []
    var units = 0
    while units < targetUnits {
        let piece = randomPiece(for: kind, using: &generator)
        pieces.append(piece)
        units += isGSM7 ? piece.septets! : piece.utf16Units
    }
    if !isGSM7 {
        let outsiders = kind == .ucs2OneUnit ? nonGSMOneUnitPieces : nonGSMOneUnitPieces + nonGSMWidePieces
        let outsider = outsiders.randomElement(using: &generator)!
        pieces.insert(outsider, at: Int.random(in: 0...pieces.count, using: &generator))
    }
    return GeneratedBody(kind: kind, pieces: pieces, text: pieces.map(\.text).joined())
}

/// The reference rule restated: GSM-7 when every character is in a GSM table (counted
/// in septets), else UCS-2 (counted in UTF-16 units). One part holds 160 septets or 70
/// units; past that each part holds 153 or 67, filled greedily with whole clusters, so
/// no escape pair, surrogate pair or cluster straddles two parts, except that a cluster
/// longer than a whole part is split between its scalars.
private func expectedSegmentation(of body: GeneratedBody) -> SMSSegmentation {
    let encoding: SMSEncoding = body.pieces.allSatisfy { $0.septets != nil } ? .gsm7 : .ucs2
    func cost(_ piece: SMSPiece) -> Int { encoding == .gsm7 ? piece.septets! : piece.utf16Units }
    let units = body.pieces.reduce(0) { $0 + cost($1) }
    let (singlePart, multipart) = encoding == .gsm7 ? (160, 153) : (70, 67)
    guard units > singlePart else { return SMSSegmentation(encoding: encoding, segments: 1, units: units) }
    var segments = 1
    var usedInPart = 0
    func place(_ pieceUnits: Int) {
        if usedInPart + pieceUnits > multipart {
            segments += 1
            usedInPart = 0
        }
        usedInPart += pieceUnits
    }
    for piece in body.pieces {
        if cost(piece) <= multipart {
            place(cost(piece))
        } else {
            for scalar in piece.text.unicodeScalars { place(scalar.utf16.count) }
        }
    }
    return SMSSegmentation(encoding: encoding, segments: segments, units: units)
}

/// Bounds on a multipart count that need no model: a part closes only when the next
/// cluster does not fit, so it loses fewer units than the largest cluster placed whole.
private func multipartBounds(units: Int, multipart: Int, largestCluster: Int) -> ClosedRange<Int> {
    ceilDiv(units, multipart)...ceilDiv(units, multipart + 1 - largestCluster)
}

@Suite("Properties: SMS segments")
struct SMSSegmentPropertyTests {
    /// Room for every generated body; the limit has its own property.
    let segmenter = SMSSegmenter(maximumSegments: 1_000)

    /// A GSM-7 body is counted in septets, an extension character or CRLF two. Up to 160
    /// septets it is one segment; past that parts of 153 are filled greedily without
    /// splitting an escape pair, so the count is between ceil(septets / 153) and
    /// ceil(septets / 152), and exactly ceil(septets / 153) when every character is one septet.
    @Test func gsm7BodiesAreCountedInSeptets() throws {
        try forEachCase(of: "GSM-7 segments") { generator, replay in
            let kind: BodyKind = Bool.random(using: &generator) ? .gsm7OneSeptet : .gsm7
            let body = randomBody(kind, using: &generator)
            try #require(body.text.count == body.pieces.count, "\(replay) the generator joined two clusters: \(body)")
            let expected = expectedSegmentation(of: body)
            let result = segmenter.segment(body.text)
            #expect(result == .success(expected), "\(replay) \(body)")
            guard case .success(let counted) = result else { return false }
            let septets = counted.units
            var held = counted == expected
            if septets > 160 {
                let bounds = multipartBounds(units: septets, multipart: 153, largestCluster: 2)
                #expect(bounds.contains(counted.segments), "\(replay) \(counted.segments) segments, not in \(bounds): \(body)")
                held = held && bounds.contains(counted.segments)
            }
            if kind == .gsm7OneSeptet {
                let naive = septets <= 160 ? 1 : ceilDiv(septets, 153)
                #expect(counted.segments == naive, "\(replay) \(body)")
                held = held && counted.segments == naive
            }
            return held
        }
    }

    /// One character outside GSM-7, anywhere, makes the whole body UCS-2, counted in UTF-16
    /// units (a surrogate pair is two). Up to 70 units it is one segment; past that parts
    /// of 67 are filled greedily with whole clusters, so the count is at least
    /// ceil(units / 67), and exactly that when every cluster is one unit.
    @Test func ucs2BodiesAreCountedInUTF16Units() throws {
        try forEachCase(of: "UCS-2 segments") { generator, replay in
            let kind: BodyKind = Bool.random(using: &generator) ? .ucs2OneUnit : .ucs2
            let body = randomBody(kind, using: &generator)
            try #require(body.text.count == body.pieces.count, "\(replay) the generator joined two clusters: \(body)")
            let expected = expectedSegmentation(of: body)
            let result = segmenter.segment(body.text)
            #expect(result == .success(expected), "\(replay) \(body)")
            guard case .success(let counted) = result else { return false }
            #expect(counted.encoding == .ucs2 && counted.units == body.text.utf16.count, "\(replay) \(body)")
            var held = counted == expected && counted.encoding == .ucs2 && counted.units == body.text.utf16.count
            if counted.units > 70 {
                // A cluster longer than a part is split between scalars of at most 2 units.
                let largestCluster = body.pieces.map { $0.utf16Units <= 67 ? $0.utf16Units : 2 }.max() ?? 1
                let bounds = multipartBounds(units: counted.units, multipart: 67, largestCluster: largestCluster)
                #expect(bounds.contains(counted.segments), "\(replay) \(counted.segments) segments, not in \(bounds): \(body)")
                held = held && bounds.contains(counted.segments)
            }
            if kind == .ucs2OneUnit {
                let naive = counted.units <= 70 ? 1 : ceilDiv(counted.units, 67)
                #expect(counted.segments == naive, "\(replay) \(body)")
                held = held && counted.segments == naive
            }
            return held
        }
    }

    /// The segment count is the one limit on a body: with a maximum of N segments, a body
    /// is refused as `tooManySegments(N)` exactly when it needs more than N.
    @Test func aBodyIsRefusedExactlyWhenItNeedsMoreSegmentsThanTheMaximum() throws {
        try forEachCase(of: "segment limit") { generator, replay in
            let maximum = Int.random(in: 1...6, using: &generator)
            let kind = BodyKind.allCases.randomElement(using: &generator)!
            let body = randomBody(kind, using: &generator)
            let counted = expectedSegmentation(of: body)
            let expected: Result<SMSSegmentation, SMSBodyError> =
                counted.segments > maximum ? .failure(.tooManySegments(maximum: maximum)) : .success(counted)
            let result = SMSSegmenter(maximumSegments: maximum).segment(body.text)
            #expect(result == expected, "\(replay) at most \(maximum) segments, \(body)")
            return result == expected
        }
    }

    /// A message to a country of the price table costs that country's rate per segment
    /// times its segments (at most 10); a number outside the table is refused whatever the body.
    @Test func aQuoteIsTheDestinationRateTimesTheSegments() throws {
        try forEachCase(of: "SMS quote") { generator, replay in
            let generated = randomValidNumber(using: &generator)
            let kind = BodyKind.allCases.randomElement(using: &generator)!
            let body = randomBody(kind, using: &generator)
            let parsed = try? PhoneNumber(generated.e164)
            let number = try #require(parsed, "\(replay) a number the plan accepts was refused: \(generated)")
            let quote = SMSQuote.quote(to: number, body: body.text)
            guard let rate = Catalog.smsRate(iso: number.regionCode) else {
                #expect(quote == .failure(.unsupportedDestination(iso: number.regionCode)), "\(replay) to \(number.regionCode)")
                return quote == .failure(.unsupportedDestination(iso: number.regionCode))
            }
            let segmentation = expectedSegmentation(of: body)
            guard segmentation.segments <= 10 else {
                #expect(quote == .failure(.body(.tooManySegments(maximum: 10))), "\(replay) \(body)")
                return quote == .failure(.body(.tooManySegments(maximum: 10)))
            }
            guard case .success(let priced) = quote else {
                Issue.record("\(replay) \(number) refused: \(quote), \(body)")
                return false
            }
            let thousandths = rate.creditsPerSegment.thousandths * Int64(segmentation.segments)
            #expect(priced.rate == rate, "\(replay) to \(number.regionCode)")
            #expect(priced.segmentation == segmentation, "\(replay) \(body)")
            #expect(priced.credits == Credits(thousandths: thousandths), "\(replay) to \(number.regionCode), \(body)")
            return priced.rate == rate && priced.segmentation == segmentation && priced.credits.thousandths == thousandths
        }
    }
}

// MARK: - Phone numbers

/// A number the plan accepts, built from the plan's own tables: a country of the price
/// table, one of its national lengths that fits E.164's 15 digits, random digits not
/// starting with the country's trunk prefix; for +1 an assigned area code and an exchange
/// starting 2–9, for +7 Russia's first digits 3, 4, 8 or 9.
private struct GeneratedNumber: CustomStringConvertible {
    let country: String
    let callingCode: Int
    let nationalNumber: String
    var e164: String { "+\(callingCode)\(nationalNumber)" }
    var description: String { "\(e164) (generated for \(country))" }
}

/// Sorted, so that a seed picks the same area code on every run.
private let assignedNANPAreaCodes = PhoneNumberPlan.nanpRegionByAreaCode.keys.sorted()

private func randomValidNumber(using generator: inout SplitMix64) -> GeneratedNumber {
    let rate = Catalog.smsRates.randomElement(using: &generator)!
    let code = rate.callingCode
    let lengths = PhoneNumberPlan.nationalNumberLengths[rate.iso, default: []]
        .filter { String(code).count + $0 <= PhoneNumberPlan.maxE164Digits }
        .sorted()
    let length = lengths.randomElement(using: &generator)!
    var national: String
    switch code {
    case 1:
        let areaCode = assignedNANPAreaCodes.randomElement(using: &generator)!
        let exchangeStart = Int.random(in: 2...9, using: &generator)
        national = "\(areaCode)\(exchangeStart)" + randomDigits(6, using: &generator)
    case 7:
        let first = ["3", "4", "8", "9"].randomElement(using: &generator)!
        national = first + randomDigits(length - 1, using: &generator)
    default:
        let trunk = PhoneNumberPlan.trunkPrefixByCallingCode[code]
        national = randomDigits(length, using: &generator)
        while let trunk, national.hasPrefix(trunk) { national = randomDigits(length, using: &generator) }
    }
    return GeneratedNumber(country: rate.iso, callingCode: code, nationalNumber: national)
}

/// The text with separators the parser documents (spaces, no-break spaces, - . / ( ))
/// before, between and after its characters, within the 64-character input bound.
/// Never a literal "(0)": the parser rightly drops that as a trunk-prefix hint.
private func sprinkledWithSeparators(_ text: String, using generator: inout SplitMix64) -> String {
    let separators: [Character] = [" ", "\u{A0}", "\u{202F}", "-", ".", "/", "(", ")"]
    let characters = Array(text)
    var budget = PhoneNumberPlan.maxInputCharacters - characters.count
    var sprinkled = ""
    for index in 0...characters.count {
        let count = Int.random(in: 0...min(2, max(0, budget)), using: &generator)
        for _ in 0..<count {
            var separator = separators.randomElement(using: &generator)!
            if separator == ")" && sprinkled.hasSuffix("(0") { separator = "-" }
            sprinkled.append(separator)
        }
        budget -= count
        if index < characters.count { sprinkled.append(characters[index]) }
    }
    return sprinkled
}

@Suite("Properties: phone numbers")
struct PhoneNumberPropertyTests {
    /// A number the plan accepts parses to exactly its calling code and digits, and its
    /// E.164 form parses back to the same number: formatting then parsing is the identity.
    @Test func e164ParsesBackToTheSameNumber() throws {
        try forEachCase(of: "E.164 round trip") { generator, replay in
            let generated = randomValidNumber(using: &generator)
            let parsed = PhoneNumber.parse(generated.e164)
            guard case .success(let number) = parsed else {
                Issue.record("\(replay) a number the plan accepts was refused: \(generated) → \(parsed)")
                return false
            }
            #expect(number.callingCode == generated.callingCode, "\(replay) \(generated)")
            #expect(number.nationalNumber == generated.nationalNumber, "\(replay) \(generated)")
            let again = PhoneNumber.parse(number.e164)
            #expect(again == .success(number), "\(replay) \(generated) → \(number.e164)")
            return number.e164 == generated.e164 && again == .success(number)
        }
    }

    /// However a number is typed — "+" or "00" before the calling code, or national (with
    /// or without the trunk prefix) with its country as the default, in any letter case —
    /// and whatever separators are sprinkled in, it parses to the same number.
    @Test func everySpellingOfANumberParsesToTheSameNumber() throws {
        try forEachCase(of: "phone spellings") { generator, replay in
            let generated = randomValidNumber(using: &generator)
            let expected = PhoneNumber.parse(generated.e164)
            guard case .success = expected else {
                Issue.record("\(replay) a number the plan accepts was refused: \(generated) → \(expected)")
                return false
            }
            let national = generated.nationalNumber
            let region = Bool.random(using: &generator) ? generated.country : generated.country.lowercased()
            var spellings: [(text: String, defaultRegion: String?)] = [
                ("+\(generated.callingCode)\(national)", nil),
                ("00\(generated.callingCode)\(national)", nil),
            ]
            if let trunk = PhoneNumberPlan.trunkPrefixByCallingCode[generated.callingCode] {
                spellings.append((trunk + national, region))
            }
            // A national number typed with a leading 00 reads as international, as documented.
            if !national.hasPrefix("00") { spellings.append((national, region)) }
            var held = true
            for spelling in spellings {
                let typed = sprinkledWithSeparators(spelling.text, using: &generator)
                let result = PhoneNumber.parse(typed, defaultRegion: spelling.defaultRegion)
                let typedIn = "typed \(typed.debugDescription) with default region \(String(describing: spelling.defaultRegion))"
                #expect(result == expected, "\(replay) \(generated) \(typedIn)")
                held = held && result == expected
            }
            return held
        }
    }
}

// MARK: - Credits and money

/// Amounts up to a quadrillion thousandths either way, half of them within ±10 credits
/// so that "0.00x" and sign handling come up often.
private func randomThousandths(using generator: inout SplitMix64) -> Int64 {
    let limit: Int64 = Bool.random(using: &generator) ? 10_000 : 1_000_000_000_000_000
    return Int64.random(in: -limit...limit, using: &generator)
}

@Suite("Properties: credits and money")
struct CreditsPropertyTests {
    /// Any amount formats as `-?digits.ddd` (no leading zeros, a sign only below zero)
    /// and parses back to exactly the same thousandths.
    @Test func creditsFormatAndParseBackExactly() throws {
        try forEachCase(of: "credits round trip") { generator, replay in
            let amount = Credits(thousandths: randomThousandths(using: &generator))
            let text = amount.description
            let parsed = Credits.parse(text)
            #expect(parsed == .success(amount), "\(replay) \(amount.thousandths) thousandths → \(text.debugDescription)")
            let unsigned = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
            let parts = unsigned.split(separator: ".", omittingEmptySubsequences: false)
            let isDigits = { (part: Substring) in !part.isEmpty && part.allSatisfy { $0.isASCII && $0.isWholeNumber } }
            let wellFormed =
                parts.count == 2 && isDigits(parts[0]) && isDigits(parts[1]) && parts[1].count == 3
                && (parts[0] == "0" || !parts[0].hasPrefix("0")) && text.hasPrefix("-") == amount.isNegative
            #expect(wellFormed, "\(replay) \(amount.thousandths) thousandths → \(text.debugDescription)")
            return parsed == .success(amount) && wellFormed
        }
    }

    /// A decimal string with up to three decimals (a sign or not, leading zeros or no whole
    /// part at all, as in ".5") parses to exactly ±(whole × 1000 + fraction × 10^(3 − decimals));
    /// one more decimal is refused as `tooManyDecimals`.
    @Test func decimalStringsParseToExactThousandths() throws {
        try forEachCase(of: "credits decimal strings") { generator, replay in
            let wholeLimit: Int64 = Bool.random(using: &generator) ? 999 : 1_000_000_000_000
            let whole = Int64.random(in: 0...wholeLimit, using: &generator)
            let decimals = Int.random(in: 0...3, using: &generator)
            let fractionText = randomDigits(decimals, using: &generator)
            let sign = ["", "+", "-"].randomElement(using: &generator)!
            let leadingZeros = String(repeating: "0", count: Int.random(in: 0...2, using: &generator))
            let omitsWhole = whole == 0 && decimals > 0 && Bool.random(using: &generator)
            let text = sign + (omitsWhole ? "" : leadingZeros + String(whole)) + (decimals > 0 ? "." + fractionText : "")

            var fraction = Int64(fractionText) ?? 0
            for _ in decimals..<3 { fraction *= 10 }
            let magnitude = whole * 1_000 + fraction
            let expected = Credits(thousandths: sign == "-" ? -magnitude : magnitude)
            let parsed = Credits.parse(text)
            #expect(parsed == .success(expected), "\(replay) \(text.debugDescription)")
            guard decimals == 3 else { return parsed == .success(expected) }
            let fourDecimals = text + String(Int.random(in: 0...9, using: &generator))
            let refused = Credits.parse(fourDecimals)
            #expect(refused == .failure(.tooManyDecimals), "\(replay) \(fourDecimals.debugDescription)")
            return parsed == .success(expected) && refused == .failure(.tooManyDecimals)
        }
    }

    /// Credits arithmetic is exact integer arithmetic on thousandths: adding then subtracting
    /// gives the first amount back, the sum does not depend on order, subtracting is adding
    /// the negation, comparison follows the thousandths and `times` multiplies exactly.
    /// Money adds its cents exactly.
    @Test func arithmeticIsExactOnThousandthsAndCents() throws {
        try forEachCase(of: "credits arithmetic") { generator, replay in
            let a = Credits(thousandths: randomThousandths(using: &generator))
            let b = Credits(thousandths: randomThousandths(using: &generator))
            let count = Int64.random(in: 0...1_000, using: &generator)
            let sum = a + b
            let context = { "\(replay) a = \(a), b = \(b), n = \(count)" }
            let sumIsExact = sum.thousandths == a.thousandths + b.thousandths
            let subtractingUndoesAdding = sum - b == a
            let orderDoesNotMatter = sum == b + a
            let subtractingAddsTheNegation = a - b == a + -b
            let comparisonFollowsThousandths = (a < b) == (a.thousandths < b.thousandths)
            let timesIsExact = a.times(count)?.thousandths == a.thousandths * count
            #expect(sumIsExact, "\(context()): a + b = \(sum)")
            #expect(subtractingUndoesAdding, "\(context()): a + b - b = \(sum - b)")
            #expect(orderDoesNotMatter, "\(context()): b + a = \(b + a)")
            #expect(subtractingAddsTheNegation, "\(context()): a - b = \(a - b), a + -b = \(a + -b)")
            #expect(comparisonFollowsThousandths, "\(context())")
            #expect(timesIsExact, "\(context()): a × n = \(a.times(count).map(\.description) ?? "overflow")")

            let x = Money(cents: Int64.random(in: 0...1_000_000_000_000_000, using: &generator))
            let y = Money(cents: Int64.random(in: 0...1_000_000_000_000_000, using: &generator))
            let moneySumIsExact = (x + y).cents == x.cents + y.cents
            #expect(moneySumIsExact, "\(replay) x = \(x), y = \(y), x + y = \(x + y)")
            return sumIsExact && subtractingUndoesAdding && orderDoesNotMatter && subtractingAddsTheNegation
                && comparisonFollowsThousandths && timesIsExact && moneySumIsExact
        }
    }

    /// Any amount of money formats with two decimals and parses back to the same cents.
    /// (`Money.parse` reads no sign, so the amounts are not negative.)
    @Test func moneyFormatsAndParsesBackExactly() throws {
        try forEachCase(of: "money round trip") { generator, replay in
            let limit: Int64 = Bool.random(using: &generator) ? 1_000 : 1_000_000_000_000_000
            let money = Money(cents: Int64.random(in: 0...limit, using: &generator))
            let text = money.description
            let twoDecimals = text.split(separator: ".", omittingEmptySubsequences: false).last?.count == 2
            #expect(Money.parse(text) == money, "\(replay) \(money.cents) cents → \(text.debugDescription)")
            #expect(twoDecimals, "\(replay) \(money.cents) cents → \(text.debugDescription)")
            return Money.parse(text) == money && twoDecimals
        }
    }

    /// A dollar string with up to two decimals parses to exactly whole × 100 + cents,
    /// one decimal counting tens of cents ("100.5" is 100.50).
    @Test func moneyDecimalStringsParseToExactCents() throws {
        try forEachCase(of: "money decimal strings") { generator, replay in
            let whole = Int64.random(in: 0...10_000_000_000_000, using: &generator)
            let decimals = Int.random(in: 0...2, using: &generator)
            let fractionText = randomDigits(decimals, using: &generator)
            let text = String(whole) + (decimals > 0 ? "." + fractionText : "")
            let cents = (Int64(fractionText) ?? 0) * (decimals == 1 ? 10 : 1)
            let parsed = Money.parse(text)
            #expect(parsed == Money(cents: whole * 100 + cents), "\(replay) \(text.debugDescription)")
            return parsed == Money(cents: whole * 100 + cents)
        }
    }
}

// MARK: - Auto-recharge

private func randomSettings(using generator: inout SplitMix64) -> AutoRechargeSettings {
    let enabled = Bool.random(using: &generator)
    let threshold = Int64.random(in: 0...100_000, using: &generator)
    let recharge = Int64.random(in: 100...5_000, using: &generator)
    let perDay = Int.random(in: 1...5, using: &generator)
    let perMonth = Int64.random(in: 0...200_000, using: &generator)
    return AutoRechargeSettings(
        enabled: enabled,
        thresholdCredits: Credits(thousandths: threshold),
        rechargeCredits: Credits(whole: recharge),
        paymentMethodID: "pm_property",
        maxRechargesPerDay: perDay,
        maxSpendPerMonth: Money(cents: perMonth)
    )
}

private func describe(_ settings: AutoRechargeSettings?) -> String {
    guard let settings else { return "no auto-recharge settings" }
    return "threshold \(settings.thresholdCredits), enabled \(settings.enabled), "
        + "\(settings.maxRechargesPerDay) a day, \(settings.maxSpendPerMonth) a month"
}

/// The next available balance of a random wallet, never below zero: mostly debits (of any
/// size, of a few thousandths, or landing exactly on or just under the threshold or the
/// cheapest use), now and then a purchase or recharge arriving.
private func nextBalance(after before: Credits, threshold: Credits?, using generator: inout SplitMix64) -> Credits {
    let available = before.thousandths
    switch Int.random(in: 0..<8, using: &generator) {
    case 0:
        return Credits(thousandths: available + Int64.random(in: 0...100_000, using: &generator))
    case 1:
        let marks = [threshold?.thousandths, Catalog.cheapestUse.thousandths].compactMap { $0 }
        let mark = marks.randomElement(using: &generator)!
        return Credits(thousandths: max(0, mark - Int64.random(in: 0...1, using: &generator)))
    case 2, 3:
        return Credits(thousandths: available - Int64.random(in: 0...min(available, 50), using: &generator))
    default:
        return Credits(thousandths: available - Int64.random(in: 0...available, using: &generator))
    }
}

/// The rule of SPEC.md restated, over descents: a descent starts when available goes from
/// at or above the threshold to below it (that is "low balance") and ends when available
/// is at or above it again. With auto-recharge on, the first spending decrease of a descent
/// buys its one recharge; until then a recharge is owed. "Depleted" is going from at or
/// above the cheapest use to below it. `bought` says whether the descent under way (if
/// any) has had its recharge, and is updated.
private func expectedEffects(
    before: Credits,
    after: Credits,
    settings: AutoRechargeSettings?,
    spending: Bool,
    bought: inout Bool
) -> BalanceEffects {
    let cheapest = Catalog.cheapestUse
    var expected = BalanceEffects(depleted: after < before && before >= cheapest && after < cheapest)
    guard let settings else { return expected }
    let threshold = settings.thresholdCredits
    if after >= threshold {
        bought = false
        return expected
    }
    if before >= threshold {
        expected.lowBalance = true
        bought = false
    }
    guard settings.enabled else { return expected }
    if !bought && spending && after < before {
        expected.recharge = true
        bought = true
    }
    expected.rechargeArmed = !bought
    return expected
}

@Suite("Properties: auto-recharge")
struct AutoRechargePropertyTests {
    /// Through any run of spending, other debits (refunds, adjustments, expiries) and
    /// purchases, a recharge is due exactly at the first spending of each descent below the
    /// threshold — at the crossing, or later when something else crossed — so there is
    /// never a second one before the balance is back at or above the threshold, and never
    /// one without spending; and saving the settings buys at once exactly when
    /// auto-recharge is on and available is already below the threshold.
    @Test func aRechargeIsDueExactlyAtTheFirstSpendingOfEachDescent() throws {
        try forEachCase(of: "recharge due") { generator, replay in
            let hasSettings = Int.random(in: 0..<5, using: &generator) > 0
            let settings = hasSettings ? randomSettings(using: &generator) : nil
            var available = Credits(thousandths: Int64.random(in: 0...200_000, using: &generator))
            var held = true
            if let settings {
                let buysNow = AutoRechargePolicy.rechargeOnSave(available: available, settings: settings)
                let expected = settings.enabled && available < settings.thresholdCredits
                #expect(buysNow == expected, "\(replay) saving with \(available) available, \(describe(settings))")
                held = buysNow == expected
            }
            // Saving below the threshold bought this descent's recharge (or nothing is owed).
            var bought = settings.map { available < $0.thresholdCredits } ?? false
            var armed = false
            var rechargesThisDescent = 0
            let steps = Int.random(in: 1...40, using: &generator)
            for _ in 0..<steps where held {
                let before = available
                available = nextBalance(after: before, threshold: settings?.thresholdCredits, using: &generator)
                let spending = available < before && Bool.random(using: &generator)
                let effects = AutoRechargePolicy.effects(
                    before: before,
                    after: available,
                    settings: settings,
                    spending: spending,
                    armed: armed
                )
                armed = effects.rechargeArmed
                let expected = expectedEffects(before: before, after: available, settings: settings, spending: spending, bought: &bought)
                let after = available
                let context = { "\(replay) \(before) → \(after)\(spending ? " spending" : ""), \(describe(settings))" }
                #expect(effects == expected, "\(context())")
                if let settings, available >= settings.thresholdCredits { rechargesThisDescent = 0 }
                if effects.recharge { rechargesThisDescent += 1 }
                #expect(rechargesThisDescent <= 1, "\(context()): a second recharge before the balance rose")
                #expect(!effects.recharge || spending, "\(context()): a recharge without spending")
                held = effects == expected && rechargesThisDescent <= 1 && (!effects.recharge || spending)
            }
            return held
        }
    }

    /// Over any sequence of due recharges across days and months, the caps let through at
    /// most `maxRechargesPerDay` a day and at most `maxSpendPerMonth` a month, and refuse
    /// a recharge only for a cap it would break (naming either when it would break both).
    /// Months here are 30-day blocks: the policy is given the counts, not the calendar.
    @Test func theCapsAreNeverExceededAndRefuseOnlyWhatWouldExceedThem() throws {
        try forEachCase(of: "recharge caps") { generator, replay in
            let settings = randomSettings(using: &generator)
            var day = 0
            var rechargesToday = 0
            var spentThisMonth = Money(cents: 0)
            var held = true
            let attempts = Int.random(in: 1...60, using: &generator)
            for _ in 0..<attempts where held {
                let roll = Int.random(in: 0..<6, using: &generator)
                let nextDay = day + (roll < 3 ? 0 : roll < 5 ? 1 : Int.random(in: 2...40, using: &generator))
                if nextDay != day { rechargesToday = 0 }
                if nextDay / 30 != day / 30 { spentThisMonth = Money(cents: 0) }
                day = nextDay
                let credits = Credits(whole: Int64.random(in: 100...5_000, using: &generator))
                let price = try Catalog.purchasePrice(of: credits).get()

                var wouldBreak: Set<RechargeCap> = []
                if rechargesToday >= settings.maxRechargesPerDay { wouldBreak.insert(.daily) }
                if spentThisMonth + price > settings.maxSpendPerMonth { wouldBreak.insert(.monthly) }
                let cap = AutoRechargePolicy.cap(
                    rechargesToday: rechargesToday,
                    spentThisMonth: spentThisMonth,
                    price: price,
                    settings: settings
                )
                let (today, thisMonth) = (rechargesToday, spentThisMonth)
                let context = { "\(replay) day \(day): \(today) today, \(thisMonth) this month, price \(price), \(describe(settings))" }
                if let cap {
                    #expect(wouldBreak.contains(cap), "\(context()): refused as \(cap)")
                    held = wouldBreak.contains(cap)
                } else {
                    #expect(wouldBreak.isEmpty, "\(context()): let through")
                    held = wouldBreak.isEmpty
                    rechargesToday += 1
                    spentThisMonth = spentThisMonth + price
                }
                #expect(rechargesToday <= settings.maxRechargesPerDay, "\(context()): now \(rechargesToday) today")
                #expect(spentThisMonth <= settings.maxSpendPerMonth, "\(context()): now \(spentThisMonth) this month")
                held = held && rechargesToday <= settings.maxRechargesPerDay && spentThisMonth <= settings.maxSpendPerMonth
            }
            return held
        }
    }
}
