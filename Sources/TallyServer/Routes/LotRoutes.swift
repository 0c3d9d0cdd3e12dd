import Hummingbird
import TallyApp
import TallyCore

/// Credit lots, grants, adjustments and refunds.
struct LotRoutes {
    let lots: Lots

    func add(to account: some RouterMethods<AccountRequestContext>) {
        account.get("/lots") { request, context in
            let reader = try context.reportReader()
            let query = request.uri.queryParameters
            let page = try await lots.lotPage(
                of: reader,
                limit: query["limit"].map(String.init),
                cursor: query["cursor"].map(String.init)
            )
            return try Response.json(page)
        }
        account.post("/grants") { request, context in
            // Who is asking is checked before what is asked.
            try context.caller.operatorOnly()
            let body = try await JSONBody<Lots.NewGrant>.read(request, context: context)
            let answer = try await lots.grant(
                body.value,
                account: context.account,
                by: "operator",
                idempotency: try request.idempotency(body: body.bytes)
            )
            return Response(answer: answer)
        }
        account.post("/adjustments") { request, context in
            try context.caller.operatorOnly()
            let body = try await JSONBody<Lots.NewAdjustment>.read(request, context: context)
            let answer = try await lots.adjust(
                body.value,
                account: context.account,
                by: "operator",
                idempotency: try request.idempotency(body: body.bytes)
            )
            return Response(answer: answer)
        }
        account.post("/purchases/{id}/refunds") { request, context in
            _ = try context.refunder()
            let account = context.account
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
