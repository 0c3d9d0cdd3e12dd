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

    /// Moves a refund on, as Stripe does later: `succeeded` or `failed`.
    public func settleRefund(_ id: String, status: String) async -> Bool { await api.settleRefund(id, status: status) }

    /// The cardholder passes (or fails) 3-D Secure for `paymentIntent`; returns where the
    /// browser would be sent back to.
    public func authenticate(_ paymentIntent: String, succeeded: Bool) async -> String? {
        await api.authenticate(paymentIntent, succeeded: succeeded)
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
        ]
        for (method, path, route) in routes {
            router.on(RouterPath(path), method: method) { request, context -> Response in
                try await Self.answer(request, context, route: route, api: api)
            }
        }
        // The 3-D Secure page the `redirect_to_url` leads to: two buttons, as Stripe's test page has.
        router.get("/3ds/:id") { _, context -> Response in
            let id = context.parameters.get("id") ?? ""
            let page = """
                <!doctype html><html><head><title>3D Secure test payment</title></head><body>
                <h1>3D Secure 2 test page</h1><p>Payment \(id)</p>
                <form method="post" action="/3ds/\(id)/complete"><button data-test="3ds-complete">Complete</button></form>
                <form method="post" action="/3ds/\(id)/fail"><button data-test="3ds-fail">Fail</button></form>
                </body></html>
                """
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: page)))
        }
        router.post("/3ds/:id/:result") { _, context -> Response in
            let id = context.parameters.get("id") ?? ""
            guard let back = await api.authenticate(id, succeeded: context.parameters.get("result") == "complete") else {
                return Response(status: .notFound)
            }
            return Response(status: .seeOther, headers: [.location: back])
        }
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
    ///   (form-encoded): posts the signed event, answers `{"id": "evt_…", "status": <its answer>}`.
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
            return Response(status: await api.settleRefund(context.parameters.get("id") ?? "", status: status) ? .noContent : .notFound)
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
