import Foundation
import TallyTestSupport
import Testing

/// `tally serve --max-connections`: past the cap, a new connection waits until one of the
/// open ones closes (here, silent ones closed by `--idle-timeout`), then is answered.
@Suite("Serve connection cap")
struct ServeConnectionCapTests {
    @Test(.timeLimit(.minutes(1)))
    func connectionsPastTheCapWaitForOneToClose() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tally-cap-\(UUID().uuidString).sqlite").path
        let server = try ServeProcess(
            tally: try TallyExecutable.locate(),
            database: path,
            token: "cap-\(UUID().uuidString)",
            name: "cap",
            arguments: ["--max-connections", "3", "--idle-timeout", "2", "--header-timeout", "1"]
        )
        defer { server.kill() }
        try await server.waitUntilHealthy()
        // The health check's own keep-alive connection is closed by the idle timeout first.
        try await Task.sleep(for: .milliseconds(2_500))
        let port = try #require(server.base.port)
        // One at a time, as the server accepts them (it accepts connections arriving
        // together in one go, and checks the cap before it accepts more).
        let (answer, waited) = try await RawConnection.onThread(port: port) { first in
            usleep(200_000)
            return try RawConnection.with(port: port) { second in
                usleep(200_000)
                return try RawConnection.with(port: port) { third in
                    _ = (first, second, third)
                    usleep(200_000)
                    return try RawConnection.with(port: port) { fourth in
                        let start = ContinuousClock.now
                        try fourth.write("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
                        let answer = try fourth.readSome(timeoutSeconds: 8)
                        return (answer, ContinuousClock.now - start)
                    }
                }
            }
        }
        #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
        // The three silent connections hold the server's three places until their idle
        // timeout (2 s) closes them; only then is the fourth read.
        #expect(waited > .milliseconds(1_000), "answered after \(waited), past a cap of 3 connections")
        #expect(await server.stop() == 0)
    }
}
