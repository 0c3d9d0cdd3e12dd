import Foundation
import TallyApp
import TallyCore

/// What the billing page shows, ready for its template: every figure already written out.
struct BillingModel {
    struct Figure {
        let label: String
        let test: String
        let credits: String
        let money: String
        let hint: String
    }

    struct Card {
        let id: String
        let label: String
        let expires: String
        let added: String
        let selected: Bool
    }

    struct PurchaseRow {
        let date: String
        let credits: String
        let amount: String
        let status: String
        let succeeded: Bool
        let origin: String
        let card: Text
        let reason: Text
    }

    struct Bundle {
        let credits: String
        let price: String
        let test: String
        let selected: Bool
    }

    let figures: [Figure]
    /// Used and Total: the figures the Credit usage page shows beside Available.
    let summaryFigures: [Figure]
    /// Where a successful purchase from the dialog lands: Billing unless set.
    var returnTo: Text = ""
    let availableCredits: String
    let availableMoney: String
    let depleted: Bool
    let lowBalance: Bool
    let thresholdCredits: String
    let autoRechargeOn: Bool
    let autoRechargeStatus: String
    let autoRechargeLast: Text
    let cards: [Card]
    let hasCards: Bool
    let purchases: [PurchaseRow]
    /// Recent activity in words (see `RecentActivity`).
    var activity: [ActivityRow] = []
    let csrf: String
    // The Buy credits dialog.
    let buyOpen: Bool
    let bundles: [Bundle]
    let buyValues: [String: String]
    let buyErrors: [String: Text]
    let buyNewCard: Bool
    let buyPrice: String
    let purchaseError: Text
    let idempotencyKey: String
    let centsPerCredit: String
    let minimumCredits: String
    let maximumCredits: String
    // Auto-recharge and the add-card form.
    let autoValues: [String: String]
    let autoErrors: [String: Text]
    let autoEnabled: Bool
    let autoCards: [Card]
    let cardValues: [String: String]
    let cardErrors: [String: Text]
    /// Balance alerts: each threshold and whether it fired; the form's value and its error.
    struct AlertRow {
        let credits: String
        let fired: Bool
        let firedAt: String
        let unit: String
    }
    /// Set with `alerts` (templates read stored values only).
    var alerts: [AlertRow] = [] {
        didSet { hasAlerts = !alerts.isEmpty }
    }
    var hasAlerts = false
    var alertValue = ""
    var alertError: Text = ""
    /// The wallet's forecast in words (``ForecastSentence``): the pace and when credits run out.
    var forecast: Text = ""
    /// The soonest credits to expire: "120.000 credits expire on Dec 31, 2026".
    let nextExpiry: Text
    /// Payments go to Stripe: no card field; a new card and a card to add go to Stripe Checkout.
    var onStripe = false
    /// The add-card form's key, so a double click opens one Checkout page.
    let addCardKey = WebSession.randomToken()

    init(
        wallet: Wallets.WalletView,
        cards: [Purchases.PaymentMethodView],
        purchases: [Purchases.PurchaseView],
        state: WebRoutes.BillingState,
        csrf: String
    ) {
        func figure(_ label: String, _ test: String, _ credits: Credits, _ hint: String) -> Figure {
            Figure(label: label, test: test, credits: credits.description, money: WebFormat.dollars(Catalog.value(of: credits)), hint: hint)
        }
        figures = [
            figure("Used", "used", wallet.used, "spent on features"),
            figure("Held", "held", wallet.held, "reserved for actions in progress"),
            figure("Total", "total", wallet.total, "added since the account opened, less refunds and expiries"),
        ]
        summaryFigures = figures.filter { $0.test != "held" }
        availableCredits = wallet.available.description
        availableMoney = WebFormat.dollars(Catalog.value(of: wallet.available))
        nextExpiry = Text(wallet.nextExpiry.map { "\($0.credits) credits expire on \(WebFormat.pacific($0.at))" } ?? "")
        let recharge = wallet.autoRecharge
        depleted = !wallet.available.isPositive
        lowBalance = !depleted && recharge.enabled && recharge.thresholdCredits.map { wallet.available < $0 } ?? false
        thresholdCredits = recharge.thresholdCredits.map { WebFormat.shortCredits($0) } ?? ""
        autoRechargeOn = recharge.enabled
        autoRechargeStatus = recharge.enabled ? "On" : "Off"
        var last = ""
        if let result = recharge.lastResult {
            last = "Last recharge: \(result.rawValue.replacingOccurrences(of: "_", with: " "))"
            if let reason = recharge.lastReason, !reason.isEmpty { last += " — \(reason)" }
            if let at = recharge.lastResultAt { last += ", \(WebFormat.pacific(at))" }
        } else if recharge.enabled {
            last = "No recharge yet"
        }
        autoRechargeLast = Text(last)
        // The most recent card is the default choice.
        let newest = cards.last?.id.rawValue
        self.cards = cards.reversed().map { Self.card($0, selected: $0.id.rawValue == (state.buy.values["paymentMethodId"] ?? newest)) }
        hasCards = !cards.isEmpty
        let cardLabels = Dictionary(cards.map { ($0.id.rawValue, "\($0.brand.capitalized) •••• \($0.last4)") }) { first, _ in first }
        self.purchases = purchases.map { purchase in
            let standing = Self.standing(purchase)
            return PurchaseRow(
                date: WebFormat.pacific(purchase.createdAt),
                credits: purchase.credits.description,
                amount: Money.parse(purchase.amount).map(WebFormat.dollars) ?? purchase.amount,
                status: standing.status,
                succeeded: standing.good,
                origin: purchase.origin == .recharge ? "Auto-recharge" : "Purchase",
                card: Text(purchase.paymentMethodId.flatMap { cardLabels[$0.rawValue] } ?? ""),
                reason: Text(standing.note)
            )
        }
        self.csrf = csrf
        // The dialog.
        buyOpen = state.buyOpen
        buyErrors = state.buy.errors.byField.texts
        let chosenMethod = state.buy.values["paymentMethodId"] ?? (newest ?? "new")
        buyNewCard = cards.isEmpty || chosenMethod == "new" || chosenMethod.isEmpty
        let typed = state.buy.values["credits"] ?? "1000"
        let bundleCredits = Catalog.bundles.map { WebFormat.shortCredits($0.credits) }
        bundles = Catalog.bundles.enumerated().map { index, bundle in
            Bundle(
                credits: bundleCredits[index],
                price: WebFormat.dollars(bundle.price),
                test: "bundle-\(bundleCredits[index])",
                selected: bundleCredits[index] == typed
            )
        }
        var values = state.buy.values
        values["credits"] = typed
        if case .success(let credits) = Credits.parse(typed), case .success(let price) = Catalog.purchasePrice(of: credits) {
            buyPrice = WebFormat.dollars(price)
        } else {
            buyPrice = "—"
        }
        buyValues = values
        purchaseError = Text(state.purchaseError)
        idempotencyKey = WebSession.randomToken()
        centsPerCredit = String(Catalog.centsPerCredit)
        minimumCredits = WebFormat.shortCredits(Catalog.minimumPurchase)
        maximumCredits = WebFormat.shortCredits(Catalog.maximumPurchase)
        // Auto-recharge: the saved settings, or the rejected input.
        let saved: [String: String] = [
            "thresholdCredits": recharge.thresholdCredits.map { WebFormat.shortCredits($0) } ?? "100",
            "rechargeCredits": recharge.rechargeCredits.map { WebFormat.shortCredits($0) } ?? "1000",
            "maxRechargesPerDay": String(recharge.maxRechargesPerDay ?? AutoRecharges.defaultMaxRechargesPerDay),
            "maxSpendPerMonth": recharge.maxSpendPerMonth ?? AutoRecharges.defaultMaxSpendPerMonth.description,
            "paymentMethodId": recharge.paymentMethodId?.rawValue ?? newest ?? "",
            "enabled": recharge.enabled ? "on" : "",
        ]
        autoValues = state.autoRecharge?.values ?? saved
        autoErrors = state.autoRecharge?.errors.byField.texts ?? [:]
        autoEnabled = (autoValues["enabled"] ?? "") == "on"
        let autoMethod = autoValues["paymentMethodId"] ?? ""
        autoCards = cards.reversed().map { Self.card($0, selected: $0.id.rawValue == autoMethod) }
        cardValues = state.card.values
        cardErrors = state.card.errors.byField.texts
    }

    /// A purchase's pill and note: paid, declined (with the reason), or disputed — a
    /// chargeback takes its unused credits back; a dispute won gives them back.
    static func standing(_ purchase: Purchases.PurchaseView) -> (status: String, good: Bool, note: String) {
        switch purchase.dispute {
        case "open": ("Disputed", false, "the card's bank is disputing this payment; its unused credits were taken back")
        case "lost": ("Disputed", false, "dispute lost: the bank returned the payment to the cardholder")
        case "won": ("Paid", true, "dispute won: the credits came back")
        default: purchase.status == .succeeded ? ("Paid", true, "") : ("Declined", false, purchase.failureReason ?? "")
        }
    }

    static func card(_ method: Purchases.PaymentMethodView, selected: Bool) -> Card {
        let month = method.expMonth < 10 ? "0\(method.expMonth)" : "\(method.expMonth)"
        return Card(
            id: method.id.rawValue,
            label: "\(method.brand.capitalized) •••• \(method.last4)",
            expires: "\(month)/\(method.expYear % 100)",
            added: WebFormat.pacific(method.createdAt),
            selected: selected
        )
    }
}
