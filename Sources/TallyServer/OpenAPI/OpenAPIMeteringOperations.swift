import TallyCore

/// The metered features, events, usage guard and notifications.
extension OpenAPIDocument {
    static let smsEncoding = Schema.oneOf(["GSM-7", "UCS-2"])

    /// The price of one use of `features` together, as the summaries say it (`0.5`, `17`):
    /// read from `Catalog`, the one place prices live, never typed again here.
    static func price(_ features: Feature...) -> String {
        let thousandths = features.compactMap { Catalog.price(of: $0)?.thousandths }.reduce(0, +)
        var decimals = String(thousandths % 1000)
        decimals = String(repeating: "0", count: 3 - decimals.count) + decimals
        while decimals.last == "0" { decimals.removeLast() }
        return String(thousandths / 1000) + (decimals.isEmpty ? "" : "." + decimals)
    }

    static let meteringOperations: [Operation] = [
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/validations/email",
            summary: "Validate an email address: \(price(.emailValidation)) credits, charged valid or invalid",
            access: .feature,
            request: .request([("email", .text(maximum: 320)), ("contact", .reference("Contact"))], required: ["email"]),
            status: 200,
            answer: .reference("EmailCheck"),
            idempotent: true,
            example: #"{"email":"ana@example.com","contact":{"name":"Ana Lopez"}}"#,
            errors: [402, 502]
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/validations/phone",
            summary: "Validate a phone number: \(price(.phoneValidation)) credits, charged valid or invalid",
            access: .feature,
            request: .request([("phone", .text(maximum: 64)), ("contact", .reference("Contact"))], required: ["phone"]),
            status: 200,
            answer: .reference("PhoneCheck"),
            idempotent: true,
            example: #"{"phone":"+1 415 555 2671","contact":{"name":"Ana Lopez"}}"#,
            errors: [402, 502]
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/credit-checks",
            summary: "Credit score (\(price(.creditScore, .emailValidation, .phoneValidation)) credits with its validations) "
                + "or DTI (\(price(.dti, .emailValidation, .phoneValidation))), charged only when completed",
            access: .feature,
            request: .request(
                [
                    ("kind", .oneOf(["credit_score", "dti"])),
                    (
                        "contact",
                        .request(
                            [("name", .name), ("email", .text(maximum: 320, blank: false)), ("phone", .text(maximum: 64, blank: false))],
                            required: ["name", "email", "phone"]
                        )
                    ),
                ],
                required: ["kind", "contact"]
            ),
            status: 200,
            answer: .reference("CreditCheck"),
            idempotent: true,
            example: #"{"kind":"credit_score","contact":{"name":"Ana Lopez","email":"ana@example.com","phone":"+14155552671"}}"#,
            errors: [402, 502]
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/sms",
            summary: "Send an SMS: country price × segments, charged only when sent; "
                + "a message whose charge is not settled yet is 502 message-unsettled",
            access: .feature,
            request: .request(
                [("to", .phoneNumber), ("body", .smsBody), ("contact", .reference("Contact")), ("event", .text(maximum: 200))],
                required: ["to", "body"]
            ),
            status: 200,
            answer: .answer([
                ("id", .string()), ("status", .oneOf(["sent", "queued", "failed"])), ("reason", .nullable(.string())),
                ("iso", .string()), ("e164", .string()), ("encoding", smsEncoding), ("segments", .integer),
                ("credits", .credits),
            ]),
            idempotent: true,
            example: #"{"to":"+33612345678","body":"Your visit is confirmed for Tuesday at 10:00","event":"open-house"}"#,
            errors: [402, 502]
        ),
        Operation(
            method: "POST",
            path: "/v1/sms/quote",
            summary: "Price an SMS without sending it",
            access: .anyPrincipal,
            request: .request([("to", .phoneNumber), ("body", .smsBody)], required: ["to", "body"]),
            status: 200,
            answer: .answer([
                ("iso", .string()), ("country", .string()), ("e164", .string()), ("encoding", smsEncoding),
                ("segments", .integer), ("creditsPerSegment", .credits), ("credits", .credits),
            ]),
            example: #"{"to":"+33612345678","body":"Your visit is confirmed for Tuesday at 10:00"}"#
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/holds",
            summary: "Hold credits for an action in flight (ttlSeconds 1 to 86400, default 300)",
            access: .feature,
            request: .request(
                [
                    ("feature", .holdFeature), ("credits", .creditsInput(.positive(maximumDigits: 9))),
                    ("reference", .text(maximum: 200)), ("ttlSeconds", .integer(1...86_400)),
                ],
                required: ["feature", "credits"]
            ),
            status: 201,
            answer: .reference("Hold"),
            idempotent: true,
            example: #"{"feature":"video_render","credits":"12.5","reference":"job-42","ttlSeconds":300}"#,
            errors: [402]
        ),
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/holds/{id}",
            summary: "A hold as it stands: active, captured, released or expired",
            access: .feature,
            status: 200,
            answer: .reference("Hold")
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/holds/{id}/capture",
            summary: "Capture up to the held credits (no body: all of them; more than held is 422); the rest is released. "
                + "409 after release or expiry",
            access: .feature,
            request: .request([("credits", .creditsInput(.notNegative(maximumDigits: 9)))]),
            requestOptional: true,
            status: 200,
            answer: .reference("Hold"),
            idempotent: true,
            example: #"{"credits":"10"}"#
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/holds/{id}/release",
            summary: "Release a hold. 409 after capture, release or expiry",
            access: .feature,
            status: 200,
            answer: .reference("Hold"),
            idempotent: true
        ),
    ]

    static let eventOperations: [Operation] = [
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/events/{event}",
            summary: "An event's stored configuration; an event id is 1 to 64 letters, digits, '_', '-' or '.' (422)",
            access: .feature,
            status: 200,
            answer: .reference("EventConfig"),
            errors: [422]
        ),
        Operation(
            method: "PUT",
            path: "/v1/accounts/{account}/events/{event}",
            summary: "Configure an event's checks, disqualification rules and routes. Credit-score rules need creditCheck "
                + "credit_score or dti, DTI rules need dti, a route's maxCreditScore is at least its minCreditScore and "
                + "route names differ (422 otherwise)",
            access: .manager,
            request: .reference("NewEventConfig"),
            status: 200,
            answer: .reference("EventConfig"),
            example: #"{"name":"Open house","emailValidation":true,"phoneValidation":true,"creditCheck":"none","#
                + #""disqualify":{"invalidEmail":true},"routes":[{"name":"visit"}]}"#
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/events/{event}/leads",
            summary: "Run the event's checks on a lead: qualified or not, the route, each check and its cost. What the event "
                + "runs decides what is required (422 otherwise): name for a credit check, email for email validation, "
                + "phone for phone validation",
            access: .feature,
            request: .request([("name", .text(maximum: 200)), ("email", .text(maximum: 320)), ("phone", .text(maximum: 64))]),
            status: 200,
            answer: .answer([
                ("event", .string()), ("qualified", .boolean),
                ("disqualifiedBy", .array(.oneOf(["invalid_email", "invalid_phone", "credit_score_below_minimum", "dti_above_maximum"]))),
                ("route", .nullable(.string())),
                (
                    "checks",
                    .answer([
                        ("email", .nullable(.reference("EmailCheck"))), ("phone", .nullable(.reference("PhoneCheck"))),
                        ("creditCheck", .nullable(.reference("CreditCheck"))),
                    ])
                ),
                ("credits", .credits),
            ]),
            idempotent: true,
            example: #"{"name":"Ana Lopez","email":"ana@example.com","phone":"+14155552671"}"#,
            errors: [402, 502]
        ),
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/usage-guard",
            summary: "The usage guard",
            access: .feature,
            status: 200,
            answer: .reference("UsageGuard")
        ),
        Operation(
            method: "PUT",
            path: "/v1/accounts/{account}/usage-guard",
            summary: "Limit credit-check requests per sliding window",
            access: .manager,
            request: .request(
                [("enabled", .boolean), ("maxRequests", .integer(1...1_000_000)), ("windowSeconds", .integer(1...2_592_000))],
                required: ["enabled", "maxRequests", "windowSeconds"]
            ),
            status: 200,
            answer: .reference("UsageGuard"),
            example: #"{"enabled":true,"maxRequests":1000,"windowSeconds":60}"#
        ),
        Operation(
            method: "POST",
            path: "/v1/accounts/{account}/usage-guard/resume",
            summary: "Resume paused credit checks",
            access: .manager,
            status: 200,
            answer: .reference("UsageGuard")
        ),
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/notifications",
            summary: "Notifications, newest first",
            access: .manager,
            status: 200,
            answer: .items(.answer([("id", .string()), ("kind", .string()), ("message", .string()), ("createdAt", .dateTime)]))
        ),
    ]
}
