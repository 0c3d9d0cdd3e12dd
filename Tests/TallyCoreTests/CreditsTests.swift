import TallyCore
import Testing

@Suite("Credits are exact thousandths")
struct CreditsTests {
    @Test(arguments: [
        ("17", Int64(17_000)), ("17.5", 17_500), ("0.450", 450), ("0.001", 1),
        ("-2.000", -2_000), ("+3", 3_000), ("0", 0), (".5", 500),
    ])
    func parsesDecimalStrings(text: String, thousandths: Int64) throws {
        #expect(try Credits.parse(text).get() == Credits(thousandths: thousandths))
    }

    @Test(arguments: [
        ("0.0001", CreditsParseError.tooManyDecimals), ("1e3", .notANumber), ("", .notANumber),
        ("1.", .notANumber), (" 1", .notANumber), ("1..2", .notANumber), ("abc", .notANumber),
        ("99999999999999999999", .outOfRange), ("٣", .notANumber),
    ])
    func rejectsWhatIsNotAnAmount(text: String, error: CreditsParseError) {
        #expect(throws: error) { try Credits.parse(text).get() }
    }

    @Test(arguments: [
        (Int64(17_000), "17.000"), (450, "0.450"), (-1, "-0.001"), (0, "0.000"), (-12_345, "-12.345"),
        (.max, "9223372036854775.807"), (.min, "-9223372036854775.808"),
    ])
    func formatsWithThreeDecimals(thousandths: Int64, text: String) {
        #expect(Credits(thousandths: thousandths).description == text)
    }
}
