import HTTPTypes
import Hummingbird
import Metrics
import TallyApp

/// Which provider each role uses (PROVIDERS.md), for the operator.
struct ProviderRoutes {
    let tally: Tally
    /// Stripe's events are a few kilobytes; a megabyte is far more than any.
    static let maximumEventBytes = 1 << 20
    static let stripeSignature = HTTPField.Name("Stripe-Signature")!
    static let twilioSignature = HTTPField.Name("X-Twilio-Signature")!
    /// A status callback is a few hundred bytes.
    static let maximumCallbackBytes = 1 << 16

    func add(to router: some RouterMethods<TallyRequestContext>) {
        router.get("/v1/providers") { _, context in
            try context.caller().operatorOnly()
            return try Response.json(tally.providerChoices)
        }
        // Stripe calls this, signed with the webhook secret: no bearer token.
        router.post("/v1/providers/stripe/events") { request, context in
            var request = request
            guard let events = tally.stripeEvents else { throw TallyError.notFound("payments do not go to Stripe") }
            let body = try await request.collectBody(upTo: Self.maximumEventBytes)
            do {
                try await events.receive(Array(buffer: body), signature: request.headers[Self.stripeSignature])
            } catch let unreadable as StripeEvents.Unreadable {
                // Kept and named by `tally providers check`; Stripe sends it again.
                Counter(label: "tally_provider_events_unreadable_total", dimensions: [("provider", "stripe")]).increment()
                tally.logger.error("a Stripe event could not be applied", metadata: ["problem": "\(unreadable)"])
                return Response(
                    answer: Answer(
                        status: 500,
                        body: Array(
                            #"{"title":"Event kept, not applied","status":500,"detail":"Tally could not read this event; it is kept and Stripe will send it again"}"#
                                .utf8
                        )
                    )
                )
            }
            return Response(answer: Answer(status: 200, body: Array(#"{"received":true}"#.utf8)))
        }
        // Twilio calls this, signed with the account's auth token: no bearer token.
        router.post("/v1/providers/twilio/status/:id") { request, context in
            var request = request
            guard let reports = tally.twilioStatus else { throw TallyError.notFound("messages do not go to Twilio") }
            let id = context.parameters.get("id") ?? ""
            guard (1...64).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                throw TallyError.notFound("no message \(id.prefix(64))")
            }
            let body = try await request.collectBody(upTo: Self.maximumCallbackBytes)
            try await reports.receive(
                messageID: id,
                pathAndQuery: request.uri.description,
                body: Array(buffer: body),
                signature: request.headers[Self.twilioSignature]
            )
            return Response(answer: Answer(status: 200, body: Array(#"{"received":true}"#.utf8)))
        }
    }
}
