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
            spending: true,
            armed: false
        )
        #expect(effects == BalanceEffects(lowBalance: low, depleted: depleted, recharge: recharge))
    }

    /// Refunds, adjustments and expiry are not spending: crossing the threshold they warn
    /// of a low balance (and of depletion) and buy nothing, but leave the recharge owed to
    /// the next spending. Charges and holds buy it at once.
    @Test(arguments: LedgerKind.allCases)
    func onlySpendingBuysARecharge(kind: LedgerKind) {
        let effects = AutoRechargePolicy.effects(
            before: Credits(whole: 60),
            after: .zero,
            settings: settings,
            spending: kind.isSpending,
            armed: false
        )
        let spends = kind == .charge || kind == .hold
        #expect(kind.isSpending == spends)
        #expect(effects == BalanceEffects(lowBalance: true, depleted: true, recharge: spends, rechargeArmed: !spends))
    }

    /// One move of available credits (threshold 50), with whether a recharge was owed before
    /// it, and what it sets off when it is spending and when it is not.
    struct Move: Sendable, CustomTestStringConvertible {
        var before: Int64
        var after: Int64
        var armed: Bool
        var lowBalance: Bool
        /// A charge or a hold: whether it buys, and whether a recharge is still owed after it.
        var spendingBuys: Bool
        var spendingLeavesArmed: Bool
        /// A refund, an adjustment, an expiry, a purchase…: whether a recharge is owed after it.
        var otherLeavesArmed: Bool

        var testDescription: String { "\(before) → \(after)\(armed ? ", owed" : "")" }

        /// What the policy answers for this move made by an entry of `kind`.
        func effects(of kind: LedgerKind, settings: AutoRechargeSettings?) -> BalanceEffects {
            AutoRechargePolicy.effects(
                before: Credits(whole: before),
                after: Credits(whole: after),
                settings: settings,
                spending: kind.isSpending,
                armed: armed
            )
        }
    }

    static let moves: [Move] = [
        // Above to above: nothing, and a flag left from before the balance rose is dropped.
        Move(before: 60, after: 55, armed: false, lowBalance: false, spendingBuys: false, spendingLeavesArmed: false, otherLeavesArmed: false),
        Move(before: 60, after: 55, armed: true, lowBalance: false, spendingBuys: false, spendingLeavesArmed: false, otherLeavesArmed: false),
        Move(before: 60, after: 50, armed: true, lowBalance: false, spendingBuys: false, spendingLeavesArmed: false, otherLeavesArmed: false),
        // Crossing down: spending buys at once; anything else warns and leaves it owed.
        Move(before: 60, after: 40, armed: false, lowBalance: true, spendingBuys: true, spendingLeavesArmed: false, otherLeavesArmed: true),
        Move(before: 60, after: 40, armed: true, lowBalance: true, spendingBuys: true, spendingLeavesArmed: false, otherLeavesArmed: true),
        Move(before: 50, after: 49, armed: false, lowBalance: true, spendingBuys: true, spendingLeavesArmed: false, otherLeavesArmed: true),
        // Below to below: the first spending after a crossing that bought nothing buys;
        // nothing else does, and nothing else changes what is owed.
        Move(before: 40, after: 30, armed: true, lowBalance: false, spendingBuys: true, spendingLeavesArmed: false, otherLeavesArmed: true),
        Move(before: 40, after: 30, armed: false, lowBalance: false, spendingBuys: false, spendingLeavesArmed: false, otherLeavesArmed: false),
        Move(before: 1, after: 0, armed: true, lowBalance: false, spendingBuys: true, spendingLeavesArmed: false, otherLeavesArmed: true),
        // Rising but still below (a release, a small purchase): still owed.
        Move(before: 30, after: 40, armed: true, lowBalance: false, spendingBuys: false, spendingLeavesArmed: true, otherLeavesArmed: true),
        Move(before: 30, after: 40, armed: false, lowBalance: false, spendingBuys: false, spendingLeavesArmed: false, otherLeavesArmed: false),
        // Back to or above the threshold: the descent is over, nothing is owed.
        Move(before: 40, after: 50, armed: true, lowBalance: false, spendingBuys: false, spendingLeavesArmed: false, otherLeavesArmed: false),
        Move(before: 40, after: 60, armed: true, lowBalance: false, spendingBuys: false, spendingLeavesArmed: false, otherLeavesArmed: false),
        Move(before: 60, after: 70, armed: true, lowBalance: false, spendingBuys: false, spendingLeavesArmed: false, otherLeavesArmed: false),
        Move(before: 40, after: 40, armed: true, lowBalance: false, spendingBuys: false, spendingLeavesArmed: true, otherLeavesArmed: true),
    ]

    /// One recharge per descent below the threshold, bought by its first spending: the
    /// charge or hold that crosses it, or the first one after a refund, an adjustment, a
    /// dispute or an expiry crossed it. For every ledger kind and every move.
    @Test(arguments: LedgerKind.allCases, moves)
    func theFirstSpendingOfEachDescentBuysOneRecharge(kind: LedgerKind, move: Move) {
        let effects = move.effects(of: kind, settings: settings)
        let recharge = kind.isSpending && move.spendingBuys
        let armed = kind.isSpending ? move.spendingLeavesArmed : move.otherLeavesArmed
        #expect(effects.lowBalance == move.lowBalance)
        #expect(effects.recharge == recharge)
        #expect(effects.rechargeArmed == armed)
        #expect(!(effects.recharge && effects.rechargeArmed), "bought and still owed")
    }

    /// Switched off (or without settings), nothing is bought and nothing is owed, whatever
    /// the move and whatever was owed before; the low balance is still told.
    @Test(arguments: LedgerKind.allCases, moves)
    func switchedOffNothingIsBoughtOrOwed(kind: LedgerKind, move: Move) {
        var off = settings
        off.enabled = false
        for settings in [off, nil] {
            let effects = move.effects(of: kind, settings: settings)
            #expect(!effects.recharge && !effects.rechargeArmed)
            #expect(effects.lowBalance == (settings != nil && move.lowBalance))
        }
    }

    /// A refund takes the wallet below; charges follow: the first buys, the rest do not,
    /// until a purchase brings it back above and a refund takes it below again.
    @Test func aRefundBelowTheThresholdLeavesTheRechargeToTheNextCharge() {
        var armed = false
        var bought: [Bool] = []
        let moves: [(LedgerKind, Int64, Int64)] = [
            (.refund, 60, 40), (.charge, 40, 39), (.charge, 39, 38), (.hold, 38, 30),
            (.purchase, 30, 70), (.charge, 70, 65), (.refund, 65, 45), (.expiry, 45, 44), (.hold, 44, 40), (.charge, 40, 35),
        ]
        for (kind, before, after) in moves {
            let effects = AutoRechargePolicy.effects(
                before: Credits(whole: before),
                after: Credits(whole: after),
                settings: settings,
                spending: kind.isSpending,
                armed: armed
            )
            armed = effects.rechargeArmed
            bought.append(effects.recharge)
        }
        #expect(bought == [false, true, false, false, false, false, false, false, true, false])
    }

    @Test func aDisabledRechargeStillWarnsOfLowBalance() {
        var off = settings
        off.enabled = false
        let effects = AutoRechargePolicy.effects(
            before: Credits(whole: 60),
            after: Credits(whole: 40),
            settings: off,
            spending: true,
            armed: false
        )
        #expect(effects == BalanceEffects(lowBalance: true, depleted: false, recharge: false))
        #expect(AutoRechargePolicy.effects(before: Credits(whole: 60), after: .zero, settings: nil, spending: true, armed: false).depleted)
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
            spending: true,
            armed: false
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
