/// Auto-recharge and webhooks.
extension OpenAPIDocument {
    static let rechargeOperations: [Operation] = [
        Operation(
            method: "PUT",
            path: "/v1/accounts/{account}/auto-recharge",
            summary: "Turn auto-recharge on or off: threshold, amount, payment method and caps",
            callers: "owner, super_admin",
            request: .object(
                [
                    ("enabled", .boolean), ("thresholdCredits", .credits), ("rechargeCredits", .credits),
                    ("paymentMethodId", .string()), ("maxRechargesPerDay", .integer), ("maxSpendPerMonth", .money),
                ],
                required: ["enabled", "thresholdCredits", "rechargeCredits", "paymentMethodId"]
            ),
            status: 200,
            answer: .object([
                ("enabled", .boolean), ("thresholdCredits", .nullable(.credits)), ("rechargeCredits", .nullable(.credits)),
                ("paymentMethodId", .nullable(.string())), ("status", .oneOf(["on", "off"])),
                ("lastResult", .nullable(.oneOf(["succeeded", "failed", "capped", "disabled"]))),
                ("lastReason", .nullable(.string())), ("lastResultAt", .nullable(.dateTime)),
                ("maxRechargesPerDay", .nullable(.integer)), ("maxSpendPerMonth", .nullable(.money)),
            ])
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/webhooks",
            summary: "Register an endpoint for every notification (the secret is shown once)",
            callers: "owner, super_admin",
            request: .object([("url", .string())], required: ["url"]),
            status: 201,
            answer: .object([("id", .string()), ("url", .string()), ("secret", .string()), ("createdAt", .dateTime)])
        ),
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/webhooks",
            summary: "The webhook endpoints",
            callers: "owner, super_admin",
            status: 200,
            answer: .object([("items", .array(.object([("id", .string()), ("url", .string()), ("createdAt", .dateTime)])))])
        ),
        Operation(
            method: "DELETE",
            path: "/v1/accounts/{account}/webhooks/{id}",
            summary: "Remove an endpoint",
            callers: "owner, super_admin",
            status: 204,
            answer: nil
        ),
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/webhooks/{id}/deliveries",
            summary: "Delivery attempts of an endpoint, newest first",
            callers: "owner, super_admin",
            status: 200,
            answer: .object([
                (
                    "items",
                    .array(
                        .object([
                            ("id", .string()), ("notificationId", .string()), ("attempts", .integer),
                            ("status", .oneOf(["pending", "delivered", "failed"])), ("lastStatusCode", .nullable(.integer)),
                            ("nextAttemptAt", .nullable(.dateTime)), ("deliveredAt", .nullable(.dateTime)),
                        ])
                    )
                )
            ])
        ),
    ]
}
