import Hummingbird
import TallyApp
import TallyCore

/// Credit lots, grants, adjustments and refunds.
struct LotRoutes {
    let lots: Lots

    func add(to router: some RouterMethods<TallyRequestContext>) {
        router.get("/v1/accounts/{account}/lots") { request, context in
            let reader = try context.caller().reportReader(of: try context.accountID())
            let query = request.uri.queryParameters
            let page = try await lots.lotPage(
                of: reader,
                limit: query["limit"].map(String.init),
                cursor: query["cursor"].map(String.init)
            )
            return try Response.json(page)
        }
        router.post("/v1/accounts/{account}/grants") { request, context in
            // Who is asking is checked before what is asked.
            try context.caller().operatorOnly()
            let body = try await JSONBody<Lots.NewGrant>.read(request, context: context)
            let answer = try await lots.grant(
                body.value,
                account: try context.accountID(),
                by: "operator",
                idempotency: try request.idempotency(body: body.bytes)
            )
            return Response(answer: answer)
        }
        router.post("/v1/accounts/{account}/adjustments") { request, context in
            try context.caller().operatorOnly()
            let body = try await JSONBody<Lots.NewAdjustment>.read(request, context: context)
            let answer = try await lots.adjust(
                body.value,
                account: try context.accountID(),
                by: "operator",
                idempotency: try request.idempotency(body: body.bytes)
            )
            return Response(answer: answer)
        }
        router.post("/v1/accounts/{account}/purchases/{id}/refunds") { request, context in
            let account = try context.accountID()
            _ = try context.caller().refunder(of: account)
            let body = try await JSONBody<Lots.NewRefund>.read(request, context: context)
            let answer = try await lots.refund(
                PurchaseID(try context.parameters.require("id")),
                body.value,
                account: account,
                idempotency: try request.idempotency(body: body.bytes)
            )
            return Response(answer: answer)
        }
    }
}
