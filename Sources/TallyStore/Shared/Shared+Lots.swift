import Foundation
import TallyCore

/// Reading credit lots and refunds, on either engine (`Statements.Lots`). Per engine still:
/// drawing and returning credits inside a wallet transaction, claiming expired lots, verify.
extension StatementRunning {
    public func lots(account: AccountID, limit: Int, after: LotCursor?) async throws -> [CreditLot] {
        let limit = max(0, limit)
        let lots = try await read(
            Statements.Lots.page,
            Statements.Lots.pageValues(account: account, limit: limit, after: after),
            as: { try CreditLot($0) }
        )
        return Statements.Lots.page(lots, limit: limit)
    }

    public func lot(_ id: LotID, account: AccountID) async throws -> CreditLot? {
        try await read(Statements.Lots.lot, ["id": .text(id.rawValue), "account": .text(account.rawValue)], as: { try CreditLot($0) }).first
    }

    public func lot(purchase: PurchaseID, account: AccountID) async throws -> CreditLot? {
        try await read(
            Statements.Lots.lotOfPurchase,
            ["account": .text(account.rawValue), "purchase": .text(purchase.rawValue)],
            as: { try CreditLot($0) }
        ).first
    }

    public func nextExpiry(account: AccountID) async throws -> (credits: Credits, at: Date)? {
        try await read(
            Statements.Lots.nextExpiry,
            ["account": .text(account.rawValue)],
            as: { row in (Credits(thousandths: try row.integer("credits")), try row.date("expires_at")) }
        ).first
    }

    public func lotsExpiring(at: Date, before: Date, limit: Int) async throws -> [CreditLot] {
        try await read(
            Statements.Lots.expiring,
            ["at": .integer(at.storedMilliseconds), "before": .integer(before.storedMilliseconds), "limit": .integer(limit)],
            as: { try CreditLot($0) }
        )
    }

    public func refund(_ id: RefundID, account: AccountID) async throws -> Refund? {
        try await read(Statements.Lots.refund, ["id": .text(id.rawValue), "account": .text(account.rawValue)], as: { try Refund($0) }).first
    }

    public func refunds(purchase: PurchaseID, account: AccountID) async throws -> [Refund] {
        try await read(
            Statements.Lots.refundsOfPurchase,
            ["account": .text(account.rawValue), "purchase": .text(purchase.rawValue)],
            as: { try Refund($0) }
        )
    }
}
