import Foundation

/// The OpenAPI 3.1 description of every route, served at `/openapi.json`.
/// A test checks it against the router, so it lists exactly the routes that exist.
enum OpenAPIDocument {
    static let operations: [Operation] =
        operationsOperations + accountOperations + walletOperations + purchaseOperations + lotOperations
        + meteringOperations + eventOperations + rechargeOperations + reportOperations

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
        "Problem": .object(
            [
                ("type", .string()), ("title", .string()), ("status", .integer), ("detail", .string()),
                ("errors", .array(.object([("field", .string()), ("reason", .string())]))),
            ],
            required: ["type", "title", "status", "detail"]
        ),
        "Person": .object([
            ("id", .string()), ("email", .string()), ("name", .string()),
            ("role", .oneOf(["owner", "super_admin", "admin", "member"])), ("account", .string()),
        ]),
        "Card": .object(
            [("number", .string()), ("expMonth", .integer), ("expYear", .integer), ("cvc", .string())],
            required: ["number", "expMonth", "expYear", "cvc"]
        ),
        "PaymentMethod": .object([
            ("id", .string()), ("brand", .string()), ("last4", .string()), ("expMonth", .integer),
            ("expYear", .integer), ("createdAt", .dateTime),
        ]),
        "Purchase": .object([
            ("id", .string()), ("credits", .credits), ("amount", .money), ("currency", .string()),
            ("status", .oneOf(["succeeded", "declined"])), ("origin", .oneOf(["purchase", "recharge"])),
            ("paymentMethodId", .string()), ("failureReason", .string()), ("createdAt", .dateTime),
            ("refundedCredits", .credits), ("refundedAmount", .money),
        ]),
        "Wallet": .object([
            ("account", .string()), ("available", .credits), ("held", .credits), ("used", .credits),
            ("total", .credits),
            (
                "autoRecharge",
                .object([
                    ("enabled", .boolean), ("thresholdCredits", .nullable(.credits)),
                    ("rechargeCredits", .nullable(.credits)), ("paymentMethodId", .nullable(.string())),
                    ("status", .string()), ("lastResult", .nullable(.string())),
                ])
            ),
            ("nextExpiry", .nullable(.object([("credits", .credits), ("at", .dateTime)]))),
        ]),
    ]
}

/// The OpenAPI 3.1 document of the HTTP API, as served at `/openapi.json`.
public func openAPIDocumentJSON() -> [UInt8] {
    OpenAPIDocument.json
}
