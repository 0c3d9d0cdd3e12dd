import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A local Stripe for the tests, on loopback: the endpoints Tally calls, in the shapes of
/// Stripe's OpenAPI description (`stripe/openapi`), refusing what Stripe refuses so a
/// wrong request fails the test:
///
/// - `Authorization: Bearer sk_test_…` (this fake's key) on every call, else 401;
/// - an unknown or missing parameter → 400 `invalid_request_error` naming it (`param`);
/// - `Idempotency-Key` as Stripe honours it: the same key and parameters answer the saved
///   answer again (`Idempotent-Replayed: true`); the same key with other parameters is
///   400 `idempotency_error`;
/// - Stripe's test PaymentMethods: `pm_card_visa` and `pm_card_mastercard` succeed;
///   `pm_card_chargeDeclined` (generic_decline) and
///   `pm_card_chargeDeclinedInsufficientFunds` (insufficient_funds) are declined with a
///   402 card error, and cannot be attached, as at Stripe; `pm_card_chargeCustomerFail`
///   attaches and then declines; `pm_card_authenticationRequired` answers
///   `requires_action` with a `redirect_to_url` to this fake's 3-D Secure page
///   on-session, and 402 `authentication_required` off-session; `pm_card_pendingRefund`
///   refunds `pending`, `pm_card_refundFail` refunds `succeeded` (then `failed` when the
///   test settles it);
/// - objects are kept: `GET` retrieves them.
///
/// On demand it loses an answer (`loseAnswers`: the work is done, the caller gets a 500)
/// or holds one back past any deadline (`stallAnswers`), and it posts events signed with
/// a `whsec_` secret as Stripe does (`sendEvent`).
///
/// Stripe Checkout: a session's `url` is this fake's hosted page (`/checkout/{id}`), which
/// a browser (or a test posting its form) completes with a test card; and the 3-D Secure
/// page (`/3ds/{id}`). With a webhook endpoint set (`setWebhook(url:secret:)`) what
/// happens on those pages, and the controls below (`openDispute`, `closeDispute`,
/// `refundOutside`, `settleRefund`, `authenticate`, `expireCheckout`), post Stripe's events
/// to it, signed, before the control (or the page's redirect) answers.
public final class FakeStripe: Sendable {
    public static let defaultSecretKey = "sk_test_fake_51TallyFakeStripeKey0123456789"

    public let port: Int
    public let secretKey: String
    let api: FakeStripeAPI

    /// `http://127.0.0.1:<port>`: the API base Tally is given (`TALLY_STRIPE_API_BASE`).
    public var apiBase: String { "http://127.0.0.1:\(port)" }

    init(port: Int, secretKey: String, api: FakeStripeAPI) {
        self.port = port
        self.secretKey = secretKey
        self.api = api
    }

    /// Every API request so far, oldest first.
    public func received() async -> [FakeStripeRequest] { await api.received }

    /// The ids of the objects kept whose id starts with `prefix` (`pi_`, `cus_`, `re_`, …).
    public func ids(prefix: String) async -> [String] { await api.ids(prefix: prefix) }

    /// A kept object as JSON.
    public func object(_ id: String) async -> [String: Any]? {
        guard let data = await api.object(id) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// The next `count` POSTs are carried out and their answers lost (a 500).
    public func loseAnswers(_ count: Int = 1) async { await api.loseAnswers(count) }

    /// The next `count` POSTs are carried out and their answers held back for a minute.
    public func stallAnswers(_ count: Int = 1) async { await api.stallAnswers(count) }

    /// Moves a refund on, as Stripe does later: `succeeded` or `failed`. With a webhook
    /// set, posts `refund.updated` (with `previous_attributes.status`).
    public func settleRefund(_ id: String, status: String) async -> Bool {
        guard let events = await api.settleRefund(id, status: status) else { return false }
        _ = await api.deliver(events)
        return true
    }

    /// The cardholder passes (or fails) 3-D Secure for `paymentIntent`; returns where the
    /// browser would be sent back to. With a webhook set, posts `payment_intent.succeeded`
    /// or `payment_intent.payment_failed`.
    public func authenticate(_ paymentIntent: String, succeeded: Bool) async -> String? {
        guard let (back, events) = await api.authenticate(paymentIntent, succeeded: succeeded) else { return nil }
        _ = await api.deliver(events)
        return back
    }

    // MARK: - Events to a webhook endpoint

    /// From now on, events go to `url` (Tally's `/v1/providers/stripe/events`, or a
    /// `FakeEventReceiver`), signed with `secret` (`whsec_…`).
    public func setWebhook(url: String, secret: String) async { await api.setWebhook(url: url, secret: secret) }

    /// No more events are posted.
    public func clearWebhook() async { await api.clearWebhook() }

    /// Events wait instead of being posted (the page redirects first, as when Stripe's
    /// event is late), until `releaseEvents`.
    public func holdEvents() async { await api.holdEvents() }

    /// Posts the events held, in order, each signed now; what the endpoint answered.
    @discardableResult
    public func releaseEvents() async -> [FakeStripeDelivery] { await api.deliver(await api.releaseEvents()) }

    /// Every event posted to the webhook endpoint so far, oldest first.
    public func deliveries() async -> [FakeStripeDelivery] { await api.deliveries }

    /// Posts an event of `type` about the kept object `objectID` to the webhook endpoint.
    /// `timestamp` signs it in the past (a stale event); `signingSecret` signs it with
    /// another secret (a forged one). Returns the event's id and the endpoint's status.
    public func sendEvent(
        type: String,
        objectID: String,
        timestamp: Int = Int(Date().timeIntervalSince1970),
        signingSecret: String? = nil
    ) async throws -> (eventID: String, status: Int) {
        guard let (url, secret) = await api.webhook else { throw FakeStripeFailure("no webhook endpoint is set (setWebhook)") }
        return try await sendEvent(type: type, objectID: objectID, to: url, webhookSecret: signingSecret ?? secret, timestamp: timestamp)
    }

    /// Posts `body` as it is, with `signature` as the `Stripe-Signature` header (none when
    /// nil), to `url` (the webhook endpoint by default): for events of a shape Tally does
    /// not expect, badly signed, or replayed. Returns the endpoint's status (0: unreachable).
    public func postEvent(body: Data, signature: String?, to url: String? = nil) async throws -> Int {
        var target = url
        if target == nil { target = await api.webhook?.url }
        guard let target else { throw FakeStripeFailure("no webhook endpoint is set (setWebhook)") }
        return await FakeStripeAPI.post(body, signature: signature, to: target)
    }

    /// `Stripe-Signature` for `body` as Stripe signs it: `t=<timestamp>,v1=<HMAC-SHA256>`.
    public static func signature(for body: Data, secret: String, timestamp: Int = Int(Date().timeIntervalSince1970)) -> String {
        FakeStripeAPI.signature(body, secret: secret, timestamp: timestamp)
    }

    // MARK: - What happens on Stripe's side

    /// The cardholder disputes `paymentIntent`'s charge (all of it unless `amountCents`):
    /// a `dp_…` dispute, `needs_response`, and `charge.dispute.created`. Returns its id.
    public func openDispute(paymentIntent: String, amountCents: Int? = nil, reason: String = "fraudulent") async throws -> String {
        let (id, events) = try await api.openDispute(paymentIntent: paymentIntent, amount: amountCents, reason: reason).get()
        _ = await api.deliver(events)
        return id
    }

    /// The dispute is decided, `won` or `lost`: `charge.dispute.closed`.
    public func closeDispute(_ id: String, won: Bool) async throws {
        _ = await api.deliver(try await api.closeDispute(id, won: won).get())
    }

    /// A refund made in Stripe's dashboard, not by Tally (no metadata): all of what is left
    /// unless `amountCents`, and `charge.refunded` with the charge. Returns the refund's id.
    public func refundOutside(paymentIntent: String, amountCents: Int? = nil) async throws -> String {
        let (id, events) = try await api.refundOutside(paymentIntent: paymentIntent, amount: amountCents).get()
        _ = await api.deliver(events)
        return id
    }

    /// What the hosted Checkout page does when the buyer pays (or saves) with the test card
    /// `paymentMethod`: where the browser is sent (`success_url` with the session's id, or
    /// the 3-D Secure page for `pm_card_authenticationRequired`). Throws when the page would
    /// show an error instead (a declined card, a session no longer open).
    public func completeCheckout(_ sessionID: String, paymentMethod: String = "pm_card_visa") async throws -> String {
        switch await api.completeCheckout(sessionID, paymentMethod: paymentMethod) {
        case .redirect(let location, let events):
            _ = await api.deliver(events)
            return location
        case .page(let error): throw FakeStripeFailure(error)
        case .notFound: throw FakeStripeFailure("no Checkout Session \(sessionID)")
        }
    }

    /// The session expires unused: `checkout.session.expired`. False when it is not open.
    public func expireCheckout(_ sessionID: String) async -> Bool {
        guard let events = await api.expireCheckout(sessionID) else { return false }
        _ = await api.deliver(events)
        return true
    }

    /// Posts a Stripe event of `type` about the kept object `objectID` to `url`, signed as
    /// Stripe signs it with `webhookSecret` at `timestamp` (now by default). Returns the
    /// event's id and the status the endpoint answered.
    public func sendEvent(
        type: String,
        objectID: String,
        to url: String,
        webhookSecret: String,
        timestamp: Int = Int(Date().timeIntervalSince1970)
    ) async throws -> (eventID: String, status: Int) {
        guard let (id, body, signature) = await api.event(type: type, objectID: objectID, secret: webhookSecret, timestamp: timestamp) else {
            throw FakeStripeFailure("no object \(objectID) to send an event about")
        }
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json; charset=utf-8", forHTTPHeaderField: "Content-Type")
        request.setValue(signature, forHTTPHeaderField: "Stripe-Signature")
        request.setValue("Stripe/1.0 (+https://stripe.com/docs/webhooks)", forHTTPHeaderField: "User-Agent")
        let (_, response) = try await URLSession.shared.data(for: request)
        return (id, (response as? HTTPURLResponse)?.statusCode ?? 0)
    }

    public struct FakeStripeFailure: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// Runs a fake Stripe that accepts `secretKey` for the time of `body`.
    public static func run<T: Sendable>(
        secretKey: String = defaultSecretKey,
        _ body: @escaping @Sendable (FakeStripe) async throws -> T
    ) async throws -> T {
        let api = FakeStripeAPI(secretKey: secretKey)
        let router = Router()
        let routes: [(HTTPRequest.Method, String, FakeStripeAPI.Route)] = [
            (.post, "/v1/customers", .createCustomer),
            (.get, "/v1/customers/:id", .retrieveCustomer),
            (.post, "/v1/payment_methods/:id/attach", .attachPaymentMethod),
            (.get, "/v1/payment_methods/:id", .retrievePaymentMethod),
            (.post, "/v1/payment_intents", .createPaymentIntent),
            (.get, "/v1/payment_intents/:id", .retrievePaymentIntent),
            (.post, "/v1/refunds", .createRefund),
            (.get, "/v1/refunds/:id", .retrieveRefund),
            (.get, "/v1/balance", .balance),
            (.post, "/v1/checkout/sessions", .createCheckoutSession),
            (.get, "/v1/checkout/sessions/:id", .retrieveCheckoutSession),
            (.get, "/v1/setup_intents/:id", .retrieveSetupIntent),
            (.get, "/v1/charges/:id", .retrieveCharge),
            (.get, "/v1/disputes/:id", .retrieveDispute),
        ]
        for (method, path, route) in routes {
            router.on(RouterPath(path), method: method) { request, context -> Response in
                try await Self.answer(request, context, route: route, api: api)
            }
        }
        // The 3-D Secure page the `redirect_to_url` leads to: two buttons, as Stripe's test page has.
        router.get("/3ds/:id") { _, context -> Response in
            let id = FakeStripePages.escape(context.parameters.get("id") ?? "")
            let page = """
                <!doctype html><html><head><meta charset="utf-8"><title>3D Secure test payment</title></head><body>
                <h1>3D Secure 2 test page</h1><p>Payment \(id)</p>
                <form method="post" action="/3ds/\(id)/complete"><button id="authenticate" type="submit" data-test="3ds-complete">Complete authentication</button></form>
                <form method="post" action="/3ds/\(id)/fail"><button id="fail" type="submit" data-test="3ds-fail">Fail authentication</button></form>
                </body></html>
                """
            return FakeStripePages.html(page)
        }
        router.post("/3ds/:id/:result") { _, context -> Response in
            let id = context.parameters.get("id") ?? ""
            guard let (back, events) = await api.authenticate(id, succeeded: context.parameters.get("result") == "complete") else {
                return Response(status: .notFound)
            }
            _ = await api.deliver(events)
            return Response(status: .seeOther, headers: [.location: back])
        }
        FakeStripePages.addCheckout(to: router, api: api)
        Self.addControls(to: router, api: api)
        return try await LoopbackServer.run(router, name: "fake-stripe") { port in
            let stripe = FakeStripe(port: port, secretKey: secretKey, api: api)
            await api.setBaseURL(stripe.apiBase)
            return try await body(stripe)
        }
    }

    /// The same controls over HTTP, for a test that drives the fake from another process
    /// (no key needed: Stripe has no such endpoints, so nothing of Tally's can call them):
    /// - `POST /_fake/lose-answers?count=N`, `POST /_fake/stall-answers?count=N`;
    /// - `POST /_fake/refunds/{id}/settle?status=succeeded|failed`;
    /// - `POST /_fake/events` with `type`, `object` (a kept object's id), `url` and `secret`
    ///   (form-encoded): posts the signed event, answers `{"id": "evt_…", "status": <its answer>}`;
    /// - the Checkout, webhook and dispute controls: see `FakeStripePages.addControls`.
    private static func addControls(to router: Router<BasicRequestContext>, api: FakeStripeAPI) {
        router.post("/_fake/lose-answers") { request, _ -> Response in
            await api.loseAnswers(Int(request.uri.queryParameters["count"].map(String.init) ?? "1") ?? 1)
            return Response(status: .noContent)
        }
        router.post("/_fake/stall-answers") { request, _ -> Response in
            await api.stallAnswers(Int(request.uri.queryParameters["count"].map(String.init) ?? "1") ?? 1)
            return Response(status: .noContent)
        }
        router.post("/_fake/refunds/:id/settle") { request, context -> Response in
            let status = request.uri.queryParameters["status"].map(String.init) ?? "succeeded"
            guard let events = await api.settleRefund(context.parameters.get("id") ?? "", status: status) else { return Response(status: .notFound) }
            _ = await api.deliver(events)
            return Response(status: .noContent)
        }
        router.post("/_fake/events") { request, _ -> Response in
            var request = request
            let form = Dictionary(
                FakeStripeForm.pairs(String(buffer: try await request.collectBody(upTo: 1 << 16))) ?? [],
                uniquingKeysWith: { $1 }
            )
            guard let type = form["type"], let object = form["object"], let url = form["url"], let secret = form["secret"] else {
                return Response(status: .badRequest)
            }
            let stripe = FakeStripe(port: 0, secretKey: "", api: api)
            guard let (id, status) = try? await stripe.sendEvent(type: type, objectID: object, to: url, webhookSecret: secret) else {
                return Response(status: .notFound)
            }
            let body = FakeStripeAPI.json(["id": id, "status": status])
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: body)))
        }
        FakeStripePages.addControls(to: router, api: api)
    }

    private static func answer(
        _ request: Request,
        _ context: some RequestContext,
        route: FakeStripeAPI.Route,
        api: FakeStripeAPI
    ) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        let isPost = request.method == .post
        let form = isPost ? String(buffer: body) : (request.uri.query ?? "")
        let (answer, stall) = await api.handle(
            route,
            id: context.parameters.get("id"),
            method: isPost ? "POST" : "GET",
            path: request.uri.path,
            authorization: request.headers[.authorization],
            idempotencyKey: request.headers[HTTPField.Name("Idempotency-Key")!],
            stripeVersion: request.headers[HTTPField.Name("Stripe-Version")!],
            contentType: request.headers[.contentType],
            form: form
        )
        if stall { try await Task.sleep(for: .seconds(60)) }
        var headers: HTTPFields = [.contentType: "application/json"]
        for (name, value) in answer.headers { headers[HTTPField.Name(name)!] = value }
        return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(data: answer.body)))
    }
}

/// One API request the fake Stripe received.
public struct FakeStripeRequest: Sendable {
    public var method: String
    public var path: String
    public var idempotencyKey: String?
    public var stripeVersion: String?
    public var contentType: String?
    /// The form body (or, for a GET, the query) as sent.
    public var form: String

    /// The form's pairs, decoded, in order.
    public var parameters: [(String, String)] { FakeStripeForm.pairs(form) ?? [] }
}
