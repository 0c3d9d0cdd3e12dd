import Crypto
import Foundation
import TallyCore

/// A card saved at the payment gateway: a token stands for it from then on.
public struct SavedCard: Sendable, Hashable {
    public var token: String
    public var brand: String
    public var last4: String
    public var expMonth: Int
    public var expYear: Int
    /// The gateway's own mark of the card number (Stripe's `card.fingerprint`), when it
    /// gives one: the same card is then saved once.
    public var fingerprint: String? = nil
}

/// One payment asked of the gateway.
public struct PaymentOrder: Sendable, Hashable {
    public var amount: Money
    /// The gateway's token for the card (a Stripe PaymentMethod id).
    public var cardToken: String
    /// Tally's id for the payment (the purchase id): the same key never pays twice.
    public var idempotencyKey: String
    public var account: AccountID
    /// The gateway's customer for the account, for gateways that keep customers.
    public var customer: String?
    /// The cardholder is not there (auto-recharge): a payment that needs them fails.
    public var offSession: Bool
    /// Keep the card for later payments without the cardholder.
    public var saveCard: Bool
    /// Where the cardholder comes back after confirming a payment (3-D Secure).
    public var returnURL: String?
    /// What Tally's records call the payment, sent along for the gateway's own pages.
    public var metadata: [String: String]

    public init(
        amount: Money,
        cardToken: String,
        idempotencyKey: String,
        account: AccountID,
        customer: String? = nil,
        offSession: Bool = false,
        saveCard: Bool = false,
        returnURL: String? = nil,
        metadata: [String: String] = [:]
    ) {
        self.amount = amount
        self.cardToken = cardToken
        self.idempotencyKey = idempotencyKey
        self.account = account
        self.customer = customer
        self.offSession = offSession
        self.saveCard = saveCard
        self.returnURL = returnURL
        self.metadata = metadata
    }
}

/// What a payment attempt came to.
public enum PaymentOutcome: Sendable, Hashable {
    /// Paid; `reference` is the gateway's id of the payment.
    case succeeded(reference: String)
    /// Refused by the card's bank; nothing was paid.
    case declined(code: String, reason: String)
    /// Not decided yet: the cardholder must confirm it at `nextActionURL` (3-D Secure),
    /// or, without one, the bank is still processing it. Settled later by the gateway's
    /// event or by the reconciler asking again.
    case pending(reference: String, nextActionURL: String?)
}

/// What a refund came to.
public enum RefundOutcome: Sendable, Hashable {
    /// Given back to the card; `reference` is the gateway's id of the refund.
    case succeeded(reference: String)
    /// Refused by the processor; nothing was given back.
    case declined(code: String, reason: String)
    /// Accepted, not given back yet: settled later by the gateway's event or the reconciler.
    case pending(reference: String)
}

/// The gateway refused what Tally asked for a reason of the request (an unknown card
/// id, a card of another customer), not of the card's bank.
public struct PaymentRequestRefused: Error, Sendable, Hashable {
    public var reason: String

    public init(_ reason: String) { self.reason = reason }
}

/// A card processor. The real one is outside; the sandbox ships with Tally.
public protocol PaymentGateway: Sendable {
    /// The processor's name as `GET /v1/providers` says it: `sandbox` or `stripe`.
    var name: String { get }
    /// Whether card numbers may be given to Tally at all. A real processor takes them
    /// on its own pages only (PCI DSS): Tally is given the processor's card ids.
    var acceptsCardNumbers: Bool { get }
    /// Saves a checked card and returns the token that stands for it.
    func save(_ card: PaymentCard) async throws -> SavedCard
    /// Makes the gateway's customer for an account and answers its id; `nil` for a
    /// gateway that keeps none. The same account always asks with the same key.
    func createCustomer(account: AccountID, name: String) async throws -> String?
    /// Describes a card the buyer gave the processor directly (a Stripe PaymentMethod).
    /// Throws `PaymentRequestRefused` when there is no such card.
    func card(_ token: String) async throws -> SavedCard
    /// Keeps a card the buyer gave the processor for `customer`.
    func attach(_ token: String, customer: String?, idempotencyKey: String) async throws -> SavedCard
    /// Charges a card. The same `idempotencyKey` never charges twice: asked again, it
    /// answers where that payment stands now.
    func charge(_ order: PaymentOrder) async throws -> PaymentOutcome
    /// Gives back part or all of a payment. The same `idempotencyKey` never refunds
    /// twice: it answers the first outcome again.
    func refund(_ amount: Money, payment reference: String, idempotencyKey: String) async throws -> RefundOutcome
    /// Where a refund the gateway accepted without settling stands now, by its id; `nil`
    /// for a gateway that cannot say (then the refund is asked again with its key).
    func refundStatus(_ reference: String) async throws -> RefundOutcome?
}

extension PaymentGateway {
    /// A gateway that takes card details and keeps no customers: the sandbox's way.
    public var name: String { "sandbox" }
    public var acceptsCardNumbers: Bool { true }
    public func createCustomer(account: AccountID, name: String) async throws -> String? { nil }
    public func card(_ token: String) async throws -> SavedCard {
        throw PaymentRequestRefused("this card processor takes card details, not card ids")
    }
    public func attach(_ token: String, customer: String?, idempotencyKey: String) async throws -> SavedCard {
        throw PaymentRequestRefused("this card processor takes card details, not card ids")
    }

    public func refundStatus(_ reference: String) async throws -> RefundOutcome? { nil }

    /// Charges a saved card with nothing else to say: the sandbox's way.
    public func charge(_ amount: Money, cardToken: String, idempotencyKey: String) async throws -> PaymentOutcome {
        try await charge(PaymentOrder(amount: amount, cardToken: cardToken, idempotencyKey: idempotencyKey, account: AccountID("")))
    }
}

/// The sandbox card processor: deterministic and documented, like a real processor's test mode.
///
/// - `4242 4242 4242 4242` (and any other Luhn-valid number) succeeds;
/// - `4000 0000 0000 0002` is declined (`card_declined`);
/// - `4000 0000 0000 9995` fails for insufficient funds (`insufficient_funds`);
/// - `4000 0000 0000 0119` makes the processor fail without an answer (nothing is
///   charged; every ask fails the same way);
/// - `4000 0000 0000 0259` charges the card but loses the first answer for a payment
///   key (the ask fails); asked again with that key, it answers the payment. A refund
///   of its payments loses its first answer the same way (the money is given back);
/// - `4000 0000 0000 5126` is charged, but every refund of its payments is refused
///   (`refund_failed`).
///
/// Refunds of any other payment succeed.
///
/// Payments are idempotent by key, and the payment reference is derived from the
/// key, so a retried charge answers the same outcome even after a restart.
public actor SandboxPaymentGateway: PaymentGateway {
    public static let declinedCard = "4000000000000002"
    public static let insufficientFundsCard = "4000000000009995"
    public static let processorErrorCard = "4000000000000119"
    public static let lostAnswerCard = "4000000000000259"
    public static let refundFailsCard = "4000000000005126"

    /// Every distinct payment that succeeded, by idempotency key: what the sandbox "collected".
    public private(set) var payments: [String: Money] = [:]
    /// Every distinct refund given back, by idempotency key.
    public private(set) var refunds: [String: Money] = [:]

    public init() {}

    public func charge(_ order: PaymentOrder) throws -> PaymentOutcome {
        try sandboxCharge(order.amount, cardToken: order.cardToken, idempotencyKey: order.idempotencyKey)
    }

    public func save(_ card: PaymentCard) -> SavedCard {
        let behaviour =
            switch card.number {
            case Self.declinedCard: "decline"
            case Self.insufficientFundsCard: "nofunds"
            case Self.processorErrorCard: "error"
            case Self.lostAnswerCard: "lost"
            case Self.refundFailsCard: "norefund"
            default: "ok"
            }
        return SavedCard(
            token: "tok_sandbox_\(behaviour)_\(card.last4)_\(Secrets.base32(byteCount: 8))",
            brand: card.brand,
            last4: card.last4,
            expMonth: card.expMonth,
            expYear: card.expYear
        )
    }

    func sandboxCharge(_ amount: Money, cardToken: String, idempotencyKey: String) throws -> PaymentOutcome {
        if cardToken.hasPrefix("tok_sandbox_error_") {
            throw ProviderFailure("the card processor failed to answer")
        }
        if cardToken.hasPrefix("tok_sandbox_lost_"), payments[idempotencyKey] == nil {
            payments[idempotencyKey] = amount
            throw ProviderFailure("the card processor's answer was lost")
        }
        if cardToken.hasPrefix("tok_sandbox_decline_") {
            return .declined(code: "card_declined", reason: "the card was declined")
        }
        if cardToken.hasPrefix("tok_sandbox_nofunds_") {
            return .declined(code: "insufficient_funds", reason: "the card has insufficient funds")
        }
        payments[idempotencyKey] = amount
        // The reference keeps what the card does to refunds, as a processor's test mode does.
        let behaviour = cardToken.hasPrefix("tok_sandbox_norefund_") ? "norefund_" : cardToken.hasPrefix("tok_sandbox_lost_") ? "lost_" : ""
        return .succeeded(reference: "pay_sandbox_" + behaviour + String(idempotencyKey.sha256Hex.prefix(24)))
    }

    public func refund(_ amount: Money, payment reference: String, idempotencyKey: String) throws -> RefundOutcome {
        if reference.hasPrefix("pay_sandbox_norefund_") {
            return .declined(code: "refund_failed", reason: "the card's bank refused the refund")
        }
        if reference.hasPrefix("pay_sandbox_lost_"), refunds[idempotencyKey] == nil {
            refunds[idempotencyKey] = amount
            throw ProviderFailure("the card processor's answer to the refund was lost")
        }
        refunds[idempotencyKey] = amount
        return .succeeded(reference: "re_sandbox_" + String(idempotencyKey.sha256Hex.prefix(24)))
    }
}
