import Foundation
import TallyCore
import Testing

@Suite("Balance alert rule")
struct BalanceAlertRuleTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    func credits(_ whole: Int64) -> Credits { Credits(thousandths: whole * 1_000) }

    @Test func anArmedThresholdAboveTheBalanceFiresAndAFiredOneAtOrBelowItRearms() {
        let alerts = [
            BalanceAlert(threshold: credits(90)),
            BalanceAlert(threshold: credits(50), firedAt: now),
            BalanceAlert(threshold: credits(20)),
            BalanceAlert(threshold: credits(10), firedAt: now),
        ]
        let changes = BalanceAlertRule.changes(alerts, available: credits(50))
        // 90 armed and 50 < 90: fires. 50 fired and 50 ≥ 50: re-arms. 20 armed, 50 ≥ 20: stays. 10 fired, 50 ≥ 10: re-arms.
        #expect(changes.fired == [credits(90)])
        #expect(changes.recovered == [credits(50), credits(10)])
        #expect(BalanceAlertRule.changes(alerts, available: Credits(thousandths: 49_999)).fired == [credits(90)])
        #expect(BalanceAlertRule.changes(alerts, available: Credits(thousandths: 49_999)).recovered == [credits(10)])
        #expect(BalanceAlertRule.changes([BalanceAlert(threshold: credits(90), firedAt: now)], available: credits(5)).isEmpty)
    }

    @Test func replacingKeepsTheStateOfAKeptThresholdAndFiresANewOneTheBalanceIsBelow() {
        let earlier = now.addingTimeInterval(-60)
        let existing = [BalanceAlert(threshold: credits(100), firedAt: earlier), BalanceAlert(threshold: credits(40))]
        let (alerts, changes) = BalanceAlertRule.replacing(
            existing,
            with: [credits(40), credits(200), credits(100)],
            available: credits(60),
            at: now
        )
        #expect(
            alerts == [
                BalanceAlert(threshold: credits(200), firedAt: now),
                BalanceAlert(threshold: credits(100), firedAt: earlier),
                BalanceAlert(threshold: credits(40)),
            ]
        )
        #expect(changes == BalanceAlertChanges(fired: [credits(200)], recovered: []))
        let notices = BalanceNotice.of(changes, origin: "alr_1", available: credits(60))
        #expect(notices.map(\.kind) == [.balanceBelow])
        #expect(notices.first?.id == "ntf_below_200000_alr_1")
        #expect(notices.first?.data == #"{"threshold":"200.000","available":"60.000"}"#)
    }

    @Test func thresholdsAreAtMostTenEachPositiveAndNoneTwice() throws {
        #expect(try BalanceAlertRule.check([credits(5), credits(50)]).get() == [credits(50), credits(5)])
        #expect(try BalanceAlertRule.check([]).get() == [])
        for refused in [
            (1...11).map { credits($0) },
            [Credits.zero],
            [credits(-1)],
            [credits(2_000_000)],
            [credits(90), Credits(thousandths: 90_000)],
        ] {
            guard case .failure = BalanceAlertRule.check(refused) else {
                Issue.record("\(refused) was accepted")
                continue
            }
        }
    }
}
