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

    public init(lowBalance: Bool = false, depleted: Bool = false, recharge: Bool = false) {
        self.lowBalance = lowBalance
        self.depleted = depleted
        self.recharge = recharge
    }

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
    /// whether the move was spending (see `LedgerKind.isSpending`).
    ///
    /// Only the change that *crosses* the threshold triggers, so concurrent debits
    /// below it — or a failed recharge — never set off a second one. And only spending
    /// buys a recharge: a refund, a negative adjustment, a dispute or an expiry that
    /// takes available below the threshold warns of a low balance but buys nothing.
    public static func effects(
        before: Credits,
        after: Credits,
        settings: AutoRechargeSettings?,
        spending: Bool
    ) -> BalanceEffects {
        var effects = BalanceEffects()
        guard after < before else { return effects }
        // Depleted: the change that leaves less than the cheapest use of any feature.
        effects.depleted = before >= Catalog.cheapestUse && after < Catalog.cheapestUse
        if let settings, before >= settings.thresholdCredits, after < settings.thresholdCredits {
            effects.lowBalance = true
            effects.recharge = settings.enabled && spending
        }
        return effects
    }

    /// Whether turning auto-recharge on (or changing it) should buy at once: available is already below.
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
        case .purchase, .recharge, .capture, .release, .refund, .adjustment, .grant, .expiry: false
        }
    }
}
