import Foundation
import Hummingbird
import TallyApp
import TallyCore

/// Settings → Billing: the wallet, the Buy credits dialog, auto-recharge, saved cards and purchases.
extension WebRoutes {
    func addBilling(to router: Router<TallyRequestContext>) {
        router.get(
            "/app/billing",
            use: page { request, visit, context in
                let query = request.uri.queryParameters
                let open = query.get("buy") != nil
                // Back from Stripe (Checkout or 3-D Secure): the page says what happened.
                let back = await backFromStripe(query, visit, context: context)
                return try await billingPage(back.map { visit.showing($0) } ?? visit, state: BillingState(buyOpen: open))
            }
        )
        router.post("/app/billing/purchases", use: action { form, visit, _ in try await buy(form, visit) })
        router.post("/app/billing/checkout", use: action { form, visit, _ in try await checkout(form, visit) })
        router.post(
            "/app/billing/cards",
            use: action { form, visit, _ in paysOnStripe ? try await addCardOnStripe(form, visit) : try await addCard(form, visit) }
        )
        router.post(
            "/app/billing/cards/{id}/delete",
            use: action { _, visit, context in
                try await tally.purchases.deletePaymentMethod(PaymentMethodID(try context.parameters.require("id")), by: visit.manager)
                return WebResponse.done("/app/billing#cards", flash: "The card was removed.", settings: settings)
            }
        )
        router.post("/app/billing/auto-recharge", use: action { form, visit, _ in try await configureAutoRecharge(form, visit) })
        router.post("/app/billing/alerts", use: action { form, visit, _ in try await configureAlerts(form, visit) })
        addLedgerCSV(to: router)
    }

    /// What a re-rendered billing page keeps of a rejected form.
    struct BillingState {
        var buyOpen = false
        var buy = FormState()
        var purchaseError = ""
        var autoRecharge: FormState?
        var alerts: FormState?
        var card = FormState()
        var status: HTTPResponse.Status = .ok
    }

    struct FormState {
        var values: [String: String] = [:]
        var errors = FormErrors()
    }

    func billingPage(_ visit: Visit, state: BillingState) async throws -> Response {
        let wallet = try await tally.wallets.wallet(of: try visit.featureCaller)
        let cards = try await tally.purchases.paymentMethods(of: visit.manager)
        let purchases = try await tally.purchases.purchases(of: visit.manager, limit: 50)
        var model = BillingModel(wallet: wallet, cards: cards, purchases: purchases, state: state, csrf: visit.csrf)
        model.onStripe = paysOnStripe
        model.activity = try await recentActivity(visit, purchases: purchases, cards: cards)
        let alerts = try await tally.balanceAlerts.alerts(of: ReportReader(visit.manager))
        model.alerts = alerts.thresholds.map {
            BillingModel.AlertRow(
                credits: RecentActivity.grouped($0.credits),
                fired: $0.state == "fired",
                firedAt: $0.firedAt.map(WebFormat.pacific) ?? "",
                unit: $0.credits == Credits(whole: 1) ? "credit" : "credits"
            )
        }
        model.alertValue = state.alerts?.values["thresholds"] ?? alerts.thresholds.map { WebFormat.shortCredits($0.credits) }.joined(separator: ", ")
        // A threshold that is no number is named by its place ("thresholds[1]"): shown on the one field.
        model.alertError = Text(
            (state.alerts?.errors.byField ?? [:]).filter { $0.key.hasPrefix("thresholds") }.map(\.value).sorted().joined(separator: "; ")
        )
        model.forecast = Text(ForecastSentence.of(wallet, today: today))
        return WebResponse.html(views.page("billing", model, title: "Billing", section: .billing, visit: visit), status: state.status)
    }

    // MARK: Buying credits

    static let cardFields = [
        "card.number": "cardNumber", "card.expMonth": "expMonth", "card.expYear": "expYear", "card.cvc": "cvc", "card": "cardNumber",
    ]

    func buy(_ form: WebForm, _ visit: Visit) async throws -> Response {
        let method = form["paymentMethodId"] ?? ""
        // With Stripe on, a new card is typed on Stripe's Checkout page.
        if paysOnStripe && (method.isEmpty || method == "new") { return try await checkout(form, visit) }
        var state = BillingState(buyOpen: true)
        state.buy.values = form.values
        var json = JSONFields()
        json.number("credits", form["credits"])
        if method.isEmpty || method == "new" {
            json.raw("card", Self.cardJSON(form))
            // The web flow keeps a new card for next time, once its payment succeeds.
            json.raw("saveCard", "true")
        } else {
            json.string("paymentMethodId", method)
        }
        do {
            let request = try JSONBody<Purchases.NewPurchase>.decode(Purchases.NewPurchase.self, from: json.bytes)
            let key = try form["idempotencyKey"].flatMap { $0.isEmpty ? nil : $0 }.map {
                try IdempotencyRequest(key: $0, method: "POST", path: "/app/billing/purchases", body: json.bytes)
            }
            let answer = try await tally.purchases.buy(request, by: visit.manager, idempotency: key)
            if answer.status >= 400 {
                // A replay of a first attempt that failed: the same answer again.
                let problem = try? JSONDecoder().decode(Problem.self, from: Data(answer.body))
                state.purchaseError = problem?.detail ?? "The purchase failed; no credits were added."
                state.status = .init(code: answer.status)
                return try await billingPage(visit, state: state)
            }
            if answer.status == 202 {
                // Not decided yet: 3-D Secure on Stripe's page, or the bank still processing.
                let pending = try JSONDecoder().decode(Purchases.PendingPurchaseView.self, from: Data(answer.body))
                if pending.status == "requires_action", let next = pending.nextActionUrl { return WebResponse.redirect(next) }
                return WebResponse.redirect("/app/billing?purchase=\(pending.id)")
            }
            let bought = try JSONDecoder().decode(Bought.self, from: Data(answer.body))
            let money = Money.parse(bought.amount).map(WebFormat.dollars) ?? "$\(bought.amount)"
            // Bought from the Credit usage page's dialog: back there.
            return WebResponse.done(
                form["returnTo"] == "/app/usage" ? "/app/usage" : "/app/billing",
                flash: "Added \(bought.credits) credits to your wallet; your card was charged \(money).",
                settings: settings
            )
        } catch TallyError.invalid(let errors) {
            state.buy.errors = FormErrors(errors, renaming: Self.cardFields.merging(["body": "credits"]) { $1 })
            state.status = .unprocessableContent
        } catch TallyError.paymentDeclined(_, let reason) {
            state.purchaseError = "Your card was declined: \(reason). No credits were added."
            state.status = .init(code: 402)
        } catch let error as TallyError {
            state.purchaseError = error.problem.detail
            state.status = .init(code: error.status)
        }
        return try await billingPage(visit, state: state)
    }

    struct Bought: Decodable {
        let credits: Credits
        let amount: String
    }

    static func cardJSON(_ form: WebForm) -> String {
        var card = JSONFields()
        card.string("number", (form["cardNumber"] ?? "").filter { $0 != " " && $0 != "-" })
        card.number("expMonth", form["expMonth"])
        card.number("expYear", form["expYear"])
        card.string("cvc", form["cvc"])
        return card.json
    }

    // MARK: Cards and auto-recharge

    func addCard(_ form: WebForm, _ visit: Visit) async throws -> Response {
        var json = JSONFields()
        json.raw("card", Self.cardJSON(form))
        do {
            let request = try JSONBody<Purchases.NewPaymentMethod>.decode(Purchases.NewPaymentMethod.self, from: json.bytes)
            let card = try await tally.purchases.addPaymentMethod(request, by: visit.manager)
            return WebResponse.done(
                "/app/billing#cards",
                flash: "Saved \(card.brand.capitalized) ending in \(card.last4).",
                settings: settings
            )
        } catch TallyError.invalid(let errors) {
            var state = BillingState()
            state.card = FormState(values: form.values, errors: FormErrors(errors, renaming: Self.cardFields))
            state.status = .unprocessableContent
            return try await billingPage(visit, state: state)
        }
    }

    func configureAutoRecharge(_ form: WebForm, _ visit: Visit) async throws -> Response {
        var json = JSONFields()
        json.bool("enabled", form.checked("enabled"))
        json.number("thresholdCredits", form["thresholdCredits"])
        json.number("rechargeCredits", form["rechargeCredits"])
        json.string("paymentMethodId", form["paymentMethodId"])
        json.number("maxRechargesPerDay", form["maxRechargesPerDay"])
        json.string(
            "maxSpendPerMonth",
            form["maxSpendPerMonth"].map { $0.replacingOccurrences(of: "$", with: "").replacingOccurrences(of: ",", with: "") }
        )
        do {
            let settings = try JSONBody<AutoRecharges.Settings>.decode(AutoRecharges.Settings.self, from: json.bytes)
            let saved = try await tally.autoRecharges.configure(settings, by: visit.manager)
            let flash =
                saved.enabled
                ? "Auto-recharge is on: \(WebFormat.shortCredits(saved.rechargeCredits ?? .zero)) credits whenever available credits fall below \(WebFormat.shortCredits(saved.thresholdCredits ?? .zero))."
                : "Auto-recharge is off."
            return WebResponse.done("/app/billing#auto-recharge", flash: flash, settings: self.settings)
        } catch TallyError.invalid(let errors) {
            var values = form.values
            values["enabled"] = form.checked("enabled") ? "on" : ""
            var state = BillingState()
            state.autoRecharge = FormState(values: values, errors: FormErrors(errors))
            state.status = .unprocessableContent
            return try await billingPage(visit, state: state)
        }
    }

    /// Saves the balance alerts typed as "500, 100" (commas between thresholds; a comma
    /// inside a number such as "1,000" is read as a separator, so none is written).
    func configureAlerts(_ form: WebForm, _ visit: Visit) async throws -> Response {
        let typed = form["thresholds"] ?? ""
        let parts = typed.split(whereSeparator: { $0 == "," || $0 == ";" }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var json = JSONFields()
        json.strings("thresholds", parts)
        do {
            let settings = try JSONBody<BalanceAlerts.Settings>.decode(BalanceAlerts.Settings.self, from: json.bytes)
            let saved = try await tally.balanceAlerts.configure(settings, by: visit.manager)
            let flash =
                saved.thresholds.isEmpty
                ? "No balance alerts are set."
                : "Balance alerts saved: you are told when available credits fall below "
                    + saved.thresholds.map { RecentActivity.grouped($0.credits) }.joined(separator: ", ") + "."
            return WebResponse.done("/app/billing#alerts", flash: flash, settings: self.settings)
        } catch TallyError.invalid(let errors) {
            var state = BillingState()
            state.alerts = FormState(values: ["thresholds": typed], errors: FormErrors(errors))
            state.status = .unprocessableContent
            return try await billingPage(visit, state: state)
        }
    }
}
