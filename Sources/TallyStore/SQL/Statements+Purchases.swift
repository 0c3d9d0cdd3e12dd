import Foundation
import TallyCore

/// Saved cards, purchases and the payments the card processor has not decided yet.
extension Statements {
    enum Purchases {
        /// A card, unless the account keeps `:maximum` live cards or a live card with its
        /// fingerprint: the count and the insert are one statement. PostgreSQL locks the
        /// account's row first, so concurrent saves count exactly; SQLite has one writer.
        static let savePaymentMethod = Statement(
            "purchases.savePaymentMethod",
            """
            INSERT INTO payment_methods
                (id, account_id, brand, last4, exp_month, exp_year, gateway_token, created_at, fingerprint)
            SELECT :id, :account, :brand, :last4, :expMonth, :expYear, :gatewayToken, :createdAt, :fingerprint
            WHERE (SELECT COUNT(*) FROM payment_methods WHERE account_id = :account AND deleted_at IS NULL) < :maximum
            ON CONFLICT DO NOTHING
            RETURNING id
            """
        )
        static let paymentMethodByFingerprint = Statement(
            "purchases.paymentMethodByFingerprint",
            """
            SELECT * FROM payment_methods
            WHERE account_id = :account AND fingerprint = :fingerprint AND deleted_at IS NULL
            """
        )
        static let paymentMethods = Statement(
            "purchases.paymentMethods",
            """
            SELECT * FROM payment_methods WHERE account_id = :account AND deleted_at IS NULL
            ORDER BY created_at, id {bytewise}
            """
        )
        static let paymentMethod = Statement(
            "purchases.paymentMethod",
            "SELECT * FROM payment_methods WHERE id = :id AND account_id = :account AND deleted_at IS NULL"
        )
        static let deletePaymentMethod = Statement(
            "purchases.deletePaymentMethod",
            """
            UPDATE payment_methods SET deleted_at = :at
            WHERE id = :id AND account_id = :account AND deleted_at IS NULL
            RETURNING id
            """
        )
        static let insertPurchase = Statement(
            "purchases.insertPurchase",
            """
            INSERT INTO purchases (id, account_id, credits, amount_cents, currency, status, origin,
                payment_method_id, payment_reference, failure_reason, created_at)
            VALUES (:id, :account, :credits, :amountCents, :currency, :status, :origin,
                :paymentMethod, :paymentReference, :failureReason, :createdAt)
            """
        )
        /// A page of purchases, newest first, after a cursor (`:cursorID` empty: from the newest).
        static let purchases = Statement(
            "purchases.purchases",
            """
            SELECT * FROM purchases WHERE account_id = :account AND created_at <= :cursorAt
                AND (created_at < :cursorAt OR id {bytewise} < :cursorID OR :cursorID = '')
            ORDER BY created_at DESC, id {bytewise} DESC LIMIT :limit
            """
        )
        static let purchase = Statement(
            "purchases.purchase",
            "SELECT * FROM purchases WHERE id = :id AND account_id = :account"
        )
        static let insertPaymentIntent = Statement(
            "purchases.insertPaymentIntent",
            """
            INSERT INTO payment_intents (id, account_id, credits, amount_cents, payment_method_id, gateway_token,
                created_at, recharge_id, save_card, gateway_reference)
            VALUES (:id, :account, :credits, :amountCents, :paymentMethod, :gatewayToken,
                :createdAt, :recharge, :saveCard, :gatewayReference)
            """
        )
        /// The payment reconciler's pick: payments of purchases left undecided, each leased
        /// to one worker at a time (in any process).
        static let claimStalePaymentIntents = Statement(
            "purchases.claimStalePaymentIntents",
            """
            UPDATE payment_intents SET lease_until = :leaseUntil
            WHERE (account_id, id) IN (
                SELECT account_id, id FROM payment_intents WHERE settled_at IS NULL AND created_at < :createdBefore
                    AND recharge_id IS NULL AND (lease_until IS NULL OR lease_until <= :now)
                ORDER BY created_at LIMIT :limit
                {skipLocked})
            RETURNING *
            """
        )
        static let rechargeIntent = Statement(
            "purchases.rechargeIntent",
            """
            SELECT * FROM payment_intents
            WHERE recharge_id = :recharge AND account_id = :account AND settled_at IS NULL
            ORDER BY created_at DESC LIMIT 1
            """
        )
        static let releaseRechargeIntent = Statement(
            "purchases.releaseRechargeIntent",
            """
            UPDATE payment_intents SET recharge_id = NULL
            WHERE id = :id AND account_id = :account AND settled_at IS NULL
            """
        )
        static let setPaymentIntentReference = Statement(
            "purchases.setPaymentIntentReference",
            """
            UPDATE payment_intents SET gateway_reference = :reference
            WHERE id = :id AND account_id = :account AND settled_at IS NULL
            """
        )
        static let setRefundReference = Statement(
            "purchases.setRefundReference",
            """
            UPDATE refunds SET gateway_reference = :reference
            WHERE id = :id AND account_id = :account AND status = 'pending'
            """
        )

        static let all = [
            savePaymentMethod, paymentMethodByFingerprint, paymentMethods, paymentMethod, deletePaymentMethod, insertPurchase,
            purchases, purchase, insertPaymentIntent, claimStalePaymentIntents, rechargeIntent, releaseRechargeIntent,
            setPaymentIntentReference, setRefundReference,
        ]

        static func methodValues(_ method: PaymentMethod, maximum: Int) -> KeyValuePairs<String, SQLValue> {
            [
                "id": .text(method.id.rawValue), "account": .text(method.accountID.rawValue), "brand": .text(method.brand),
                "last4": .text(method.last4), "expMonth": .integer(method.expMonth), "expYear": .integer(method.expYear),
                "gatewayToken": .text(method.gatewayToken), "createdAt": .integer(method.createdAt.storedMilliseconds),
                "fingerprint": .text(method.fingerprint), "maximum": .integer(maximum),
            ]
        }

        static func purchaseValues(_ purchase: Purchase) -> KeyValuePairs<String, SQLValue> {
            [
                "id": .text(purchase.id.rawValue), "account": .text(purchase.accountID.rawValue),
                "credits": .integer(purchase.credits.thousandths), "amountCents": .integer(purchase.amount.cents),
                "currency": .text(Money.currency), "status": .text(purchase.status.rawValue), "origin": .text(purchase.origin.rawValue),
                "paymentMethod": .text(purchase.paymentMethodID?.rawValue), "paymentReference": .text(purchase.paymentReference),
                "failureReason": .text(purchase.failureReason), "createdAt": .integer(purchase.createdAt.storedMilliseconds),
            ]
        }

        static func pageValues(account: AccountID, limit: Int, after: LogCursor?) -> KeyValuePairs<String, SQLValue> {
            [
                "account": .text(account.rawValue), "cursorAt": .integer(after?.createdAtMilliseconds ?? Int64.max),
                "cursorID": .text(after?.id ?? ""), "limit": .integer(limit),
            ]
        }

        static func intentValues(_ intent: PaymentIntent) -> KeyValuePairs<String, SQLValue> {
            [
                "id": .text(intent.purchaseID.rawValue), "account": .text(intent.accountID.rawValue),
                "credits": .integer(intent.credits.thousandths), "amountCents": .integer(intent.amount.cents),
                "paymentMethod": .text(intent.paymentMethodID.rawValue), "gatewayToken": .text(intent.gatewayToken),
                "createdAt": .integer(intent.createdAt.storedMilliseconds), "recharge": .text(intent.rechargeID),
                "saveCard": .boolean(intent.saveCard), "gatewayReference": .text(intent.gatewayReference),
            ]
        }

        static func staleValues(createdBefore: Date, at: Date, leaseSeconds: Int, limit: Int) -> KeyValuePairs<String, SQLValue> {
            let now = at.storedMilliseconds
            return [
                "leaseUntil": .integer(now + Int64(leaseSeconds) * 1000), "createdBefore": .integer(createdBefore.storedMilliseconds),
                "now": .integer(now), "limit": .integer(limit),
            ]
        }

        static func idValues(_ id: String, account: AccountID) -> KeyValuePairs<String, SQLValue> {
            ["id": .text(id), "account": .text(account.rawValue)]
        }

        static func referenceValues(_ reference: String, id: String, account: AccountID) -> KeyValuePairs<String, SQLValue> {
            ["reference": .text(reference), "id": .text(id), "account": .text(account.rawValue)]
        }
    }
}
