import Foundation

/// The fake Stripe's payments: PaymentIntents created and confirmed by test card, the
/// 3-D Secure page's outcome, refunds and the balance.
extension FakeStripeAPI {
    // MARK: - Payment intents

    func createPaymentIntent(_ parameters: [String: FakeStripeForm]) -> Answer {
        if let refusal = Self.check(parameters, allowed: FakeStripeParameters.paymentIntent, required: ["amount", "currency"]) { return refusal }
        guard let amountText = parameters["amount"]?.string, let amount = Int(amountText), amount > 0 else {
            return Self.invalid(param: "amount", message: "Invalid integer: \(parameters["amount"]?.string ?? "")", code: nil)
        }
        guard amount >= 50 else {
            return Self.invalid(param: "amount", message: "Amount must be at least $0.50 usd", code: "amount_too_small")
        }
        guard let currency = parameters["currency"]?.string, currency == currency.lowercased(), currency.count == 3 else {
            return Self.invalid(param: "currency", message: "Invalid currency: \(parameters["currency"]?.string ?? "")", code: nil)
        }
        let confirm = parameters["confirm"]?.string == "true"
        let offSession = parameters["off_session"]?.string == "true"
        if parameters["off_session"] != nil, !confirm {
            return Self.invalid(param: "off_session", message: "You can only pass in off_session when confirm is set to true.", code: nil)
        }
        if parameters["return_url"] != nil, !confirm {
            return Self.invalid(param: "return_url", message: "You can only pass in return_url when confirm is set to true.", code: nil)
        }
        if let usage = parameters["setup_future_usage"], usage.string != "off_session", usage.string != "on_session" {
            return Self.invalid(
                param: "setup_future_usage",
                message: "Invalid setup_future_usage: must be one of on_session or off_session",
                code: nil
            )
        }
        var customer: String?
        if let given = parameters["customer"] {
            guard let id = given.string, objects[id]?["object"] as? String == "customer" else {
                return Self.missing(param: "customer", id: given.string ?? "")
            }
            customer = id
        }
        var method: (id: String, card: FakeStripeCard)?
        if let given = parameters["payment_method"]?.string {
            guard let found = paymentMethod(given) else { return Self.missing(param: "payment_method", id: given) }
            if let owner = objects[found.id]?["customer"] as? String, owner != customer {
                return Self.invalid(param: "payment_method", message: "The provided PaymentMethod belongs to another Customer.", code: nil)
            }
            method = found
        }
        if confirm, method == nil {
            return Self.invalid(
                param: "payment_method",
                message: "You cannot confirm this PaymentIntent because it's missing a payment method.",
                code: nil
            )
        }
        // Since 2023-08-16 a PaymentIntent takes the Dashboard's payment methods, some of
        // which redirect: confirming on-session needs somewhere to come back to.
        if confirm, !offSession, parameters["return_url"] == nil, parameters["payment_method_types"] == nil,
            parameters["automatic_payment_methods"]?.fields?["allow_redirects"]?.string != "never"
        {
            return Self.invalid(
                param: "return_url",
                message:
                    "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. Because some of these payment methods might redirect your customer off of your page, you must provide a `return_url`.",
                code: nil
            )
        }
        let id = newID("pi")
        var intent: [String: Any] = [
            "id": id, "object": "payment_intent", "created": now, "livemode": false, "amount": amount, "amount_received": 0,
            "amount_capturable": 0, "currency": currency, "customer": customer ?? NSNull(), "payment_method": method?.id ?? NSNull(),
            "metadata": parameters["metadata"]?.json ?? [String: Any](), "status": confirm ? "processing" : "requires_payment_method",
            "capture_method": "automatic", "confirmation_method": "automatic", "client_secret": id + "_secret_" + newID("cs"),
            "description": parameters["description"]?.string ?? NSNull(), "latest_charge": NSNull(), "last_payment_error": NSNull(),
            "next_action": NSNull(), "payment_method_types": ["card"], "setup_future_usage": parameters["setup_future_usage"]?.string ?? NSNull(),
            "automatic_payment_methods": ["enabled": true, "allow_redirects": "always"], "canceled_at": NSNull(), "cancellation_reason": NSNull(),
            "return_url": parameters["return_url"]?.string ?? NSNull(), "off_session": offSession,
        ]
        guard confirm, let method else {
            if method == nil { intent["status"] = "requires_payment_method" } else { intent["status"] = "requires_confirmation" }
            objects[id] = intent
            return ok(id)
        }
        switch method.card.charge {
        case .succeeds:
            succeed(&intent, id: id, amount: amount, customer: customer, method: method.id, save: parameters["setup_future_usage"] != nil)
            objects[id] = intent
            return ok(id)
        case .declines(let declineCode):
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = Self.cardErrorObject(declineCode: declineCode, code: "card_declined")
            objects[id] = intent
            return cardError(declineCode: declineCode, paymentIntent: id)
        case .requiresAuthentication where offSession:
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = Self.cardErrorObject(declineCode: "authentication_required", code: "authentication_required")
            objects[id] = intent
            return cardError(declineCode: "authentication_required", code: "authentication_required", paymentIntent: id)
        case .requiresAuthentication:
            intent["status"] = "requires_action"
            let returnURL: Any = parameters["return_url"]?.string ?? NSNull()
            intent["next_action"] =
                [
                    "type": "redirect_to_url",
                    "redirect_to_url": ["url": baseURL + "/3ds/" + id, "return_url": returnURL] as [String: Any],
                ] as [String: Any]
            objects[id] = intent
            return ok(id)
        }
    }

    func succeed(_ intent: inout [String: Any], id: String, amount: Int, customer: String?, method: String, save: Bool) {
        let charge = newID("ch")
        intent["status"] = "succeeded"
        intent["amount_received"] = amount
        intent["latest_charge"] = charge
        intent["next_action"] = NSNull()
        // A Charge in Stripe's shape; `refunds` only when expanded (since 2022-11-15).
        objects[charge] = [
            "id": charge, "object": "charge", "amount": amount, "amount_captured": amount, "amount_refunded": 0, "captured": true,
            "paid": true, "refunded": false, "disputed": false, "status": "succeeded", "payment_intent": id, "payment_method": method,
            "currency": intent["currency"] as? String ?? "usd", "customer": customer ?? NSNull(), "created": now, "livemode": false,
            "metadata": intent["metadata"] ?? [String: Any](), "description": NSNull(), "failure_code": NSNull(), "failure_message": NSNull(),
            "balance_transaction": NSNull(),
        ]
        if save, let customer, objects[method]?["customer"] is NSNull { objects[method]?["customer"] = customer }
    }

    /// The cardholder's answer on the 3-D Secure page: the payment succeeds or fails, the
    /// browser goes back to the PaymentIntent's `return_url`, and (with a webhook set)
    /// `payment_intent.succeeded` or `payment_intent.payment_failed` is to be posted.
    func authenticate(_ id: String, succeeded: Bool) -> (back: String, events: [FakeStripeOutgoingEvent])? {
        guard var intent = objects[id], intent["status"] as? String == "requires_action" else { return nil }
        if succeeded {
            succeed(
                &intent,
                id: id,
                amount: intent["amount"] as? Int ?? 0,
                customer: intent["customer"] as? String,
                method: intent["payment_method"] as? String ?? "",
                save: intent["setup_future_usage"] is String
            )
        } else {
            intent["status"] = "requires_payment_method"
            intent["next_action"] = NSNull()
            intent["last_payment_error"] = [
                "type": "invalid_request_error", "code": "payment_intent_authentication_failure",
                "message": "The provided PaymentMethod has failed authentication.",
            ]
        }
        objects[id] = intent
        let returnURL = intent["return_url"] as? String ?? baseURL
        let back =
            returnURL + (returnURL.contains("?") ? "&" : "?")
            + "payment_intent=\(id)&payment_intent_client_secret=\(intent["client_secret"] as? String ?? "")&redirect_status=\(succeeded ? "succeeded" : "failed")"
        return (back, webhookEvents([(succeeded ? "payment_intent.succeeded" : "payment_intent.payment_failed", id)]))
    }

    // MARK: - Refunds and balance

    func createRefund(_ parameters: [String: FakeStripeForm]) -> Answer {
        if let refusal = Self.check(parameters, allowed: FakeStripeParameters.refund) { return refusal }
        guard let intentID = parameters["payment_intent"]?.string ?? parameters["charge"].flatMap({ _ in nil }) else {
            return Self.invalid(
                param: nil,
                message: "One of the following params should be provided for this request: payment_intent or charge.",
                code: "parameter_missing"
            )
        }
        guard let intent = objects[intentID], intent["object"] as? String == "payment_intent" else {
            return Self.missing(param: "payment_intent", id: intentID)
        }
        guard intent["status"] as? String == "succeeded", let chargeID = intent["latest_charge"] as? String, var charge = objects[chargeID] else {
            return Self.invalid(
                param: "payment_intent",
                message: "This PaymentIntent (\(intentID)) does not have a successful charge to refund.",
                code: "charge_not_refundable"
            )
        }
        let received = intent["amount_received"] as? Int ?? 0
        let refunded = charge["amount_refunded"] as? Int ?? 0
        var amount = received - refunded
        if let given = parameters["amount"] {
            guard let text = given.string, let value = Int(text), value > 0 else {
                return Self.invalid(param: "amount", message: "Invalid positive integer", code: nil)
            }
            amount = value
        }
        guard amount <= received - refunded else {
            return Self.invalid(
                param: "amount",
                message:
                    "Refund amount ($\(Self.dollars(amount))) is greater than unrefunded amount on charge ($\(Self.dollars(received - refunded)))",
                code: "amount_too_large"
            )
        }
        guard amount > 0 else {
            return Self.invalid(param: "amount", message: "Charge \(chargeID) has already been refunded.", code: "charge_already_refunded")
        }
        let card = (intent["payment_method"] as? String).flatMap { cards[$0] }
        let id = newID("re")
        charge["amount_refunded"] = refunded + amount
        charge["refunded"] = refunded + amount >= (charge["amount"] as? Int ?? 0)
        objects[chargeID] = charge
        objects[id] = [
            "id": id, "object": "refund", "amount": amount, "charge": chargeID, "payment_intent": intentID, "created": now, "currency": "usd",
            "metadata": parameters["metadata"]?.json ?? [String: Any](), "reason": parameters["reason"]?.string ?? NSNull(),
            "status": card?.refund == .pending ? "pending" : "succeeded", "failure_reason": NSNull(),
        ]
        return ok(id)
    }

    /// Moves a refund on, as Stripe does later (`pending` → `succeeded`, or → `failed`):
    /// nil when there is no such refund, else the `refund.updated` event to post (none
    /// without a webhook). A failed refund's amount goes back onto its charge.
    func settleRefund(_ id: String, status: String) -> [FakeStripeOutgoingEvent]? {
        guard let refund = objects[id], refund["object"] as? String == "refund" else { return nil }
        let previous = refund["status"] as? String ?? ""
        objects[id]?["status"] = status
        if status == "failed" {
            objects[id]?["failure_reason"] = "lost_or_stolen_card"
            if previous != "failed", let chargeID = refund["charge"] as? String, var charge = objects[chargeID] {
                charge["amount_refunded"] = max(0, (charge["amount_refunded"] as? Int ?? 0) - (refund["amount"] as? Int ?? 0))
                charge["refunded"] = false
                objects[chargeID] = charge
            }
        }
        guard previous != status else { return [] }
        return webhookEvents([("refund.updated", id)], previousAttributes: ["status": previous])
    }

    func balance(_ parameters: [String: FakeStripeForm]) -> Answer {
        if let refusal = Self.check(parameters, allowed: FakeStripeParameters.retrieve) { return refusal }
        let charges = objects.values.filter { $0["object"] as? String == "charge" }
        let net = charges.reduce(0) { $0 + ($1["amount"] as? Int ?? 0) - ($1["amount_refunded"] as? Int ?? 0) }
        let body: [String: Any] = [
            "object": "balance", "livemode": false,
            "available": [["amount": net, "currency": "usd", "source_types": ["card": net]]],
            "pending": [["amount": 0, "currency": "usd", "source_types": ["card": 0]]],
        ]
        return Answer(status: 200, body: Self.json(body))
    }
}
