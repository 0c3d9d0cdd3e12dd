import Hummingbird
import Logging

/// A Hummingbird server on a free loopback port for the time of a test's `body`, which is
/// handed the port: how the fakes of outside services (Stripe, an event receiver) run.
enum LoopbackServer {
    struct Stopped: Error, CustomStringConvertible {
        var description: String
    }

    static func run<T: Sendable>(
        _ router: Router<BasicRequestContext>,
        name: String,
        _ body: @escaping @Sendable (Int) async throws -> T
    ) async throws -> T {
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: name),
            onServerRunning: { channel in
                portSink.yield(channel.localAddress?.port ?? 0)
                portSink.finish()
            },
            logger: Logger(label: name, factory: { _ in SwiftLogNoOpLogHandler() })
        )
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await app.runService(gracefulShutdownSignals: [])
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else {
                group.cancelAll()
                throw Stopped(description: "\(name) did not start")
            }
            group.addTask { try await body(port) }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let result { return result }
            }
            throw Stopped(description: "\(name) stopped")
        }
    }
}
