import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An event the fake is to post to the configured webhook endpoint. It is signed when it
/// is sent (a held event released later carries a fresh timestamp, as Stripe's retries do).
struct FakeStripeOutgoingEvent: Sendable {
    var id: String
    var type: String
    var objectID: String
    var body: Data
    var url: String
    var secret: String
}

/// One event the fake posted to the webhook endpoint, and what the endpoint answered.
public struct FakeStripeDelivery: Sendable, Hashable {
    public var eventID: String
    /// `checkout.session.completed`, `charge.dispute.created`, …
    public var type: String
    /// The id of the event's `data.object`.
    public var objectID: String
    /// The endpoint's HTTP status; 0 when it could not be reached.
    public var status: Int
}

/// The fake's events to a configured endpoint, and the happenings only Stripe's side
/// causes: disputes opened and closed, refunds made in Stripe's dashboard.
extension FakeStripeAPI {
    func setWebhook(url: String, secret: String) { webhook = (url, secret) }
    func clearWebhook() { webhook = nil }
    func holdEvents() { holdingEvents = true }

    func releaseEvents() -> [FakeStripeOutgoingEvent] {
        holdingEvents = false
        defer { heldEvents = [] }
        return heldEvents
    }

    func record(_ delivery: FakeStripeDelivery) { deliveries.append(delivery) }

    /// The events of `types` about kept objects, to post to the webhook endpoint: none when
    /// no endpoint is set, and none yet (kept back) while events are held.
    func webhookEvents(_ events: [(type: String, objectID: String)], previousAttributes: [String: Any]? = nil) -> [FakeStripeOutgoingEvent] {
        guard let webhook else { return [] }
        var outgoing: [FakeStripeOutgoingEvent] = []
        for (type, objectID) in events {
            guard
                let (id, body, _) = event(
                    type: type,
                    objectID: objectID,
                    secret: webhook.secret,
                    timestamp: now,
                    previousAttributes: previousAttributes
                )
            else { continue }
            outgoing.append(FakeStripeOutgoingEvent(id: id, type: type, objectID: objectID, body: body, url: webhook.url, secret: webhook.secret))
        }
        if holdingEvents {
            heldEvents += outgoing
            return []
        }
        return outgoing
    }

    /// Posts `events` in order, each signed now, and records what the endpoint answered.
    nonisolated func deliver(_ events: [FakeStripeOutgoingEvent]) async -> [FakeStripeDelivery] {
        var deliveries: [FakeStripeDelivery] = []
        for event in events {
            let signature = Self.signature(event.body, secret: event.secret, timestamp: Int(Date().timeIntervalSince1970))
            let status = await Self.post(event.body, signature: signature, to: event.url)
            let delivery = FakeStripeDelivery(eventID: event.id, type: event.type, objectID: event.objectID, status: status)
            await record(delivery)
            deliveries.append(delivery)
        }
        return deliveries
    }

    /// Posts an event body as Stripe does; the endpoint's status, 0 when unreachable.
    static func post(_ body: Data, signature: String?, to url: String) async -> Int {
        guard let address = URL(string: url) else { return 0 }
        var request = URLRequest(url: address)
        request.httpMethod = "POST"
        request.httpBody = body
        request.timeoutInterval = 30
        request.setValue("application/json; charset=utf-8", forHTTPHeaderField: "Content-Type")
        if let signature { request.setValue(signature, forHTTPHeaderField: "Stripe-Signature") }
        request.setValue("Stripe/1.0 (+https://stripe.com/docs/webhooks)", forHTTPHeaderField: "User-Agent")
        guard let (_, response) = try? await URLSession.shared.data(for: request) else { return 0 }
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    /// A succeeded PaymentIntent's charge, or why there is none.
    private func succeededCharge(of paymentIntent: String) -> Result<(intent: [String: Any], chargeID: String), FakeStripe.FakeStripeFailure> {
        guard let intent = objects[paymentIntent], intent["object"] as? String == "payment_intent" else {
            return .failure(.init("no PaymentIntent \(paymentIntent)"))
        }
        guard intent["status"] as? String == "succeeded", let chargeID = intent["latest_charge"] as? String, objects[chargeID] != nil else {
            return .failure(.init("PaymentIntent \(paymentIntent) has no succeeded charge"))
        }
        return .success((intent, chargeID))
    }

    // MARK: - Disputes

    /// The cardholder disputes `paymentIntent`'s charge (`needs_response`).
    func openDispute(
        paymentIntent: String,
        amount: Int?,
        reason: String
    ) -> Result<(id: String, events: [FakeStripeOutgoingEvent]), FakeStripe.FakeStripeFailure> {
        let (intent, chargeID): ([String: Any], String)
        switch succeededCharge(of: paymentIntent) {
        case .success(let found): (intent, chargeID) = found
        case .failure(let failure): return .failure(failure)
        }
        let charged = objects[chargeID]?["amount"] as? Int ?? 0
        let amount = amount ?? charged
        guard amount > 0, amount <= charged else { return .failure(.init("a dispute is for 1 to \(charged) cents")) }
        let id = newID("dp")
        objects[id] = [
            "id": id, "object": "dispute", "amount": amount, "currency": intent["currency"] as? String ?? "usd", "charge": chargeID,
            "payment_intent": paymentIntent, "reason": reason, "status": "needs_response", "created": now, "livemode": false,
            "metadata": [String: Any](), "is_charge_refundable": false, "balance_transactions": [Any](),
            "evidence_details": ["due_by": now + 7 * 86_400, "has_evidence": false, "past_due": false, "submission_count": 0],
        ]
        objects[chargeID]?["disputed"] = true
        return .success((id, webhookEvents([("charge.dispute.created", id)])))
    }

    /// The bank decides: `won` (the funds come back) or `lost`.
    func closeDispute(_ id: String, won: Bool) -> Result<[FakeStripeOutgoingEvent], FakeStripe.FakeStripeFailure> {
        guard let dispute = objects[id], dispute["object"] as? String == "dispute" else { return .failure(.init("no dispute \(id)")) }
        let previous = dispute["status"] as? String ?? ""
        guard previous != "won", previous != "lost" else { return .failure(.init("dispute \(id) is already \(previous)")) }
        objects[id]?["status"] = won ? "won" : "lost"
        return .success(webhookEvents([("charge.dispute.closed", id)], previousAttributes: ["status": previous]))
    }

    // MARK: - Refunds made outside Tally

    /// A refund made in Stripe's dashboard: no metadata of Tally's. `charge.refunded` carries
    /// the charge (its `amount_refunded`; no `refunds` list, as since 2022-11-15).
    func refundOutside(paymentIntent: String, amount: Int?) -> Result<(id: String, events: [FakeStripeOutgoingEvent]), FakeStripe.FakeStripeFailure> {
        let chargeID: String
        switch succeededCharge(of: paymentIntent) {
        case .success(let found): chargeID = found.chargeID
        case .failure(let failure): return .failure(failure)
        }
        guard var charge = objects[chargeID] else { return .failure(.init("no charge \(chargeID)")) }
        let charged = charge["amount"] as? Int ?? 0
        let refunded = charge["amount_refunded"] as? Int ?? 0
        let amount = amount ?? (charged - refunded)
        guard amount > 0, amount <= charged - refunded else { return .failure(.init("\(charged - refunded) cents are left to refund")) }
        let id = newID("re")
        objects[id] = [
            "id": id, "object": "refund", "amount": amount, "charge": chargeID, "payment_intent": paymentIntent, "created": now,
            "currency": charge["currency"] as? String ?? "usd", "metadata": [String: Any](), "reason": "requested_by_customer",
            "status": "succeeded", "failure_reason": NSNull(),
        ]
        charge["amount_refunded"] = refunded + amount
        charge["refunded"] = refunded + amount >= charged
        objects[chargeID] = charge
        return .success((id, webhookEvents([("charge.refunded", chargeID)], previousAttributes: ["amount_refunded": refunded])))
    }
}
