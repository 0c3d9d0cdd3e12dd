import Hummingbird
import TallyApp
import TallyCore

/// Payment methods and buying credits. Owner and super admins only.
struct PurchaseRoutes {
    let purchases: Purchases

    func add(to router: some RouterMethods<TallyRequestContext>) {
        router.post("/v1/accounts/{account}/payment-methods") { request, context in
            let manager = try context.caller().creditManager(of: try context.accountID())
            let body = try await JSONBody<Purchases.NewPaymentMethod>.read(request, context: context)
            return try Response.json(
                try await purchases.addPaymentMethod(body.value, by: manager),
                status: .created
            )
        }
        router.get("/v1/accounts/{account}/payment-methods") { _, context in
            let manager = try context.caller().creditManager(of: try context.accountID())
            return try Response.json(WalletRoutes.Items(items: try await purchases.paymentMethods(of: manager)))
        }
        router.get("/v1/accounts/{account}/payment-methods/{id}") { _, context in
            let manager = try context.caller().creditManager(of: try context.accountID())
            let id = PaymentMethodID(try context.parameters.require("id"))
            return try Response.json(try await purchases.paymentMethod(id, of: manager))
        }
        router.delete("/v1/accounts/{account}/payment-methods/{id}") { _, context in
            let manager = try context.caller().creditManager(of: try context.accountID())
            let id = PaymentMethodID(try context.parameters.require("id"))
            try await purchases.deletePaymentMethod(id, by: manager)
            return Response(status: .noContent)
        }
        router.post("/v1/accounts/{account}/purchases") { request, context in
            let manager = try context.caller().creditManager(of: try context.accountID())
            let body = try await JSONBody<Purchases.NewPurchase>.read(request, context: context)
            let answer = try await purchases.buy(
                body.value,
                by: manager,
                idempotency: try request.idempotency(body: body.bytes)
            )
            return Response(answer: answer)
        }
        router.get("/v1/accounts/{account}/purchases") { request, context in
            let manager = try context.caller().creditManager(of: try context.accountID())
            let query = request.uri.queryParameters
            let page = try await purchases.purchasePage(
                of: manager,
                limit: query["limit"].map(String.init),
                cursor: query["cursor"].map(String.init)
            )
            return try Response.json(page)
        }
    }
}
