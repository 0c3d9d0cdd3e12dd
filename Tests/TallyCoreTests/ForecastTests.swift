import TallyCore
import Testing

/// API.md "Spending control": the wallet's forecast, computed by hand.
@Suite("Forecast")
struct ForecastTests {
    static let today = PacificDate("2026-12-20")!

    @Test func theWindowIsTheThirtyPacificDaysBeforeToday() {
        let window = Forecast.window(today: Self.today)
        #expect(window.from == PacificDate("2026-11-20"))
        #expect(window.to == PacificDate("2026-12-19"))
        #expect(window.days.count == 30)
        // Across a month and a year: 2027-01-05 looks back to 2026-12-06.
        #expect(Forecast.window(today: PacificDate("2027-01-05")!).from == PacificDate("2026-12-06"))
        // Across February of a leap year.
        #expect(Forecast.window(today: PacificDate("2028-03-01")!).from == PacificDate("2028-01-31"))
    }

    struct Case: Sendable, CustomStringConvertible {
        let spent: Int64
        let available: Int64
        let perDay: Int64
        let runsOutOn: String
        let description: String
    }

    @Test(arguments: [
        // 375 credits over 30 days is 12.5 a day; 200 available last 16 whole days.
        Case(spent: 375_000, available: 200_000, perDay: 12_500, runsOutOn: "2027-01-05", description: "sixteen days"),
        // 100 credits / 30 = 3.333… a day, rounded down; 10 available last 3 days (3 × 3.333 = 9.999).
        Case(spent: 100_000, available: 10_000, perDay: 3_333, runsOutOn: "2026-12-23", description: "rounded down"),
        // Exactly two days' worth: the balance covers the end of the second day, not the third.
        Case(spent: 60_000, available: 4_000, perDay: 2_000, runsOutOn: "2026-12-22", description: "exact days"),
        // Less than a day left: it runs out today.
        Case(spent: 60_000, available: 1_999, perDay: 2_000, runsOutOn: "2026-12-20", description: "under a day"),
        Case(spent: 60_000, available: 0, perDay: 2_000, runsOutOn: "2026-12-20", description: "empty"),
        // 30 thousandths over 30 days is the smallest pace: one thousandth a day.
        Case(spent: 30, available: 1_000, perDay: 1, runsOutOn: "2029-09-15", description: "smallest pace"),
    ])
    func availableCreditsRunOutAfterTheWholeDaysTheyCover(_ example: Case) throws {
        let forecast = try #require(
            Forecast.of(
                spent: Credits(thousandths: example.spent),
                available: Credits(thousandths: example.available),
                rechargeCredits: nil,
                today: Self.today
            )
        )
        #expect(forecast.creditsPerDay == Credits(thousandths: example.perDay))
        #expect(forecast.runsOutOn?.description == example.runsOutOn)
        #expect(forecast.rechargesEveryDays == nil)
    }

    @Test(arguments: [Int64(0), 29, -5_000])
    func nothingSpentHasNoForecast(spent: Int64) {
        // Under 30 thousandths the pace rounds down to nothing; refunds may leave less than zero.
        #expect(Forecast.of(spent: Credits(thousandths: spent), available: Credits(whole: 10), rechargeCredits: nil, today: Self.today) == nil)
        #expect(
            Forecast.of(spent: Credits(thousandths: spent), available: Credits(whole: 10), rechargeCredits: Credits(whole: 100), today: Self.today)
                == nil
        )
    }

    @Test(arguments: [
        // 1,000 credits at 166.666 a day last 6 days (6 × 166.666 = 999.996).
        (Int64(5_000_000), Int64(1_000_000), Int64(166_666), Int64(6)),
        (375_000, 100_000, 12_500, 8),
        // A recharge smaller than a day's use is said to come every day, the most often a day counts.
        (3_000_000, 50_000, 100_000, 1),
    ])
    func withAutoRechargeOnTheBalanceDoesNotRunOut(spent: Int64, recharge: Int64, perDay: Int64, everyDays: Int64) throws {
        let forecast = try #require(
            Forecast.of(
                spent: Credits(thousandths: spent),
                available: Credits(whole: 3),
                rechargeCredits: Credits(thousandths: recharge),
                today: Self.today
            )
        )
        #expect(forecast.creditsPerDay == Credits(thousandths: perDay))
        #expect(forecast.runsOutOn == nil)
        #expect(forecast.rechargesEveryDays == everyDays)
    }

    @Test func aRunOutDayPastTheHorizonIsNotNamed() throws {
        let perDay = Credits(thousandths: 1)
        let lastNamed = Forecast.of(
            spent: Credits(thousandths: 30),
            available: Credits(thousandths: Forecast.horizonDays),
            rechargeCredits: nil,
            today: Self.today
        )
        #expect(lastNamed?.runsOutOn == Self.today.adding(days: Int(Forecast.horizonDays)))
        let beyond = try #require(
            Forecast.of(spent: Credits(thousandths: 30), available: Credits(whole: 1_000_000_000), rechargeCredits: nil, today: Self.today)
        )
        #expect(beyond.creditsPerDay == perDay)
        #expect(beyond.runsOutOn == nil)
        #expect(beyond.rechargesEveryDays == nil)
    }
}
