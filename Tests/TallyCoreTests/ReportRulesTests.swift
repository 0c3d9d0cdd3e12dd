import Foundation
import TallyCore
import Testing

@Suite("Usage and logs: days, ranges, cursors, CSV")
struct ReportRulesTests {
    @Test(arguments: ["2026-02-28", "2024-02-29", "2000-02-29", "2026-12-31", "1970-01-01"])
    func aRealDayParses(text: String) throws {
        #expect(try #require(PacificDate(text)).description == text)
    }

    @Test(arguments: [
        "2026-02-30", "2025-02-29", "1900-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-1-01",
        "26-01-01", "2026/01/01", "2026-01-01T00:00", "", "２０２６-01-01", "1969-12-31",
    ])
    func anImpossibleOrMalformedDayDoesNot(text: String) {
        #expect(PacificDate(text) == nil)
    }

    @Test func dayArithmeticCrossesMonthsYearsAndLeapDays() throws {
        let day = try #require(PacificDate("2024-02-28"))
        #expect(day.adding(days: 1).description == "2024-02-29")
        #expect(day.adding(days: 2).description == "2024-03-01")
        #expect(day.adding(days: 366).description == "2025-02-28")
        #expect(try #require(PacificDate("2026-12-31")).adding(days: 1).description == "2027-01-01")
        #expect(day.days(to: try #require(PacificDate("2025-02-28"))) == 366)
        #expect(try #require(PacificDate("2024-02-29")).adding(years: 1).description == "2025-02-28")
    }

    /// A Pacific day starts at 08:00 UTC in winter and 07:00 UTC in summer; the days
    /// of a daylight-saving change are 23 and 25 hours long.
    @Test func aDayStartsAtPacificMidnightWhateverDaylightSavingDoes() throws {
        let springForward = try #require(PacificDate("2026-03-08"))
        #expect(springForward.start == Date(timeIntervalSince1970: 1_772_956_800))  // 08:00Z
        #expect(springForward.adding(days: 1).start.timeIntervalSince(springForward.start) == 23 * 3600)
        let fallBack = try #require(PacificDate("2026-11-01"))
        #expect(fallBack.adding(days: 1).start.timeIntervalSince(fallBack.start) == 25 * 3600)
        // 23:30 Pacific belongs to that Pacific day, although it is the next day in UTC.
        let lateEvening = springForward.adding(days: 1).start.addingTimeInterval(-30 * 60)
        #expect(PacificDay.of(lateEvening) == "2026-03-08")
        #expect(PacificDate(containing: lateEvening) == springForward)
    }

    /// The arithmetic rule agrees with the zone database every hour of several years.
    @Test func thePacificOffsetAgreesWithTheZoneDatabase() {
        let zone = TimeZone(identifier: "America/Los_Angeles")!
        var hour: Int64 = 1_167_609_600  // 2007-01-01T00:00:00Z
        var checked = 0
        while hour < 1_893_456_000 {  // 2030-01-01
            let date = Date(timeIntervalSince1970: TimeInterval(hour))
            #expect(PacificDay.timestamp(date).hasSuffix(zone.isDaylightSavingTime(for: date) ? "PDT" : "PST"))
            hour += 3_600 * 7  // every seventh hour: all hours of the day, over 23 years
            checked += 1
        }
        #expect(checked > 28_000)
        // The changes themselves, to the second.
        #expect(PacificDay.timestamp(Date(timeIntervalSince1970: 1_772_963_999)) == "2026-03-08 01:59:59 PST")
        #expect(PacificDay.timestamp(Date(timeIntervalSince1970: 1_772_964_000)) == "2026-03-08 03:00:00 PDT")
        #expect(PacificDay.timestamp(Date(timeIntervalSince1970: 1_793_523_599)) == "2026-11-01 01:59:59 PDT")
        #expect(PacificDay.timestamp(Date(timeIntervalSince1970: 1_793_523_600)) == "2026-11-01 01:00:00 PST")
    }

    @Test func timestampsNameTheZone() {
        #expect(PacificDay.timestamp(Date(timeIntervalSince1970: 1_795_626_843)) == "2026-11-25 09:14:03 PST")
        #expect(PacificDay.timestamp(Date(timeIntervalSince1970: 1_782_889_200)) == "2026-07-01 00:00:00 PDT")
    }

    @Test func aRangeDefaultsToTheLastThirtyDays() throws {
        let today = try #require(PacificDate("2026-11-29"))
        let range = try PacificDateRange.parse(from: nil, to: nil, today: today).get()
        #expect(range.from.description == "2026-10-31" && range.to == today)
        #expect(range.days.count == 30)
        let ending = try PacificDateRange.parse(from: nil, to: "2026-01-10", today: today).get()
        #expect(ending.from.description == "2025-12-12")
    }

    @Test func aRangeIsRefusedNamingTheParameter() throws {
        let today = try #require(PacificDate("2026-11-29"))
        #expect(PacificDateRange.parse(from: "2026-02-30", to: nil, today: today) == .failure(.malformed("from")))
        #expect(PacificDateRange.parse(from: nil, to: "yesterday", today: today) == .failure(.malformed("to")))
        #expect(PacificDateRange.parse(from: "2026-11-02", to: "2026-11-01", today: today) == .failure(.reversed))
        #expect(PacificDateRange.parse(from: "2021-11-01", to: "2026-11-02", today: today) == .failure(.tooLong))
        // Exactly five years is allowed.
        let five = try PacificDateRange.parse(from: "2021-11-01", to: "2026-11-01", today: today).get()
        #expect(five.days.count == 1_827)
    }

    @Test func aCursorRoundTripsAndRefusesWhatTallyDidNotIssue() throws {
        let cursor = LogCursor(createdAtMilliseconds: 1_795_626_843_123, id: "ev_01ABC")
        let text = cursor.encoded(for: "email_validation")
        #expect(LogCursor(text, for: "email_validation") == cursor)
        #expect(LogCursor(text, for: "sms") == nil)
        #expect(LogCursor("garbage", for: "sms") == nil)
        #expect(LogCursor("", for: "sms") == nil)
        #expect(LogCursor(String(text.dropLast()), for: "email_validation") == nil)
        let forged = Data("1795626843124|ev_01ABC|0".utf8).base64EncodedString()
        #expect(LogCursor(forged, for: "email_validation") == nil)
    }

    @Test(arguments: [
        ("plain", "plain"),
        ("Smith, Jo", "\"Smith, Jo\""),
        ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("two\nlines", "\"two\nlines\""),
        ("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""),
        ("+14155550100", "'+14155550100"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-cmd", "'-cmd"),
        ("-0.500", "-0.500"),
        ("-12", "-12"),
        ("-1.", "'-1."),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "\"'\rCR\""),
        ("", ""),
    ])
    func csvFieldsAreQuotedAndFormulasNeutralised(value: String, field: String) {
        #expect(CSV.field(value) == field)
        // A row writes plain cells as they are and every other one through the same rule.
        #expect(CSV.row([value, "x"]) == field + ",x\r\n")
    }

    @Test func aCSVRowEndsInCRLF() {
        #expect(CSV.row(["a", "b,c"]) == "a,\"b,c\"\r\n")
    }

    @Test func aSearchReadsPhoneDigitsAndEscapesPatterns() throws {
        let phone = try #require(LogSearch(" +1 (415) 555-01 "))
        #expect(phone.digits == "141555501")
        #expect(try #require(LogSearch("olive")).digits == nil)
        #expect(LogSearch("   ") == nil)
        #expect(LogSearch.containsPattern("50%_off\\") == "%50\\%\\_off\\\\%")
        // What a trigram index is asked: pieces of the runs outside wildcards, lowercased.
        let search = try #require(LogSearch("Ann_Lee%x"))
        #expect(search.indexPatterns == ["%Ann_Lee%x%"])
        #expect(search.trigrams == [["ann", "lee"]])
        #expect(try #require(LogSearch("(415) 555")).trigrams == [["(41", "415", "15)", "5) ", ") 5", " 55", "555"], ["415", "155", "555"]])
        #expect(try #require(LogSearch("a_b%c")).indexPatterns == nil)
        #expect(try #require(LogSearch("Zoë")).trigrams == nil)
        #expect(try #require(LogSearch("Zoë")).indexPatterns == ["%Zoë%"])
    }

    @Test func creditScoreAndDTIShareTheCreditChecksLog() {
        #expect(FeatureLog(of: .creditScore) == .creditChecks && FeatureLog(of: .dti) == .creditChecks)
        #expect(FeatureLog.allCases.flatMap(\.features).sorted { $0.rawValue < $1.rawValue } == Feature.allCases.sorted { $0.rawValue < $1.rawValue })
    }
}
