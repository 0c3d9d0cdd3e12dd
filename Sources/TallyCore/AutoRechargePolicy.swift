/// An account's auto-recharge settings.
public struct AutoRechargeSettings: Sendable, Hashable {
    public var enabled: Bool
    /// A recharge is bought when available credits fall below this.
    public var thresholdCredits: Credits
    /// How much one recharge buys: at least the minimum purchase.
    public var rechargeCredits: Credits
    public var paymentMethodID: String
    /// At most this many recharges per Pacific calendar day.
    public var maxRechargesPerDay: Int
    /// At most this much spent on recharges per Pacific calendar month.
    public var maxSpendPerMonth: Money

    public init(
        enabled: Bool,
        thresholdCredits: Credits,
        rechargeCredits: Credits,
        paymentMethodID: String,
        maxRechargesPerDay: Int,
        maxSpendPerMonth: Money
    ) {
        self.enabled = enabled
        self.thresholdCredits = thresholdCredits
        self.rechargeCredits = rechargeCredits
        self.paymentMethodID = paymentMethodID
        self.maxRechargesPerDay = maxRechargesPerDay
        self.maxSpendPerMonth = maxSpendPerMonth
    }
}

/// What a change of available credits sets off.
public struct BalanceEffects: Sendable, Hashable {
    /// Available fell below the threshold: the super admins are told.
    public var lowBalance = false
    /// Available reached zero: every feature stops.
    public var depleted = false
    /// One recharge is due.
    public var recharge = false
    /// After this change, a recharge is owed to the account's next spending: a refund, an
    /// adjustment, a dispute or an expiry took available below the threshold, and no
    /// spending has bought the recharge of that descent yet. Kept with the settings.
    public var rechargeArmed = false

    public init(lowBalance: Bool = false, depleted: Bool = false, recharge: Bool = false, rechargeArmed: Bool = false) {
        self.lowBalance = lowBalance
        self.depleted = depleted
        self.recharge = recharge
        self.rechargeArmed = rechargeArmed
    }

    /// Nothing to tell and nothing to buy (whatever becomes of `rechargeArmed`).
    public var isEmpty: Bool { !lowBalance && !depleted && !recharge }
}

/// Why a due recharge is not bought.
public enum RechargeCap: String, Sendable, Hashable {
    case daily, monthly
}

/// The auto-recharge rules of SPEC.md: pure decisions, no I/O.
public enum AutoRechargePolicy {
    /// Payment attempts of one recharge before auto-recharge is switched off.
    public static let maximumAttempts = 3

    /// What moving available credits from `before` to `after` sets off; `spending` says
    /// whether the move was spending (see `LedgerKind.isSpending`), `armed` whether a
    /// recharge was owed to the next spending before it (`BalanceEffects.rechargeArmed`).
    ///
    /// One recharge per descent below the threshold, bought by the descent's first
    /// spending: the spending that crosses the threshold, or — when a refund, a negative
    /// adjustment, a dispute or an expiry crossed it, which warns of a low balance but
    /// buys nothing — the first spending after it, which the armed flag remembers. Only
    /// crossing arms and buying disarms, so concurrent debits below the threshold, or a
    /// failed recharge, never set off a second one. Available at or above the threshold
    /// (a purchase or a recharge credited since) ends the descent and drops the flag: a
    /// move that starts or ends there never finds it set.
    public static func effects(
        before: Credits,
        after: Credits,
        settings: AutoRechargeSettings?,
        spending: Bool,
        armed: Bool
    ) -> BalanceEffects {
        var effects = BalanceEffects()
        // Depleted: the change that leaves less than the cheapest use of any feature.
        effects.depleted = before >= Catalog.cheapestUse && after < Catalog.cheapestUse
        guard let settings else { return effects }
        let threshold = settings.thresholdCredits
        let crossed = before >= threshold && after < threshold
        effects.lowBalance = crossed
        // At or above the threshold no recharge is owed; switched off, none is bought.
        guard settings.enabled, after < threshold else { return effects }
        let owed = crossed || (armed && before < threshold)
        effects.recharge = owed && spending && after < before
        effects.rechargeArmed = owed && !effects.recharge
        return effects
    }

    /// Whether turning auto-recharge on (or changing it) should buy at once: available is already below.
    /// Saving also drops a recharge owed to the next spending (`BalanceEffects.rechargeArmed`):
    /// below the threshold the save itself buys it, and switched off nothing is owed.
    public static func rechargeOnSave(available: Credits, settings: AutoRechargeSettings) -> Bool {
        settings.enabled && available < settings.thresholdCredits
    }

    /// The cap a recharge of `price` would break, if any.
    public static func cap(
        rechargesToday: Int,
        spentThisMonth: Money,
        price: Money,
        settings: AutoRechargeSettings
    ) -> RechargeCap? {
        if rechargesToday >= settings.maxRechargesPerDay { return .daily }
        if spentThisMonth + price > settings.maxSpendPerMonth { return .monthly }
        return nil
    }

    /// Seconds to wait before payment attempt `attempt + 1` after `attempt` failed: 1, 4, 16 minutes.
    public static func retryDelaySeconds(afterAttempt attempt: Int) -> Int {
        60 << (2 * max(0, min(attempt - 1, 10)))
    }
}

extension LedgerKind {
    /// Whether a movement of this kind spends credits on a feature — a charge, or a hold
    /// for one (an SMS, a credit check, the platform's own hold) — and so may buy an
    /// auto-recharge. A refund, an adjustment, an expiry (and a dispute) take credits out
    /// of the wallet without spending them.
    public var isSpending: Bool {
        switch self {
        case .charge, .hold: true
        case .purchase, .recharge, .capture, .release, .refund, .adjustment, .grant, .expiry, .dispute: false
        }
    }
}
