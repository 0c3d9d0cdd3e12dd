import Foundation

/// Stripe's test PaymentMethods the fake honours, as Stripe's testing docs describe them
/// (docs.stripe.com/testing): what the card is, and what it does when attached and charged.
struct FakeStripeCard: Sendable {
    enum Charge: Sendable {
        case succeeds
        /// A 402 card error with this decline code.
        case declines(declineCode: String)
        /// 3-D Secure: `requires_action` on-session, `authentication_required` off-session.
        case requiresAuthentication
    }

    enum Refund: Sendable {
        case succeeds
        /// Stays `pending` until the test settles it.
        case pending
        /// `succeeded`, then `failed` when the test settles it (Stripe does so later).
        case failsLater
    }

    var number: String
    var brand: String
    var charge: Charge
    var refund: Refund = .succeeds
    /// Stripe's cards that decline outright cannot be attached to a Customer either.
    var attachable: Bool = true

    var last4: String { String(number.suffix(4)) }
    /// Stable per card number, like Stripe's (same number, same fingerprint).
    var fingerprint: String {
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in number.utf8 { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        return "fp" + String(hash, radix: 36)
    }

    static let byPaymentMethod: [String: FakeStripeCard] = [
        "pm_card_visa": FakeStripeCard(number: "4242424242424242", brand: "visa", charge: .succeeds),
        "pm_card_mastercard": FakeStripeCard(number: "5555555555554444", brand: "mastercard", charge: .succeeds),
        "pm_card_chargeDeclined": FakeStripeCard(
            number: "4000000000000002",
            brand: "visa",
            charge: .declines(declineCode: "generic_decline"),
            attachable: false
        ),
        "pm_card_chargeDeclinedInsufficientFunds": FakeStripeCard(
            number: "4000000000009995",
            brand: "visa",
            charge: .declines(declineCode: "insufficient_funds"),
            attachable: false
        ),
        // Attaches, then every charge is declined: a saved card that stopped working.
        "pm_card_chargeCustomerFail": FakeStripeCard(number: "4000000000000341", brand: "visa", charge: .declines(declineCode: "generic_decline")),
        "pm_card_authenticationRequired": FakeStripeCard(number: "4000002760003184", brand: "visa", charge: .requiresAuthentication),
        "pm_card_pendingRefund": FakeStripeCard(number: "4000000000007726", brand: "visa", charge: .succeeds, refund: .pending),
        "pm_card_refundFail": FakeStripeCard(number: "4000000000005126", brand: "visa", charge: .succeeds, refund: .failsLater),
    ]
}

/// The parameters each endpoint accepts, from Stripe's OpenAPI description
/// (`stripe/openapi`, `openapi/spec3.json`): anything else is refused as Stripe refuses it.
enum FakeStripeParameters {
    static let customer: Set<String> = [
        "address", "balance", "cash_balance", "coupon", "description", "email", "expand", "invoice_prefix", "invoice_settings", "metadata",
        "name", "next_invoice_sequence", "payment_method", "phone", "preferred_locales", "promotion_code", "shipping", "source", "tax",
        "tax_exempt", "tax_id_data", "test_clock",
    ]
    static let attach: Set<String> = ["customer", "expand"]
    static let paymentIntent: Set<String> = [
        "amount", "application_fee_amount", "automatic_payment_methods", "capture_method", "confirm", "confirmation_method",
        "confirmation_token", "currency", "customer", "description", "error_on_requires_action", "expand", "mandate", "mandate_data",
        "metadata", "off_session", "on_behalf_of", "payment_method", "payment_method_configuration", "payment_method_data",
        "payment_method_options", "payment_method_types", "radar_options", "receipt_email", "return_url", "setup_future_usage", "shipping",
        "statement_descriptor", "statement_descriptor_suffix", "transfer_data", "transfer_group", "use_stripe_sdk",
    ]
    static let refund: Set<String> = [
        "amount", "charge", "currency", "customer", "expand", "instructions_email", "metadata", "origin", "payment_intent", "reason",
        "refund_application_fee", "reverse_transfer",
    ]
    static let retrievePaymentIntent: Set<String> = ["client_secret", "expand"]
    static let retrieve: Set<String> = ["expand"]
    static let retrieveSetupIntent: Set<String> = ["client_secret", "expand"]
    /// `POST /v1/checkout/sessions`: the 2022 description's parameters (the newest one
    /// stored), with those added since (`currency`, `ui_mode`, `return_url`, …).
    static let checkoutSession: Set<String> = [
        "after_expiration", "allow_promotion_codes", "automatic_tax", "billing_address_collection", "cancel_url", "client_reference_id",
        "consent_collection", "customer", "customer_creation", "customer_email", "customer_update", "discounts", "expand", "expires_at",
        "line_items", "locale", "metadata", "mode", "payment_intent_data", "payment_method_options", "payment_method_types",
        "phone_number_collection", "setup_intent_data", "shipping_address_collection", "shipping_options", "submit_type",
        "subscription_data", "success_url", "tax_id_collection",
        // Since 2022:
        "currency", "custom_fields", "custom_text", "invoice_creation", "payment_method_collection", "payment_method_configuration",
        "payment_method_data", "redirect_on_completion", "return_url", "saved_payment_method_options", "ui_mode",
    ]
    static let checkoutLineItem: Set<String> = ["adjustable_quantity", "dynamic_tax_rates", "price", "price_data", "quantity", "tax_rates"]
    static let checkoutPriceData: Set<String> = [
        "currency", "product", "product_data", "recurring", "tax_behavior", "unit_amount", "unit_amount_decimal",
    ]
    static let checkoutProductData: Set<String> = ["description", "images", "metadata", "name", "tax_code"]
    static let checkoutPaymentIntentData: Set<String> = [
        "application_fee_amount", "capture_method", "description", "metadata", "on_behalf_of", "receipt_email", "setup_future_usage",
        "shipping", "statement_descriptor", "statement_descriptor_suffix", "transfer_data", "transfer_group",
    ]
    static let checkoutSetupIntentData: Set<String> = ["description", "metadata", "on_behalf_of"]
}
