import Foundation
import TallyCore

/// What the payment and message providers leave with Tally: the customer kept for an
/// account, the inbox of their events (stored before they are applied, applied once), and
/// the reversals (disputes, refunds made at the provider) of purchases.
extension Statements {
    enum Providers {
        static let unsettledPaymentIntent = Statement(
            "providers.unsettledPaymentIntent",
            "SELECT * FROM payment_intents WHERE id = :purchase AND account_id = :account AND settled_at IS NULL"
        )
        static let gatewayCustomer = Statement(
            "providers.gatewayCustomer",
            "SELECT gateway_customer FROM accounts WHERE id = :account"
        )
        /// One statement: the customer kept already stays, whoever asks second (on
        /// PostgreSQL the second waits on the row lock, then finds the first one's).
        static let keepGatewayCustomer = Statement(
            "providers.keepGatewayCustomer",
            """
            UPDATE accounts SET gateway_customer = COALESCE(gateway_customer, :customer) WHERE id = :account
            RETURNING gateway_customer
            """
        )

        // MARK: The inbox

        static let receiveEvent = Statement(
            "providers.receiveEvent",
            """
            INSERT INTO provider_events (provider, id, type, body, received_at) VALUES (:provider, :id, :type, :body, :at)
            ON CONFLICT (provider, id) DO NOTHING
            """
        )
        static let event = Statement("providers.event", "SELECT * FROM provider_events WHERE provider = :provider AND id = :id")
        /// Conditional: of two deliveries of one event applied at once, in any process, the
        /// second finds it applied.
        static let markApplied = Statement(
            "providers.markApplied",
            """
            UPDATE provider_events SET applied_at = :at WHERE provider = :provider AND id = :id AND applied_at IS NULL
            RETURNING id
            """
        )
        static let recordProblem = Statement(
            "providers.recordProblem",
            """
            UPDATE provider_events SET problem = :problem WHERE provider = :provider AND id = :id AND applied_at IS NULL
            RETURNING id
            """
        )
        static let unapplied = Statement(
            "providers.unapplied",
            """
            SELECT * FROM provider_events WHERE provider = :provider AND applied_at IS NULL
            ORDER BY received_at, id {bytewise} LIMIT :limit
            """
        )

        // MARK: Reversals

        static let reversal = Statement("providers.reversal", "SELECT * FROM reversals WHERE id = :id AND account_id = :account")
        static let reversalsOfPurchase = Statement(
            "providers.reversalsOfPurchase",
            "SELECT * FROM reversals WHERE account_id = :account AND purchase_id = :purchase ORDER BY created_at, id {bytewise}"
        )
        static let insertReversal = Statement(
            "providers.insertReversal",
            """
            INSERT INTO reversals (id, account_id, kind, purchase_id, lot_id, amount_cents, credits_taken,
                shortfall, status, reason, created_at, closed_at)
            VALUES (:id, :account, :kind, :purchase, :lot, :amount, :credits, :shortfall, :status, :reason, :createdAt, :closedAt)
            """
        )
        /// Conditional: of two closings racing, in any process, the second finds it closed.
        static let closeReversal = Statement(
            "providers.closeReversal",
            """
            UPDATE reversals SET status = :status, closed_at = :at
            WHERE id = :id AND account_id = :account AND status = 'open'
            RETURNING purchase_id
            """
        )
        /// A purchase's `dispute_status`: where its latest dispute stands.
        static let showLatestDispute = Statement(
            "providers.showLatestDispute",
            """
            UPDATE purchases SET dispute_status = (
                SELECT status FROM reversals WHERE account_id = :account AND purchase_id = :purchase AND kind = 'dispute'
                ORDER BY created_at DESC, id {bytewise} DESC LIMIT 1)
            WHERE id = :purchase AND account_id = :account
            RETURNING id
            """
        )

        /// Conditional: of the request and the reconciler racing (in any process), one settles it.
        static let settlePaymentIntent = Statement(
            "providers.settlePaymentIntent",
            """
            UPDATE payment_intents SET settled_at = :at, lease_until = NULL
            WHERE id = :purchase AND account_id = :account AND settled_at IS NULL
            RETURNING id
            """
        )

        static let all = [
            unsettledPaymentIntent, settlePaymentIntent, gatewayCustomer, keepGatewayCustomer, receiveEvent, event, markApplied, recordProblem,
            unapplied, reversal, reversalsOfPurchase, insertReversal, closeReversal, showLatestDispute,
        ]

        static func reversalValues(_ reversal: Reversal, account: AccountID) -> KeyValuePairs<String, SQLValue> {
            [
                "id": .text(reversal.id), "account": .text(account.rawValue), "kind": .text(reversal.kind.rawValue),
                "purchase": .text(reversal.purchaseID.rawValue), "lot": .text(reversal.lotID.rawValue),
                "amount": .integer(reversal.amountCents), "credits": .integer(reversal.creditsTaken.thousandths),
                "shortfall": .integer(reversal.shortfall.thousandths), "status": .text(reversal.status.rawValue),
                "reason": .text(reversal.reason), "createdAt": .integer(reversal.createdAt.storedMilliseconds),
                "closedAt": .integer(reversal.closedAt?.storedMilliseconds),
            ]
        }
    }
}

extension PaymentIntent {
    /// A row of `payment_intents`.
    init(_ row: some StoreRow) throws {
        self.init(
            purchaseID: PurchaseID(try row.text("id")),
            accountID: AccountID(try row.text("account_id")),
            credits: Credits(thousandths: try row.integer("credits")),
            amount: Money(cents: try row.integer("amount_cents")),
            paymentMethodID: PaymentMethodID(try row.text("payment_method_id")),
            gatewayToken: try row.text("gateway_token"),
            createdAt: try row.date("created_at"),
            rechargeID: try row.optionalText("recharge_id"),
            saveCard: try row.boolean("save_card"),
            gatewayReference: try row.optionalText("gateway_reference")
        )
    }
}

extension ProviderEvent {
    /// A row of `provider_events`.
    init(_ row: some StoreRow) throws {
        self.init(
            provider: try row.text("provider"),
            id: try row.text("id"),
            type: try row.text("type"),
            body: try row.bytes("body"),
            receivedAt: try row.date("received_at"),
            appliedAt: try row.optionalDate("applied_at"),
            problem: try row.optionalText("problem")
        )
    }
}

extension Reversal {
    /// A row of `reversals`.
    init(_ row: some StoreRow) throws {
        self.init(
            id: try row.text("id"),
            kind: try row.word("kind", as: Reversal.Kind.self),
            accountID: AccountID(try row.text("account_id")),
            purchaseID: PurchaseID(try row.text("purchase_id")),
            lotID: LotID(try row.text("lot_id")),
            amountCents: try row.integer("amount_cents"),
            creditsTaken: Credits(thousandths: try row.integer("credits_taken")),
            shortfall: Credits(thousandths: try row.integer("shortfall")),
            status: try row.word("status", as: Reversal.Status.self),
            reason: try row.text("reason"),
            createdAt: try row.date("created_at"),
            closedAt: try row.optionalDate("closed_at")
        )
    }
}
