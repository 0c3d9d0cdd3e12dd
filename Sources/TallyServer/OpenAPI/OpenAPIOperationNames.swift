/// What a generated client calls each operation: its tag (the client's module) and its
/// `operationId` (the function's name), as `tag.operation` — `validations.validate_email`,
/// `wallet.get_wallet`. One table, so every name is chosen once and read together.
enum OpenAPIOperationNames {
    static let names: [String: (tag: String, id: String)] = [
        "GET /health": ("service", "get_health"),
        "GET /metrics": ("service", "get_metrics"),
        "GET /openapi.json": ("service", "get_openapi_document"),
        "GET /v1/pricing": ("service", "get_pricing"),

        "POST /v1/accounts": ("accounts", "create_account"),
        "POST /v1/accounts/{account}/verification": ("accounts", "verify_account"),
        "POST /v1/accounts/{account}/users": ("accounts", "add_user"),
        "POST /v1/sessions": ("sessions", "log_in"),
        "DELETE /v1/sessions": ("sessions", "log_out"),
        "GET /v1/accounts/{account}/api-keys": ("api_keys", "list_api_keys"),
        "POST /v1/accounts/{account}/api-keys": ("api_keys", "create_api_key"),
        "DELETE /v1/accounts/{account}/api-keys/{id}": ("api_keys", "revoke_api_key"),

        "GET /v1/accounts/{account}/wallet": ("wallet", "get_wallet"),
        "GET /v1/accounts/{account}/ledger": ("wallet", "list_ledger"),
        "GET /v1/accounts/{account}/ledger/{id}": ("wallet", "explain_ledger_entry"),
        "GET /v1/accounts/{account}/lots": ("wallet", "list_lots"),
        "POST /v1/accounts/{account}/grants": ("wallet", "grant_credits"),
        "POST /v1/accounts/{account}/adjustments": ("wallet", "adjust_credits"),

        "GET /v1/accounts/{account}/payment-methods": ("payment_methods", "list_payment_methods"),
        "POST /v1/accounts/{account}/payment-methods": ("payment_methods", "save_payment_method"),
        "GET /v1/accounts/{account}/payment-methods/{id}": ("payment_methods", "get_payment_method"),
        "DELETE /v1/accounts/{account}/payment-methods/{id}": ("payment_methods", "delete_payment_method"),
        "GET /v1/accounts/{account}/purchases": ("purchases", "list_purchases"),
        "POST /v1/accounts/{account}/purchases": ("purchases", "buy_credits"),
        "POST /v1/accounts/{account}/purchases/{id}/refunds": ("purchases", "refund_purchase"),
        "PUT /v1/accounts/{account}/auto-recharge": ("auto_recharge", "set_auto_recharge"),
        "GET /v1/accounts/{account}/alerts": ("alerts", "get_balance_alerts"),
        "PUT /v1/accounts/{account}/alerts": ("alerts", "set_balance_alerts"),
        "GET /v1/accounts/{account}/spend-caps": ("spend_caps", "get_spend_caps"),
        "PUT /v1/accounts/{account}/spend-caps": ("spend_caps", "set_spend_caps"),

        "POST /v1/accounts/{account}/validations/email": ("validations", "validate_email"),
        "POST /v1/accounts/{account}/validations/phone": ("validations", "validate_phone"),
        "POST /v1/accounts/{account}/credit-checks": ("credit_checks", "run_credit_check"),
        "POST /v1/accounts/{account}/sms": ("sms", "send_sms"),
        "POST /v1/sms/quote": ("sms", "quote_sms"),
        "POST /v1/accounts/{account}/holds": ("holds", "create_hold"),
        "GET /v1/accounts/{account}/holds/{id}": ("holds", "get_hold"),
        "POST /v1/accounts/{account}/holds/{id}/capture": ("holds", "capture_hold"),
        "POST /v1/accounts/{account}/holds/{id}/release": ("holds", "release_hold"),
        "GET /v1/accounts/{account}/events/{event}": ("events", "get_event"),
        "PUT /v1/accounts/{account}/events/{event}": ("events", "set_event"),
        "POST /v1/accounts/{account}/events/{event}/leads": ("events", "submit_lead"),
        "GET /v1/accounts/{account}/usage-guard": ("usage_guard", "get_usage_guard"),
        "PUT /v1/accounts/{account}/usage-guard": ("usage_guard", "set_usage_guard"),
        "POST /v1/accounts/{account}/usage-guard/resume": ("usage_guard", "resume_checks"),

        "GET /v1/accounts/{account}/usage": ("reports", "get_usage"),
        "GET /v1/accounts/{account}/logs/{log}": ("reports", "list_log"),

        "GET /v1/accounts/{account}/notifications": ("notifications", "list_notifications"),
        "GET /v1/accounts/{account}/webhooks": ("webhooks", "list_webhooks"),
        "POST /v1/accounts/{account}/webhooks": ("webhooks", "create_webhook"),
        "DELETE /v1/accounts/{account}/webhooks/{id}": ("webhooks", "delete_webhook"),
        "GET /v1/accounts/{account}/webhooks/{id}/deliveries": ("webhooks", "list_webhook_deliveries"),

        "GET /v1/providers": ("providers", "get_providers"),
        "POST /v1/providers/stripe/events": ("providers", "receive_stripe_event"),
        "POST /v1/providers/twilio/status/{id}": ("providers", "receive_twilio_status"),
    ]

    /// The tag and id of `method path`; an operation missing from the table is named after
    /// its path (and `theOpenAPIDocumentNamesEveryOperation` fails).
    static func name(method: String, path: String) -> (tag: String, id: String) {
        names["\(method.uppercased()) \(path)"]
            ?? ("default", method.lowercased() + path.replacingOccurrences(of: "/", with: "_"))
    }
}
