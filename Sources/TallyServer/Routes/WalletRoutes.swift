import Hummingbird
import TallyApp
import TallyCore

/// The wallet, its ledger and the price list.
struct WalletRoutes {
    let wallets: Wallets

    struct Items<Item: Encodable & Sendable>: Encodable, Sendable {
        var items: [Item]
    }

    func add(to router: some RouterMethods<TallyRequestContext>) {
        router.get("/v1/accounts/{account}/wallet") { _, context in
            let caller = try context.caller().featureCaller(of: try context.accountID())
            return try Response.json(try await wallets.wallet(of: caller))
        }
        router.get("/v1/accounts/{account}/ledger") { request, context in
            let manager = try context.caller().creditManager(of: try context.accountID())
            let limit = try request.uri.queryParameters["limit"].map { text throws(TallyError) -> Int in
                guard let value = Int(text) else { throw .invalid("limit", "must be a whole number") }
                return value
            }
            let cursor = request.uri.queryParameters["cursor"].map(String.init)
            return try Response.json(try await wallets.ledger(of: manager, limit: limit, cursor: cursor))
        }
        router.get("/v1/pricing") { _, context in
            _ = try context.caller()
            return try Response.json(Pricing.priceList)
        }
    }
}
