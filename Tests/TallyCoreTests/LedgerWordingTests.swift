import Foundation
import TallyCore
import Testing

/// SPEC.md "Spending control": every ledger entry explains itself, in words worded from
/// what was stored when it was written.
@Suite("Ledger wording")
struct LedgerWordingTests {
    @Test(arguments: [
        (LedgerWording.Part.sms(iso: "GB", encoding: .ucs2, segments: 2, credits: Credits(thousandths: 500)), "SMS to GB, UCS-2, 2 segments × 0.250"),
        (.sms(iso: "US", encoding: .gsm7, segments: 1, credits: Credits(thousandths: 15)), "SMS to US, GSM-7, 1 segment × 0.015"),
        (.sms(iso: "FR", encoding: nil, segments: 3, credits: Credits(thousandths: 100)), "SMS to FR, 3 segments, 0.100"),
        (.feature(.emailValidation, Credits(thousandths: 500)), "email validation 0.500"),
        (.feature(.dti, Credits(whole: 24)), "DTI 24.000"),
        (.named("video_render", Credits(thousandths: 12_500)), "video_render 12.500"),
    ])
    func aPartIsWordedFromWhatWasCharged(part: LedgerWording.Part, words: String) {
        #expect(LedgerWording.describe(part) == words)
    }

    @Test func aCreditCheckAddsUpItsCheckAndTheValidationsItRequires() {
        let parts: [LedgerWording.Part] = [
            .feature(.creditScore, Credits(whole: 15)), .feature(.emailValidation, Credits(thousandths: 500)),
            .feature(.phoneValidation, Credits(thousandths: 1_500)),
        ]
        #expect(LedgerWording.rule(parts) == "credit score 15.000 + email validation 0.500 + phone validation 1.500")
        #expect(
            LedgerWording.sentence(.capture(parts[0], whole: parts))
                == "credit score 15.000, one part of credit score 15.000 + email validation 0.500 + phone validation 1.500"
        )
        #expect(LedgerWording.sentence(.capture(parts[0], whole: [parts[0]])) == "credit score 15.000")
        #expect(
            LedgerWording.sentence(.hold(parts))
                == "credit score 15.000 + email validation 0.500 + phone validation 1.500, held until the action completes"
        )
    }

    @Test func everyKindExplainsItself() {
        let credits = Credits(whole: 100)
        #expect(
            LedgerWording.sentence(.purchase(credits: credits, amount: Money(cents: 2_000), recharge: false, card: "Visa 4242"))
                == "100.000 credits bought for USD 20.00 with Visa 4242"
        )
        #expect(
            LedgerWording.sentence(.purchase(credits: credits, amount: Money(cents: 2_000), recharge: true, card: nil))
                == "Auto-recharge: 100.000 credits bought for USD 20.00"
        )
        #expect(
            LedgerWording.sentence(.grant(credits: credits, reason: "welcome", expiresOn: "2027-01-01"))
                == "100.000 credits granted: welcome (expiring 2027-01-01)"
        )
        #expect(LedgerWording.sentence(.adjustment(credits: -Credits(whole: 5), reason: "typo")) == "Adjustment of -5.000 credits: typo")
        #expect(LedgerWording.sentence(.adjustment(credits: Credits(whole: 5), reason: nil)) == "Adjustment of +5.000 credits")
        #expect(
            LedgerWording.sentence(.refund(credits: -credits, purchase: "pur_1", amount: Money(cents: 2_000), failed: false))
                == "100.000 unused credits of purchase pur_1 refunded, USD 20.00 back to the card"
        )
        #expect(
            LedgerWording.sentence(.refund(credits: credits, purchase: "pur_1", amount: nil, failed: true))
                == "Refund of purchase pur_1 failed at the payment gateway: 100.000 credits back"
        )
        #expect(
            LedgerWording.sentence(.expiry(credits: -credits, lot: "lot_1", expiresOn: "2026-12-01"))
                == "100.000 credits of lot lot_1 expired on 2026-12-01"
        )
        #expect(
            LedgerWording.sentence(.dispute(credits: credits, purchase: "pur_1", won: true)) == "Dispute of purchase pur_1 won: 100.000 credits back"
        )
        #expect(
            LedgerWording.sentence(.release([.feature(.creditScore, Credits(whole: 15))], reason: "the phone is not a US number"))
                == "credit score 15.000 released, not charged: the phone is not a US number"
        )
    }
}
