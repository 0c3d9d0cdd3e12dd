/// Credit usage, feature logs and the ledger.
extension OpenAPIDocument {
    static let rangeQuery: [(String, String)] = [
        ("from", "first Pacific day, YYYY-MM-DD (default: 29 days before to)"),
        ("to", "last Pacific day, YYYY-MM-DD, inclusive (default: today); at most 5 years after from (422 otherwise)"),
    ]

    static let features = ["email_validation", "phone_validation", "credit_score", "dti", "sms"]

    /// The lines of the four logs (`Reports.LogItem`), one shape per log.
    static let logLines: [Schema] = logLineFields.map { .answer($0) }

    /// A log line with the name of its log, as a ledger entry's explanation shows it.
    static let namedLogLines: [Schema] = zip(logLineFields, ["sms", "email_validation", "phone_validation", "credit_checks"])
        .map { fields, log in .answer(fields + [("log", .oneOf([log]))]) }

    /// The fields of each log's lines, in the order of `logLines`.
    static let logLineFields: [[(String, Schema)]] = [
        // sms
        [
            ("id", .string()), ("email", .nullable(.string())), ("phone", .nullable(.string())),
            ("iso", .nullable(.string())), ("country", .nullable(.string())), ("segments", .nullable(.integer)),
            ("carrierSegments", .nullable(.integer)), ("credits", .credits), ("event", .nullable(.string())),
            ("status", .string()), ("sentAt", .dateTime),
        ],
        // email_validation
        [
            ("id", .string()), ("contactName", .nullable(.string())), ("email", .nullable(.string())),
            ("result", .string()), ("credits", .credits), ("createdAt", .dateTime),
        ],
        // phone_validation
        [
            ("id", .string()), ("contactName", .nullable(.string())), ("phone", .nullable(.string())),
            ("iso", .nullable(.string())), ("result", .string()), ("lineType", .nullable(.string())),
            ("credits", .credits), ("createdAt", .dateTime),
        ],
        // credit_checks
        [
            ("id", .string()), ("contactName", .nullable(.string())), ("phone", .nullable(.string())),
            ("kind", .oneOf(["credit_score", "dti"])), ("creditScore", .nullable(.integer)),
            ("dtiPercent", .nullable(.integer)), ("status", .string()), ("result", .string()),
            ("reason", .nullable(.string())), ("credits", .credits), ("totalCredits", .credits), ("createdAt", .dateTime),
        ],
    ]

    static let reportOperations: [Operation] = [
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/usage",
            summary: "Credits used per feature over a range of Pacific days, with a daily series",
            access: .reader,
            status: 200,
            answer: .answer([
                ("from", .date), ("to", .date),
                (
                    "features",
                    .array(
                        .answer([
                            ("feature", .oneOf(features)), ("costPerUse", .nullable(.credits)), ("uses", .integer),
                            ("credits", .credits),
                        ])
                    )
                ),
                (
                    "holds",
                    .array(.answer([("feature", .string(description: "the feature the holds named")), ("uses", .integer), ("credits", .credits)]))
                ),
                ("totalCredits", .credits),
                (
                    "days",
                    .array(
                        .answer([
                            ("date", .date), ("credits", .credits),
                            ("features", .answer(features.map { ($0, Schema.credits) })), ("holds", .credits),
                        ])
                    )
                ),
            ]),
            query: rangeQuery
        ),
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/logs/{log}",
            summary: "A feature's log (sms, email_validation, phone_validation, credit_checks), newest first; "
                + "totalSent for sms only",
            access: .reader,
            status: 200,
            answer: .answer(
                [
                    ("from", .date), ("to", .date), ("total", .integer), ("totalCredits", .credits),
                    ("totalSent", .integer), ("items", .array(.anyOf(logLines))), ("nextCursor", .nullable(.string())),
                ],
                optional: ["totalSent"]
            ),
            query: rangeQuery + [
                ("result", "sms: sent, failed; validations: valid, invalid; credit_checks: completed, skipped, blocked, failed"),
                ("lineType", "phone_validation only: the line type Twilio Lookup named (mobile, landline, fixedVoip, nonFixedVoip, …)"),
                ("q", "matches contact name, email or phone"),
                ("limit", "1 to 500, default 50"),
                ("cursor", "nextCursor of the previous page, as Tally gave it: any other value is 422"),
                ("format", "csv for the whole filtered log as CSV"),
            ],
            csv: true,
            pathChoices: ["log": ["sms", "email_validation", "phone_validation", "credit_checks"]]
        ),
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/ledger",
            summary: "The ledger, newest first",
            access: .reader,
            status: 200,
            answer: .answer([
                ("items", .array(.answer(ledgerEntryFields))),
                ("nextCursor", .nullable(.string())),
            ]),
            query: [
                ("from", "first Pacific day, YYYY-MM-DD (no range: the whole ledger)"),
                ("to", "last Pacific day, YYYY-MM-DD, inclusive; at most 5 years after from (422 otherwise)"),
                ("limit", "1 to 500, default 100"), ("cursor", "nextCursor of the previous page, as Tally gave it: any other value is 422"),
                ("format", "csv for the whole (filtered) ledger as CSV"),
            ],
            csv: true
        ),
        Operation(
            method: "GET",
            path: "/v1/accounts/{account}/ledger/{id}",
            summary: "One ledger entry explained: its price rule in words, the hold it came from, the lots it drew, "
                + "its log line, its request's Idempotency-Key and the balance before and after",
            access: .reader,
            status: 200,
            answer: .answer(
                ledgerEntryFields + [
                    ("balanceBefore", .credits),
                    ("explanation", .string(description: "the price rule in words, e.g. SMS to GB, UCS-2, 2 segments × 0.250")),
                    ("feature", .nullable(.string(description: "the feature charged or held for"))),
                    ("hold", .nullable(.reference("Hold"))),
                    ("logLine", .nullable(.anyOf(namedLogLines))),
                    ("idempotencyKey", .nullable(.string(description: "the Idempotency-Key of the request that wrote it"))),
                ]
            )
        ),
    ]

    /// A ledger entry as the ledger lists it (`Wallets.LedgerEntryView`).
    static let ledgerEntryFields: [(String, Schema)] = [
        ("id", .string()),
        (
            "kind",
            .oneOf([
                "purchase", "recharge", "charge", "hold", "capture", "release", "refund", "adjustment", "grant", "expiry",
                "dispute",
            ])
        ),
        ("credits", .credits), ("held", .credits), ("used", .credits), ("total", .credits),
        ("balanceAfter", .credits), ("reference", .string()), ("createdAt", .dateTime),
        ("lots", .array(.answer([("lot", .string()), ("credits", .credits), ("held", .credits)]))),
    ]
}
