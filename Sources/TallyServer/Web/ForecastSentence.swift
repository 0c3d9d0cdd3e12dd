import TallyApp
import TallyCore

/// The wallet's forecast in words, as the Billing and Credit usage pages both show it:
/// "About 12.5 credits a day over the 30 days before today; at this rate your available
/// credits run out on Jan 3, 2027." The figures are the wallet answer's (``Forecast``);
/// this only words them.
enum ForecastSentence {
    static func of(_ wallet: Wallets.WalletView, today: PacificDate) -> String {
        // "Before today": the pace counts complete days only, so today's use is not in it yet.
        guard let forecast = wallet.forecast else { return "No credits were used in the 30 days before today." }
        let pace = "About \(RecentActivity.grouped(forecast.creditsPerDay)) credits a day over the 30 days before today"
        if let everyDays = forecast.rechargesEveryDays, let credits = wallet.autoRecharge.rechargeCredits {
            let cadence = everyDays == 1 ? "every day" : "every \(WebFormat.count(everyDays)) days"
            return pace + "; auto-recharge buys \(RecentActivity.grouped(credits)) credits about \(cadence)."
        }
        guard let runsOutOn = forecast.runsOutOn else {
            return pace + "; at this rate your available credits last more than 100 years."
        }
        if runsOutOn == today.description {
            return pace + "; at this rate your available credits run out today."
        }
        return pace + "; at this rate your available credits run out on \(WebFormat.day(runsOutOn))."
    }
}
