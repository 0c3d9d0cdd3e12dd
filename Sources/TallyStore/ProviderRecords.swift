import Foundation
import TallyCore

/// An event a provider sent Tally (a Stripe event), kept by its provider and id before
/// it is applied: the inbox. Applied once; one that could not be applied stays
/// unapplied with its problem, so the provider's retry (or the operator) sees it.
public struct ProviderEvent: Sendable, Hashable {
    /// `stripe`, `twilio`, …
    public var provider: String
    /// The provider's id of the event (`evt_…`).
    public var id: String
    /// `payment_intent.succeeded`, …
    public var type: String
    /// The event as it came, byte for byte.
    public var body: [UInt8]
    public var receivedAt: Date
    /// When it was applied; `nil` until then.
    public var appliedAt: Date?
    /// Why it could not be applied the last time it was tried (a shape Tally does not read).
    public var problem: String?

    public init(
        provider: String,
        id: String,
        type: String,
        body: [UInt8],
        receivedAt: Date,
        appliedAt: Date? = nil,
        problem: String? = nil
    ) {
        self.provider = provider
        self.id = id
        self.type = type
        self.body = body
        self.receivedAt = receivedAt
        self.appliedAt = appliedAt
        self.problem = problem
    }
}

/// Credits a provider took back from a purchase after it was paid: a dispute (a
/// chargeback) or a refund made outside Tally (in Stripe's dashboard).
public struct Reversal: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case dispute
        /// A refund Tally did not make.
        case refund
    }

    public enum Status: String, Sendable, Hashable, Codable {
        /// A dispute not decided yet; its credits are out of the wallet.
        case open
        /// Decided for the platform: the credits went back to their lot.
        case won
        /// Decided for the cardholder (or a refund, which is final at once).
        case lost
    }

    /// The provider's id (`dp_…` for a dispute, `re_…` for a refund made outside Tally).
    public var id: String
    public var kind: Kind
    public var accountID: AccountID
    public var purchaseID: PurchaseID
    public var lotID: LotID
    /// The money the provider took back, in cents.
    public var amountCents: Int64
    /// The purchase's unused credits taken out of its lot.
    public var creditsTaken: Credits
    /// Credits the money stood for that were already spent: never taken below zero,
    /// recorded here instead.
    public var shortfall: Credits
    public var status: Status
    /// The provider's reason (`fraudulent`, `requested_by_customer`, …).
    public var reason: String
    public var createdAt: Date
    public var closedAt: Date?

    public init(
        id: String,
        kind: Kind,
        accountID: AccountID,
        purchaseID: PurchaseID,
        lotID: LotID,
        amountCents: Int64,
        creditsTaken: Credits,
        shortfall: Credits,
        status: Status,
        reason: String,
        createdAt: Date,
        closedAt: Date? = nil
    ) {
        self.id = id
        self.kind = kind
        self.accountID = accountID
        self.purchaseID = purchaseID
        self.lotID = lotID
        self.amountCents = amountCents
        self.creditsTaken = creditsTaken
        self.shortfall = shortfall
        self.status = status
        self.reason = reason
        self.createdAt = createdAt
        self.closedAt = closedAt
    }
}
