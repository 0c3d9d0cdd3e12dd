import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A local Twilio for the tests, on loopback: Programmable Messaging (2010-04-01) and
/// Lookup v2, the calls Tally makes, in the shapes of Twilio's OpenAPI description
/// (`twilio/twilio-oai`), refusing what Twilio refuses so a wrong request fails the test:
///
/// - HTTP Basic auth with this fake's account SID and auth token, else 401 (20003); another
///   account's SID in the path, 404 (20404);
/// - a parameter the description does not list for the operation → 400 (20001); no `To`
///   → 21604, a `To` that is not E.164 → 21211, neither `From` nor `MessagingServiceSid`
///   → 21603, neither `Body` nor `MediaUrl` → 21602; unknown Lookup `Fields` → 60200;
/// - a message is `SM` + 32 hex digits, answered 201 `queued` with `num_segments` counted
///   as Twilio counts them (GSM-7 160/153, UCS-2 70/67), kept so a GET or a list finds it.
///
/// After answering a send, it plays the message's `DeliveryPlan` in the background:
/// `sent` then `delivered` by default, each status changing the message and posted to its
/// `StatusCallback`, form-encoded with Twilio's parameters and signed with
/// `X-Twilio-Signature` (computed here, independently of Tally's check), one after the
/// other. Lookup answers a valid mobile unless a `LookupPlan` says otherwise.
public final class FakeTwilio: Sendable {
    public static let accountSID = "AC5e1f00d7a11e7c0ffee0000000000042"
    public static let authToken = "9b3e6f7a1c2d4e5f8a0b1c2d3e4f5a6b"

    public let port: Int
    let api: FakeTwilioAPI

    /// `http://127.0.0.1:<port>`: Tally's `TALLY_TWILIO_API_BASE`.
    public var apiBase: String { "http://127.0.0.1:\(port)" }
    /// The same server: Tally's `TALLY_TWILIO_LOOKUP_BASE`.
    public var lookupBase: String { apiBase }

    init(port: Int, api: FakeTwilioAPI) {
        self.port = port
        self.api = api
    }

    // MARK: - Controls

    /// What happens to messages sent to `e164` from now on.
    public func plan(_ e164: String, _ plan: DeliveryPlan) async { await api.setPlan(plan, for: e164) }

    /// Twilio counts `segments` for messages to `e164` (whatever their body), keeping the
    /// rest of its plan.
    public func forceSegments(_ e164: String, _ segments: Int) async {
        var plan = await api.plans[e164] ?? .default
        plan.numSegments = segments
        await api.setPlan(plan, for: e164)
    }

    /// What Lookup answers for `e164` from now on.
    public func lookupPlan(_ e164: String, _ plan: LookupPlan) async { await api.setLookupPlan(plan, for: e164) }

    /// Callbacks wait instead of being posted (the statuses still happen), until
    /// `releaseCallbacks`.
    public func holdCallbacks() async { await api.hold() }

    /// Posts the callbacks held, in order; each with what the endpoint answered.
    @discardableResult
    public func releaseCallbacks() async -> [FakeTwilioCallback] {
        var delivered: [FakeTwilioCallback] = []
        for callback in await api.release() { delivered.append(await post(callback)) }
        return delivered
    }

    /// Every callback posted so far, oldest first, with what the endpoint answered.
    public func callbacks() async -> [FakeTwilioCallback] { await api.posted }

    /// The callbacks waiting for `releaseCallbacks`, oldest first.
    public func heldCallbacks() async -> [FakeTwilioCallback] { await api.held }

    /// Every message made, oldest first.
    public func messages() async -> [FakeTwilioMessage] { await api.messages }

    /// Every API request so far (not the `/_fake` controls), oldest first.
    public func received() async -> [FakeTwilioRequest] { await api.received }

    /// Waits until `count` callbacks have been posted (or `timeout` passed); what was posted.
    public func callbacks(count: Int, timeout: Duration = .seconds(30)) async -> [FakeTwilioCallback] {
        if let posted = try? await eventually(within: timeout, { await api.posted }, until: { $0.count >= count }) { return posted }
        return await api.posted
    }

    // MARK: - Delivery

    /// Plays `plan` for message `sid`: shortly after its answer is written, each status in
    /// turn (repeated as planned), posted unless held.
    /// Stops when the fake stops.
    func deliver(_ sid: String, _ plan: DeliveryPlan) async {
        try? await Task.sleep(for: .milliseconds(50))
        for status in plan.statuses {
            for _ in 0..<plan.repeats {
                guard !Task.isCancelled else { return }
                guard let callback = await api.report(status, for: sid, plan: plan) else { continue }
                if await api.holdIfHolding(callback) { _ = await post(callback) }
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    /// The fake's own connections for its callbacks, as Twilio's own servers are: never
    /// queued behind the test process's other requests to loopback (the shared session
    /// keeps a few connections per host, and every fake and server here is 127.0.0.1).
    static let callbackSession: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 64
        configuration.timeoutIntervalForRequest = 15
        return URLSession(configuration: configuration)
    }()

    /// Posts `callback` as Twilio does; records and returns it with the endpoint's status.
    func post(_ callback: FakeTwilioCallback) async -> FakeTwilioCallback {
        var done = callback
        done.httpStatus = 0
        guard await api.beginPost() else { return done }
        var target = callback.url
        if let base = await api.forwardBase, let original = URLComponents(string: callback.url) {
            target = base + original.percentEncodedPath + (original.percentEncodedQuery.map { "?" + $0 } ?? "")
        }
        if let url = URL(string: target) {
            var request = URLRequest(url: url)
            request.httpMethod = "POST"
            request.timeoutInterval = 15
            request.httpBody = Data(FakeTwilioWire.form(callback.parameters).utf8)
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            request.setValue(callback.signature, forHTTPHeaderField: "X-Twilio-Signature")
            request.setValue("TwilioProxy/1.1", forHTTPHeaderField: "User-Agent")
            // Sent from a task of its own, which the end of a test does not cancel: Foundation
            // on Linux can deadlock cancelling a URLSession request while another is starting
            // (both of Swift's threads were found waiting on the session's queue).
            let sending = Task { [request] in try await Self.callbackSession.data(for: request) }
            if let (_, response) = try? await sending.value {
                done.httpStatus = (response as? HTTPURLResponse)?.statusCode ?? 0
            }
        }
        await api.recordPosted(done)
        await api.endPost()
        return done
    }

    /// Posts callbacks to `base` (`http://127.0.0.1:8080`) instead of their URL's scheme,
    /// host and port, as a platform's proxy in front of Tally does; each is still signed
    /// over the URL Tally gave. Nil: to the URL itself.
    public func forwardCallbacks(to base: String?) async { await api.setForwardBase(base) }

    /// Posts no callback from now on, and returns once none is being posted: for a test
    /// whose endpoint stops before the fake does.
    public func stopCallbacks() async {
        await api.stop()
        while await api.postsInFlight > 0 { try? await Task.sleep(for: .milliseconds(10)) }
    }

    // MARK: - The server

    /// Runs a fake Twilio for the time of `body`. Deliveries still under way when `body`
    /// ends are stopped before this returns, so no callback reaches an endpoint the test
    /// has already shut down.
    public static func run<T: Sendable>(_ body: @escaping @Sendable (FakeTwilio) async throws -> T) async throws -> T {
        let api = FakeTwilioAPI(accountSID: accountSID, authToken: authToken)
        let router = Router()
        let (deliveries, deliverySink) = AsyncStream.makeStream(of: FakeTwilioHolder.Delivery.self)
        let holder = FakeTwilioHolder(deliveries: deliverySink)
        addRoutes(to: router, api: api, holder: holder)
        FakeTwilioControls.add(to: router, api: api, holder: holder)
        return try await LoopbackServer.run(router, name: "fake-twilio") { port in
            let twilio = FakeTwilio(port: port, api: api)
            holder.set(twilio)
            await api.setBaseURL(twilio.apiBase)
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    await withDiscardingTaskGroup { running in
                        for await delivery in deliveries {
                            running.addTask { await twilio.deliver(delivery.sid, delivery.plan) }
                        }
                    }
                    return nil
                }
                defer {
                    deliverySink.finish()
                    group.cancelAll()
                }
                return try await body(twilio)
            }
        }
    }

    private static func addRoutes(to router: Router<BasicRequestContext>, api: FakeTwilioAPI, holder: FakeTwilioHolder) {
        router.post("/2010-04-01/Accounts/:account/Messages.json") { request, context -> Response in
            var request = request
            let form = FakeTwilioWire.pairs(String(buffer: try await request.collectBody(upTo: 1 << 20))) ?? []
            await api.record(method: "POST", path: request.uri.path, parameters: form)
            if let refusal = await api.refusal(authorization: request.headers[.authorization]) { return response(refusal) }
            if let unknown = await api.unknownAccount(context.parameters.get("account") ?? "", path: request.uri.path) { return response(unknown) }
            let (answer, after) = await api.createMessage(form)
            if let (sid, plan) = after.delivery { holder.deliveries.yield(.init(sid: sid, plan: plan)) }
            // The message is made and its callbacks follow; the caller never hears of it.
            if after.loseAnswer { try await Task.sleep(for: .seconds(60)) }
            return response(answer)
        }
        router.get("/2010-04-01/Accounts/:account/Messages.json") { request, context -> Response in
            let query = FakeTwilioWire.pairs(request.uri.query ?? "") ?? []
            await api.record(method: "GET", path: request.uri.path, parameters: query)
            if let refusal = await api.refusal(authorization: request.headers[.authorization]) { return response(refusal) }
            if let unknown = await api.unknownAccount(context.parameters.get("account") ?? "", path: request.uri.path) { return response(unknown) }
            return response(await api.listMessages(query, path: request.uri.path))
        }
        router.get("/2010-04-01/Accounts/:account/Messages/:file") { request, context -> Response in
            await api.record(method: "GET", path: request.uri.path, parameters: [])
            if let refusal = await api.refusal(authorization: request.headers[.authorization]) { return response(refusal) }
            if let unknown = await api.unknownAccount(context.parameters.get("account") ?? "", path: request.uri.path) { return response(unknown) }
            let file = context.parameters.get("file") ?? ""
            guard file.hasSuffix(".json") else {
                return response(FakeTwilioAPI.error(404, code: 20_404, message: "The requested resource \(request.uri.path) was not found"))
            }
            return response(await api.fetchMessage(String(file.dropLast(5)), path: request.uri.path))
        }
        // One segment, `{AccountSid}.json`: the router names it like the account above.
        router.get("/2010-04-01/Accounts/:account") { request, context -> Response in
            await api.record(method: "GET", path: request.uri.path, parameters: [])
            if let refusal = await api.refusal(authorization: request.headers[.authorization]) { return response(refusal) }
            let file = context.parameters.get("account") ?? ""
            let account = file.hasSuffix(".json") ? String(file.dropLast(5)) : ""
            if let unknown = await api.unknownAccount(account, path: request.uri.path) { return response(unknown) }
            return response(await api.fetchAccount())
        }
        router.get("/v2/PhoneNumbers/:number") { request, context -> Response in
            let query = FakeTwilioWire.pairs(request.uri.query ?? "") ?? []
            let raw = context.parameters.get("number") ?? ""
            let number = raw.removingPercentEncoding ?? raw
            await api.record(method: "GET", path: "/v2/PhoneNumbers/" + number, parameters: query)
            if let refusal = await api.refusal(authorization: request.headers[.authorization]) { return response(refusal) }
            let (answer, stall) = await api.lookup(number, query: query)
            if stall { try await Task.sleep(for: .seconds(60)) }
            return response(answer)
        }
    }

    static func response(_ answer: FakeTwilioAPI.Answer) -> Response {
        Response(
            status: .init(code: answer.status),
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(data: answer.body))
        )
    }
}

/// The running fake, for the routes that start deliveries (made before its port is known).
final class FakeTwilioHolder: Sendable {
    /// A message whose plan is to be played.
    struct Delivery: Sendable {
        var sid: String
        var plan: DeliveryPlan
    }

    /// Where the routes hand over the messages whose plans are to be played.
    let deliveries: AsyncStream<Delivery>.Continuation
    init(deliveries: AsyncStream<Delivery>.Continuation) { self.deliveries = deliveries }

    private let box = Mutex<FakeTwilio?>(nil)
    var twilio: FakeTwilio? { box.withLock { $0 } }
    func set(_ twilio: FakeTwilio) { box.withLock { $0 = twilio } }
}
