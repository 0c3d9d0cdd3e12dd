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
}

/// What a payment attempt came to.
public enum PaymentOutcome: Sendable, Hashable {
    /// Paid; `reference` is the gateway's id of the payment.
    case succeeded(reference: String)
    /// Refused by the card's bank; nothing was paid.
    case declined(code: String, reason: String)
}

/// What a refund came to.
public enum RefundOutcome: Sendable, Hashable {
    /// Given back to the card; `reference` is the gateway's id of the refund.
    case succeeded(reference: String)
    /// Refused by the processor; nothing was given back.
    case declined(code: String, reason: String)
}

/// A card processor. The real one is outside; the sandbox ships with Tally.
public protocol PaymentGateway: Sendable {
    /// Saves a checked card and returns the token that stands for it.
    func save(_ card: PaymentCard) async throws -> SavedCard
    /// Charges a saved card. The same `idempotencyKey` never charges twice:
    /// it answers the first outcome again.
    func charge(_ amount: Money, cardToken: String, idempotencyKey: String) async throws -> PaymentOutcome
    /// Gives back part or all of a payment. The same `idempotencyKey` never refunds
    /// twice: it answers the first outcome again.
    func refund(_ amount: Money, payment reference: String, idempotencyKey: String) async throws -> RefundOutcome
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

    public func charge(_ amount: Money, cardToken: String, idempotencyKey: String) throws -> PaymentOutcome {
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
