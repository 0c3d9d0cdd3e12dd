import Foundation
import TallyCore

/// Saved cards, purchases and undecided payments, on either engine (the statements:
/// `Statements.Purchases`). Per engine still: saving a card, which locks its account first
/// on PostgreSQL.
extension StatementRunning {
    public func paymentMethod(fingerprint: String, account: AccountID) async throws -> PaymentMethod? {
        try await read(
            Statements.Purchases.paymentMethodByFingerprint,
            ["account": .text(account.rawValue), "fingerprint": .text(fingerprint)],
            as: { try PaymentMethod($0) }
        ).first
    }

    public func paymentMethods(account: AccountID) async throws -> [PaymentMethod] {
        try await read(Statements.Purchases.paymentMethods, ["account": .text(account.rawValue)], as: { try PaymentMethod($0) })
    }

    public func paymentMethod(_ id: PaymentMethodID, account: AccountID) async throws -> PaymentMethod? {
        try await read(
            Statements.Purchases.paymentMethod,
            Statements.Purchases.idValues(id.rawValue, account: account),
            as: { try PaymentMethod($0) }
        ).first
    }

    public func deletePaymentMethod(_ id: PaymentMethodID, account: AccountID, at: Date) async throws -> Bool {
        try await written(
            Statements.Purchases.deletePaymentMethod,
            ["at": .integer(at.storedMilliseconds), "id": .text(id.rawValue), "account": .text(account.rawValue)]
        ) == 1
    }

    public func recordPurchase(_ purchase: Purchase) async throws {
        try await written(Statements.Purchases.insertPurchase, Statements.Purchases.purchaseValues(purchase))
    }

    public func purchases(account: AccountID, limit: Int, after: LogCursor?) async throws -> [Purchase] {
        try await read(
            Statements.Purchases.purchases,
            Statements.Purchases.pageValues(account: account, limit: limit, after: after),
            as: { try Purchase($0) }
        )
    }

    public func purchase(_ id: PurchaseID, account: AccountID) async throws -> Purchase? {
        try await read(Statements.Purchases.purchase, Statements.Purchases.idValues(id.rawValue, account: account), as: { try Purchase($0) })
            .first
    }

    public func recordPaymentIntent(_ intent: PaymentIntent) async throws {
        try await written(Statements.Purchases.insertPaymentIntent, Statements.Purchases.intentValues(intent))
    }

    public func claimStalePaymentIntents(createdBefore: Date, at: Date, leaseSeconds: Int, limit: Int) async throws -> [PaymentIntent] {
        try await written(
            Statements.Purchases.claimStalePaymentIntents,
            Statements.Purchases.staleValues(createdBefore: createdBefore, at: at, leaseSeconds: leaseSeconds, limit: limit),
            as: { try PaymentIntent($0) }
        )
    }

    public func rechargeIntent(recharge: String, account: AccountID) async throws -> PaymentIntent? {
        try await read(
            Statements.Purchases.rechargeIntent,
            ["recharge": .text(recharge), "account": .text(account.rawValue)],
            as: { try PaymentIntent($0) }
        ).first
    }

    public func releaseRechargeIntent(_ id: PurchaseID, account: AccountID) async throws {
        try await written(Statements.Purchases.releaseRechargeIntent, Statements.Purchases.idValues(id.rawValue, account: account))
    }

    public func setRefundReference(_ reference: String, refund: RefundID, account: AccountID) async throws {
        try await written(
            Statements.Purchases.setRefundReference,
            Statements.Purchases.referenceValues(reference, id: refund.rawValue, account: account)
        )
    }

    public func setPaymentIntentReference(_ reference: String, purchase: PurchaseID, account: AccountID) async throws {
        try await written(
            Statements.Purchases.setPaymentIntentReference,
            Statements.Purchases.referenceValues(reference, id: purchase.rawValue, account: account)
        )
    }
}
