import NIOCore
import NIOPosix
import PostgresNIO
import TallyTestSupport
import Testing

@testable import TallyStore

/// PostgreSQL's connections, a pool on each event loop: a statement from a task on a loop
/// goes out on a connection of that loop, and the pools together keep the connections the
/// configuration asks for, no more.
@Suite struct LoopPoolsTests {
    /// Runs a task's work on one event loop's thread, as the server runs a request's task
    /// on the loop of its HTTP connection (NIO's loops are its tasks' executor there).
    final class OnLoop: TaskExecutor {
        let loop: any EventLoop

        init(_ loop: any EventLoop) { self.loop = loop }

        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
        }

        /// Whether a statement run from a task on this loop went out on a connection of this loop.
        func statementStaysOnItsLoop(_ store: PostgresStore) async throws -> Bool {
            try await withTaskExecutorPreference(self) {
                try await store.pooled { connection in
                    _ = try await connection.query("SELECT 1", logger: store.logger).collect()
                    return connection.eventLoop === loop
                }
            }
        }
    }

    @Test(.enabled(if: PostgresTestDatabase.serverURL != nil, "needs TALLY_TEST_POSTGRES_URL"))
    func aStatementGoesOutOnAConnectionOfItsTasksLoop() async throws {
        let store = PostgresStore(configuration: try await PostgresTestDatabase.make())
        var loops: [any EventLoop] = []
        var iterator = MultiThreadedEventLoopGroup.singleton.makeIterator()
        while let loop = iterator.next() { loops.append(loop) }
        for loop in loops {
            let onLoop = OnLoop(loop)
            // Several times over: a pool lends any of its connections.
            for _ in 0..<4 {
                #expect(try await onLoop.statementStaysOnItsLoop(store))
            }
        }
        try await store.close()
    }

    @Test func theConnectionsAreSharedOutAmongThePools() throws {
        var configuration = PostgresClient.Configuration(host: "localhost", username: "tally", password: nil, database: nil, tls: .disable)
        configuration.options.minimumConnections = 12
        configuration.options.maximumConnections = 20
        var pools = LoopPools.split(configuration, count: 2)
        #expect(pools.map(\.options.maximumConnections) == [10, 10])
        #expect(pools.map(\.options.minimumConnections) == [6, 6])

        configuration.options.minimumConnections = 5
        configuration.options.maximumConnections = 5
        pools = LoopPools.split(configuration, count: 3)
        #expect(pools.map(\.options.maximumConnections) == [2, 2, 1])
        #expect(pools.map(\.options.minimumConnections) == [2, 2, 1])

        configuration.options.minimumConnections = 0
        configuration.options.maximumConnections = 1
        pools = LoopPools.split(configuration, count: 1)
        #expect(pools.map(\.options.maximumConnections) == [1])
        #expect(pools.map(\.options.minimumConnections) == [0])
    }

    @Test func fewerConnectionsThanLoopsMakeFewerPools() throws {
        var configuration = PostgresClient.Configuration(host: "localhost", username: "tally", password: nil, database: nil, tls: .disable)
        configuration.options.minimumConnections = 1
        configuration.options.maximumConnections = 1
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 3)
        defer { try? group.syncShutdownGracefully() }
        let pools = LoopPools(configuration: configuration, group: group, logger: .init(label: "test"))
        #expect(pools.count == 1)
        configuration.options.maximumConnections = 8
        #expect(LoopPools(configuration: configuration, group: group, logger: .init(label: "test")).count == 3)
    }
}
