import Foundation
import Glibc

/// A blocking TCP connection to the server on loopback, used from a thread of its own so
/// its waits never hold one of the test runner's threads.
public final class RawConnection {
    public struct Failure: Error { public let reason: String }
    let socket: Int32

    public init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(reason: "socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw Failure(reason: "connect")
        }
    }

    deinit { close(socket) }

    public static func with<T>(port: Int, _ body: (RawConnection) throws -> T) throws -> T {
        try body(RawConnection(port: port))
    }

    /// Runs `body` with a new connection on a thread of its own.
    public static func onThread<T: Sendable>(port: Int, _ body: @escaping @Sendable (RawConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try body(RawConnection(port: port)) })
            }
            thread.start()
        }
    }

    public func write(_ text: String) throws {
        guard write(orClosed: text) else { throw Failure(reason: "write") }
    }

    /// Writes `text`; false when the server has closed the connection.
    public func write(orClosed text: String) -> Bool {
        let bytes = Array(text.utf8)
        return Glibc.send(socket, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count
    }

    /// Whether the server closes the connection within the wait (reads and drops any answer).
    public func isClosed(waitingMilliseconds: Int) -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(waitingMilliseconds)
        while ContinuousClock.now < deadline {
            let left = deadline - ContinuousClock.now
            let milliseconds = Int32(max(1, left.components.seconds * 1_000 + left.components.attoseconds / 1_000_000_000_000_000))
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, milliseconds) > 0 else { return false }
            var buffer = [UInt8](repeating: 0, count: 4_096)
            let count = recv(socket, &buffer, buffer.count, 0)
            if count <= 0 { return true }
        }
        return false
    }

    /// The first bytes of the answer.
    public func readSome(timeoutSeconds: Int = 5) throws -> String {
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, Int32(timeoutSeconds * 1_000)) > 0 else { throw Failure(reason: "no answer in \(timeoutSeconds) s") }
        var buffer = [UInt8](repeating: 0, count: 4_096)
        let count = recv(socket, &buffer, buffer.count, 0)
        guard count > 0 else { throw Failure(reason: "closed without an answer") }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }
}
