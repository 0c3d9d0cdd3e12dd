import TallyCore

/// Auto-recharge, balance alerts and webhooks.
extension OpenAPIDocument {
    static let rechargeOperations: [Operation] = [
        Operation(
            method: "PUT",
            path: "/v1/accounts/{account}/auto-recharge",
            summary: "Turn auto-recharge on or off: threshold, amount, payment method (a saved card of the account, "
                + "422 otherwise) and caps",
            access: .manager,
            request: .request(
                [
                    ("enabled", .boolean), ("thresholdCredits", .positiveCreditsInput),
                    ("rechargeCredits", .creditsInput(.whole(minimum: 100, maximumDigits: 6))), ("paymentMethodId", .text()),
                    ("maxRechargesPerDay", .integer(0...1_000)), ("maxSpendPerMonth", .moneyInput),
                ],
                required: ["enabled", "thresholdCredits", "rechargeCredits", "paymentMethodId"]
            ),
            status: 200,
            answer: .reference("AutoRecharge"),
            example: #"{"enabled":true,"thresholdCredits":"100","rechargeCredits":"500","#
                + #""paymentMethodId":"pm_0123456789abcdefghjkmnpqrs","maxRechargesPerDay":5,"maxSpendPerMonth":"5000.00"}"#
        ),
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/alerts",
            summary: "The balance alerts, highest threshold first: each armed, or fired when available credits fell below it",
            access: .reader,
            status: 200,
            answer: .reference("BalanceAlerts")
        ),
        Operation(
            method: "PUT",
            path: "/v1/accounts/{account}/alerts",
            summary: "Set the balance alerts (at most 10 thresholds, each more than zero, none twice — \"90\" and \"90.0\" "
                + "are the same, 422): each tells once (balance_below) when available credits fall below it and again "
                + "(balance_recovered) when they are back; a threshold kept keeps its state, one the balance is already "
                + "below fires at once",
            access: .manager,
            request: .request(
                [("thresholds", .with(.array(.positiveCreditsInput), keywords: #"{"maxItems": 10, "uniqueItems": true}"#))],
                required: ["thresholds"]
            ),
            status: 200,
            answer: .reference("BalanceAlerts"),
            example: #"{"thresholds":["500","100"]}"#
        ),
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/spend-caps",
            summary: "The spend caps, each with what its Pacific day or month has spent so far (credits held by uses in "
                + "progress included) and when it resets",
            access: .reader,
            status: 200,
            answer: .reference("SpendCaps")
        ),
        Operation(
            method: "PUT",
            path: "/v1/accounts/{account}/spend-caps",
            summary: "Set the spend caps: at most so many credits of a feature per Pacific day and/or month (one cap per "
                + "feature and period, 422 otherwise); a charge that would pass one is 402 spend-cap-reached, nothing "
                + "charged, and a credit check so refused is logged blocked",
            access: .manager,
            request: .request(
                [
                    (
                        "caps",
                        .with(
                            .array(
                                .request(
                                    [
                                        ("feature", .oneOf(Feature.allCases.map(\.rawValue))),
                                        ("period", .oneOf(SpendPeriod.allCases.map(\.rawValue))),
                                        ("credits", .positiveCreditsInput),
                                    ],
                                    required: ["feature", "period", "credits"]
                                )
                            ),
                            keywords: #"{"maxItems": \#(SpendCapRule.maximumCaps)}"#
                        )
                    )
                ],
                required: ["caps"]
            ),
            status: 200,
            answer: .reference("SpendCaps"),
            example: #"{"caps":[{"feature":"credit_score","period":"day","credits":"300"},{"feature":"sms","period":"month","credits":"5000"}]}"#
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/webhooks",
            summary: "Register an endpoint for every notification (the secret is shown once); an account has at most "
                + "10 endpoints (422)",
            access: .manager,
            request: .request([("url", .webhookURL)], required: ["url"]),
            status: 201,
            answer: .answer([("id", .string()), ("url", .string()), ("secret", .string()), ("createdAt", .dateTime)]),
            example: #"{"url":"https://hooks.acme.example/tally"}"#
        ),
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/webhooks",
            summary: "The webhook endpoints",
            access: .manager,
            status: 200,
            answer: .items(.answer([("id", .string()), ("url", .string()), ("createdAt", .dateTime)]))
        ),
        Operation(
            method: "DELETE",
            path: "/v1/accounts/{account}/webhooks/{id}",
            summary: "Remove an endpoint",
            access: .manager,
            status: 204,
            answer: nil
        ),
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/webhooks/{id}/deliveries",
            summary: "Delivery attempts of an endpoint, newest first",
            access: .manager,
            status: 200,
            answer: .items(
                .answer([
                    ("id", .string()), ("notificationId", .string()), ("attempts", .integer),
                    ("status", .oneOf(["pending", "delivered", "failed"])), ("lastStatusCode", .nullable(.integer)),
                    ("nextAttemptAt", .nullable(.dateTime)), ("deliveredAt", .nullable(.dateTime)),
                ])
            )
        ),
    ]
}
