/// The four figures of a wallet.
///
/// `available + held + used == total` always; `available` and `held` never go below zero.
public struct WalletBalance: Sendable, Hashable, Codable {
    /// What can be spent now.
    public var available: Credits
    /// Reserved for actions in flight.
    public var held: Credits
    /// Consumed so far.
    public var used: Credits
    /// Every credit added, less those refunded, expired or adjusted away.
    public var total: Credits

    public static let empty = WalletBalance(available: .zero, held: .zero, used: .zero, total: .zero)

    public init(available: Credits, held: Credits, used: Credits, total: Credits) {
        self.available = available
        self.held = held
        self.used = used
        self.total = total
    }

    /// True when the figures agree with each other and none is negative.
    public var isConsistent: Bool {
        available.thousandths >= 0 && held.thousandths >= 0 && used.thousandths >= 0
            && available + held + used == total
    }

    /// The balance after a change, or `nil` when the change would overdraw it.
    public func applying(_ change: WalletChange) -> WalletBalance? {
        let next = WalletBalance(
            available: available + change.available,
            held: held + change.held,
            used: used + change.used,
            total: total + change.total
        )
        return next.isConsistent ? next : nil
    }
}

/// How one ledger entry moves credits between the wallet's figures.
public struct WalletChange: Sendable, Hashable, Codable {
    public var available: Credits
    public var held: Credits
    public var used: Credits
    public var total: Credits

    public init(available: Credits = .zero, held: Credits = .zero, used: Credits = .zero, total: Credits = .zero) {
        self.available = available
        self.held = held
        self.used = used
        self.total = total
        assert(available + held + used == total, "a change keeps available + held + used == total")
    }

    /// Credits added by a purchase or a recharge.
    public static func add(_ credits: Credits) -> WalletChange {
        WalletChange(available: credits, total: credits)
    }

    /// Credits spent outright.
    public static func charge(_ credits: Credits) -> WalletChange {
        WalletChange(available: -credits, used: credits)
    }

    /// Credits reserved for an action in flight.
    public static func hold(_ credits: Credits) -> WalletChange {
        WalletChange(available: -credits, held: credits)
    }

    /// Held credits consumed.
    public static func capture(_ credits: Credits) -> WalletChange {
        WalletChange(held: -credits, used: credits)
    }

    /// Credits taken out of the wallet: refunded, expired, or removed by an adjustment.
    public static func remove(_ credits: Credits) -> WalletChange {
        WalletChange(available: -credits, total: -credits)
    }

    /// Held credits given back.
    public static func release(_ credits: Credits) -> WalletChange {
        WalletChange(available: credits, held: -credits)
    }
}

/// What a ledger entry records.
public enum LedgerKind: String, Sendable, Hashable, Codable, CaseIterable {
    case purchase, recharge, charge, hold, capture, release, refund, adjustment, grant, expiry
    /// Credits a dispute (a chargeback) took back from their purchase, or gave back when won.
    case dispute
}
