import Foundation
import TallyServer
import TallyTestSupport
import Testing

/// A client that sends its headers a byte at a time, or never sends anything, does not
/// hold a connection for good; and no more connections are served at once than allowed.
/// Proven on raw sockets, as such clients behave.
@Suite("Connection limits")
struct ConnectionLimitTests {
    static let limits = ConnectionLimits(headerReadSeconds: 1, idleSeconds: 2, maximumConnections: 3)

    @Test func aClientSendingItsHeadersSlowlyIsCutOff() async throws {
        try await Harness.run(limits: Self.limits) { harness in
            let closedAfter = try await RawConnection.onThread(port: harness.port) { connection -> Duration? in
                try connection.write("GET /health HTTP/1.1\r\nHost: localhost\r\n")
                let start = ContinuousClock.now
                // One header line every 300 ms: the idle timeout alone never fires.
                while ContinuousClock.now - start < .seconds(6) {
                    guard connection.write(orClosed: "X-Slow: yes\r\n") else { return ContinuousClock.now - start }
                    if connection.isClosed(waitingMilliseconds: 300) { return ContinuousClock.now - start }
                }
                return nil
            }
            // Only the header deadline (1 s) can close it: a line every 300 ms keeps the idle
            // timeout (2 s) from firing. Closed well before 6 s is that deadline, even when a
            // busy machine (every test starting at once) is late to act on it.
            let seconds = try #require(closedAfter, "the slow client still had its connection after 6 s")
            #expect(seconds < .seconds(5), "closed after \(seconds)")
        }
    }

    @Test func aSilentConnectionIsClosed() async throws {
        try await Harness.run(limits: Self.limits) { harness in
            let closed = try await RawConnection.onThread(port: harness.port) { connection in
                connection.isClosed(waitingMilliseconds: 6_000)
            }
            #expect(closed, "a connection that sent nothing was still open after 6 s")
        }
    }

    /// Between keep-alive requests the idle timeout counts, not the header deadline.
    @Test func aKeepAliveConnectionLivesItsIdleTime() async throws {
        try await Harness.run(limits: Self.limits) { harness in
            let (answer, closedEarly, closedLater) = try await RawConnection.onThread(port: harness.port) { connection in
                try connection.write("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
                // The answer may wait on a busy machine (on PostgreSQL /health asks the
                // database); the idle time counts from it.
                let answer = try connection.readSome(timeoutSeconds: 30)
                let early = connection.isClosed(waitingMilliseconds: 1_400)
                let later = connection.isClosed(waitingMilliseconds: 4_000)
                return (answer, early, later)
            }
            #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
            #expect(!closedEarly, "closed before its idle time")
            #expect(closedLater, "still open well past its idle time")
        }
    }
}
