import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// An endpoint on loopback that takes the status callbacks posted to it and answers 200:
/// where a test sends the fake Twilio's callbacks to look at them as they arrived (the
/// raw body and its `X-Twilio-Signature`, for Tally's own check).
public final class FakeTwilioStatusReceiver: Sendable {
    public struct Delivery: Sendable {
        /// The full URL posted to, as Twilio signs it.
        public var url: String
        public var body: String
        /// `X-Twilio-Signature`.
        public var signature: String?
        public var contentType: String?
    }

    public let port: Int
    private let shared: Shared

    /// A `StatusCallback` URL on this receiver: `http://127.0.0.1:<port>/status/<id>`.
    public func url(_ id: String) -> String { "http://127.0.0.1:\(port)/status/\(id)" }
    /// Every post so far, oldest first.
    public var received: [Delivery] { shared.log.withLock { $0 } }

    private init(port: Int, shared: Shared) {
        self.port = port
        self.shared = shared
    }

    private final class Shared: Sendable {
        let log = Mutex<[Delivery]>([])
        let port = Mutex(0)
    }

    /// Waits until `count` callbacks have arrived (or `timeout` passed); what arrived.
    public func received(count: Int, timeout: Duration = .seconds(30)) async -> [Delivery] {
        (try? await eventually(within: timeout) {
            received
        } until: {
            $0.count >= count
        }) ?? received
    }

    public static func run<T: Sendable>(_ body: @escaping @Sendable (FakeTwilioStatusReceiver) async throws -> T) async throws -> T {
        let shared = Shared()
        let router = Router()
        router.post("/status/:id") { request, _ -> Response in
            var request = request
            let bytes = try await request.collectBody(upTo: 1 << 20)
            let delivery = Delivery(
                url: "http://127.0.0.1:\(shared.port.withLock { $0 })" + request.uri.path,
                body: String(buffer: bytes),
                signature: request.headers[HTTPField.Name("X-Twilio-Signature")!],
                contentType: request.headers[.contentType]
            )
            shared.log.withLock { $0.append(delivery) }
            return Response(status: .ok)
        }
        return try await LoopbackServer.run(router, name: "fake-twilio-status-receiver") { port in
            shared.port.withLock { $0 = port }
            return try await body(FakeTwilioStatusReceiver(port: port, shared: shared))
        }
    }
}
