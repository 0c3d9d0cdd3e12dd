import Hummingbird
import TallyApp
import TallyCore

/// Scheduler events, their leads, the usage guard and notifications.
struct EventRoutes {
    let tally: Tally

    func add(to router: some RouterMethods<TallyRequestContext>) {
        router.get("/v1/accounts/{account}/events/{event}") { _, context in
            let caller = try context.caller().featureCaller(of: try context.accountID())
            return try Response.json(try await tally.events.configuration(try context.parameters.require("event"), of: caller))
        }
        router.put("/v1/accounts/{account}/events/{event}") { request, context in
            let manager = try context.caller().creditManager(of: try context.accountID())
            let body = try await JSONBody<EventConfig>.read(request, context: context)
            let event = try context.parameters.require("event")
            return try Response.json(try await tally.events.configure(event, body.value, by: manager))
        }
        router.post("/v1/accounts/{account}/events/{event}/leads") { request, context in
            let caller = try context.caller().featureCaller(of: try context.accountID())
            let body = try await JSONBody<Events.NewLead>.read(request, context: context)
            let event = try context.parameters.require("event")
            return Response(
                answer: try await tally.events.submit(
                    body.value,
                    event: event,
                    by: caller,
                    idempotency: try request.idempotency(body: body.bytes)
                )
            )
        }
        router.get("/v1/accounts/{account}/usage-guard") { _, context in
            let caller = try context.caller().featureCaller(of: try context.accountID())
            return try Response.json(try await tally.usageGuard.settings(of: caller))
        }
        router.put("/v1/accounts/{account}/usage-guard") { request, context in
            let manager = try context.caller().creditManager(of: try context.accountID())
            let body = try await JSONBody<UsageGuard.Settings>.read(request, context: context)
            return try Response.json(try await tally.usageGuard.update(body.value, by: manager))
        }
        router.post("/v1/accounts/{account}/usage-guard/resume") { _, context in
            let manager = try context.caller().creditManager(of: try context.accountID())
            return try Response.json(try await tally.usageGuard.resume(by: manager))
        }
        router.get("/v1/accounts/{account}/notifications") { _, context in
            let manager = try context.caller().creditManager(of: try context.accountID())
            return try Response.json(WalletRoutes.Items(items: try await tally.notifications.list(of: manager)))
        }
    }
}
