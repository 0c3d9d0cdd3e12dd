import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// PostgreSQL connections in a pool on each event loop of the group the server's own
/// connections and tasks run on, the connections split evenly between them (fewer
/// connections than loops: a pool on as many loops as there are connections).
///
/// A statement goes out on a connection of the loop its task runs on: the task writes it
/// and the reply resumes the task on that same thread. A connection on another loop costs
/// two hand-overs to each statement, the request to that loop and the reply back, each
/// waking a thread: at one client, more than half of the thread wake-ups of a charge.
final class LoopPools: Sendable {
    private let pools: [(loop: any EventLoop, client: PostgresClient)]
    /// The next pool for a caller off the event loops (a command, a test), in turn.
    private let next = Atomic<Int>(0)

    init(configuration: PostgresClient.Configuration, group: MultiThreadedEventLoopGroup, logger: Logger) {
        var loops: [any EventLoop] = []
        var iterator = group.makeIterator()
        while let loop = iterator.next(), loops.count < max(1, configuration.options.maximumConnections) {
            loops.append(loop)
        }
        pools = Self.split(configuration, count: loops.count).enumerated().map { index, configuration in
            (loops[index], PostgresClient(configuration: configuration, eventLoopGroup: loops[index], backgroundLogger: logger))
        }
    }

    /// The configuration of each of `count` pools: the connections kept open and the most
    /// opened, shared out so that together they are the configuration's (each pool at
    /// least one, so `count` is at most the connections).
    static func split(_ configuration: PostgresClient.Configuration, count: Int) -> [PostgresClient.Configuration] {
        func share(_ total: Int, _ index: Int) -> Int { total / count + (index < total % count ? 1 : 0) }
        return (0..<count).map { index in
            var part = configuration
            part.options.maximumConnections = max(1, share(configuration.options.maximumConnections, index))
            part.options.minimumConnections = min(
                part.options.maximumConnections,
                share(configuration.options.minimumConnections, index)
            )
            return part
        }
    }

    /// How many pools there are.
    var count: Int { pools.count }

    /// The pool of the event loop this task runs on; off the loops (or on one without a
    /// pool), each pool in turn.
    var current: PostgresClient {
        if let loop = MultiThreadedEventLoopGroup.currentEventLoop,
            let pool = pools.first(where: { $0.loop === loop })
        {
            return pool.client
        }
        return pools[next.add(1, ordering: .relaxed).oldValue % pools.count].client
    }

    /// Every pool, each to be run (`PostgresClient.run()`) while the store is open.
    var clients: [PostgresClient] { pools.map(\.client) }
}
