/// The operations of the API, one list per route group.
extension OpenAPIDocument {
    static let operationsOperations: [Operation] = [
        Operation(
            method: "GET",
            path: "/health",
            summary: "200 once the database answers",
            access: .anyone,
            status: 200,
            answer: .answer([("status", .oneOf(["ok"]))])
        ),
        Operation(
            method: "GET",
            path: "/metrics",
            summary: "Prometheus metrics, as text",
            access: .anyone,
            status: 200,
            answer: .string(description: "the Prometheus text format"),
            answerType: "text/plain"
        ),
        Operation(
            method: "GET",
            path: "/openapi.json",
            summary: "This document",
            access: .anyone,
            status: 200,
            answer: .object([("openapi", .string()), ("info", .object([])), ("paths", .object([]))], required: ["openapi", "info", "paths"])
        ),
    ]

    static let accountOperations: [Operation] = [
        Operation(
            method: "POST",
            path: "/v1/accounts",
            summary: "Create an account with its owner",
            access: .operatorOnly,
            request: .request(
                [
                    ("name", .name),
                    (
                        "owner",
                        .request(
                            [("email", .emailAddress), ("name", .name), ("password", .password)],
                            required: ["email", "name", "password"]
                        )
                    ),
                ],
                required: ["name", "owner"]
            ),
            status: 201,
            answer: .answer([
                ("id", .string()), ("name", .string()), ("usBusinessEntity", .boolean), ("owner", .reference("Person")),
            ]),
            // Passwords are hashed a few at a time: more at once is 429.
            example: #"{"name":"Acme Scheduling","owner":{"email":"olive@acme.example","name":"Olive Owner","password":"correct horse battery"}}"#,
            // An email another person already has is a conflict.
            errors: [409, 429]
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/verification",
            summary: "Record whether the account is a verified US business entity",
            access: .operatorOnly,
            request: .request([("usBusinessEntity", .boolean)], required: ["usBusinessEntity"]),
            status: 200,
            answer: .answer([("id", .string()), ("name", .string()), ("usBusinessEntity", .boolean)]),
            example: #"{"usBusinessEntity":true}"#
        ),
        Operation(
            method: "POST",
            path: "/v1/sessions",
            summary: "Log in: a bearer token for a person. A wrong email or password is 401; too many "
                + "wrong passwords for an email, or logins from an address, are 429",
            access: .anyone,
            request: .request([("email", .text()), ("password", .text())], required: ["email", "password"]),
            status: 201,
            answer: .answer([("token", .string()), ("expiresAt", .dateTime), ("user", .reference("Person"))]),
            example: #"{"email":"olive@acme.example","password":"correct horse battery"}"#,
            errors: [429]
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/users",
            summary: "Add a person to the account",
            access: .manager,
            request: .request(
                [
                    ("email", .emailAddress), ("name", .name),
                    ("role", .oneOf(["super_admin", "admin", "member"])), ("password", .password),
                ],
                required: ["email", "name", "role", "password"]
            ),
            status: 201,
            answer: .reference("Person"),
            example: #"{"email":"max@acme.example","name":"Max Member","role":"member","password":"correct horse battery"}"#,
            // An email another person already has is a conflict.
            errors: [409, 429]
        ),
        Operation(
            method: "DELETE",
            path: "/v1/sessions",
            summary: "Log out: end the session of the bearer token (another kind of token is 422)",
            access: .session,
            status: 204,
            answer: nil,
            errors: [422]
        ),
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/api-keys",
            summary: "The account's live API keys (never the keys)",
            access: .manager,
            status: 200,
            answer: .items(.answer([("id", .string()), ("name", .string()), ("createdAt", .dateTime)]))
        ),
        Operation(
            method: "DELETE",
            path: "/v1/accounts/{account}/api-keys/{id}",
            summary: "Revoke an API key at once, for good",
            access: .manager,
            status: 204,
            answer: nil
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/api-keys",
            summary: "Create an API key for the platform's backend (the key is shown once)",
            access: .manager,
            request: .request([("name", .name)], required: ["name"]),
            status: 201,
            answer: .answer([("id", .string()), ("name", .string()), ("key", .string())]),
            example: #"{"name":"Production backend"}"#
        ),
    ]

    /// The wallet's forecast as ``Forecast`` computes it (written into JSON: no quotes).
    static let forecastRule =
        "Null when the 30 Pacific days before today used nothing. creditsPerDay: their use divided by 30, rounded down "
        + "to a thousandth. runsOutOn: today plus floor(available / creditsPerDay) days, the first Pacific day whose end "
        + "the balance would not cover; null with auto-recharge on (the balance does not run out while recharges succeed) "
        + "and past 100 years. rechargesEveryDays: with auto-recharge on, floor(rechargeCredits / creditsPerDay), at "
        + "least 1; null otherwise."

    static let walletOperations: [Operation] = [
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/wallet",
            summary: "The wallet's figures",
            access: .feature,
            status: 200,
            answer: .reference("Wallet")
        ),
        Operation(
            method: "GET",
            path: "/v1/pricing",
            summary: "Credit price, bundles, feature and SMS prices",
            access: .anyPrincipal,
            status: 200,
            answer: .answer([
                ("creditPrice", .money), ("currency", .string()), ("minimumPurchase", .integer),
                ("bundles", .array(.answer([("credits", .credits), ("price", .money)]))),
                (
                    "features",
                    .array(
                        .answer(
                            [
                                ("feature", .oneOf(["email_validation", "phone_validation", "credit_score", "dti", "sms"])),
                                ("credits", .credits), ("charged", .string()),
                            ],
                            // SMS has no fixed price: its credits are left out.
                            optional: ["credits"]
                        )
                    )
                ),
                (
                    "sms",
                    .array(
                        .answer([
                            ("iso", .string()), ("country", .string()), ("callingCode", .string()),
                            ("creditsPerSegment", .credits),
                        ])
                    )
                ),
            ])
        ),
    ]

    /// A Stripe PaymentMethod id, as Stripe.js makes them.
    static let stripePaymentMethod = Schema.with(
        .string(description: "a Stripe PaymentMethod id (Stripe on)"),
        keywords: #"{"pattern": "^pm_[A-Za-z0-9_]{1,250}$"}"#
    )

    static let purchaseOperations: [Operation] = [
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/payment-methods",
            summary: "Save a card: its details with the sandbox, a Stripe PaymentMethod id with Stripe on (the other "
                + "is 422, as is an expired card or a number whose check digit is wrong); a processor that cannot "
                + "save it is 502 provider-failed",
            access: .manager,
            request: .with(
                .request([("card", .reference("Card")), ("stripePaymentMethod", Self.stripePaymentMethod)]),
                keywords: #"{"oneOf": [{"required": ["card"], "not": {"required": ["stripePaymentMethod"]}},"#
                    + #"{"required": ["stripePaymentMethod"], "not": {"required": ["card"]}}]}"#
            ),
            status: 201,
            answer: .reference("PaymentMethod"),
            example: #"{"card":{"number":"4242424242424242","expMonth":12,"expYear":2035,"cvc":"123"}}"#,
            errors: [502]
        ),
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/payment-methods",
            summary: "The saved cards",
            access: .manager,
            status: 200,
            answer: .items(.reference("PaymentMethod"))
        ),
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/payment-methods/{id}",
            summary: "One saved card",
            access: .manager,
            status: 200,
            answer: .reference("PaymentMethod")
        ),
        Operation(
            method: "DELETE",
            path: "/v1/accounts/{account}/payment-methods/{id}",
            summary: "Remove a saved card; the card auto-recharge pays with is 409",
            access: .manager,
            status: 204,
            answer: nil,
            errors: [409]
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/purchases",
            summary: "Buy credits (minimum 100) with a saved card or a new one (saveCard keeps it); declined is 402, "
                + "nothing added; not confirmed by the processor is 502 payment-unsettled. 422: a paymentMethodId "
                + "that is not a saved card of the account, card details with Stripe on or stripePaymentMethod "
                + "without it, an expired card or a number whose check digit is wrong",
            access: .manager,
            request: .with(
                .request(
                    [
                        ("credits", .creditsInput(.whole(minimum: 100, maximumDigits: 6))), ("paymentMethodId", .nonEmpty),
                        ("card", .reference("Card")),
                        ("stripePaymentMethod", Self.stripePaymentMethod), ("saveCard", .boolean),
                    ],
                    required: ["credits"]
                ),
                // A saved card, a new one, or a new Stripe PaymentMethod: exactly one of the three.
                keywords:
                    #"{"oneOf": [{"required": ["paymentMethodId"], "not": {"anyOf": [{"required": ["card"]}, {"required": ["stripePaymentMethod"]}]}},"#
                    + #"{"required": ["card"], "not": {"anyOf": [{"required": ["paymentMethodId"]}, {"required": ["stripePaymentMethod"]}]}},"#
                    + #"{"required": ["stripePaymentMethod"], "not": {"anyOf": [{"required": ["paymentMethodId"]}, {"required": ["card"]}]}}]}"#
            ),
            status: 201,
            answer: .reference("Purchase"),
            alsoAnswers: [
                (
                    202,
                    "with Stripe: not decided yet — requires_action (send the cardholder to nextActionUrl) or pending "
                        + "(the bank is processing it); credited once when it succeeds",
                    .reference("PendingPurchase")
                )
            ],
            idempotent: true,
            example: #"{"credits":"500","card":{"number":"4242424242424242","expMonth":12,"expYear":2035,"cvc":"123"},"saveCard":true}"#,
            errors: [402, 502]
        ),
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/purchases",
            summary: "Purchases, newest first",
            access: .manager,
            status: 200,
            answer: .answer([("items", .array(.reference("Purchase"))), ("nextCursor", .nullable(.string()))]),
            query: [("limit", "1 to 500, default 100"), ("cursor", "nextCursor of the previous page, as Tally gave it: any other value is 422")]
        ),
    ]
}
