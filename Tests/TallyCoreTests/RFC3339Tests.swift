import Foundation
import TallyCore
import Testing

/// API.md "Conventions": times are RFC 3339. What a client writes is read as exactly
/// that instant, or refused saying why — never moved to a nearby one.
@Suite("RFC 3339 times")
struct RFC3339Tests {
    @Test(arguments: [
        ("2027-01-31T08:00:00Z", 1_801_382_400.0),
        ("2027-01-31t08:00:00z", 1_801_382_400),
        ("2027-01-31T00:00:00-08:00", 1_801_382_400),
        ("2027-01-31T10:30:00+05:30", 1_801_371_600),
        ("2027-01-31T08:00:00+00:00", 1_801_382_400),
        ("2027-01-31T08:00:00-00:00", 1_801_382_400),
        ("2026-12-31T08:00:00Z", 1_798_704_000),
        ("2024-02-29T23:59:59Z", 1_709_251_199),
        ("2000-03-01T00:00:00Z", 951_868_800),
        ("1970-01-01T00:00:00Z", 0),
        ("1969-12-31T23:59:59Z", -1),
        ("0001-01-01T00:00:00Z", -62_135_596_800),
        ("9999-12-31T23:59:59Z", 253_402_300_799),
        ("2027-01-31T08:00:00.5Z", 1_801_382_400.5),
        ("2027-01-31T08:00:00.250Z", 1_801_382_400.25),
        ("2027-01-31T08:00:00.123456789Z", 1_801_382_400.123456789),
    ])
    func aTimeIsReadAsTheInstantItNames(text: String, secondsSince1970: Double) throws {
        let date = try RFC3339.parse(text).get()
        #expect(abs(date.timeIntervalSince1970 - secondsSince1970) < 0.000_001, "\(text)")
    }

    @Test(arguments: [
        // Not the shape.
        ("", RFC3339.Problem.malformed),
        ("2027-01-31", .malformed),
        ("2027-01-31T08:00Z", .malformed),
        ("2027-01-31T08:00:00", .malformed),
        ("2027-01-31 08:00:00Z", .malformed),
        ("2027-1-31T08:00:00Z", .malformed),
        ("27-01-31T08:00:00Z", .malformed),
        ("10000-01-01T00:00:00Z", .malformed),
        ("+2027-01-31T08:00:00Z", .malformed),
        ("2027-01-31T08:00:00.Z", .malformed),
        ("2027-01-31T08:00:00.1234567890Z", .malformed),
        ("2027-01-31T08:00:00+0800", .malformed),
        ("2027-01-31T08:00:00+08", .malformed),
        ("2027-01-31T08:00:00ZZ", .malformed),
        ("2027-01-31T08:00:00Z ", .malformed),
        (" 2027-01-31T08:00:00Z", .malformed),
        ("2027-01-31T08:00:00GMT", .malformed),
        ("2027-01-31T08:00:00UTC", .malformed),
        ("２０２７-01-31T08:00:00Z", .malformed),
        ("1801382400", .malformed),
        // A day or month that does not exist.
        ("2027-02-30T00:00:00Z", .noSuchDay),
        ("2027-02-29T00:00:00Z", .noSuchDay),
        ("2100-02-29T00:00:00Z", .noSuchDay),
        ("2027-04-31T00:00:00Z", .noSuchDay),
        ("2027-00-10T00:00:00Z", .noSuchDay),
        ("2027-13-01T00:00:00Z", .noSuchDay),
        ("2027-01-00T00:00:00Z", .noSuchDay),
        // A time of day that does not exist (and no leap second).
        ("2027-01-31T24:00:00Z", .noSuchTime),
        ("2027-01-31T08:60:00Z", .noSuchTime),
        ("2027-12-31T23:59:60Z", .noSuchTime),
        // An offset past a day.
        ("2027-01-31T08:00:00+24:00", .noSuchOffset),
        ("2027-01-31T08:00:00-05:60", .noSuchOffset),
    ])
    func anythingElseIsRefusedSayingWhy(text: String, problem: RFC3339.Problem) {
        #expect(throws: problem, "\(text)") { try RFC3339.parse(text).get() }
    }

    /// Leap years: every fourth, not every hundredth, every four hundredth.
    @Test(arguments: [("2024", true), ("2000", true), ("1900", false), ("2100", false), ("2027", false)])
    func februaryHasItsLeapDayOnlyInLeapYears(year: String, leap: Bool) {
        let parsed = RFC3339.parse("\(year)-02-29T12:00:00Z")
        #expect(((try? parsed.get()) != nil) == leap)
    }

    @Test func everyProblemSaysWhatIsExpected() {
        #expect(RFC3339.Problem.malformed.reason.contains(RFC3339.example))
        #expect(RFC3339.Problem.noSuchDay.reason.contains("no such day"))
    }
}
