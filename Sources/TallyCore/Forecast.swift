/// How fast a wallet spends and when its available credits run out at that pace: the
/// `forecast` of the wallet answer, which the Billing and Credit usage pages word.
///
/// The rule, in whole thousandths of a credit (no floating point near an amount):
/// - **The pace** is what the 30 Pacific days before today used, divided by 30 and
///   rounded down to a thousandth. Today is left out: it is not over, and counting it
///   would pull the average down every morning and move it all day; complete days give
///   one figure from midnight to midnight.
/// - **Nothing spent** (the 30 days used nothing, or refunds outweighed use): no forecast.
/// - **The run-out day** is the first Pacific day whose end the balance would not cover:
///   today plus `floor(available / perDay)` days (today itself when less than a day is
///   left). A day more than ``horizonDays`` away is no date anyone plans by: none is given.
/// - **With auto-recharge on**, the balance does not run out while recharges succeed: no
///   run-out day, and a recharge every `floor(rechargeCredits / perDay)` days, at least 1.
public struct Forecast: Sendable, Hashable {
    /// The days the pace is averaged over.
    public static let windowDays = 30
    /// How far ahead a run-out day is named: 100 years.
    public static let horizonDays: Int64 = 36_525

    /// The average use per day, rounded down to a thousandth; always positive.
    public let creditsPerDay: Credits
    /// The Pacific day available credits reach zero at this pace; nil with auto-recharge on
    /// or past the horizon.
    public let runsOutOn: PacificDate?
    /// With auto-recharge on, the days one recharge lasts at this pace (at least 1).
    public let rechargesEveryDays: Int64?

    /// The days the pace is read from: the 30 Pacific days ending yesterday.
    public static func window(today: PacificDate) -> PacificDateRange {
        PacificDateRange(from: today.adding(days: -windowDays), to: today.adding(days: -1))
    }

    /// The forecast from what ``window(today:)`` used (`spent`), the wallet's available
    /// credits and, when auto-recharge is on, the credits each recharge buys; nil when
    /// nothing was spent.
    public static func of(spent: Credits, available: Credits, rechargeCredits: Credits?, today: PacificDate) -> Forecast? {
        let perDay = spent.thousandths / Int64(windowDays)
        guard perDay > 0 else { return nil }
        if let rechargeCredits {
            return Forecast(
                creditsPerDay: Credits(thousandths: perDay),
                runsOutOn: nil,
                rechargesEveryDays: max(1, rechargeCredits.thousandths / perDay)
            )
        }
        // Available is never below zero in a wallet; were it, it would have run out today.
        let daysLeft = max(0, available.thousandths) / perDay
        return Forecast(
            creditsPerDay: Credits(thousandths: perDay),
            runsOutOn: daysLeft > horizonDays ? nil : today.adding(days: Int(daysLeft)),
            rechargesEveryDays: nil
        )
    }
}
