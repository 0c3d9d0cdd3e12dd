import Foundation

/// Where the credits of a lot came from.
public enum LotSource: String, Sendable, Hashable, Codable, CaseIterable {
    case purchase, recharge, grant, adjustment
}

/// What a debit needs to know of a lot to draw from it.
public struct LotPosition: Sendable, Hashable {
    public var id: LotID
    /// Lower draws first; 100 unless given.
    public var priority: Int
    /// Milliseconds since 1970; `nil` never expires.
    public var expiresAt: Int64?
    /// Milliseconds since 1970.
    public var createdAt: Int64
    /// Credits of the lot that can be spent now (its held credits aside).
    public var remaining: Credits

    public init(id: LotID, priority: Int, expiresAt: Int64?, createdAt: Int64, remaining: Credits) {
        self.id = id
        self.priority = priority
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.remaining = remaining
    }
}

/// The order every debit draws lots in, and how much it takes from each.
///
/// Priority first (lower first), then the soonest expiry (lots that never expire
/// last), then the oldest, then the id: a total order, so two stores given the same
/// lots draw exactly the same credits.
public enum LotOrder {
    /// The default priority of a lot.
    public static let defaultPriority = 100
    /// Priorities a lot may have.
    public static let priorities = 0...1_000

    /// True when `a` is drawn before `b`.
    public static func drawsFirst(_ a: LotPosition, _ b: LotPosition) -> Bool {
        if a.priority != b.priority { return a.priority < b.priority }
        if a.expiresAt != b.expiresAt {
            guard let first = a.expiresAt else { return false }
            guard let second = b.expiresAt else { return true }
            return first < second
        }
        if a.createdAt != b.createdAt { return a.createdAt < b.createdAt }
        return a.id < b.id
    }

    /// True when a lot's expiry has come by `at` (milliseconds since 1970): from that
    /// instant on its spendable credits are the expiry's, never a debit's.
    public static func hasExpired(_ lot: LotPosition, at: Int64) -> Bool {
        guard let expiresAt = lot.expiresAt else { return false }
        return expiresAt <= at
    }

    /// How much a debit of `amount` made at `at` (milliseconds since 1970) takes from each
    /// lot, in draw order: as `draws(_:from:)`, but never from a lot whose expiry has come,
    /// whether or not the expiry has taken its credits yet. `nil` when the lots still
    /// spendable at `at` do not cover it.
    public static func draws(_ amount: Credits, from lots: [LotPosition], at: Int64) -> [(lot: LotID, credits: Credits)]? {
        draws(amount, from: lots.filter { !hasExpired($0, at: at) })
    }

    /// How much a debit of `amount` takes from each lot, in draw order: `nil` when the
    /// lots' remaining credits do not cover it. Lots with nothing remaining are skipped.
    public static func draws(_ amount: Credits, from lots: [LotPosition]) -> [(lot: LotID, credits: Credits)]? {
        precondition(amount >= .zero, "a draw is never negative")
        var left = amount
        var draws: [(lot: LotID, credits: Credits)] = []
        for lot in lots.sorted(by: drawsFirst) where left > .zero && lot.remaining > .zero {
            let taken = min(left, lot.remaining)
            draws.append((lot.id, taken))
            left = left - taken
        }
        return left == .zero ? draws : nil
    }

    /// Which lots release or capture `amount` held credits: first the lots the hold drew
    /// (`own`, each offering what the hold still holds of it, in lot order), then — for a
    /// hold made before lots existed — any other held credits (`others`, each offering all
    /// its held credits) in lot order; each lot once. `nil` when they do not cover it.
    public static func heldDraws(
        _ amount: Credits,
        own: [LotPosition],
        others: [LotPosition]
    ) -> [(lot: LotID, credits: Credits)]? {
        let drawn = Dictionary(own.map { ($0.id, $0.remaining) }, uniquingKeysWith: +)
        let rest = others.compactMap { lot -> LotPosition? in
            var lot = lot
            lot.remaining = lot.remaining - (drawn[lot.id] ?? .zero)
            // Listed after the hold's own lots, however they order among themselves.
            lot.priority = Int.max
            return lot.remaining > .zero ? lot : nil
        }
        return draws(amount, from: own + rest).map(merged)
    }

    /// Draws with each lot once: a lot listed twice (a hold's own share, then the rest
    /// of its held credits) is drawn once for the sum, where it first appears.
    public static func merged(_ draws: [(lot: LotID, credits: Credits)]) -> [(lot: LotID, credits: Credits)] {
        var merged: [(lot: LotID, credits: Credits)] = []
        for draw in draws {
            if let index = merged.firstIndex(where: { $0.lot == draw.lot }) {
                merged[index].credits = merged[index].credits + draw.credits
            } else {
                merged.append(draw)
            }
        }
        return merged
    }
}

/// How the credits of a wallet made before lots were assigned to lots: the credits
/// still in the wallet (available and held) belong to the newest additions, since the
/// oldest were spent first; of those, the held credits are counted from the oldest.
public enum LotBackfill {
    public struct Share: Sendable, Hashable {
        public var remaining: Credits
        public var held: Credits
    }

    /// One share per addition (oldest first, as given).
    public static func shares(additions: [Credits], available: Credits, held: Credits) -> [Share] {
        var unspent = available + held
        var unused = Array(repeating: Credits.zero, count: additions.count)
        for index in additions.indices.reversed() {
            let share = min(max(unspent, .zero), additions[index])
            unused[index] = share
            unspent = unspent - share
        }
        var toHold = held
        return unused.map { share in
            let heldShare = min(max(toHold, .zero), share)
            toHold = toHold - heldShare
            return Share(remaining: share - heldShare, held: heldShare)
        }
    }
}

/// What a refund of part of a purchase gives back, in cents.
///
/// Each refund gives back the purchase's price of the credits refunded so far, less what
/// earlier refunds gave back (rounded down each time), so partial refunds never add up
/// to more than the purchase and refunding every credit gives back its whole price.
public enum RefundAmount {
    public static func cents(price: Money, credits: Credits, refundedBefore: Credits, refunding: Credits) -> Money {
        Money(cents: share(price, credits, refundedBefore + refunding) - share(price, credits, refundedBefore))
    }

    /// `price × part ÷ whole`, rounded down, without overflowing on the way.
    private static func share(_ price: Money, _ whole: Credits, _ part: Credits) -> Int64 {
        precondition(whole > .zero && part >= .zero && part <= whole, "a share of a purchase is within it")
        let product = price.cents.multipliedFullWidth(by: part.thousandths)
        return whole.thousandths.dividingFullWidth(product).quotient
    }
}
