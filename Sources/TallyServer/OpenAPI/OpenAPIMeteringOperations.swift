/// The metered features, events, usage guard and notifications.
extension OpenAPIDocument {
    static let contact = Schema.object([("name", .string()), ("email", .string()), ("phone", .string())])
    static let emailCheck = Schema.object([
        ("id", .string()), ("result", .oneOf(["valid", "invalid"])), ("reason", .nullable(.string())),
        ("email", .string()), ("roleAccount", .boolean), ("credits", .credits),
    ])
    static let phoneCheck = Schema.object([
        ("id", .string()), ("result", .oneOf(["valid", "invalid"])), ("reason", .nullable(.string())),
        ("iso", .nullable(.string())), ("e164", .nullable(.string())), ("credits", .credits),
    ])
    static let creditCheckOutcome = Schema.object([
        ("id", .string()), ("kind", .oneOf(["credit_score", "dti"])),
        ("status", .oneOf(["completed", "skipped", "blocked", "failed"])), ("reason", .nullable(.string())),
        ("creditScore", .nullable(.integer)), ("dtiPercent", .nullable(.integer)),
        ("validations", .object([("email", emailCheck), ("phone", phoneCheck)])),
        ("credits", .credits), ("totalCredits", .credits),
    ])
    static let hold = Schema.object([
        ("id", .string()), ("feature", .string()), ("credits", .credits), ("capturedCredits", .credits),
        ("reference", .string()), ("status", .oneOf(["active", "captured", "released", "expired"])),
        ("expiresAt", .dateTime),
    ])
    static let eventConfig = Schema.object(
        [
            ("name", .string()), ("emailValidation", .boolean), ("phoneValidation", .boolean),
            ("creditCheck", .oneOf(["none", "credit_score", "dti"])),
            (
                "disqualify",
                .object([
                    ("invalidEmail", .boolean), ("invalidPhone", .boolean), ("minCreditScore", .nullable(.integer)),
                    ("maxDtiPercent", .nullable(.integer)),
                ])
            ),
            (
                "routes",
                .array(
                    .object([
                        ("name", .string()), ("minCreditScore", .nullable(.integer)),
                        ("maxCreditScore", .nullable(.integer)), ("maxDtiPercent", .nullable(.integer)),
                    ])
                )
            ),
            ("defaultRoute", .nullable(.string())),
        ],
        required: ["name"]
    )
    static let usageGuard = Schema.object([
        ("enabled", .boolean), ("maxRequests", .integer), ("windowSeconds", .integer), ("paused", .boolean),
        ("pausedAt", .nullable(.dateTime)),
    ])
    static let callers = "API key, owner, super_admin"

    static let meteringOperations: [Operation] = [
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/validations/email",
            summary: "Validate an email address: 0.5 credits, charged valid or invalid",
            callers: callers,
            request: .object([("email", .string()), ("contact", contact)], required: ["email"]),
            status: 200,
            answer: emailCheck,
            idempotent: true
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/validations/phone",
            summary: "Validate a phone number: 1.5 credits, charged valid or invalid",
            callers: callers,
            request: .object([("phone", .string()), ("contact", contact)], required: ["phone"]),
            status: 200,
            answer: phoneCheck,
            idempotent: true
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/credit-checks",
            summary: "Credit score (17 credits with its validations) or DTI (26), charged only when completed",
            callers: callers,
            request: .object([("kind", .oneOf(["credit_score", "dti"])), ("contact", contact)], required: ["kind", "contact"]),
            status: 200,
            answer: creditCheckOutcome,
            idempotent: true
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/sms",
            summary: "Send an SMS: country price × segments, charged only when sent",
            callers: callers,
            request: .object(
                [("to", .string()), ("body", .string()), ("contact", contact), ("event", .string())],
                required: ["to", "body"]
            ),
            status: 200,
            answer: .object([
                ("id", .string()), ("status", .oneOf(["sent", "failed"])), ("reason", .nullable(.string())),
                ("iso", .string()), ("e164", .string()), ("encoding", .oneOf(["GSM-7", "UCS-2"])),
                ("segments", .integer), ("credits", .credits),
            ]),
            idempotent: true
        ),
        Operation(
            method: "POST",
            path: "/v1/sms/quote",
            summary: "Price an SMS without sending it",
            callers: "any principal",
            request: .object([("to", .string()), ("body", .string())], required: ["to", "body"]),
            status: 200,
            answer: .object([
                ("iso", .string()), ("country", .string()), ("e164", .string()),
                ("encoding", .oneOf(["GSM-7", "UCS-2"])), ("segments", .integer), ("creditsPerSegment", .credits),
                ("credits", .credits),
            ])
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/holds",
            summary: "Hold credits for an action in flight",
            callers: callers,
            request: .object(
                [("feature", .string()), ("credits", .credits), ("reference", .string()), ("ttlSeconds", .integer)],
                required: ["feature", "credits"]
            ),
            status: 201,
            answer: hold,
            idempotent: true
        ),
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/holds/{id}",
            summary: "A hold as it stands: active, captured, released or expired",
            callers: callers,
            status: 200,
            answer: hold
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/holds/{id}/capture",
            summary: "Capture up to the held credits; the rest is released. 409 after release or expiry",
            callers: callers,
            request: .object([("credits", .credits)]),
            status: 200,
            answer: hold,
            idempotent: true
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/holds/{id}/release",
            summary: "Release a hold",
            callers: callers,
            status: 200,
            answer: hold,
            idempotent: true
        ),
    ]

    static let eventOperations: [Operation] = [
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/events/{event}",
            summary: "An event's stored configuration",
            callers: callers,
            status: 200,
            answer: eventConfig
        ),
        Operation(
            method: "PUT",
            path: "/v1/accounts/{account}/events/{event}",
            summary: "Configure an event's checks, disqualification rules and routes",
            callers: "owner, super_admin",
            request: eventConfig,
            status: 200,
            answer: eventConfig
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/events/{event}/leads",
            summary: "Run the event's checks on a lead: qualified or not, the route, each check and its cost",
            callers: callers,
            request: .object([("name", .string()), ("email", .string()), ("phone", .string())]),
            status: 200,
            answer: .object([
                ("event", .string()), ("qualified", .boolean), ("disqualifiedBy", .array(.string())),
                ("route", .nullable(.string())),
                (
                    "checks",
                    .object([("email", .nullable(emailCheck)), ("phone", .nullable(phoneCheck)), ("creditCheck", .nullable(creditCheckOutcome))])
                ),
                ("credits", .credits),
            ]),
            idempotent: true
        ),
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/usage-guard",
            summary: "The usage guard",
            callers: callers,
            status: 200,
            answer: usageGuard
        ),
        Operation(
            method: "PUT",
            path: "/v1/accounts/{account}/usage-guard",
            summary: "Limit credit-check requests per sliding window",
            callers: "owner, super_admin",
            request: .object(
                [("enabled", .boolean), ("maxRequests", .integer), ("windowSeconds", .integer)],
                required: ["enabled", "maxRequests", "windowSeconds"]
            ),
            status: 200,
            answer: usageGuard
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/usage-guard/resume",
            summary: "Resume paused credit checks",
            callers: "owner, super_admin",
            status: 200,
            answer: usageGuard
        ),
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/notifications",
            summary: "Notifications, newest first",
            callers: "owner, super_admin",
            status: 200,
            answer: .object([
                (
                    "items",
                    .array(.object([("id", .string()), ("kind", .string()), ("message", .string()), ("createdAt", .dateTime)]))
                )
            ])
        ),
    ]
}
