import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The fake's hosted Checkout page, plain HTML a headless browser completes:
///
/// - `GET /checkout/{id}`: the amount and product (`id="amount"`, `id="product"`), a form
///   (`id="checkout"`) with a select of Stripe's test cards (`id="card"`, name
///   `payment_method`: `pm_card_visa`, `pm_card_chargeDeclined`,
///   `pm_card_authenticationRequired`, …) and a submit button, `id="pay"` in payment mode
///   or `id="save"` in setup mode; a link back to `cancel_url` (`id="cancel"`); an error
///   (`id="error"`) after a declined card; `id="closed"` once the session is no longer open.
/// - `POST /checkout/{id}/pay` or `/save` (form `payment_method=pm_card_…`): 303 to
///   `success_url`, `{CHECKOUT_SESSION_ID}` replaced (after posting the events), or to the
///   3-D Secure page, whose outcome comes back to `GET /checkout/{id}/return`.
enum FakeStripePages {
    static func html(_ page: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#39;")
    }

    /// The test cards offered, the one that succeeds first.
    static let cards: [(id: String, label: String)] = [
        ("pm_card_visa", "Visa •••• 4242 (succeeds)"),
        ("pm_card_mastercard", "Mastercard •••• 4444 (succeeds)"),
        ("pm_card_chargeDeclined", "Visa •••• 0002 (declined)"),
        ("pm_card_chargeDeclinedInsufficientFunds", "Visa •••• 9995 (insufficient funds)"),
        ("pm_card_authenticationRequired", "Visa •••• 3184 (3-D Secure)"),
        ("pm_card_chargeCustomerFail", "Visa •••• 0341 (saves, later declines)"),
        ("pm_card_pendingRefund", "Visa •••• 7726 (refunds stay pending)"),
        ("pm_card_refundFail", "Visa •••• 5126 (refunds fail)"),
    ]

    static func page(id: String, session: [String: Any], products: [String], error: String?) -> String {
        let isSetup = session["mode"] as? String == "setup"
        let amount = FakeStripeAPI.dollars(session["amount_total"] as? Int ?? 0)
        let currency = (session["currency"] as? String ?? "usd").uppercased()
        var body = "<h1>\(isSetup ? "Save a card" : "Pay") (test mode)</h1>\n"
        if !isSetup {
            body += "<p id=\"amount\">$\(amount) \(currency)</p>\n<p id=\"product\">\(escape(products.joined(separator: ", ")))</p>\n"
        }
        if let error { body += "<p id=\"error\" role=\"alert\">\(escape(error))</p>\n" }
        if session["status"] as? String == "open" {
            let options = cards.enumerated().map { index, card in
                "<option value=\"\(card.id)\"\(index == 0 ? " selected" : "")>\(escape(card.label))</option>"
            }
            body += """
                <form id="checkout" method="post" action="/checkout/\(escape(id))/\(isSetup ? "save" : "pay")">
                <label for="card">Test card</label>
                <select id="card" name="payment_method">\(options.joined())</select>
                <button id="\(isSetup ? "save" : "pay")" type="submit">\(isSetup ? "Save card" : "Pay $\(amount)")</button>
                </form>

                """
        } else {
            body += "<p id=\"closed\">This Checkout Session is \(escape(session["status"] as? String ?? "closed")).</p>\n"
        }
        if let cancel = session["cancel_url"] as? String {
            body += "<a id=\"cancel\" href=\"\(escape(cancel))\">Cancel and go back</a>\n"
        }
        return """
            <!doctype html><html><head><meta charset="utf-8"><title>Checkout (test mode)</title></head><body>
            \(body)</body></html>
            """
    }

    static func addCheckout(to router: Router<BasicRequestContext>, api: FakeStripeAPI) {
        router.get("/checkout/:id") { _, context -> Response in
            let id = context.parameters.get("id") ?? ""
            guard let page = await api.checkoutPage(id) else { return Response(status: .notFound) }
            return html(page)
        }
        router.post("/checkout/:id/:action") { request, context -> Response in
            var request = request
            let id = context.parameters.get("id") ?? ""
            guard ["pay", "save"].contains(context.parameters.get("action") ?? "") else { return Response(status: .notFound) }
            let form = FakeStripeForm.pairs(String(buffer: try await request.collectBody(upTo: 1 << 16))) ?? []
            let method = form.last { $0.0 == "payment_method" }?.1 ?? "pm_card_visa"
            return await answer(api.completeCheckout(id, paymentMethod: method), id: id, api: api)
        }
        router.get("/checkout/:id/return") { _, context -> Response in
            let id = context.parameters.get("id") ?? ""
            return await answer(api.returnFromAuthentication(id), id: id, api: api)
        }
    }

    private static func answer(_ outcome: FakeStripeAPI.CheckoutOutcome, id: String, api: FakeStripeAPI) async -> Response {
        switch outcome {
        case .redirect(let location, let events):
            _ = await api.deliver(events)
            return Response(status: .seeOther, headers: [.location: location])
        case .page(let error):
            guard let page = await api.checkoutPage(id, error: error) else { return Response(status: .notFound) }
            return html(page, status: .init(code: 402))
        case .notFound:
            return Response(status: .notFound)
        }
    }

    private static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: FakeStripeAPI.json(object))))
    }

    /// The Swift controls over HTTP, for a test driving the fake from another process:
    /// - `POST /_fake/webhook` (form `url`, `secret`): events go there; `DELETE` stops them;
    /// - `POST /_fake/events/hold`, `POST /_fake/events/release`;
    /// - `POST /_fake/checkout/{id}/complete?payment_method=pm_card_…` → `{"location": …}`;
    /// - `POST /_fake/disputes` (form `payment_intent`, `amount?`, `reason?`) → `{"id": "dp_…"}`;
    /// - `POST /_fake/disputes/{id}/close?won=true|false`;
    /// - `POST /_fake/outside-refunds` (form `payment_intent`, `amount?`) → `{"id": "re_…"}`.
    static func addControls(to router: Router<BasicRequestContext>, api: FakeStripeAPI) {
        @Sendable func form(_ request: Request) async throws -> [String: String] {
            var request = request
            let body = try await request.collectBody(upTo: 1 << 16)
            return Dictionary(FakeStripeForm.pairs(String(buffer: body)) ?? [], uniquingKeysWith: { $1 })
        }
        router.post("/_fake/webhook") { request, _ -> Response in
            let fields = try await form(request)
            guard let url = fields["url"], let secret = fields["secret"] else { return Response(status: .badRequest) }
            await api.setWebhook(url: url, secret: secret)
            return Response(status: .noContent)
        }
        router.delete("/_fake/webhook") { _, _ -> Response in
            await api.clearWebhook()
            return Response(status: .noContent)
        }
        router.post("/_fake/events/hold") { _, _ -> Response in
            await api.holdEvents()
            return Response(status: .noContent)
        }
        router.post("/_fake/events/release") { _, _ -> Response in
            let delivered = await api.deliver(await api.releaseEvents())
            return json(["delivered": delivered.map { ["id": $0.eventID, "type": $0.type, "status": $0.status] }])
        }
        router.post("/_fake/checkout/:id/complete") { request, context -> Response in
            let stripe = FakeStripe(port: 0, secretKey: "", api: api)
            let method = request.uri.queryParameters["payment_method"].map(String.init) ?? "pm_card_visa"
            do {
                return json(["location": try await stripe.completeCheckout(context.parameters.get("id") ?? "", paymentMethod: method)])
            } catch {
                return json(["error": "\(error)"], status: .init(code: 402))
            }
        }
        router.post("/_fake/disputes") { request, _ -> Response in
            let fields = try await form(request)
            guard let intent = fields["payment_intent"] else { return Response(status: .badRequest) }
            let stripe = FakeStripe(port: 0, secretKey: "", api: api)
            do {
                let id = try await stripe.openDispute(
                    paymentIntent: intent,
                    amountCents: fields["amount"].flatMap { Int($0) },
                    reason: fields["reason"] ?? "fraudulent"
                )
                return json(["id": id])
            } catch {
                return json(["error": "\(error)"], status: .notFound)
            }
        }
        router.post("/_fake/disputes/:id/close") { request, context -> Response in
            let won = request.uri.queryParameters["won"].map(String.init) == "true"
            do {
                try await FakeStripe(port: 0, secretKey: "", api: api).closeDispute(context.parameters.get("id") ?? "", won: won)
                return Response(status: .noContent)
            } catch {
                return json(["error": "\(error)"], status: .notFound)
            }
        }
        router.post("/_fake/outside-refunds") { request, _ -> Response in
            let fields = try await form(request)
            guard let intent = fields["payment_intent"] else { return Response(status: .badRequest) }
            do {
                let id = try await FakeStripe(port: 0, secretKey: "", api: api).refundOutside(
                    paymentIntent: intent,
                    amountCents: fields["amount"].flatMap { Int($0) }
                )
                return json(["id": id])
            } catch {
                return json(["error": "\(error)"], status: .notFound)
            }
        }
    }
}
