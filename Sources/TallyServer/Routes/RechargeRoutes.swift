import Hummingbird
import TallyApp
import TallyCore

/// Auto-recharge settings, balance alerts, spend caps and webhook endpoints. Owner and
/// super admins only (API keys may read the alerts and the caps).
struct RechargeRoutes {
    let tally: Tally

    func add(to account: some RouterMethods<AccountRequestContext>) {
        account.put("/auto-recharge") { request, context in
            let manager = try context.creditManager()
            let body = try await JSONBody<AutoRecharges.Settings>.read(request, context: context)
            return try Response.json(try await tally.autoRecharges.configure(body.value, by: manager))
        }
        account.get("/alerts") { _, context in
            let reader = try context.reportReader()
            return try Response.json(try await tally.balanceAlerts.alerts(of: reader))
        }
        account.put("/alerts") { request, context in
            let manager = try context.creditManager()
            let body = try await JSONBody<BalanceAlerts.Settings>.read(request, context: context)
            return try Response.json(try await tally.balanceAlerts.configure(body.value, by: manager))
        }
        account.get("/spend-caps") { _, context in
            let reader = try context.reportReader()
            return try Response.json(try await tally.spendCaps.caps(of: reader))
        }
        account.put("/spend-caps") { request, context in
            let manager = try context.creditManager()
            let body = try await JSONBody<SpendCaps.Settings>.read(request, context: context)
            return try Response.json(try await tally.spendCaps.configure(body.value, by: manager))
        }
        account.post("/webhooks") { request, context in
            let manager = try context.creditManager()
            let body = try await JSONBody<Webhooks.NewWebhook>.read(request, context: context)
            return try Response.json(try await tally.webhooks.add(body.value, by: manager), status: .created)
        }
        account.get("/webhooks") { _, context in
            let manager = try context.creditManager()
            return try Response.json(WalletRoutes.Items(items: try await tally.webhooks.list(of: manager)))
        }
        account.delete("/webhooks/{id}") { _, context in
            let manager = try context.creditManager()
            try await tally.webhooks.delete(try context.parameters.require("id"), by: manager)
            return Response(status: .noContent)
        }
        account.get("/webhooks/{id}/deliveries") { _, context in
            let manager = try context.creditManager()
            let items = try await tally.webhooks.deliveries(of: try context.parameters.require("id"), by: manager)
            return try Response.json(WalletRoutes.Items(items: items))
        }
    }
}
