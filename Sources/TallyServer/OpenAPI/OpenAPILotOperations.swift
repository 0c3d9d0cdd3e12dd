/// Credit lots, grants, adjustments and refunds.
extension OpenAPIDocument {
    static let lotSource = Schema.oneOf(["purchase", "recharge", "grant", "adjustment"])
    static let lot = Schema.answer([
        ("id", .string()), ("source", lotSource), ("sourceId", .string()), ("credits", .credits),
        ("remaining", .credits), ("held", .credits), ("costCents", .integer), ("expiresAt", .nullable(.dateTime)),
        ("priority", .integer), ("reason", .nullable(.string())), ("createdAt", .dateTime),
    ])

    static let lotOperations: [Operation] = [
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/lots",
            summary: "The credit lots: those with credits remaining first, in the order debits draw them, "
                + "then the spent ones, newest first",
            access: .reader,
            status: 200,
            answer: .answer([("items", .array(lot)), ("nextCursor", .nullable(.string()))]),
            query: [("limit", "1 to 500, default 100"), ("cursor", "nextCursor of the previous page, as Tally gave it: any other value is 422")]
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/grants",
            summary: "Grant free credits as a lot of their own (cost 0), with an optional expiry (in the future, 422 "
                + "otherwise) and priority (0 to 1000, default 100)",
            access: .operatorOnly,
            request: .request(
                [("credits", .positiveCreditsInput), ("reason", .reason), ("expiresAt", .dateTime), ("priority", .integer(0...1_000))],
                required: ["credits", "reason"]
            ),
            status: 201,
            answer: .answer([
                ("id", .string()), ("credits", .credits), ("remaining", .credits), ("reason", .string()),
                ("expiresAt", .nullable(.dateTime)), ("priority", .integer), ("createdAt", .dateTime),
            ]),
            idempotent: true,
            example: #"{"credits":"50","reason":"Welcome bonus","expiresAt":"2035-01-01T00:00:00Z","priority":10}"#
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/adjustments",
            summary: "Add (positive) or remove (negative) credits by hand, with a reason; never below zero available (422)",
            access: .operatorOnly,
            request: .request([("credits", .creditsInput(.notZero(maximumDigits: 6))), ("reason", .reason)], required: ["credits", "reason"]),
            status: 201,
            answer: .answer([("id", .string()), ("credits", .credits), ("reason", .string()), ("createdAt", .dateTime)]),
            idempotent: true,
            example: #"{"credits":"-2.5","reason":"A duplicate charge, given back"}"#
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/purchases/{id}/refunds",
            summary: "Refund unused credits of a purchase (more than its lot's unused credits is 422); "
                + "refused by the processor is 402 refund-declined, credits back; not confirmed is 502 refund-unsettled",
            access: .refunder,
            request: .request([("credits", .positiveCreditsInput)], required: ["credits"]),
            status: 201,
            answer: .answer([
                ("id", .string()), ("purchaseId", .string()), ("credits", .credits), ("amount", .money),
                ("currency", .string()), ("status", .oneOf(["pending", "succeeded", "failed"])),
                ("failureReason", .nullable(.string())), ("createdAt", .dateTime),
            ]),
            alsoAnswers: [
                (
                    202,
                    "with Stripe: accepted, not given back yet (status pending); its credits stay out until Stripe settles it",
                    .answer([
                        ("id", .string()), ("purchaseId", .string()), ("credits", .credits), ("amount", .money),
                        ("currency", .string()), ("status", .oneOf(["pending"])),
                        ("failureReason", .nullable(.string())), ("createdAt", .dateTime),
                    ])
                )
            ],
            idempotent: true,
            example: #"{"credits":"100"}"#,
            errors: [402, 502]
        ),
    ]
}
