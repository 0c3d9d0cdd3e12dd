/// The operations of the API, one list per route group.
extension OpenAPIDocument {
    static let operationsOperations: [Operation] = [
        Operation(
            method: "GET",
            path: "/health",
            summary: "200 once the database answers",
            callers: "anyone",
            status: 200,
            answer: .object([("status", .string())])
        ),
        Operation(
            method: "GET",
            path: "/metrics",
            summary: "Prometheus metrics, as text",
            callers: "anyone",
            status: 200,
            answer: nil
        ),
        Operation(
            method: "GET",
            path: "/openapi.json",
            summary: "This document",
            callers: "anyone",
            status: 200,
            answer: nil
        ),
    ]

    static let accountOperations: [Operation] = [
        Operation(
            method: "POST",
            path: "/v1/accounts",
            summary: "Create an account with its owner",
            callers: "operator",
            request: .object(
                [
                    ("name", .string()),
                    (
                        "owner",
                        .object(
                            [("email", .string()), ("name", .string()), ("password", .string())],
                            required: ["email", "name", "password"]
                        )
                    ),
                ],
                required: ["name", "owner"]
            ),
            status: 201,
            answer: .object([("id", .string()), ("name", .string()), ("owner", .reference("Person"))])
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/verification",
            summary: "Record whether the account is a verified US business entity",
            callers: "operator",
            request: .object([("usBusinessEntity", .boolean)], required: ["usBusinessEntity"]),
            status: 200,
            answer: .object([("id", .string()), ("name", .string()), ("usBusinessEntity", .boolean)])
        ),
        Operation(
            method: "POST",
            path: "/v1/sessions",
            summary: "Log in: a bearer token for a person",
            callers: "anyone",
            request: .object([("email", .string()), ("password", .string())], required: ["email", "password"]),
            status: 201,
            answer: .object([("token", .string()), ("expiresAt", .dateTime), ("user", .reference("Person"))])
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/users",
            summary: "Add a person to the account",
            callers: "owner, super_admin",
            request: .object(
                [
                    ("email", .string()), ("name", .string()),
                    ("role", .oneOf(["super_admin", "admin", "member"])), ("password", .string()),
                ],
                required: ["email", "name", "role", "password"]
            ),
            status: 201,
            answer: .reference("Person")
        ),
        Operation(
            method: "DELETE",
            path: "/v1/sessions",
            summary: "Log out: end the session of the bearer token",
            callers: "a person with a session",
            status: 204,
            answer: nil
        ),
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/api-keys",
            summary: "The account's live API keys (never the keys)",
            callers: "owner, super_admin",
            status: 200,
            answer: .object([("items", .array(.object([("id", .string()), ("name", .string()), ("createdAt", .dateTime)])))])
        ),
        Operation(
            method: "DELETE",
            path: "/v1/accounts/{account}/api-keys/{id}",
            summary: "Revoke an API key at once, for good",
            callers: "owner, super_admin",
            status: 204,
            answer: nil
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/api-keys",
            summary: "Create an API key for the platform's backend (the key is shown once)",
            callers: "owner, super_admin",
            request: .object([("name", .string())], required: ["name"]),
            status: 201,
            answer: .object([("id", .string()), ("name", .string()), ("key", .string())])
        ),
    ]

    static let walletOperations: [Operation] = [
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/wallet",
            summary: "The wallet's figures",
            callers: "owner, super_admin, API key",
            status: 200,
            answer: .reference("Wallet")
        ),
        Operation(
            method: "GET",
            path: "/v1/pricing",
            summary: "Credit price, bundles, feature and SMS prices",
            callers: "any principal",
            status: 200,
            answer: .object([
                ("creditPrice", .money), ("currency", .string()), ("minimumPurchase", .integer),
                ("bundles", .array(.object([("credits", .credits), ("price", .money)]))),
                ("features", .array(.object([("feature", .string()), ("credits", .nullable(.credits)), ("charged", .string())]))),
                (
                    "sms",
                    .array(
                        .object([
                            ("iso", .string()), ("country", .string()), ("callingCode", .string()),
                            ("creditsPerSegment", .credits),
                        ])
                    )
                ),
            ])
        ),
    ]

    static let purchaseOperations: [Operation] = [
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/payment-methods",
            summary: "Save a card",
            callers: "owner, super_admin",
            request: .object([("card", .reference("Card"))], required: ["card"]),
            status: 201,
            answer: .reference("PaymentMethod")
        ),
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/payment-methods",
            summary: "The saved cards",
            callers: "owner, super_admin",
            status: 200,
            answer: .object([("items", .array(.reference("PaymentMethod")))])
        ),
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/payment-methods/{id}",
            summary: "One saved card",
            callers: "owner, super_admin",
            status: 200,
            answer: .reference("PaymentMethod")
        ),
        Operation(
            method: "DELETE",
            path: "/v1/accounts/{account}/payment-methods/{id}",
            summary: "Remove a saved card",
            callers: "owner, super_admin",
            status: 204,
            answer: nil
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/purchases",
            summary: "Buy credits (minimum 100) with a saved card or a new one; declined is 402, nothing added",
            callers: "owner, super_admin",
            request: .object(
                [("credits", .credits), ("paymentMethodId", .string()), ("card", .reference("Card"))],
                required: ["credits"]
            ),
            status: 201,
            answer: .reference("Purchase"),
            idempotent: true
        ),
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/purchases",
            summary: "Purchases, newest first",
            callers: "owner, super_admin",
            status: 200,
            answer: .object([("items", .array(.reference("Purchase"))), ("nextCursor", .nullable(.string()))]),
            query: [("limit", "1 to 500, default 100"), ("cursor", "nextCursor of the previous page")]
        ),
    ]
}
