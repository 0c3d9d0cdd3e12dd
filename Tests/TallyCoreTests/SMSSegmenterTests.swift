import TallyCore
import Testing

/// One message and how it must be billed.
struct SMSVector: Sendable, CustomTestStringConvertible {
    let name: String
    let body: String
    let encoding: SMSEncoding
    let segments: Int
    let units: Int

    init(_ name: String, _ body: String, _ encoding: SMSEncoding, segments: Int, units: Int) {
        self.name = name
        self.body = body
        self.encoding = encoding
        self.segments = segments
        self.units = units
    }

    var testDescription: String { name }
}

private func repeated(_ text: String, _ count: Int) -> String {
    String(repeating: text, count: count)
}

/// The GSM 03.38 basic table written as the code points of 3GPP TS 23.038 §6.2.1,
/// independently of the segmenter's own table. Code 0x1B (escape) has no character.
private let gsm7BasicCodePoints: [UInt32] =
    [0x40, 0xA3, 0x24, 0xA5, 0xE8, 0xE9, 0xF9, 0xEC, 0xF2, 0xC7, 0x0A, 0xD8, 0xF8, 0x0D, 0xC5, 0xE5]
    + [0x394, 0x5F, 0x3A6, 0x393, 0x39B, 0x3A9, 0x3A0, 0x3A8, 0x3A3, 0x398, 0x39E, 0xC6, 0xE6, 0xDF, 0xC9]
    + [0x20, 0x21, 0x22, 0x23, 0xA4] + Array(0x25...0x3F)
    + [0xA1] + Array(0x41...0x5A) + [0xC4, 0xD6, 0xD1, 0xDC, 0xA7]
    + [0xBF] + Array(0x61...0x7A) + [0xE4, 0xF6, 0xF1, 0xFC, 0xE0]
private let gsm7ExtensionCodePoints: [UInt32] = [0x0C, 0x5E, 0x7B, 0x7D, 0x5C, 0x5B, 0x7E, 0x5D, 0x7C, 0x20AC]

private func string(_ codePoints: [UInt32]) -> String {
    var scalars = String.UnicodeScalarView()
    for value in codePoints { scalars.append(Unicode.Scalar(value)!) }
    return String(scalars)
}

@Suite("SMS segments follow GSM 03.38")
struct SMSSegmenterTests {
    let segmenter = SMSSegmenter()

    @Test(arguments: [
        // The reference table.
        SMSVector("160 × a", repeated("a", 160), .gsm7, segments: 1, units: 160),
        SMSVector("161 × a", repeated("a", 161), .gsm7, segments: 2, units: 161),
        SMSVector("306 × a", repeated("a", 306), .gsm7, segments: 2, units: 306),
        SMSVector("307 × a", repeated("a", 307), .gsm7, segments: 3, units: 307),
        SMSVector("158 × a + €", repeated("a", 158) + "€", .gsm7, segments: 1, units: 160),
        SMSVector("80 × €", repeated("€", 80), .gsm7, segments: 1, units: 160),
        SMSVector("81 × €", repeated("€", 81), .gsm7, segments: 2, units: 162),
        SMSVector("160 × Ç", repeated("Ç", 160), .gsm7, segments: 1, units: 160),
        SMSVector("ç + 69 × a", "ç" + repeated("a", 69), .ucs2, segments: 1, units: 70),
        SMSVector("ç + 70 × a", "ç" + repeated("a", 70), .ucs2, segments: 2, units: 71),
        SMSVector("134 × Ж", repeated("Ж", 134), .ucs2, segments: 2, units: 134),
        SMSVector("135 × Ж", repeated("Ж", 135), .ucs2, segments: 3, units: 135),
        SMSVector("65 × a + 😀 + 67 × a", repeated("a", 65) + "😀" + repeated("a", 67), .ucs2, segments: 2, units: 134),
        SMSVector("80 × CRLF", repeated("\r\n", 80), .gsm7, segments: 1, units: 160),
        SMSVector("TAB + 10 × a", "\t" + repeated("a", 10), .ucs2, segments: 1, units: 11),
        SMSVector("1530 × a", repeated("a", 1530), .gsm7, segments: 10, units: 1530),
        // Boundaries.
        SMSVector("1 × a", "a", .gsm7, segments: 1, units: 1),
        SMSVector("153 × 2 = 306 × a", repeated("a", 153 * 2), .gsm7, segments: 2, units: 306),
        SMSVector("70 × ç", repeated("ç", 70), .ucs2, segments: 1, units: 70),
        SMSVector("71 × ç", repeated("ç", 71), .ucs2, segments: 2, units: 71),
        SMSVector("67 × 2 = 134 × ç", repeated("ç", 134), .ucs2, segments: 2, units: 134),
        SMSVector("135 × ç", repeated("ç", 135), .ucs2, segments: 3, units: 135),
        SMSVector("159 × a + € crosses 160", repeated("a", 159) + "€", .gsm7, segments: 2, units: 161),
        SMSVector("152 × a + € + 10 × a", repeated("a", 152) + "€" + repeated("a", 10), .gsm7, segments: 2, units: 164),
        // Naively ceil(306 / 153) = 2, but the escape pair cannot straddle parts 1 and 2.
        SMSVector("152 × a + € + 152 × a", repeated("a", 152) + "€" + repeated("a", 152), .gsm7, segments: 3, units: 306),
        SMSVector("153 × a + € + 151 × a", repeated("a", 153) + "€" + repeated("a", 151), .gsm7, segments: 2, units: 306),
        // Naively ceil(134 / 67) = 2, but the surrogate pair cannot straddle parts 1 and 2.
        SMSVector("66 × a + 😀 + 66 × a", repeated("a", 66) + "😀" + repeated("a", 66), .ucs2, segments: 3, units: 134),
        SMSVector("69 × a + 😀", repeated("a", 69) + "😀", .ucs2, segments: 2, units: 71),
        SMSVector("68 × a + 😀", repeated("a", 68) + "😀", .ucs2, segments: 1, units: 70),
        SMSVector("35 × 😀", repeated("😀", 35), .ucs2, segments: 1, units: 70),
        SMSVector("36 × 😀", repeated("😀", 36), .ucs2, segments: 2, units: 72),
        // 33 emoji (66 units) fill a part, so 67 emoji need 3 parts although ceil(134 / 67) = 2.
        SMSVector("67 × 😀", repeated("😀", 67), .ucs2, segments: 3, units: 134),
        // A grapheme cluster (family emoji: 4 people joined by 3 ZWJ = 11 units) stays whole.
        SMSVector("60 × a + family + 60 × a", repeated("a", 60) + "👨‍👩‍👧‍👦" + repeated("a", 60), .ucs2, segments: 3, units: 131),
        // CRLF is one Character but two septets, and one cluster kept in one part.
        SMSVector("CRLF", "\r\n", .gsm7, segments: 1, units: 2),
        SMSVector("81 × CRLF", repeated("\r\n", 81), .gsm7, segments: 2, units: 162),
        SMSVector("152 × a + CRLF + 152 × a", repeated("a", 152) + "\r\n" + repeated("a", 152), .gsm7, segments: 3, units: 306),
        SMSVector("TAB alone", "\t", .ucs2, segments: 1, units: 1),
    ])
    func billsEachMessageBySegments(vector: SMSVector) throws {
        let result = try segmenter.segment(vector.body).get()
        #expect(result == SMSSegmentation(encoding: vector.encoding, segments: vector.segments, units: vector.units))
    }

    @Test(arguments: [
        // Classified by scalar: é precomposed is GSM, e + U+0301 is not.
        ("café (precomposed é)", "caf\u{E9}", SMSEncoding.gsm7, 4),
        ("cafe + U+0301", "cafe\u{301}", .ucs2, 5),
        ("Ç capital", "\u{C7}a", .gsm7, 2),
        ("ç small", "\u{E7}a", .ucs2, 2),
        ("backtick", "`", .ucs2, 1),
        ("non-breaking space", "a\u{A0}b", .ucs2, 3),
        ("lower-case Greek", "\u{3B1}", .ucs2, 1),
        ("math ∆ is not Greek Δ", "\u{2206}", .ucs2, 1),
        ("Greek capital Δ", "\u{394}", .gsm7, 1),
        ("extension table", string(gsm7ExtensionCodePoints), .gsm7, 20),
        ("form feed", "\u{0C}", .gsm7, 2),
    ])
    func classifiesEveryScalar(name: String, body: String, encoding: SMSEncoding, units: Int) throws {
        let result = try segmenter.segment(body).get()
        #expect(result.encoding == encoding, "\(name)")
        #expect(result.units == units, "\(name)")
    }

    @Test func theWholeBasicSetIsGSM7InOneSegment() throws {
        #expect(gsm7BasicCodePoints.count == 127)
        let result = try segmenter.segment(string(gsm7BasicCodePoints)).get()
        #expect(result == SMSSegmentation(encoding: .gsm7, segments: 1, units: 127))
    }

    @Test func everyOtherLatin1AndGreekScalarForcesUCS2() throws {
        let gsm = Set(gsm7BasicCodePoints + gsm7ExtensionCodePoints)
        for value in UInt32(0x01)...0x3FF where !gsm.contains(value) {
            let result = try segmenter.segment(string([value])).get()
            #expect(result.encoding == .ucs2, "U+\(String(value, radix: 16, uppercase: true))")
        }
    }

    @Test func aClusterLongerThanAPartIsSplitBetweenScalars() throws {
        // e + 100 combining acutes: 101 units in one Character, more than one part holds.
        let body = "e" + repeated("\u{301}", 100)
        #expect(body.count == 1)
        let result = try segmenter.segment(body).get()
        #expect(result == SMSSegmentation(encoding: .ucs2, segments: 2, units: 101))
    }

    @Test func combiningAccentsStayWithTheirLetter() throws {
        let body = repeated("a", 66) + "e\u{301}" + repeated("a", 66)
        let result = try segmenter.segment(body).get()
        #expect(result == SMSSegmentation(encoding: .ucs2, segments: 3, units: 134))
    }

    @Test func anEmptyBodyIsRefused() {
        #expect(segmenter.segment("") == .failure(.empty))
    }

    @Test(arguments: [repeated("a", 1_601), repeated("\r\n", 1_601), repeated("😀", 1_601)])
    func aBodyOver1600CharactersIsRefused(body: String) {
        // One limit, stated one way: a very long body needs more than 10 segments too.
        #expect(segmenter.segment(body) == .failure(.tooManySegments(maximum: 10)))
    }

    @Test func exactly1600CharactersAreAccepted() throws {
        let result = try SMSSegmenter(maximumSegments: 11).segment(repeated("a", 1_600)).get()
        #expect(result == SMSSegmentation(encoding: .gsm7, segments: 11, units: 1_600))
        // 33 emoji (66 units) per part: 1,600 emoji need 49 parts.
        let emoji = try SMSSegmenter(maximumSegments: 49).segment(repeated("😀", 1_600)).get()
        #expect(emoji == SMSSegmentation(encoding: .ucs2, segments: 49, units: 3_200))
    }

    @Test func elevenSegmentsAreRefusedWhenTheMaximumIsTen() throws {
        #expect(segmenter.maximumSegments == 10)
        #expect(segmenter.segment(repeated("a", 1_531)) == .failure(.tooManySegments(maximum: 10)))
        let eleven = try SMSSegmenter(maximumSegments: 11).segment(repeated("a", 1_531)).get()
        #expect(eleven.segments == 11)
        #expect(SMSSegmenter(maximumSegments: 1).segment(repeated("a", 161)) == .failure(.tooManySegments(maximum: 1)))
    }

    @Test(arguments: [SMSBodyError.empty, .tooManySegments(maximum: 10)])
    func everyRefusalSaysWhy(error: SMSBodyError) {
        #expect(!error.reason.isEmpty)
    }

    @Test func encodingNamesAreTheStandardOnes() {
        #expect(SMSEncoding.gsm7.rawValue == "GSM-7")
        #expect(SMSEncoding.ucs2.rawValue == "UCS-2")
    }
}
