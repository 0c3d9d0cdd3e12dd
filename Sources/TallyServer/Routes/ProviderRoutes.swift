import Hummingbird
import TallyApp

/// Which provider each role uses (PROVIDERS.md), for the operator.
struct ProviderRoutes {
    let tally: Tally

    func add(to router: some RouterMethods<TallyRequestContext>) {
        router.get("/v1/providers") { _, context in
            try context.caller().operatorOnly()
            return try Response.json(tally.providerChoices)
        }
    }
}
