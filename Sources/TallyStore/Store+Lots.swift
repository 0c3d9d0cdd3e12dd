import TallyCore

extension Store {
    /// The account's first `limit` lots, in the order `lots(account:limit:after:)` lists them.
    public func lots(account: AccountID, limit: Int) async throws -> [CreditLot] {
        try await lots(account: account, limit: limit, after: nil)
    }
}

extension CreditLot {
    /// Where a page that ends with this lot leaves off.
    public var cursor: LotCursor {
        LotCursor(
            hasCredits: remaining > .zero || held > .zero,
            priority: priority,
            expiresAt: expiresAt?.storedMilliseconds,
            createdAt: createdAt.storedMilliseconds,
            id: id
        )
    }
}
