import Hummingbird
import TallyApp
import TallyCore

/// Scheduler events, their leads, the usage guard and notifications.
struct EventRoutes {
    let tally: Tally

    func add(to account: some RouterMethods<AccountRequestContext>) {
        account.get("/events/{event}") { _, context in
            let caller = try context.featureCaller()
            return try Response.json(try await tally.events.configuration(try context.parameters.require("event"), of: caller))
        }
        account.put("/events/{event}") { request, context in
            let manager = try context.creditManager()
            let body = try await JSONBody<EventConfig>.read(request, context: context)
            let event = try context.parameters.require("event")
            return try Response.json(try await tally.events.configure(event, body.value, by: manager))
        }
        account.post("/events/{event}/leads") { request, context in
            let caller = try context.featureCaller()
            let body = try await JSONBody<Events.NewLead>.read(request, context: context)
            let event = try context.parameters.require("event")
            return Response(
                answer: try await tally.events.submit(
                    body.value,
                    event: event,
                    by: caller,
                    idempotency: try request.idempotency(body: body.bytes, lookedUp: context.keyLookedUp)
                )
            )
        }
        account.get("/usage-guard") { _, context in
            let caller = try context.featureCaller()
            return try Response.json(try await tally.usageGuard.settings(of: caller))
        }
        account.put("/usage-guard") { request, context in
            let manager = try context.creditManager()
            let body = try await JSONBody<UsageGuard.Settings>.read(request, context: context)
            return try Response.json(try await tally.usageGuard.update(body.value, by: manager))
        }
        account.post("/usage-guard/resume") { _, context in
            let manager = try context.creditManager()
            return try Response.json(try await tally.usageGuard.resume(by: manager))
        }
        account.get("/notifications") { _, context in
            let manager = try context.creditManager()
            return try Response.json(WalletRoutes.Items(items: try await tally.notifications.list(of: manager)))
        }
    }
}
