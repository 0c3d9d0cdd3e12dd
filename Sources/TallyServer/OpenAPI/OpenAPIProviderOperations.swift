/// The operations of the provider routes.
extension OpenAPIDocument {
    static let providerOperations: [Operation] = [
        Operation(
            method: "GET",
            path: "/v1/providers",
            summary: "Which provider each role uses: the sandbox, or the real provider its variables turned on (PROVIDERS.md)",
            access: .operatorOnly,
            status: 200,
            answer: .answer([
                ("payments", .answer([("provider", .oneOf(["sandbox", "stripe"])), ("mode", .oneOf(["test", "live"]))])),
                ("sms", .answer([("provider", .oneOf(["sandbox", "twilio"]))])),
                ("phone", .answer([("provider", .oneOf(["sandbox", "twilio"]))])),
                ("email", .answer([("provider", .oneOf(["sandbox", "dns"]))])),
                ("bureau", .answer([("provider", .oneOf(["sandbox", "http"]))])),
            ])
        ),
        Operation(
            method: "POST",
            path: "/v1/providers/stripe/events",
            summary: "Stripe's events (PROVIDERS.md): checked by their Stripe-Signature, stored, applied once; "
                + "404 unless payments go to Stripe",
            access: .anyone,
            request: .object([("id", .string()), ("type", .string()), ("data", .object([]))]),
            status: 200,
            answer: .answer([("received", .boolean)]),
            example: #"{"id":"evt_1","object":"event","type":"payment_intent.succeeded","created":1767225600,"data":{"object":{}}}"#,
            errors: [400, 404]
        ),
        Operation(
            method: "POST",
            path: "/v1/providers/twilio/status/{id}",
            summary: "Twilio's status callbacks for a message (PROVIDERS.md): checked by their X-Twilio-Signature (403 otherwise), "
                + "stored by message and status, applied once; 404 unless messages go to Twilio",
            access: .anyone,
            request: .object([("MessageSid", .string()), ("MessageStatus", .string())]),
            status: 200,
            answer: .answer([("received", .boolean)]),
            requestType: "application/x-www-form-urlencoded",
            errors: [400, 403, 404]
        ),
    ]
}
