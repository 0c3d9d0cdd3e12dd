import Hummingbird
import TallyApp
import TallyCore

/// Payment methods and buying credits. Owner and super admins only.
struct PurchaseRoutes {
    let purchases: Purchases

    func add(to account: some RouterMethods<AccountRequestContext>) {
        account.post("/payment-methods") { request, context in
            let manager = try context.creditManager()
            let body = try await JSONBody<Purchases.NewPaymentMethod>.read(request, context: context)
            return try Response.json(
                try await purchases.addPaymentMethod(body.value, by: manager),
                status: .created
            )
        }
        account.get("/payment-methods") { _, context in
            let manager = try context.creditManager()
            return try Response.json(WalletRoutes.Items(items: try await purchases.paymentMethods(of: manager)))
        }
        account.get("/payment-methods/{id}") { _, context in
            let manager = try context.creditManager()
            let id = PaymentMethodID(try context.parameters.require("id"))
            return try Response.json(try await purchases.paymentMethod(id, of: manager))
        }
        account.delete("/payment-methods/{id}") { _, context in
            let manager = try context.creditManager()
            let id = PaymentMethodID(try context.parameters.require("id"))
            try await purchases.deletePaymentMethod(id, by: manager)
            return Response(status: .noContent)
        }
        account.post("/purchases") { request, context in
            let manager = try context.creditManager()
            let body = try await JSONBody<Purchases.NewPurchase>.read(request, context: context)
            let answer = try await purchases.buy(
                body.value,
                by: manager,
                idempotency: try request.idempotency(body: body.bytes)
            )
            return Response(answer: answer)
        }
        account.get("/purchases") { request, context in
            let manager = try context.creditManager()
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
