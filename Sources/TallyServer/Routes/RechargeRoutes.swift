import Hummingbird
import TallyApp
import TallyCore

/// Auto-recharge settings, balance alerts, spend caps and webhook endpoints. Owner and
/// super admins only (API keys may read the alerts and the caps).
struct RechargeRoutes {
    let tally: Tally

    func add(to router: some RouterMethods<TallyRequestContext>) {
        router.put("/v1/accounts/{account}/auto-recharge") { request, context in
            let manager = try context.caller().creditManager(of: try context.accountID())
            let body = try await JSONBody<AutoRecharges.Settings>.read(request, context: context)
            return try Response.json(try await tally.autoRecharges.configure(body.value, by: manager))
        }
        router.get("/v1/accounts/{account}/alerts") { _, context in
            let reader = try context.caller().reportReader(of: try context.accountID())
            return try Response.json(try await tally.balanceAlerts.alerts(of: reader))
        }
        router.put("/v1/accounts/{account}/alerts") { request, context in
            let manager = try context.caller().creditManager(of: try context.accountID())
            let body = try await JSONBody<BalanceAlerts.Settings>.read(request, context: context)
            return try Response.json(try await tally.balanceAlerts.configure(body.value, by: manager))
        }
        router.get("/v1/accounts/{account}/spend-caps") { _, context in
            let reader = try context.caller().reportReader(of: try context.accountID())
            return try Response.json(try await tally.spendCaps.caps(of: reader))
        }
        router.put("/v1/accounts/{account}/spend-caps") { request, context in
            let manager = try context.caller().creditManager(of: try context.accountID())
            let body = try await JSONBody<SpendCaps.Settings>.read(request, context: context)
            return try Response.json(try await tally.spendCaps.configure(body.value, by: manager))
        }
        router.post("/v1/accounts/{account}/webhooks") { request, context in
            let manager = try context.caller().creditManager(of: try context.accountID())
            let body = try await JSONBody<Webhooks.NewWebhook>.read(request, context: context)
            return try Response.json(try await tally.webhooks.add(body.value, by: manager), status: .created)
        }
        router.get("/v1/accounts/{account}/webhooks") { _, context in
            let manager = try context.caller().creditManager(of: try context.accountID())
            return try Response.json(WalletRoutes.Items(items: try await tally.webhooks.list(of: manager)))
        }
        router.delete("/v1/accounts/{account}/webhooks/{id}") { _, context in
            let manager = try context.caller().creditManager(of: try context.accountID())
            try await tally.webhooks.delete(try context.parameters.require("id"), by: manager)
            return Response(status: .noContent)
        }
        router.get("/v1/accounts/{account}/webhooks/{id}/deliveries") { _, context in
            let manager = try context.caller().creditManager(of: try context.accountID())
            let items = try await tally.webhooks.deliveries(of: try context.parameters.require("id"), by: manager)
            return try Response.json(WalletRoutes.Items(items: items))
        }
    }
}
