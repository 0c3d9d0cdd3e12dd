import Foundation
import TallyCore

// The records read from rows once for both engines: each engine's mapper (`Self.user`,
// `Self.hold`, …) hands its row here.

extension User {
    /// A row of `users`.
    init(_ row: some StoreRow) throws {
        self.init(
            id: UserID(try row.text("id")),
            accountID: AccountID(try row.text("account_id")),
            email: try row.text("email"),
            name: try row.text("name"),
            role: try row.word("role", as: Role.self),
            passwordHash: try row.text("password_hash"),
            createdAt: try row.date("created_at")
        )
    }
}

extension APIKey {
    /// A row of `api_keys`.
    init(_ row: some StoreRow) throws {
        self.init(
            id: APIKeyID(try row.text("id")),
            accountID: AccountID(try row.text("account_id")),
            name: try row.text("name"),
            keyHash: try row.text("key_hash"),
            createdAt: try row.date("created_at")
        )
    }
}

extension KeyLookup {
    /// The row of `Statements.Idempotency.lookup`.
    init(_ row: some StoreRow) throws {
        self.init(taken: try row.boolean("found"), available: try row.optionalInteger("available").map(Credits.init(thousandths:)))
    }
}

extension Hold {
    /// A row of `holds`.
    init(_ row: some StoreRow) throws {
        self.init(
            id: HoldID(try row.text("id")),
            accountID: AccountID(try row.text("account_id")),
            feature: try row.text("feature"),
            credits: Credits(thousandths: try row.integer("credits")),
            reference: try row.text("reference"),
            status: try row.word("status", as: HoldStatus.self),
            capturedCredits: Credits(thousandths: try row.integer("captured_credits")),
            createdAt: try row.date("created_at"),
            expiresAt: try row.date("expires_at")
        )
    }
}

extension PaymentMethod {
    /// A row of `payment_methods`.
    init(_ row: some StoreRow) throws {
        self.init(
            id: PaymentMethodID(try row.text("id")),
            accountID: AccountID(try row.text("account_id")),
            brand: try row.text("brand"),
            last4: try row.text("last4"),
            expMonth: Int(try row.integer("exp_month")),
            expYear: Int(try row.integer("exp_year")),
            gatewayToken: try row.text("gateway_token"),
            createdAt: try row.date("created_at"),
            fingerprint: try row.optionalText("fingerprint")
        )
    }
}

extension Purchase {
    /// A row of `purchases`.
    init(_ row: some StoreRow) throws {
        self.init(
            id: PurchaseID(try row.text("id")),
            accountID: AccountID(try row.text("account_id")),
            credits: Credits(thousandths: try row.integer("credits")),
            amount: Money(cents: try row.integer("amount_cents")),
            status: try row.word("status", as: PurchaseStatus.self),
            origin: try row.word("origin", as: PurchaseOrigin.self),
            paymentMethodID: try row.optionalText("payment_method_id").map(PaymentMethodID.init),
            paymentReference: try row.optionalText("payment_reference"),
            failureReason: try row.optionalText("failure_reason"),
            createdAt: try row.date("created_at"),
            refundedCredits: Credits(thousandths: try row.integer("refunded_credits")),
            refundedAmount: Money(cents: try row.integer("refunded_cents"))
        )
        dispute = try row.optionalText("dispute_status").flatMap(Reversal.Status.init(rawValue:))
    }
}

extension Refund {
    /// A row of `refunds`.
    init(_ row: some StoreRow) throws {
        self.init(
            id: RefundID(try row.text("id")),
            accountID: AccountID(try row.text("account_id")),
            purchaseID: PurchaseID(try row.text("purchase_id")),
            lotID: LotID(try row.text("lot_id")),
            credits: Credits(thousandths: try row.integer("credits")),
            amount: Money(cents: try row.integer("amount_cents")),
            status: try row.word("status", as: RefundStatus.self),
            gatewayReference: try row.optionalText("gateway_reference"),
            failureReason: try row.optionalText("failure_reason"),
            createdAt: try row.date("created_at")
        )
    }
}

extension CreditLot {
    /// A row of `lots`.
    init(_ row: some StoreRow) throws {
        self.init(
            id: LotID(try row.text("id")),
            accountID: AccountID(try row.text("account_id")),
            source: try row.word("source", as: LotSource.self),
            sourceID: try row.text("source_id"),
            credits: Credits(thousandths: try row.integer("credits")),
            remaining: Credits(thousandths: try row.integer("remaining")),
            held: Credits(thousandths: try row.integer("held")),
            costCents: try row.integer("cost_cents"),
            expiresAt: try row.optionalDate("expires_at"),
            priority: Int(try row.integer("priority")),
            reason: try row.optionalText("reason"),
            createdBy: try row.optionalText("created_by"),
            createdAt: try row.date("created_at")
        )
    }
}
