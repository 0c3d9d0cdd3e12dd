import Foundation
import TallyApp
import TallyCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Guessing an owner's password never locks the owner out: an address that guessed ten
/// times is locked out of that email, guesses from many addresses only slow it down,
/// and the account is told.
@Suite("Login guessing")
struct LoginGuessingTests {
    static let right = "correct horse"

    @Test(arguments: [
        (10, 0), (11, 100), (12, 200), (13, 400), (14, 800), (15, 1_000), (40, 1_000), (1_000_000, 1_000), (0, 0), (1, 0),
    ])
    func guessingPastTenWaitsLongerUpToACap(attempts: Int, milliseconds: Int) {
        let delay = LoginLock.guessingDelay(attempts: attempts, freeAttempts: 10, base: .milliseconds(100), cap: .seconds(1))
        #expect(delay == .milliseconds(milliseconds))
    }

    @Test func tenWrongPasswordsFromOneAddressLockOnlyThatAddress() async throws {
        try await Harness.run { harness in
            let email = "olive-\(UUID().uuidString.prefix(8))@example.com"
            _ = try await harness.makeAccount(owner: email)
            let port = harness.port
            for _ in 0..<10 {
                let wrong = try await Self.login(email, "guess", from: "127.0.0.2", port: port)
                #expect(wrong.status == 401, "\(wrong)")
            }
            // That address is locked out of this email, the right password included.
            let locked = try await Self.login(email, Self.right, from: "127.0.0.2", port: port)
            #expect(locked.status == 429, "\(locked)")
            #expect(locked.headers["retry-after"].flatMap(Int.init).map { (1...900).contains($0) } == true)
            // Another address, and the same address with another email, go on.
            let owner = try await Self.login(email, Self.right, from: "127.0.0.3", port: port)
            #expect(owner.status == 201, "\(owner)")
            let other = try await Self.login("someone-else@example.com", "guess", from: "127.0.0.2", port: port)
            #expect(other.status == 401, "\(other)")
        }
    }

    @Test func guessesFromManyAddressesSlowTheEmailButNeverLockOutTheOwner() async throws {
        let throttle = LoginRateLimit(guessingBase: .milliseconds(100), guessingCap: .milliseconds(400))
        try await Harness.run(loginRateLimit: throttle) { harness in
            let email = "olive-\(UUID().uuidString.prefix(8))@example.com"
            let account = try await harness.makeAccount(owner: email)
            let port = harness.port
            // Six addresses, three guesses each: eighteen wrong passwords for one email, no address locked.
            for host in 10..<16 {
                for _ in 0..<3 {
                    let wrong = try await Self.login(email, "guess", from: "127.0.0.\(host)", port: port)
                    #expect(wrong.status == 401, "\(wrong)")
                }
            }
            // The owner, from an address that never failed, gets in: slowed, never refused.
            let started = ContinuousClock.now
            let owner = try await Self.login(email, Self.right, from: "127.0.0.20", port: port)
            #expect(owner.status == 201, "\(owner)")
            #expect(ContinuousClock.now - started >= throttle.guessingCap)
            // A guessing address keeps its own count: seven more and it is locked out, no one else.
            for _ in 0..<7 {
                #expect(try await Self.login(email, "guess", from: "127.0.0.10", port: port).status == 401)
            }
            #expect(try await Self.login(email, Self.right, from: "127.0.0.10", port: port).status == 429)
            #expect(try await Self.login(email, Self.right, from: "127.0.0.11", port: port).status == 201)
            // Another email is its own count.
            #expect(try await Self.login("nobody@example.com", "guess", from: "127.0.0.12", port: port).status == 401)
            // The account heard of it once.
            let kinds = try await account.notificationKinds()
            #expect(kinds.filter { $0 == "login_guessing" }.count == 1, "\(kinds)")
            let notification = try #require(try await account.get("/notifications").items().first { $0["kind"] as? String == "login_guessing" })
            #expect((notification["message"] as? String)?.contains(email.lowercased()) == true)
        }
    }

    /// The right password starts the counts again: an owner who logs in often is neither
    /// slowed nor reported.
    @Test func loggingInOftenIsNotGuessing() async throws {
        // A wait long enough that one held login alone would outlast all thirty, however busy
        // the machine (thirty logins took 22 s on a CI machine building at the same time).
        let throttle = LoginRateLimit(guessingBase: .seconds(120), guessingCap: .seconds(120))
        try await Harness.run(loginRateLimit: throttle) { harness in
            let email = "olive-\(UUID().uuidString.prefix(8))@example.com"
            let account = try await harness.makeAccount(owner: email)
            let started = ContinuousClock.now
            for index in 0..<15 {
                let address = "127.0.0.\(31 + index % 3)"
                let wrong = try await Self.login(email, "typo", from: address, port: harness.port)
                #expect(wrong.status == 401)
                let right = try await Self.login(email, Self.right, from: address, port: harness.port)
                #expect(right.status == 201, "\(right)")
            }
            #expect(ContinuousClock.now - started < throttle.guessingBase)
            #expect(try await account.notificationKinds().contains("login_guessing") == false)
        }
    }

    /// An "email" with a space never reaches a count, so it cannot add to the count of one
    /// address at another email (that key is the email, a space and the address).
    @Test func anEmailWithASpaceCountsForNoOne() async throws {
        try await Harness.run { harness in
            let email = "olive-\(UUID().uuidString.prefix(8))@example.com"
            _ = try await harness.makeAccount(owner: email)
            for _ in 0..<12 {
                let forged = try await Self.login("\(email) 127.0.0.5", "guess", from: "127.0.0.6", port: harness.port)
                #expect(forged.status == 401)
            }
            #expect(try await Self.login(email, Self.right, from: "127.0.0.5", port: harness.port).status == 201)
        }
    }

    // MARK: One login from a chosen loopback address

    struct Answer: CustomStringConvertible {
        let status: Int
        let headers: [String: String]
        let body: String
        var description: String { "\(status) \(body)" }
    }

    /// `POST /v1/sessions` on a connection of its own from `source` (any 127.x.y.z: all
    /// of them are this machine), on a thread of its own while the server holds it.
    static func login(_ email: String, _ password: String, from source: String, port: Int) async throws -> Answer {
        let body = #"{"email":"\#(email)","password":"\#(password)"}"#
        let request =
            "POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        let raw = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<String, any Error>) in
            Thread { continuation.resume(with: Result { try exchange(request, from: source, port: port) }) }.start()
        }
        let parts = raw.components(separatedBy: "\r\n\r\n")
        let head = parts[0].components(separatedBy: "\r\n")
        let status = Int(head[0].split(separator: " ").dropFirst().first ?? "") ?? 0
        var headers = [String: String]()
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Answer(status: status, headers: headers, body: parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    struct SocketFailure: Error { let step: String }

    static func exchange(_ request: String, from source: String, port: Int) throws -> String {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw SocketFailure(step: "socket") }
        defer { close(socket) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        func address(_ host: String, _ port: Int) -> sockaddr_in {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr(host)
            return address
        }
        var local = address(source, 0)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw SocketFailure(step: "bind \(source)") }
        var server = address("127.0.0.1", port)
        let connected = withUnsafePointer(to: &server) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw SocketFailure(step: "connect") }
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw SocketFailure(step: "send") }
            sent += count
        }
        var answer = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            answer.append(contentsOf: buffer[..<count])
        }
        return String(decoding: answer, as: UTF8.self)
    }
}
