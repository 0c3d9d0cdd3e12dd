import Foundation

/// What a Checkout Session makes when the buyer completes it, kept beside its object.
struct FakeStripeCheckout: Sendable {
    /// `payment_intent_data[metadata]`: the PaymentIntent's metadata.
    var intentMetadata: [String: String] = [:]
    /// `payment_intent_data[setup_future_usage]`.
    var setupFutureUsage: String?
    /// `setup_intent_data[metadata]`: the SetupIntent's metadata.
    var setupMetadata: [String: String] = [:]
    /// The line items' names, shown on the hosted page.
    var productNames: [String] = []
}

/// The fake's Stripe Checkout: sessions created and retrieved in Stripe's shapes, and the
/// hosted page's outcome (a PaymentIntent or a SetupIntent, the session complete, the
/// browser sent to `success_url`).
extension FakeStripeAPI {
    /// What the hosted page does next.
    enum CheckoutOutcome: Sendable {
        /// A 303 to this address, after these events are posted.
        case redirect(String, events: [FakeStripeOutgoingEvent])
        /// The page again, with this error (a declined card, a session no longer open).
        case page(error: String)
        case notFound
    }

    // MARK: - Creating a session

    func createCheckoutSession(_ parameters: [String: FakeStripeForm]) -> Answer {
        if let refusal = Self.check(parameters, allowed: FakeStripeParameters.checkoutSession, required: ["success_url"]) { return refusal }
        for name in ["mode", "success_url", "cancel_url", "client_reference_id", "customer", "currency", "customer_email", "ui_mode"]
        where parameters[name] != nil && parameters[name]?.string == nil {
            return Self.invalid(param: name, message: "Invalid string: an object was given", code: nil)
        }
        guard let mode = parameters["mode"]?.string else {
            return Self.invalid(param: "mode", message: "Missing required param: mode.", code: "parameter_missing")
        }
        guard mode == "payment" || mode == "setup" else {
            return Self.invalid(
                param: "mode",
                message: mode == "subscription"
                    ? "This fake Stripe has no subscriptions." : "Invalid mode: must be one of payment, setup, or subscription",
                code: nil
            )
        }
        if let ui = parameters["ui_mode"]?.string, ui != "hosted" {
            return Self.invalid(param: "ui_mode", message: "This fake Stripe has only the hosted Checkout page.", code: nil)
        }
        for name in ["success_url", "cancel_url"] {
            if let url = parameters[name]?.string, !(url.hasPrefix("https://") || url.hasPrefix("http://")) || URL(string: url) == nil {
                return Self.invalid(param: name, message: "Not a valid URL", code: "url_invalid")
            }
        }
        if let reference = parameters["client_reference_id"]?.string, reference.isEmpty || reference.count > 200 {
            return Self.invalid(param: "client_reference_id", message: "client_reference_id is 1 to 200 characters.", code: nil)
        }
        var customer: String?
        if let given = parameters["customer"]?.string {
            guard objects[given]?["object"] as? String == "customer" else { return Self.missing(param: "customer", id: given) }
            customer = given
        }
        var currency = parameters["currency"]?.string
        if let given = currency, given.count != 3 || given != given.lowercased() {
            return Self.invalid(param: "currency", message: "Invalid currency: \(given)", code: nil)
        }
        var methodTypes: [String] = ["card"]
        if let types = parameters["payment_method_types"] {
            guard let list = Self.list(types), !list.isEmpty, list.allSatisfy({ $0.string != nil }) else {
                return Self.invalid(param: "payment_method_types", message: "Invalid array", code: nil)
            }
            methodTypes = list.compactMap(\.string)
            if let other = methodTypes.first(where: { $0 != "card" }) {
                return Self.invalid(param: "payment_method_types", message: "This fake Stripe takes cards only, not \(other).", code: nil)
            }
        }
        var checkout = FakeStripeCheckout()
        var amountTotal: Int?
        switch mode {
        case "setup":
            for name in ["line_items", "payment_intent_data"] where parameters[name] != nil {
                return Self.invalid(param: name, message: "You cannot pass `\(name)` in `setup` mode.", code: nil)
            }
            if currency == nil, parameters["payment_method_types"] == nil {
                return Self.invalid(
                    param: "currency",
                    message:
                        "`currency` is required in `setup` mode when `payment_method_types` is not passed, so that Checkout can show the payment methods available in that currency.",
                    code: nil
                )
            }
            if let data = parameters["setup_intent_data"] {
                if let refusal = Self.nested(data, name: "setup_intent_data", allowed: FakeStripeParameters.checkoutSetupIntentData) {
                    return refusal
                }
                checkout.setupMetadata = Self.strings(data.fields?["metadata"])
            }
        default:
            if parameters["setup_intent_data"] != nil {
                return Self.invalid(param: "setup_intent_data", message: "You cannot pass `setup_intent_data` in `payment` mode.", code: nil)
            }
            guard let items = parameters["line_items"] else {
                return Self.invalid(param: "line_items", message: "`line_items` is required in `payment` mode.", code: "parameter_missing")
            }
            switch lineItems(items) {
            case .failure(let refusal): return refusal.answer
            case .success(let (total, itemCurrency, names)):
                if let currency, currency != itemCurrency {
                    return Self.invalid(param: "currency", message: "`currency` must match the line items' currency (\(itemCurrency)).", code: nil)
                }
                guard total >= 50 else {
                    return Self.invalid(
                        param: "line_items",
                        message: "The Checkout Session's total amount must be at least $0.50 usd",
                        code: "amount_too_small"
                    )
                }
                amountTotal = total
                currency = itemCurrency
                checkout.productNames = names
            }
            if let data = parameters["payment_intent_data"] {
                if let refusal = Self.nested(data, name: "payment_intent_data", allowed: FakeStripeParameters.checkoutPaymentIntentData) {
                    return refusal
                }
                if let usage = data.fields?["setup_future_usage"] {
                    guard usage.string == "off_session" || usage.string == "on_session" else {
                        return Self.invalid(
                            param: "payment_intent_data[setup_future_usage]",
                            message: "Invalid payment_intent_data[setup_future_usage]: must be one of on_session or off_session",
                            code: nil
                        )
                    }
                    checkout.setupFutureUsage = usage.string
                }
                checkout.intentMetadata = Self.strings(data.fields?["metadata"])
            }
        }
        let id = newID("cs_test")
        objects[id] = [
            "id": id, "object": "checkout.session", "mode": mode, "status": "open",
            "payment_status": mode == "setup" ? "no_payment_required" : "unpaid", "url": baseURL + "/checkout/" + id,
            "success_url": parameters["success_url"]?.string ?? NSNull(), "cancel_url": parameters["cancel_url"]?.string ?? NSNull(),
            "customer": customer ?? NSNull(), "customer_email": parameters["customer_email"]?.string ?? NSNull(),
            "client_reference_id": parameters["client_reference_id"]?.string ?? NSNull(),
            "metadata": parameters["metadata"]?.json ?? [String: Any](), "amount_total": amountTotal ?? NSNull(),
            "amount_subtotal": amountTotal ?? NSNull(), "currency": currency ?? NSNull(), "payment_intent": NSNull(), "setup_intent": NSNull(),
            "payment_method_types": methodTypes, "livemode": false, "created": now, "expires_at": now + 86_400, "ui_mode": "hosted",
            "locale": NSNull(), "submit_type": NSNull(), "customer_details": NSNull(), "invoice": NSNull(), "subscription": NSNull(),
            "payment_link": NSNull(), "payment_method_collection": "always",
            "total_details": ["amount_discount": 0, "amount_shipping": 0, "amount_tax": 0],
        ]
        checkouts[id] = checkout
        return ok(id)
    }

    /// A form list (`x[0]=…&x[1]=…`) in order, or nil when it is not one.
    static func list(_ value: FakeStripeForm) -> [FakeStripeForm]? {
        guard let fields = value.fields else { return nil }
        let indexes = fields.keys.compactMap(Int.init).sorted()
        guard indexes.count == fields.count, indexes == Array(0..<fields.count) else { return nil }
        return indexes.map { fields[String($0)]! }
    }

    static func strings(_ value: FakeStripeForm?) -> [String: String] {
        value?.fields?.compactMapValues(\.string) ?? [:]
    }

    /// Refuses an unknown field of the nested object `name`, or metadata that is not strings.
    static func nested(_ value: FakeStripeForm, name: String, allowed: Set<String>) -> Answer? {
        guard let fields = value.fields else { return invalid(param: name, message: "Invalid object", code: nil) }
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            return invalid(param: "\(name)[\(unknown)]", message: "Received unknown parameter: \(name)[\(unknown)]", code: "parameter_unknown")
        }
        if let metadata = fields["metadata"], metadata.fields?.values.allSatisfy({ $0.string != nil }) != true {
            return invalid(param: "\(name)[metadata]", message: "Invalid object", code: nil)
        }
        return nil
    }

    struct Refused: Error {
        var answer: Answer
    }

    /// The line items' total in cents, their currency and names.
    private func lineItems(_ value: FakeStripeForm) -> Result<(Int, String, [String]), Refused> {
        func refuse(_ param: String, _ message: String, code: String? = nil) -> Result<(Int, String, [String]), Refused> {
            .failure(Refused(answer: Self.invalid(param: param, message: message, code: code)))
        }
        guard let items = Self.list(value), !items.isEmpty else { return refuse("line_items", "Invalid array") }
        var total = 0
        var currency: String?
        var names: [String] = []
        for (index, item) in items.enumerated() {
            let name = "line_items[\(index)]"
            if let refusal = Self.nested(item, name: name, allowed: FakeStripeParameters.checkoutLineItem) {
                return .failure(Refused(answer: refusal))
            }
            let fields = item.fields ?? [:]
            if let price = fields["price"] {
                return .failure(Refused(answer: Self.missing(param: "\(name)[price]", id: price.string ?? "")))
            }
            guard let priceData = fields["price_data"] else {
                return refuse(name, "You must specify either `price` or `price_data` in each line item.", code: "parameter_missing")
            }
            if let refusal = Self.nested(priceData, name: "\(name)[price_data]", allowed: FakeStripeParameters.checkoutPriceData) {
                return .failure(Refused(answer: refusal))
            }
            let price = priceData.fields ?? [:]
            guard let itemCurrency = price["currency"]?.string else {
                return refuse("\(name)[price_data][currency]", "Missing required param: \(name)[price_data][currency].", code: "parameter_missing")
            }
            guard itemCurrency.count == 3, itemCurrency == itemCurrency.lowercased() else {
                return refuse("\(name)[price_data][currency]", "Invalid currency: \(itemCurrency)")
            }
            if let earlier = currency, earlier != itemCurrency {
                return refuse("\(name)[price_data][currency]", "All line items must be in the same currency.")
            }
            currency = itemCurrency
            if price["recurring"] != nil {
                return refuse("\(name)[price_data][recurring]", "A recurring price is for `subscription` mode.")
            }
            guard let amountText = price["unit_amount"]?.string else {
                return refuse(
                    "\(name)[price_data][unit_amount]",
                    "Missing required param: \(name)[price_data][unit_amount].",
                    code: "parameter_missing"
                )
            }
            guard let unit = Int(amountText), unit >= 0 else {
                return refuse("\(name)[price_data][unit_amount]", "Invalid integer: \(amountText)")
            }
            if price["product"] != nil {
                return .failure(Refused(answer: Self.missing(param: "\(name)[price_data][product]", id: price["product"]?.string ?? "")))
            }
            guard let product = price["product_data"] else {
                return refuse(
                    "\(name)[price_data]",
                    "You must specify either `product` or `product_data` in `price_data`.",
                    code: "parameter_missing"
                )
            }
            if let refusal = Self.nested(product, name: "\(name)[price_data][product_data]", allowed: FakeStripeParameters.checkoutProductData) {
                return .failure(Refused(answer: refusal))
            }
            guard let productName = product.fields?["name"]?.string, !productName.isEmpty else {
                return refuse(
                    "\(name)[price_data][product_data][name]",
                    "Missing required param: \(name)[price_data][product_data][name].",
                    code: "parameter_missing"
                )
            }
            guard let quantityText = fields["quantity"]?.string else {
                return refuse("\(name)[quantity]", "Quantity is required. Add `quantity` to `line_items[\(index)]`", code: "parameter_missing")
            }
            guard let quantity = Int(quantityText), quantity >= 1 else {
                return refuse("\(name)[quantity]", "Invalid integer: \(quantityText)")
            }
            total += unit * quantity
            names.append(quantity == 1 ? productName : "\(quantity) × \(productName)")
        }
        return .success((total, currency ?? "usd", names))
    }

    // MARK: - The hosted page

    /// The hosted page, with `error` when there is one: nil when there is no such session.
    func checkoutPage(_ id: String, error: String? = nil) -> String? {
        guard let session = objects[id], session["object"] as? String == "checkout.session" else { return nil }
        return FakeStripePages.page(id: id, session: session, products: checkouts[id]?.productNames ?? [], error: error)
    }

    /// The buyer submits the hosted page with the test card `paymentMethod`.
    func completeCheckout(_ id: String, paymentMethod: String) -> CheckoutOutcome {
        guard let session = objects[id], session["object"] as? String == "checkout.session" else { return .notFound }
        guard session["status"] as? String == "open" else { return .page(error: "This Checkout Session is no longer active.") }
        guard FakeStripeCard.byPaymentMethod[paymentMethod] != nil, let method = self.paymentMethod(paymentMethod) else {
            return .page(error: "Unknown test card \(paymentMethod).")
        }
        let customer = session["customer"] as? String
        let checkout = checkouts[id] ?? FakeStripeCard.noCheckout
        if session["mode"] as? String == "setup" {
            guard method.card.attachable else { return .page(error: "Your card was declined.") }
            if let customer { objects[method.id]?["customer"] = customer }
            let setup = newID("seti")
            objects[setup] = [
                "id": setup, "object": "setup_intent", "status": "succeeded", "customer": customer ?? NSNull(), "payment_method": method.id,
                "usage": "off_session", "metadata": checkout.setupMetadata, "created": now, "livemode": false,
                "client_secret": setup + "_secret_" + newID("s"), "payment_method_types": ["card"], "last_setup_error": NSNull(),
                "next_action": NSNull(), "cancellation_reason": NSNull(), "description": NSNull(),
            ]
            objects[id]?["setup_intent"] = setup
            return finish(id, paid: false, events: [])
        }
        let amount = session["amount_total"] as? Int ?? 0
        let intentID = newID("pi")
        var intent: [String: Any] = [
            "id": intentID, "object": "payment_intent", "created": now, "livemode": false, "amount": amount, "amount_received": 0,
            "amount_capturable": 0, "currency": session["currency"] as? String ?? "usd", "customer": customer ?? NSNull(),
            "payment_method": method.id, "metadata": checkout.intentMetadata, "status": "processing", "capture_method": "automatic",
            "confirmation_method": "automatic", "client_secret": intentID + "_secret_" + newID("s"), "description": NSNull(),
            "latest_charge": NSNull(), "last_payment_error": NSNull(), "next_action": NSNull(), "payment_method_types": ["card"],
            "setup_future_usage": checkout.setupFutureUsage ?? NSNull(), "canceled_at": NSNull(), "cancellation_reason": NSNull(),
            "return_url": NSNull(), "off_session": false,
        ]
        objects[id]?["payment_intent"] = intentID
        switch method.card.charge {
        case .succeeds:
            succeed(&intent, id: intentID, amount: amount, customer: customer, method: method.id, save: checkout.setupFutureUsage != nil)
            objects[intentID] = intent
            return finish(id, paid: true, events: [("payment_intent.succeeded", intentID)])
        case .declines(let declineCode):
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = Self.cardErrorObject(declineCode: declineCode, code: "card_declined")
            objects[intentID] = intent
            return .page(error: Self.cardErrorObject(declineCode: declineCode, code: "card_declined")["message"] as? String ?? "Declined.")
        case .requiresAuthentication:
            // 3-D Secure first; back here afterwards (`returnFromAuthentication`).
            let back = baseURL + "/checkout/" + id + "/return"
            intent["status"] = "requires_action"
            intent["return_url"] = back
            intent["next_action"] =
                ["type": "redirect_to_url", "redirect_to_url": ["url": baseURL + "/3ds/" + intentID, "return_url": back]] as [String: Any]
            objects[intentID] = intent
            return .redirect(baseURL + "/3ds/" + intentID, events: [])
        }
    }

    /// Back from 3-D Secure started on the hosted page: paid, or the page again.
    func returnFromAuthentication(_ id: String) -> CheckoutOutcome {
        guard let session = objects[id], session["object"] as? String == "checkout.session" else { return .notFound }
        guard session["status"] as? String == "open", let intentID = session["payment_intent"] as? String else {
            return .page(error: "This Checkout Session is no longer active.")
        }
        guard objects[intentID]?["status"] as? String == "succeeded" else {
            return .page(error: "We are unable to authenticate your payment method. Please choose a different payment method and try again.")
        }
        // `payment_intent.succeeded` went when the cardholder authenticated.
        return finish(id, paid: true, events: [])
    }

    /// The session complete; the browser to `success_url`, the session's id in it.
    private func finish(_ id: String, paid: Bool, events: [(type: String, objectID: String)]) -> CheckoutOutcome {
        objects[id]?["status"] = "complete"
        if paid { objects[id]?["payment_status"] = "paid" }
        objects[id]?["url"] = NSNull()
        let success = (objects[id]?["success_url"] as? String ?? baseURL).replacingOccurrences(of: "{CHECKOUT_SESSION_ID}", with: id)
        return .redirect(success, events: webhookEvents(events + [("checkout.session.completed", id)]))
    }

    /// The session expires unused (`checkout.session.expired`).
    func expireCheckout(_ id: String) -> [FakeStripeOutgoingEvent]? {
        guard objects[id]?["object"] as? String == "checkout.session", objects[id]?["status"] as? String == "open" else { return nil }
        objects[id]?["status"] = "expired"
        objects[id]?["url"] = NSNull()
        return webhookEvents([("checkout.session.expired", id)])
    }
}

extension FakeStripeCard {
    static let noCheckout = FakeStripeCheckout()
}
