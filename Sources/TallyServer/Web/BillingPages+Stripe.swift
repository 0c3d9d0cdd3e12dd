import Foundation
import Hummingbird
import TallyApp
import TallyCore

/// Billing with Stripe on: card details are typed on Stripe's pages, never Tally's.
///
/// A new card pays through Stripe Checkout (payment mode), a card is added through
/// Checkout in setup mode, and a saved card that needs 3-D Secure goes to Stripe's page;
/// each comes back to `/app/billing?checkout=cs_…` or `?purchase=pur_…`, which says what
/// happened — settled on the spot when Stripe has decided, so the page is right even
/// before Stripe's event arrives.
extension WebRoutes {
    /// Payments go to Stripe: the pages render no card field.
    var paysOnStripe: Bool { tally.providerChoices.payments.provider == "stripe" }

    // MARK: To Stripe

    /// What the Buy dialog posts for a new card with Stripe on: Checkout for the chosen
    /// credits, the card kept when `saveCard` is ticked.
    func checkout(_ form: WebForm, _ visit: Visit) async throws -> Response {
        var state = BillingState(buyOpen: true)
        state.buy.values = form.values
        state.buy.values["paymentMethodId"] = "new"
        var json = JSONFields()
        json.number("credits", form["credits"])
        do {
            let request = try JSONBody<CheckoutForm>.decode(CheckoutForm.self, from: json.bytes)
            let url = try await tally.purchases.checkout(
                credits: request.credits,
                saveCard: form.checked("saveCard"),
                by: visit.manager,
                requestKey: Self.requestKey(form)
            )
            return WebResponse.redirect(url)
        } catch TallyError.invalid(let errors) {
            state.buy.errors = FormErrors(errors, renaming: ["body": "credits", "saveCard": "paymentMethodId"])
            state.status = .unprocessableContent
        } catch let error as TallyError {
            state.purchaseError = error.problem.detail
            state.status = .init(code: error.status)
        }
        return try await billingPage(visit, state: state)
    }

    struct CheckoutForm: Decodable {
        let credits: Credits
    }

    /// "Add a card" with Stripe on: Checkout in setup mode.
    func addCardOnStripe(_ form: WebForm, _ visit: Visit) async throws -> Response {
        do {
            return WebResponse.redirect(try await tally.purchases.checkoutToAddCard(by: visit.manager, requestKey: Self.requestKey(form)))
        } catch TallyError.invalid(let errors) {
            var state = BillingState()
            state.card = FormState(values: [:], errors: FormErrors(errors))
            state.status = .unprocessableContent
            return try await billingPage(visit, state: state)
        }
    }

    /// The form's key, made when it was shown: a double click opens the same Checkout page.
    static func requestKey(_ form: WebForm) -> String {
        guard let key = form["idempotencyKey"], !key.isEmpty, key.utf8.count <= 255 else { return WebSession.randomToken() }
        return key
    }

    // MARK: Back from Stripe

    /// What the browser coming back from Stripe is told, or nil when it is not coming back
    /// from Stripe. Never throws: whatever Stripe or the store says, Billing renders.
    func backFromStripe(_ query: Parameters, _ visit: Visit, context: TallyRequestContext) async -> Flash? {
        do {
            if let session = query.get("checkout") {
                return Self.flash(for: try await tally.purchases.returnFromCheckout(session, of: visit.manager))
            }
            if let purchase = query.get("purchase") {
                guard purchase.hasPrefix("pur_"), purchase.utf8.count <= 64 else { throw TallyError.notFound("no purchase \(purchase)") }
                return Self.flash(for: try await tally.purchases.returnFromPayment(PurchaseID(purchase), of: visit.manager))
            }
            if query.get("canceled") != nil {
                return Flash(text: "No card was added: Stripe's page was left before a card was saved.", tone: .waiting)
            }
            return nil
        } catch TallyError.notFound, TallyError.invalid {
            return Flash(text: "This link names no payment of this account, so nothing changed.", tone: .problem)
        } catch {
            context.logger.warning("back from Stripe, not settled yet", metadata: ["error": "\(String(reflecting: error))"])
            return Flash(
                text: "Stripe could not be asked about this payment just now. Payment processing — credits arrive when it clears.",
                tone: .waiting
            )
        }
    }

    /// The flash for what a payment or a card came to at Stripe.
    static func flash(for back: Purchases.StripeReturn) -> Flash {
        switch back {
        case .paid(let credits):
            Flash(text: "Paid: \(credits) credits were added to your wallet.")
        case .processing:
            Flash(text: "Payment processing — credits arrive when it clears.", tone: .waiting)
        case .waiting:
            Flash(text: "The payment is not finished at Stripe yet — credits arrive once it is confirmed.", tone: .waiting)
        case .declined(let reason):
            Flash(text: "Your card was declined: \(reason). No credits were added.", tone: .problem)
        case .cardSaved(let brand, let last4):
            Flash(text: "Saved \(brand.capitalized) ending in \(last4).")
        case .canceled:
            Flash(text: "Checkout was canceled: nothing was charged and no credits were added.", tone: .waiting)
        }
    }
}
