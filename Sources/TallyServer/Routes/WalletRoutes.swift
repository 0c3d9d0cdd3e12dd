import Hummingbird
import TallyApp
import TallyCore

/// The wallet and the price list.
struct WalletRoutes {
    let wallets: Wallets

    struct Items<Item: Encodable & Sendable>: Encodable, Sendable {
        var items: [Item]
    }

    func add(to router: some RouterMethods<TallyRequestContext>, account: some RouterMethods<AccountRequestContext>) {
        account.get("/wallet") { _, context in
            let caller = try context.featureCaller()
            return try Response.json(try await wallets.wallet(of: caller))
        }
        router.get("/v1/pricing") { _, context in
            _ = try context.caller()
            return try Response.json(Pricing.priceList)
        }
    }
}
