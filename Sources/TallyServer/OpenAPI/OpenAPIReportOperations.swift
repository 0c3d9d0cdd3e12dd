/// Credit usage, feature logs and the ledger.
extension OpenAPIDocument {
    static let rangeQuery: [(String, String)] = [
        ("from", "first Pacific day, YYYY-MM-DD (default: 29 days before to)"),
        ("to", "last Pacific day, YYYY-MM-DD, inclusive (default: today); at most 5 years after from"),
    ]

    static let logLine: Schema = .object([
        ("id", .string()), ("email", .nullable(.string())), ("phone", .nullable(.string())),
        ("iso", .nullable(.string())), ("country", .nullable(.string())), ("segments", .nullable(.integer)),
        ("event", .nullable(.string())), ("status", .string()), ("sentAt", .dateTime),
        ("contactName", .nullable(.string())), ("result", .string()), ("kind", .oneOf(["credit_score", "dti"])),
        ("creditScore", .nullable(.integer)), ("dtiPercent", .nullable(.integer)), ("reason", .nullable(.string())),
        ("credits", .credits), ("totalCredits", .credits), ("createdAt", .dateTime),
    ])

    static let reportOperations: [Operation] = [
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/usage",
            summary: "Credits used per feature over a range of Pacific days, with a daily series",
            callers: "owner, super_admin, API key",
            status: 200,
            answer: .object([
                ("from", .string()), ("to", .string()),
                (
                    "features",
                    .array(
                        .object([
                            ("feature", .oneOf(["email_validation", "phone_validation", "credit_score", "dti", "sms"])),
                            ("costPerUse", .nullable(.credits)), ("uses", .integer), ("credits", .credits),
                        ])
                    )
                ),
                ("totalCredits", .credits),
                ("days", .array(.object([("date", .string()), ("credits", .credits), ("features", .object([]))]))),
            ]),
            query: rangeQuery
        ),
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/logs/{log}",
            summary: "A feature's log (sms, email_validation, phone_validation, credit_checks), newest first",
            callers: "owner, super_admin, API key",
            status: 200,
            answer: .object([
                ("from", .string()), ("to", .string()), ("total", .integer), ("totalCredits", .credits),
                ("totalSent", .integer), ("items", .array(logLine)), ("nextCursor", .nullable(.string())),
            ]),
            query: rangeQuery + [
                ("result", "sms: sent, failed; validations: valid, invalid; credit_checks: completed, skipped, blocked, failed"),
                ("q", "matches contact name, email or phone"),
                ("limit", "1 to 500, default 50"),
                ("cursor", "nextCursor of the previous page"),
                ("format", "csv for the whole filtered log as CSV"),
            ],
            csv: true
        ),
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/ledger",
            summary: "The ledger, newest first",
            callers: "owner, super_admin, API key",
            status: 200,
            answer: .object([
                (
                    "items",
                    .array(
                        .object([
                            ("id", .string()),
                            (
                                "kind",
                                .oneOf([
                                    "purchase", "recharge", "charge", "hold", "capture", "release", "refund", "adjustment",
                                    "grant", "expiry",
                                ])
                            ),
                            ("credits", .credits), ("held", .credits), ("used", .credits), ("total", .credits),
                            ("balanceAfter", .credits), ("reference", .string()), ("createdAt", .dateTime),
                            ("lots", .array(.object([("lot", .string()), ("credits", .credits), ("held", .credits)]))),
                        ])
                    )
                ),
                ("nextCursor", .nullable(.string())),
            ]),
            query: [
                ("from", "first Pacific day, YYYY-MM-DD (no range: the whole ledger)"),
                ("to", "last Pacific day, YYYY-MM-DD, inclusive"),
                ("limit", "1 to 500, default 100"), ("cursor", "nextCursor of the previous page"),
                ("format", "csv for the whole (filtered) ledger as CSV"),
            ],
            csv: true
        ),
    ]
}
