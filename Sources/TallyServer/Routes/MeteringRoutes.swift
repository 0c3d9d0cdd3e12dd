import Hummingbird
import TallyApp
import TallyCore

/// Metered features: validations, credit checks, SMS and holds. API key, owner, super admins.
struct MeteringRoutes {
    let tally: Tally

    func add(to router: some RouterMethods<TallyRequestContext>, account: some RouterMethods<AccountRequestContext>) {
        account.post("/validations/email") { request, context in
            let caller = try context.featureCaller()
            let body = try await JSONBody<Validations.EmailRequest>.read(request, context: context)
            return Response(
                answer: try await tally.validations.validateEmail(
                    body.value,
                    by: caller,
                    idempotency: try request.idempotency(body: body.bytes, lookedUp: context.keyLookedUp)
                )
            )
        }
        account.post("/validations/phone") { request, context in
            let caller = try context.featureCaller()
            let body = try await JSONBody<Validations.PhoneRequest>.read(request, context: context)
            return Response(
                answer: try await tally.validations.validatePhone(
                    body.value,
                    by: caller,
                    idempotency: try request.idempotency(body: body.bytes, lookedUp: context.keyLookedUp)
                )
            )
        }
        account.post("/credit-checks") { request, context in
            let caller = try context.featureCaller()
            let body = try await JSONBody<CreditChecks.Request>.read(request, context: context)
            return Response(
                answer: try await tally.creditChecks.run(
                    body.value,
                    by: caller,
                    idempotency: try request.idempotency(body: body.bytes, lookedUp: context.keyLookedUp)
                )
            )
        }
        account.post("/sms") { request, context in
            let caller = try context.featureCaller()
            let body = try await JSONBody<SMSMessages.SendRequest>.read(request, context: context)
            return Response(
                answer: try await tally.sms.send(body.value, by: caller, idempotency: try request.idempotency(body: body.bytes))
            )
        }
        router.post("/v1/sms/quote") { request, context in
            _ = try context.caller()
            let body = try await JSONBody<SMSMessages.QuoteRequest>.read(request, context: context)
            return try Response.json(try tally.sms.quote(body.value))
        }
        account.post("/holds") { request, context in
            let caller = try context.featureCaller()
            let body = try await JSONBody<Holds.NewHold>.read(request, context: context)
            return Response(
                answer: try await tally.holds.hold(body.value, by: caller, idempotency: try request.idempotency(body: body.bytes))
            )
        }
        account.get("/holds/{id}") { _, context in
            let caller = try context.featureCaller()
            return try Response.json(try await tally.holds.hold(HoldID(try context.parameters.require("id")), of: caller))
        }
        account.post("/holds/{id}/capture") { request, context in
            let caller = try context.featureCaller()
            let id = HoldID(try context.parameters.require("id"))
            var request = request
            let buffer = try await request.collectBody(upTo: context.maxUploadSize)
            let bytes = Array(buffer.readableBytesView)
            let capture =
                bytes.isEmpty
                ? Holds.Capture(credits: nil)
                : try JSONBody<Holds.Capture>.decode(
                    Holds.Capture.self,
                    from: bytes,
                    fields: JSONBody<Holds.Capture>.fields(request, context)
                )
            return Response(
                answer: try await tally.holds.capture(id, capture, by: caller, idempotency: try request.idempotency(body: bytes))
            )
        }
        account.post("/holds/{id}/release") { request, context in
            let caller = try context.featureCaller()
            let id = HoldID(try context.parameters.require("id"))
            return Response(answer: try await tally.holds.release(id, by: caller, idempotency: try request.idempotency(body: [])))
        }
    }
}
