import Foundation
import Testing

@testable import TallyCore

/// The draw order of lots, what a draw takes, the backfill of wallets made before lots,
/// and what a refund gives back — against a plain restatement of each rule.
@Suite struct CreditLotTests {
    func lot(_ id: String, priority: Int = 100, expires: Int64? = nil, created: Int64 = 0, remaining: Int64) -> LotPosition {
        LotPosition(id: LotID(id), priority: priority, expiresAt: expires, createdAt: created, remaining: Credits(thousandths: remaining))
    }

    @Test func debitsDrawByPriorityThenSoonestExpiryThenOldest() {
        let lots = [
            lot("never-old", created: 1, remaining: 5_000),
            lot("later", expires: 900, created: 9, remaining: 5_000),
            lot("sooner", expires: 500, created: 8, remaining: 5_000),
            lot("urgent", priority: 10, created: 10, remaining: 5_000),
            lot("never-new", created: 2, remaining: 5_000),
            lot("empty", priority: 0, remaining: 0),
        ]
        let draws = LotOrder.draws(Credits(thousandths: 17_500), from: lots)
        #expect(draws?.map(\.lot.rawValue) == ["urgent", "sooner", "later", "never-old"])
        #expect(draws?.map(\.credits.thousandths) == [5_000, 5_000, 5_000, 2_500])
        #expect(LotOrder.draws(Credits(thousandths: 25_001), from: lots) == nil)
        #expect(LotOrder.draws(.zero, from: lots)?.isEmpty == true)
    }

    /// A debit never draws from a lot whose expiry has come by its own time — at the
    /// instant of the expiry included — even when that lot is first in draw order and
    /// its credits are still there; lots that never expire are always spendable.
    @Test(arguments: [(at: Int64(499), expired: false), (at: 500, expired: true), (at: 501, expired: true)])
    func debitsNeverDrawFromALotWhoseExpiryHasCome(at: Int64, expired: Bool) {
        let lots = [lot("sooner", expires: 500, remaining: 5_000), lot("never", remaining: 5_000)]
        #expect(LotOrder.hasExpired(lots[0], at: at) == expired)
        #expect(!LotOrder.hasExpired(lots[1], at: .max))
        let draws = LotOrder.draws(Credits(thousandths: 5_500), from: lots, at: at)
        if expired {
            // The lasting lot's 5 credits do not cover 5.5; the expired lot's are not drawn.
            #expect(draws == nil)
            #expect(LotOrder.draws(Credits(thousandths: 5_000), from: lots, at: at)?.map(\.lot.rawValue) == ["never"])
        } else {
            #expect(draws?.map(\.lot.rawValue) == ["sooner", "never"])
        }
    }

    /// A lots cursor reads back as the position it was made from, and any text Tally did
    /// not issue for a list of lots — cut short, edited, another list's — is refused.
    @Test(arguments: [
        LotCursor(hasCredits: true, priority: 10, expiresAt: 1_790_000_000_000, createdAt: 1_789_000_000_000, id: LotID("lot_a")),
        LotCursor(hasCredits: true, priority: 100, expiresAt: nil, createdAt: 0, id: LotID("lot_led_b")),
        LotCursor(hasCredits: false, priority: 0, expiresAt: nil, createdAt: 1_789_000_000_001, id: LotID("lot_c")),
    ])
    func lotCursorsReadBackAndRefuseWhatTallyDidNotIssue(cursor: LotCursor) {
        let text = cursor.encoded
        #expect(LotCursor(text) == cursor)
        #expect(text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(LotCursor(String(text.dropLast())) == nil)
        #expect(LotCursor(text + "A") == nil)
        #expect(LotCursor(LogCursor(createdAtMilliseconds: cursor.createdAt, id: cursor.id.rawValue).encoded(for: "lots")) == nil)
        #expect(LotCursor("12") == nil && LotCursor("") == nil)
    }

    @Test func drawsTakeExactlyTheAmountAndNoLotBelowZero() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let lots = (0..<Int.random(in: 0...6, using: &generator)).map { index in
                lot(
                    "lot\(index)",
                    priority: Int.random(in: 0...2, using: &generator) * 50,
                    expires: Bool.random(using: &generator) ? Int64.random(in: 0...3, using: &generator) : nil,
                    created: Int64.random(in: 0...3, using: &generator),
                    remaining: Int64.random(in: 0...3_000, using: &generator)
                )
            }
            let total = lots.reduce(Int64(0)) { $0 + $1.remaining.thousandths }
            let amount = Credits(thousandths: Int64.random(in: 0...(total + 1_000), using: &generator))
            guard let draws = LotOrder.draws(amount, from: lots) else {
                #expect(amount.thousandths > total)
                continue
            }
            #expect(draws.reduce(Credits.zero) { $0 + $1.credits } == amount)
            let remaining = Dictionary(uniqueKeysWithValues: lots.map { ($0.id, $0.remaining) })
            for draw in draws {
                #expect(draw.credits > .zero && draw.credits <= remaining[draw.lot]!)
            }
            // Only the last lot drawn is left with credits; every lot before it in order is emptied.
            let order = lots.filter { $0.remaining > .zero }.sorted(by: LotOrder.drawsFirst).map(\.id)
            #expect(Array(order.prefix(draws.count)) == draws.map(\.lot))
            for draw in draws.dropLast() { #expect(draw.credits == remaining[draw.lot]) }
        }
    }

    @Test func theBackfillGivesUnspentCreditsToTheNewestAdditionsAndHeldToTheOldestOfThem() {
        let shares = LotBackfill.shares(
            additions: [Credits(whole: 100), Credits(whole: 50), Credits(whole: 30)],
            available: Credits(whole: 40),
            held: Credits(whole: 20)
        )
        // 60 unspent: the newest 30, then 30 of the 50; nothing of the oldest.
        #expect(shares.map(\.remaining) == [.zero, Credits(whole: 10), Credits(whole: 30)])
        #expect(shares.map(\.held) == [.zero, Credits(whole: 20), .zero])
    }

    @Test func refundsGiveBackTheWholePriceOnceAndNeverMore() {
        let price = Money(cents: 1_001)
        let credits = Credits(whole: 100)
        var refunded = Credits.zero
        var given: Int64 = 0
        for part in [Credits(thousandths: 33_333), Credits(thousandths: 33_333), Credits(thousandths: 33_334)] {
            let amount = RefundAmount.cents(price: price, credits: credits, refundedBefore: refunded, refunding: part)
            #expect(amount.cents >= 0)
            given += amount.cents
            refunded = refunded + part
            #expect(given <= price.cents)
        }
        #expect(given == price.cents)
        // No overflow on the largest purchase.
        let big = RefundAmount.cents(
            price: Money(cents: 10_000_000),
            credits: Credits(whole: 1_000_000),
            refundedBefore: .zero,
            refunding: Credits(whole: 999_999)
        )
        #expect(big.cents == 9_999_990)
    }
}
