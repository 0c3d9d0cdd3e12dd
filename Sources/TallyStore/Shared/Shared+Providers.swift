import Foundation
import TallyCore

/// Processor customers, undecided payments, disputes and the providers' inbox as read, on
/// either engine (`Statements.Providers`). Per engine still: storing an event and marking
/// it (a write and a read in one transaction), and what rides in a wallet transaction.
extension StatementRunning {
    public func paymentIntent(_ id: PurchaseID, account: AccountID) async throws -> PaymentIntent? {
        try await read(
            Statements.Providers.unsettledPaymentIntent,
            ["purchase": .text(id.rawValue), "account": .text(account.rawValue)],
            as: { try PaymentIntent($0) }
        ).first
    }

    public func gatewayCustomer(account: AccountID) async throws -> String? {
        try await read(
            Statements.Providers.gatewayCustomer,
            ["account": .text(account.rawValue)],
            as: { try $0.optionalText("gateway_customer") }
        ).first ?? nil
    }

    /// One statement: the customer kept already stays, whoever asks second (on PostgreSQL
    /// the second waits on the row lock, then finds the first one's customer kept).
    public func keepGatewayCustomer(_ customer: String, account: AccountID) async throws -> String {
        let kept = try await written(
            Statements.Providers.keepGatewayCustomer,
            ["customer": .text(customer), "account": .text(account.rawValue)],
            as: { try $0.text("gateway_customer") }
        ).first
        guard let kept else { throw StoreError.notFound("account \(account)") }
        return kept
    }

    public func unappliedProviderEvents(provider: String, limit: Int) async throws -> [ProviderEvent] {
        try await read(
            Statements.Providers.unapplied,
            ["provider": .text(provider), "limit": .integer(max(0, limit))],
            as: { try ProviderEvent($0) }
        )
    }

    public func reversal(_ id: String, account: AccountID) async throws -> Reversal? {
        try await read(Statements.Providers.reversal, ["id": .text(id), "account": .text(account.rawValue)], as: { try Reversal($0) }).first
    }

    public func reversals(purchase: PurchaseID, account: AccountID) async throws -> [Reversal] {
        try await read(
            Statements.Providers.reversalsOfPurchase,
            ["account": .text(account.rawValue), "purchase": .text(purchase.rawValue)],
            as: { try Reversal($0) }
        )
    }
}
