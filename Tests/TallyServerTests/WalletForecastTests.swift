import Foundation
import TallyApp
import TallyCore
import Testing

/// API.md "Spending control": the wallet's forecast, read from the daily rollups and
/// checked against a hand computation.
@Suite("Wallet forecast")
struct WalletForecastTests {
    /// Noon Pacific on a day.
    static func noon(_ day: String) -> Date { PacificDate(day)!.start.addingTimeInterval(12 * 3_600) }

    static let email = "forecast-owner@example.com"

    @Test func theForecastIsTheThirtyDaysBeforeTodayAveragedAndWhereItLeads() async throws {
        let clock = ManualTime(Self.noon("2026-11-10"))
        try await Harness.run(time: clock) { harness in
            let account = try await harness.makeAccount(owner: Self.email)
            let method = try await account.saveCard()
            try #require(try await account.buy(1_000).status == 201)
            // An API key does the spending, so no session expires while the clock moves.
            let key = try await account.apiKey()
            func wallet() async throws -> WalletAnswer { try await account.walletAnswer(token: key) }
            func capture(_ credits: String, at date: Date) async throws {
                clock.set(date)
                let hold = try await account.post("/holds", #"{"feature":"calls","credits":"\#(credits)"}"#, token: key)
                try #require(hold.status == 201, "\(hold)")
                let captured = try await account.post("/holds/\(try hold.string("id"))/capture", #"{"credits":"\#(credits)"}"#, token: key)
                try #require(captured.status == 200, "\(captured)")
            }

            // Bought, nothing spent: no forecast, written as null.
            #expect(try await account.wallet(token: key).body.contains(#""forecast":null"#))
            // Spent today only: today is not over, so it is not in the pace yet.
            try await capture("100", at: Self.noon("2026-11-19"))
            #expect(try await account.wallet(token: key).isNull("forecast"))

            // The window for 2026-12-20 is 2026-11-20 ... 2026-12-19: its first minutes and last.
            clock.set(PacificDate("2026-11-20")!.start.addingTimeInterval(600))
            let email = try await account.send(EmailValidationRequest(email: "lee@example.com"), token: key)
            try #require(email.status == 200, "\(email)")
            try await capture("50", at: PacificDate("2026-11-20")!.start.addingTimeInterval(900))
            try await capture("24.9", at: PacificDate("2026-12-20")!.start.addingTimeInterval(-600))
            // And today's use, left out again.
            try await capture("30", at: Self.noon("2026-12-20"))

            // By hand: 0.5 + 50 + 24.9 = 75.4 credits over 30 days is 2.51333…, rounded down to
            // 2.513 a day. Available: 1,000 − 100 − 0.5 − 50 − 24.9 − 30 = 794.6, which lasts
            // floor(794.6 / 2.513) = 316 whole days: 2026-12-20 + 316 days = 2027-11-01.
            let spendingReply = try await account.wallet(token: key)
            let spending = try spendingReply.decode(WalletAnswer.self)
            #expect(spending.available == "794.600")
            let forecast = try #require(spending.forecast, "\(spendingReply)")
            #expect(forecast.creditsPerDay == "2.513")
            #expect(forecast.runsOutOn == "2027-11-01")
            #expect(try forecastIsNull("rechargesEveryDays", spendingReply))

            // The next day the window moves: 2026-11-20 drops out, 2026-12-20 comes in.
            // 24.9 + 30 = 54.9 → 1.830 a day; 794.6 / 1.830 = 434.2… → 434 days from 2026-12-21.
            clock.set(Self.noon("2026-12-21"))
            let moved = try #require(try await wallet().forecast)
            #expect(moved.creditsPerDay == "1.830")
            #expect(moved.runsOutOn == "2028-02-28")

            // Auto-recharge on: the balance does not run out while recharges succeed; 100
            // credits last floor(100 / 1.830) = 54 days.
            let owner = TestAccount(id: account.id, ownerToken: try await harness.login(Self.email, "correct horse"), harness: harness)
            let on = try await owner.autoRecharge(threshold: 50, credits: 100, method: method)
            try #require(on.status == 200, "\(on)")
            let rechargingReply = try await account.wallet(token: key)
            let recharging = try #require(try rechargingReply.decode(WalletAnswer.self).forecast)
            #expect(recharging.creditsPerDay == "1.830")
            #expect(try forecastIsNull("runsOutOn", rechargingReply))
            #expect(recharging.rechargesEveryDays == 54)

            // Billing and Credit usage word the same forecast.
            let cookies = ["tally_session": owner.ownerToken]
            for path in ["/app/billing", "/app/usage?from=2026-12-01&to=2026-12-07"] {
                let page = try await harness.exchange(.get, path, cookies: cookies)
                #expect(page.status == 200, "\(path)")
                #expect(
                    page.body.contains(
                        "About 1.83 credits a day over the 30 days before today; auto-recharge buys 100 credits about every 54 days."
                    ),
                    "\(path)"
                )
            }
            let off = try await harness.call(
                .put,
                "/v1/accounts/\(account.id)/auto-recharge",
                token: owner.ownerToken,
                json: #"{"enabled":false,"thresholdCredits":50,"rechargeCredits":100,"paymentMethodId":"\#(method)"}"#
            )
            #expect(off.status == 200, "\(off)")
            let billing = try await harness.exchange(.get, "/app/billing", cookies: cookies)
            #expect(
                billing.body.contains(
                    "About 1.83 credits a day over the 30 days before today; at this rate your available credits run out on Feb 28, 2028."
                )
            )
        }
    }
}

/// True when the wallet's forecast writes `key`, and writes it as null.
private func forecastIsNull(_ key: String, _ wallet: Reply) throws -> Bool {
    try #require(try wallet.object["forecast"] as? [String: Any])[key] is NSNull
}
