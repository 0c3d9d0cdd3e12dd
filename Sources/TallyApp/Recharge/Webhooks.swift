import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import TallyCore
import TallyStore

/// Sends one signed webhook request; answers the HTTP status, or throws when nothing answered.
public protocol WebhookTransport: Sendable {
    func post(url: URL, body: [UInt8], headers: [String: String]) async throws -> Int
}

/// Real HTTP, on the client the provider adapters use (`ProviderHTTP.client`: its own
/// event loops, no redirects). A 3xx is the endpoint's answer (not a 2xx, so the delivery
/// is retried), never a second address. The answer's body is read (at most 64 KiB, more
/// is left unread) only so that the connection can carry the next delivery.
public struct HTTPWebhookTransport: WebhookTransport {
    public static let timeoutSeconds: Int64 = 10

    public init() {}

    public func post(url: URL, body: [UInt8], headers: [String: String]) async throws -> Int {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers = HTTPHeaders(headers.map { ($0.key, $0.value) })
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await ProviderHTTP.client.execute(request, timeout: .seconds(Self.timeoutSeconds))
        _ = try? await response.body.collect(upTo: 65_536)
        return Int(response.status.code)
    }
}

/// Webhook endpoints and the delivery of every notification to them.
///
/// Each notification is written with one delivery row per endpoint (an outbox),
/// so a restart loses none; the worker POSTs them signed, retrying with back-off.
public struct Webhooks: Sendable {
    let store: any Store
    let time: any TimeSource
    let ids: any IDSource
    let transport: any WebhookTransport
    let addressPolicy: WebhookAddressPolicy
    public static let maximumAttempts = 10
    public static let maximumEndpoints = 10
    public static let leaseSeconds = 60

    public struct NewWebhook: Sendable, Codable {
        public var url: String
    }

    public struct Created: Sendable, Codable, Equatable {
        public var id: String
        public var url: String
        /// Shown once: it signs every delivery.
        public var secret: String
        public var createdAt: Date
    }

    public struct View: Sendable, Codable, Equatable {
        public var id: String
        public var url: String
        public var createdAt: Date
    }

    public struct DeliveryView: Sendable, Codable, Equatable {
        public var id: String
        public var notificationId: String
        public var attempts: Int
        public var status: DeliveryStatus
        @Nullable public var lastStatusCode: Int?
        @Nullable public var nextAttemptAt: Date?
        @Nullable public var deliveredAt: Date?
    }

    public func add(_ request: NewWebhook, by manager: CreditManager) async throws -> Created {
        let text = request.url.trimmingCharacters(in: .whitespaces)
        guard text.count <= 2_048, let url = URL(string: text), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
        else { throw TallyError.invalid("url", "must be an http or https URL") }
        guard await addressPolicy.permits(host: host) else {
            throw TallyError.invalid("url", "must not point at a loopback or private address on this installation")
        }
        guard try await store.webhooks(account: manager.accountID).count < Self.maximumEndpoints else {
            throw TallyError.invalid("url", "an account has at most \(Self.maximumEndpoints) webhook endpoints")
        }
        let webhook = Webhook(
            id: ids.make("wh"),
            accountID: manager.accountID,
            url: text,
            secret: "whsec_" + Secrets.base32(byteCount: 32),
            createdAt: time.now()
        )
        try await store.addWebhook(webhook)
        return Created(id: webhook.id, url: webhook.url, secret: webhook.secret, createdAt: webhook.createdAt)
    }

    public func list(of manager: CreditManager) async throws -> [View] {
        try await store.webhooks(account: manager.accountID).map { View(id: $0.id, url: $0.url, createdAt: $0.createdAt) }
    }

    public func delete(_ id: String, by manager: CreditManager) async throws {
        guard try await store.deleteWebhook(id, account: manager.accountID, at: time.now()) else {
            throw TallyError.notFound("no webhook \(id)")
        }
    }

    public func deliveries(of id: String, by manager: CreditManager) async throws -> [DeliveryView] {
        guard try await store.webhooks(account: manager.accountID).contains(where: { $0.id == id }) else {
            throw TallyError.notFound("no webhook \(id)")
        }
        return try await store.deliveries(webhook: id, account: manager.accountID, limit: 200).map {
            DeliveryView(
                id: $0.id,
                notificationId: $0.notificationID,
                attempts: $0.attempts,
                status: $0.status,
                lastStatusCode: $0.lastStatusCode,
                nextAttemptAt: $0.status == .pending ? $0.nextAttemptAt : nil,
                deliveredAt: $0.deliveredAt
            )
        }
    }

    /// Sends every due delivery once; what the background worker runs.
    @discardableResult
    public func deliverDue(limit: Int = 50) async throws -> Int {
        let jobs = try await store.claimDueDeliveries(at: time.now(), leaseSeconds: Self.leaseSeconds, limit: limit)
        _ = await BackgroundPass.each(jobs, kind: "webhook delivery", id: \.delivery.id) { job in
            try await deliver(job)
            return true
        }
        return jobs.count
    }

    func deliver(_ job: DeliveryJob) async throws {
        let now = time.now()
        let body = Self.payload(job.notification)
        let timestamp = Int64(now.timeIntervalSince1970)
        var status: Int?
        // Checked again at every delivery: a name may resolve elsewhere than it did.
        if let url = URL(string: job.url), let host = url.host, await addressPolicy.permits(host: host) {
            status = try? await transport.post(
                url: url,
                body: body,
                headers: [
                    "Content-Type": "application/json",
                    "Tally-Signature": Self.signature(body: body, secret: job.secret, timestamp: timestamp),
                    "Tally-Delivery": job.delivery.id,
                ]
            )
        }
        let attempts = job.delivery.attempts + 1
        if let status, (200..<300).contains(status) {
            try await store.recordDeliveryAttempt(job.delivery.id, status: .delivered, statusCode: status, nextAttemptAt: nil, at: now)
        } else if attempts >= Self.maximumAttempts {
            try await store.recordDeliveryAttempt(job.delivery.id, status: .failed, statusCode: status, nextAttemptAt: nil, at: now)
        } else {
            let next = now.addingTimeInterval(TimeInterval(Self.retryDelaySeconds(afterAttempt: attempts)))
            try await store.recordDeliveryAttempt(job.delivery.id, status: .pending, statusCode: status, nextAttemptAt: next, at: now)
        }
    }

    /// 10 s, 20 s, 40 s … capped at an hour.
    public static func retryDelaySeconds(afterAttempt attempt: Int) -> Int {
        min(3_600, 10 << max(0, min(attempt - 1, 20)))
    }

    /// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, keyed by the secret's UTF-8 bytes.
    public static func signature(body: [UInt8], secret: String, timestamp: Int64) -> String {
        let key = SymmetricKey(data: Array(secret.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).".utf8) + body, using: key)
        return "t=\(timestamp),v1=" + mac.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// `{id, kind, message, accountId, createdAt, data}`; the id is stable across retries.
    static func payload(_ notification: TallyStore.Notification) -> [UInt8] {
        let data = (try? JSONSerialization.jsonObject(with: Data(notification.data.utf8))) ?? [String: Any]()
        let object: [String: Any] = [
            "id": notification.id, "kind": notification.kind.rawValue, "message": notification.message,
            "accountId": notification.accountID.rawValue,
            "createdAt": ISO8601DateFormatter().string(from: notification.createdAt), "data": data,
        ]
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8))
    }
}
