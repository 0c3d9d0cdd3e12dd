import Hummingbird
import TallyApp
import TallyCore

/// The wallet and the price list.
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
        router.get("/v1/pricing") { _, context in
            _ = try context.caller()
            return try Response.json(Pricing.priceList)
        }
    }
}
