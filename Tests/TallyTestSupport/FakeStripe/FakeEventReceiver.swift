import Foundation
import HTTPTypes
import Hummingbird
import Logging
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
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "fake-event-receiver"),
            onServerRunning: { channel in
                portSink.yield(channel.localAddress?.port ?? 0)
                portSink.finish()
            },
            logger: Logger(label: "fake-event-receiver", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await app.runService(gracefulShutdownSignals: [])
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else {
                group.cancelAll()
                throw FakeStripe.FakeStripeFailure("the event receiver did not start")
            }
            let receiver = FakeEventReceiver(port: port, shared: shared)
            group.addTask { try await body(receiver) }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let result { return result }
            }
            throw FakeStripe.FakeStripeFailure("the event receiver stopped")
        }
    }
}
