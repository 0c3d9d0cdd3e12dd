import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// An endpoint on loopback that takes whatever is posted to it and answers 200: where a
/// test sends the fake Stripe's events to look at them as they arrived.
public final class FakeEventReceiver: Sendable {
    public struct Delivery: Sendable {
        public var body: [UInt8]
        /// The `Stripe-Signature` header.
        public var signature: String?
        public var contentType: String?
    }

    public let port: Int
    private let shared: Shared
    public var url: String { "http://127.0.0.1:\(port)/events" }
    /// Every post so far, oldest first.
    public var received: [Delivery] { shared.log.withLock { $0 } }

    private init(port: Int, shared: Shared) {
        self.port = port
        self.shared = shared
    }

    private final class Shared: Sendable {
        let log = Mutex<[Delivery]>([])
    }

    public static func run<T: Sendable>(_ body: @escaping @Sendable (FakeEventReceiver) async throws -> T) async throws -> T {
        let shared = Shared()
        let router = Router()
        router.post("/events") { request, _ -> Response in
            var request = request
            let bytes = try await request.collectBody(upTo: 1 << 20)
            let delivery = Delivery(
                body: Array(buffer: bytes),
                signature: request.headers[HTTPField.Name("Stripe-Signature")!],
                contentType: request.headers[.contentType]
            )
            shared.log.withLock { $0.append(delivery) }
            return Response(status: .ok)
        }
        return try await LoopbackServer.run(router, name: "fake-event-receiver") { port in
            try await body(FakeEventReceiver(port: port, shared: shared))
        }
    }
}
