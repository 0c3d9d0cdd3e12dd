import TallyCore
import Testing

@Suite("Auto-recharge policy")
struct AutoRechargePolicyTests {
    let settings = AutoRechargeSettings(
        enabled: true,
        thresholdCredits: Credits(whole: 50),
        rechargeCredits: Credits(whole: 100),
        paymentMethodID: "pm",
        maxRechargesPerDay: 2,
        maxSpendPerMonth: Money(cents: 5_000)
    )

    @Test(arguments: [
        (Int64(60), Int64(40), true, true, false), (60, 50, false, false, false), (50, 49, true, true, false),
        (40, 30, false, false, false), (60, 0, true, true, true), (1, 0, false, false, true), (40, 60, false, false, false),
    ])
    func onlyTheDebitThatCrossesTheThresholdTriggers(before: Int64, after: Int64, low: Bool, recharge: Bool, depleted: Bool) {
        let effects = AutoRechargePolicy.effects(
            before: Credits(whole: before),
            after: Credits(whole: after),
            settings: settings,
            spending: true
        )
        #expect(effects == BalanceEffects(lowBalance: low, depleted: depleted, recharge: recharge))
    }

    /// Refunds, adjustments and expiry are not spending: crossing the threshold they warn
    /// of a low balance (and of depletion) but never buy a recharge. Charges and holds do.
    @Test(arguments: LedgerKind.allCases)
    func onlySpendingBuysARecharge(kind: LedgerKind) {
        let effects = AutoRechargePolicy.effects(
            before: Credits(whole: 60),
            after: .zero,
            settings: settings,
            spending: kind.isSpending
        )
        let spends = kind == .charge || kind == .hold
        #expect(kind.isSpending == spends)
        #expect(effects == BalanceEffects(lowBalance: true, depleted: true, recharge: spends))
    }

    @Test func aDisabledRechargeStillWarnsOfLowBalance() {
        var off = settings
        off.enabled = false
        let effects = AutoRechargePolicy.effects(before: Credits(whole: 60), after: Credits(whole: 40), settings: off, spending: true)
        #expect(effects == BalanceEffects(lowBalance: true, depleted: false, recharge: false))
        #expect(AutoRechargePolicy.effects(before: Credits(whole: 60), after: .zero, settings: nil, spending: true).depleted)
    }

    /// Below the cheapest use of any feature (one SMS segment to Turkey, 0.020) nothing
    /// usage-based can run: that is depleted, whether or not it is exactly zero.
    @Test(arguments: [
        (Int64(1_000), Int64(19), true), (1_000, 20, false), (20, 19, true), (19, 0, false), (500, 0, true),
        (19, 10, false),
    ])
    func depletedIsBelowTheCheapestUse(before: Int64, after: Int64, depleted: Bool) {
        #expect(Catalog.cheapestUse == Credits(thousandths: 20))
        let effects = AutoRechargePolicy.effects(
            before: Credits(thousandths: before),
            after: Credits(thousandths: after),
            settings: nil,
            spending: true
        )
        #expect(effects.depleted == depleted)
    }

    @Test func capsStopARunaway() {
        let price = Money(cents: 2_000)
        #expect(AutoRechargePolicy.cap(rechargesToday: 1, spentThisMonth: Money(cents: 2_000), price: price, settings: settings) == nil)
        #expect(AutoRechargePolicy.cap(rechargesToday: 2, spentThisMonth: .init(cents: 0), price: price, settings: settings) == .daily)
        #expect(AutoRechargePolicy.cap(rechargesToday: 0, spentThisMonth: Money(cents: 3_001), price: price, settings: settings) == .monthly)
        #expect(AutoRechargePolicy.cap(rechargesToday: 0, spentThisMonth: Money(cents: 3_000), price: price, settings: settings) == nil)
    }

    @Test func retriesBackOffExponentially() {
        #expect((1...3).map(AutoRechargePolicy.retryDelaySeconds(afterAttempt:)) == [60, 240, 960])
    }
}
