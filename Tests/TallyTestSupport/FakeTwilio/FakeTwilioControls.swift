import Foundation
import Hummingbird
import NIOCore

/// The fake Twilio's controls over HTTP, for a test that drives it from another process
/// (no credentials needed: Twilio has no such endpoints, so nothing of Tally's calls them).
/// Bodies are form-encoded:
///
/// - `POST /_fake/plans` with `number` and any of `statuses` (comma-separated, e.g.
///   `sent,undelivered`), `repeats`, `callbacks=false`, `forge=true`, `lose_answer=true`,
///   `num_segments`, or `refuse_code`, `refuse_message` and `refuse_status`;
/// - `POST /_fake/lookup-plans` with `number` and `plan` (`mobile`, `landline`, `voip`,
///   `invalid`, `notFound`, `failing`, `silent`);
/// - `POST /_fake/callbacks/hold`, `POST /_fake/callbacks/release` (answers the callbacks
///   it posted), `GET /_fake/callbacks`;
/// - `GET /_fake/messages`: every message made, as Twilio shows it.
enum FakeTwilioControls {
    static func add(to router: Router<BasicRequestContext>, api: FakeTwilioAPI, holder: FakeTwilioHolder) {
        router.post("/_fake/plans") { request, _ -> Response in
            let form = try await Self.form(request)
            guard let number = form["number"], let plan = Self.plan(form) else { return Response(status: .badRequest) }
            await api.setPlan(plan, for: number)
            return Response(status: .noContent)
        }
        router.post("/_fake/lookup-plans") { request, _ -> Response in
            let form = try await Self.form(request)
            guard let number = form["number"], let plan = form["plan"].flatMap(LookupPlan.init(rawValue:)) else {
                return Response(status: .badRequest)
            }
            await api.setLookupPlan(plan, for: number)
            return Response(status: .noContent)
        }
        router.post("/_fake/callbacks/hold") { _, _ -> Response in
            await api.hold()
            return Response(status: .noContent)
        }
        router.post("/_fake/callbacks/release") { _, _ -> Response in
            guard let twilio = holder.twilio else { return Response(status: .serviceUnavailable) }
            return respond(await twilio.releaseCallbacks().map(Self.shown))
        }
        router.get("/_fake/callbacks") { _, _ -> Response in
            respond(await api.posted.map(Self.shown))
        }
        router.get("/_fake/messages") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(data: await api.messagesJSON()))
            )
        }
    }

    /// A `DeliveryPlan` from the control's form; nil when a number in it is not one.
    static func plan(_ form: [String: String]) -> DeliveryPlan? {
        if let code = form["refuse_code"] {
            guard let code = Int(code) else { return nil }
            return .refuse(code: code, message: form["refuse_message"] ?? "Refused", status: Int(form["refuse_status"] ?? "400") ?? 400)
        }
        var plan = DeliveryPlan()
        if let statuses = form["statuses"] { plan.statuses = statuses.split(separator: ",").map(String.init) }
        if let repeats = form["repeats"] {
            guard let count = Int(repeats), count > 0 else { return nil }
            plan.repeats = count
        }
        plan.callbacks = form["callbacks"] != "false"
        plan.forgeSignature = form["forge"] == "true"
        plan.loseAnswer = form["lose_answer"] == "true"
        if let segments = form["num_segments"] {
            guard let count = Int(segments) else { return nil }
            plan.numSegments = count
        }
        return plan
    }

    static func shown(_ callback: FakeTwilioCallback) -> [String: Any] {
        [
            "url": callback.url,
            "message_sid": callback.messageSid,
            "status": callback.status,
            "http_status": FakeTwilioAPI.orNull(callback.httpStatus),
        ]
    }

    private static func form(_ request: Request) async throws -> [String: String] {
        var request = request
        let body = String(buffer: try await request.collectBody(upTo: 1 << 16))
        return Dictionary(FakeTwilioWire.pairs(body) ?? [], uniquingKeysWith: { $1 })
    }

    private static func respond(_ object: Any) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(data: FakeTwilioWire.json(object)))
        )
    }
}
