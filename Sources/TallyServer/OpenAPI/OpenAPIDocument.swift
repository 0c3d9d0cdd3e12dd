import Foundation
import TallyCore

/// The OpenAPI 3.1 description of every route, served at `/openapi.json`.
/// A test checks it against the router, so it lists exactly the routes that exist;
/// `scripts/fuzz` checks every answer against it.
enum OpenAPIDocument {
    static let operations: [Operation] =
        operationsOperations + accountOperations + walletOperations + purchaseOperations + lotOperations
        + meteringOperations + eventOperations + rechargeOperations + reportOperations + providerOperations

    static let json: [UInt8] = {
        var paths: [String: [String: Any]] = [:]
        for operation in operations {
            paths[operation.path, default: [:]][operation.method.lowercased()] = operation.json
        }
        let document: [String: Any] = [
            "openapi": "3.1.0",
            "info": [
                "title": "Tally", "version": "1",
                "description": "A self-hosted prepaid-credits wallet for pay-per-use features.",
            ],
            "paths": paths,
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]],
                "schemas": schemas.mapValues(\.json),
            ],
        ]
        let data = try! JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
        return Array(data)
    }()

    static let schemas: [String: Schema] = [
        // TallyError.problem: RFC 9457, with the fields of some problems.
        "Problem": .answer(
            [
                ("type", .string()), ("title", .string()), ("status", .integer), ("detail", .string()),
                ("errors", .array(.answer([("field", .string()), ("reason", .string())]))),
                ("available", .credits), ("required", .credits), ("declineCode", .string()),
                ("feature", .string()), ("period", .oneOf(["day", "month"])), ("resetsAt", .dateTime),
            ],
            optional: ["errors", "available", "required", "declineCode", "feature", "period", "resetsAt"]
        ),
        "Person": .answer([
            ("id", .string()), ("email", .string()), ("name", .string()),
            ("role", .oneOf(["owner", "super_admin", "admin", "member"])), ("account", .string()),
        ]),
        // Luhn's check digit and the expiry against today are 422 too.
        "Card": .request(
            [
                (
                    "number",
                    .text(
                        pattern: #"^[ -]*(?:[0-9][ -]*){12,19}$"#,
                        description: "12 to 19 digits (spaces and dashes "
                            + "are ignored) whose last is Luhn's check digit"
                    )
                ),
                ("expMonth", .integer(1...12)), ("expYear", .integer(2000...2100)),
                ("cvc", .text(pattern: "^[0-9]{3,4}$")),
            ],
            required: ["number", "expMonth", "expYear", "cvc"]
        ),
        "PaymentMethod": .answer([
            ("id", .string()), ("brand", .string()), ("last4", .string()), ("expMonth", .integer),
            ("expYear", .integer), ("createdAt", .dateTime),
        ]),
        "Purchase": .answer([
            ("id", .string()), ("credits", .credits), ("amount", .money), ("currency", .string()),
            ("status", .oneOf(["succeeded", "declined"])), ("origin", .oneOf(["purchase", "recharge"])),
            ("paymentMethodId", .nullable(.string())), ("failureReason", .nullable(.string())), ("createdAt", .dateTime),
            ("refundedCredits", .credits), ("refundedAmount", .money),
            ("dispute", .nullable(.oneOf(["open", "won", "lost"]))),
        ]),
        "PendingPurchase": .answer([
            ("id", .string()), ("status", .oneOf(["requires_action", "pending"])), ("credits", .credits),
            ("amount", .money), ("currency", .string()),
            ("nextActionUrl", .nullable(.string(description: "where the cardholder confirms the payment (3-D Secure)"))),
        ]),
        "AutoRecharge": .answer([
            ("enabled", .boolean), ("thresholdCredits", .nullable(.credits)), ("rechargeCredits", .nullable(.credits)),
            ("paymentMethodId", .nullable(.string())), ("status", .oneOf(["on", "off"])),
            ("lastResult", .nullable(.oneOf(["succeeded", "failed", "capped", "disabled"]))),
            ("lastReason", .nullable(.string())), ("lastResultAt", .nullable(.dateTime)),
            ("maxRechargesPerDay", .nullable(.integer)), ("maxSpendPerMonth", .nullable(.money)),
        ]),
        "BalanceAlerts": .answer([
            (
                "thresholds",
                .array(.answer([("credits", .credits), ("state", .oneOf(["armed", "fired"])), ("firedAt", .nullable(.dateTime))]))
            )
        ]),
        "SpendCaps": .answer([
            (
                "caps",
                .array(
                    .answer([
                        ("feature", .oneOf(Feature.allCases.map(\.rawValue))), ("period", .oneOf(["day", "month"])),
                        ("credits", .credits), ("spent", .credits), ("resetsAt", .dateTime),
                    ])
                )
            )
        ]),
        "Wallet": .answer([
            ("account", .string()), ("available", .credits), ("held", .credits), ("used", .credits),
            ("total", .credits), ("autoRecharge", .reference("AutoRecharge")),
            ("nextExpiry", .nullable(.answer([("credits", .credits), ("at", .dateTime)]))),
            (
                "forecast",
                .nullable(
                    .with(
                        .answer([
                            ("creditsPerDay", .credits), ("runsOutOn", .nullable(.date)),
                            ("rechargesEveryDays", .nullable(.with(.integer, keywords: #"{"minimum": 1}"#))),
                        ]),
                        keywords: #"{"description": "\#(forecastRule)"}"#
                    )
                )
            ),
        ]),
        "Contact": .request([("name", .text(maximum: 200)), ("email", .text(maximum: 320)), ("phone", .text(maximum: 64))]),
        "EmailCheck": .answer([
            ("id", .string()), ("result", .oneOf(["valid", "invalid"])), ("reason", .nullable(.string())),
            ("email", .string()), ("roleAccount", .boolean), ("credits", .credits),
        ]),
        "PhoneCheck": .answer([
            ("id", .string()), ("result", .oneOf(["valid", "invalid"])), ("reason", .nullable(.string())),
            ("iso", .nullable(.string())), ("e164", .nullable(.string())), ("lineType", .nullable(.string())),
            ("credits", .credits),
        ]),
        "CreditCheck": .answer([
            ("id", .string()), ("kind", .oneOf(["credit_score", "dti"])),
            ("status", .oneOf(["completed", "skipped", "blocked", "failed"])), ("reason", .nullable(.string())),
            ("creditScore", .nullable(.integer)), ("dtiPercent", .nullable(.integer)),
            (
                "validations",
                // Left out until the validations ran (a skipped or blocked check has none).
                .answer([("email", .reference("EmailCheck")), ("phone", .reference("PhoneCheck"))], optional: ["email", "phone"])
            ),
            ("credits", .credits), ("totalCredits", .credits),
        ]),
        "Hold": .answer([
            ("id", .string()), ("feature", .string()), ("credits", .credits), ("capturedCredits", .credits),
            ("reference", .string()), ("status", .oneOf(["active", "captured", "released", "expired"])),
            ("expiresAt", .dateTime),
        ]),
        "EventConfig": .answer([
            ("name", .string()), ("emailValidation", .boolean), ("phoneValidation", .boolean),
            ("creditCheck", .oneOf(["none", "credit_score", "dti"])),
            (
                "disqualify",
                .answer([
                    ("invalidEmail", .boolean), ("invalidPhone", .boolean), ("minCreditScore", .nullable(.integer)),
                    ("maxDtiPercent", .nullable(.integer)),
                ])
            ),
            (
                "routes",
                .array(
                    .answer([
                        ("name", .string()), ("minCreditScore", .nullable(.integer)),
                        ("maxCreditScore", .nullable(.integer)), ("maxDtiPercent", .nullable(.integer)),
                    ])
                )
            ),
            ("defaultRoute", .nullable(.string())),
        ]),
        "NewEventConfig": .request(
            [
                ("name", .name), ("emailValidation", .boolean), ("phoneValidation", .boolean),
                ("creditCheck", .oneOf(["none", "credit_score", "dti"])),
                (
                    "disqualify",
                    .request([
                        ("invalidEmail", .boolean), ("invalidPhone", .boolean), ("minCreditScore", .integer(300...850)),
                        ("maxDtiPercent", .integer(0...100)),
                    ])
                ),
                (
                    "routes",
                    .with(
                        .array(
                            .request(
                                [
                                    ("name", .text(maximum: 100, blank: false)), ("minCreditScore", .integer(300...850)),
                                    ("maxCreditScore", .integer(300...850)), ("maxDtiPercent", .integer(0...100)),
                                ],
                                required: ["name"]
                            )
                        ),
                        keywords: #"{"maxItems": 20}"#
                    )
                ),
                ("defaultRoute", .text(maximum: 100, blank: false)),
            ],
            required: ["name"]
        ),
        "UsageGuard": .answer([
            ("enabled", .boolean), ("maxRequests", .integer), ("windowSeconds", .integer), ("paused", .boolean),
            ("pausedAt", .nullable(.dateTime)),
        ]),
    ]
}

/// The OpenAPI 3.1 document of the HTTP API, as served at `/openapi.json`.
public func openAPIDocumentJSON() -> [UInt8] {
    OpenAPIDocument.json
}
