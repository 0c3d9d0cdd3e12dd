import Foundation
import Synchronization
import TallyCore
import TallyStore
import TallyTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Two `tally serve` processes on one PostgreSQL database, both running their
/// background workers, hammering one wallet over real HTTP.
///
/// Runs when `TALLY_TEST_POSTGRES_URL` names a server; `scripts/test` always sets it.
/// Without it the test fails under CI (`CI` set) and is skipped quietly otherwise.
@Suite("Two processes on one PostgreSQL database")
struct TwoProcessesTests {
    static let operatorToken = "two-processes-operator"

    /// Each round spends more than it buys and ends below the threshold set just under
    /// its starting balance, so it crosses the threshold at least once; and a recharge
    /// (300 credits) lifts the wallet so far that nothing in the round can take it
    /// below the threshold again. So whatever the interleaving, and whenever a worker
    /// of either process runs the recharge, each round buys exactly one recharge.
    ///
    /// Per round: 40 phone validations (60 credits), 40 email validations (20), 20 SMS
    /// to France (9), 16 holds of 5 (80 held at most, 40 captured, 40 released), and
    /// purchases of 100: at most 169 spent, 129 net, 100 bought.
    @Test(.timeLimit(.minutes(5)))
    func twoProcessesShareOneWalletAndItsRecharges() async throws {
        guard PostgresTestDatabase.serverURL != nil else {
            if ProcessInfo.processInfo.environment["CI"] != nil {
                Issue.record(
                    "TALLY_TEST_POSTGRES_URL is not set: the two-process test needs a PostgreSQL server (scripts/test starts one)"
                )
            }
            return
        }
        let tally = try TallyExecutable.locate()
        let database = try await PostgresTestDatabase.makeEmpty().url

        let migrated = try await tally.run(["migrate", "--database", database], seconds: 60)
        try #require(migrated.status == 0, "tally migrate: \(migrated.output)")

        let first = try ServeProcess(tally: tally, database: database, token: Self.operatorToken, name: "a")
        let second = try ServeProcess(tally: tally, database: database, token: Self.operatorToken, name: "b")
        var stopped = false
        defer {
            if !stopped {
                first.kill()
                second.kill()
            }
        }
        let http = HTTPClient()
        try await first.waitUntilHealthy()
        try await second.waitUntilHealthy()
        let servers = [first.base, second.base]

        // An account, its owner, a card and a first purchase, through both processes.
        let email = "owner-\(UUID().uuidString.prefix(8))@example.com"
        let created = try await http.call(
            servers[0],
            "POST",
            "/v1/accounts",
            token: Self.operatorToken,
            json: #"{"name":"Two Processes","owner":{"email":"\#(email)","name":"Olive Owner","password":"correct horse"}}"#
        )
        try #require(created.status == 201, "\(created)")
        let accountID = try created.string("id")
        let session = try await http.call(
            servers[1],
            "POST",
            "/v1/sessions",
            json: #"{"email":"\#(email)","password":"correct horse"}"#
        )
        try #require(session.status == 201, "\(session)")
        let token = try session.string("token")
        let account = "/v1/accounts/\(accountID)"
        let saved = try await http.call(
            servers[0],
            "POST",
            "\(account)/payment-methods",
            token: token,
            json: #"{"card":{"number":"4242424242424242","expMonth":12,"expYear":2035,"cvc":"123"}}"#
        )
        try #require(saved.status == 201, "\(saved)")
        let method = try saved.string("id")
        let bought = try await http.call(
            servers[1],
            "POST",
            "\(account)/purchases",
            token: token,
            json: #"{"credits":300,"paymentMethodId":"\#(method)"}"#
        )
        try #require(bought.status == 201, "\(bought)")

        let replayKey = "replayed-\(UUID().uuidString)"
        let replayJSON = #"{"credits":100,"paymentMethodId":"\#(method)"}"#
        var replayBodies = [String]()
        let rounds = 2
        for round in 1...rounds {
            // The threshold just under this round's starting balance.
            let start = try await Credits(parsing: http.call(servers[round % 2], "GET", "\(account)/wallet", token: token).string("available"))
            let threshold = Credits(thousandths: start.thousandths - 10_000)
            let settings = try await http.call(
                servers[round % 2],
                "PUT",
                "\(account)/auto-recharge",
                token: token,
                json:
                    #"{"enabled":true,"thresholdCredits":"\#(threshold)","rechargeCredits":300,"paymentMethodId":"\#(method)","maxRechargesPerDay":10,"maxSpendPerMonth":"5000.00"}"#
            )
            try #require(settings.status == 200, "\(settings)")

            var operations = [Operation]()
            for index in 0..<40 {
                operations.append(
                    .init(
                        "POST",
                        "\(account)/validations/phone",
                        #"{"phone":"+3361\#(round)\#(String(format: "%05d", index))"}"#,
                        expected: 200
                    )
                )
                operations.append(
                    .init(
                        "POST",
                        "\(account)/validations/email",
                        #"{"email":"lead\#(round)-\#(index)@example.com"}"#,
                        expected: 200
                    )
                )
            }
            for _ in 0..<20 {
                operations.append(.init("POST", "\(account)/sms", #"{"to":"+33612345678","body":"hi"}"#, expected: 200))
            }
            for index in 0..<16 {
                operations.append(.hold(account: account, capture: index % 2 == 0))
            }
            if round == 1 {
                // One purchase, sent 16 times at once with one key, half to each process.
                for _ in 0..<16 {
                    operations.append(.init("POST", "\(account)/purchases", replayJSON, key: replayKey, expected: 201))
                }
            } else {
                // Another purchase, and the first one's key again: still answered, not bought.
                operations.append(.init("POST", "\(account)/purchases", replayJSON, expected: 201))
                for _ in 0..<4 {
                    operations.append(.init("POST", "\(account)/purchases", replayJSON, key: replayKey, expected: 201))
                }
            }
            operations.shuffle()

            let results = try await withThrowingTaskGroup(of: (Operation, [(HTTPReply, expected: Int)]).self) { group in
                for (index, operation) in operations.enumerated() {
                    let server = servers[index % 2]
                    let other = servers[(index + 1) % 2]
                    group.addTask {
                        (operation, try await operation.perform(http, on: server, then: other, account: account, token: token))
                    }
                }
                return try await group.reduce(into: [(Operation, [(HTTPReply, expected: Int)])]()) { $0.append($1) }
            }
            for (operation, replies) in results {
                for (reply, expected) in replies {
                    #expect(reply.status == expected, "\(operation.method) \(operation.path): \(reply)")
                }
                if operation.key == replayKey { replayBodies.append(contentsOf: replies.map(\.0.body)) }
            }

            // Both processes' workers are running: one of them buys this round's recharge.
            let recharged = try await poll(seconds: 30) {
                let purchases = try await http.call(servers[0], "GET", "\(account)/purchases", token: token).items()
                let count = purchases.filter { $0["origin"] as? String == "recharge" }.count
                return count >= round ? count : nil
            }
            #expect(recharged == round, "round \(round): \(recharged) recharges")
        }

        // Give the workers time for a recharge there should not be.
        try await Task.sleep(for: .seconds(3))
        let purchases = try await http.call(servers[1], "GET", "\(account)/purchases", token: token).items()
        #expect(purchases.filter { $0["origin"] as? String == "recharge" }.count == rounds)
        #expect(purchases.allSatisfy { $0["status"] as? String == "succeeded" }, "\(purchases)")

        // Every replay got the first answer, byte for byte; that purchase was applied once.
        #expect(replayBodies.count == 20)
        #expect(Set(replayBodies).count == 1, "\(Set(replayBodies))")
        let replayed = try HTTPReply(status: 201, body: replayBodies.first ?? "").string("id")
        #expect(purchases.filter { $0["id"] as? String == replayed }.count == 1)
        // The initial purchase, the replayed one, round 2's and the recharges.
        #expect(purchases.count == 3 + rounds, "\(purchases)")

        // The wallet is the sum of its ledger, and no entry left it below zero.
        var entries = [[String: Any]]()
        var cursor: String?
        for _ in 0..<100 {
            let page = try await http.call(
                servers[0],
                "GET",
                "\(account)/ledger?limit=100" + (cursor.map { "&cursor=\($0)" } ?? ""),
                token: token
            )
            try #require(page.status == 200, "\(page)")
            entries += try page.items()
            cursor = try page.object["nextCursor"] as? String
            if cursor == nil { break }
        }
        #expect(cursor == nil, "the ledger did not end within 100 pages")
        let wallet = try await http.call(servers[1], "GET", "\(account)/wallet", token: token).object
        let available = try Credits(parsing: wallet["available"] as? String ?? "")
        let sum = try entries.reduce(Int64(0)) { $0 + (try Credits(parsing: $1["credits"] as? String ?? "")).thousandths }
        #expect(sum == available.thousandths, "ledger \(sum), available \(available)")
        #expect(wallet["held"] as? String == "0.000")
        #expect(available.thousandths >= 0)
        for entry in entries {
            let after = try Credits(parsing: entry["balanceAfter"] as? String ?? "")
            #expect(after.thousandths >= 0, "\(entry)")
        }
        #expect(entries.filter { $0["reference"] as? String == replayed }.count == 1)
        #expect(entries.filter { $0["kind"] as? String == "recharge" }.count == rounds)
        // 300 + 100 + 100 bought, 300 recharged and 129 spent a round.
        #expect(available == Credits(whole: 500 + 300 * Int64(rounds) - 129 * Int64(rounds)), "\(available)")

        // No recharge left pending, none failed.
        let store = try PostgresStore(url: database)
        let recharges = try await store.recharges(account: AccountID(accountID), limit: 10)
        try await store.close()
        #expect(recharges.map(\.status) == Array(repeating: .succeeded, count: rounds), "\(recharges)")

        // Both processes stop on SIGTERM, and the database verifies.
        let exits = await [first.stop(), second.stop()]
        stopped = true
        #expect(exits == [0, 0], "exit statuses \(exits); logs: \(first.logPath), \(second.logPath)")
        let verified = try await tally.run(["verify", "--database", database], seconds: 60)
        #expect(verified.status == 0, "tally verify: \(verified.output)")
        if exits == [0, 0] && verified.status == 0 {
            try? FileManager.default.removeItem(atPath: first.logPath)
            try? FileManager.default.removeItem(atPath: second.logPath)
        }
    }

    /// Polls `body` every 100 ms until it returns a value, for at most `seconds`.
    func poll<T>(seconds: Double, _ body: () async throws -> T?) async throws -> T {
        guard let value = try await eventually(within: .seconds(seconds), every: .milliseconds(100), body) else {
            throw TestFailure("nothing after \(seconds) seconds")
        }
        return value
    }
}

/// One request of the hammering, or a hold and its capture or release.
struct Operation: Sendable {
    var method: String
    var path: String
    var json: String?
    var key: String?
    var expected: Int
    /// A hold of 5 credits, then its capture (true) or release (false) on the other process.
    var hold: Bool?

    init(_ method: String, _ path: String, _ json: String?, key: String? = nil, expected: Int) {
        self.method = method
        self.path = path
        self.json = json
        self.key = key
        self.expected = expected
    }

    static func hold(account: String, capture: Bool) -> Operation {
        var operation = Operation("POST", "\(account)/holds", #"{"feature":"calls","credits":5}"#, expected: 201)
        operation.hold = capture
        return operation
    }

    /// The replies, each with the status it should have.
    func perform(
        _ http: HTTPClient,
        on server: URL,
        then other: URL,
        account: String,
        token: String
    ) async throws
        -> [(HTTPReply, expected: Int)]
    {
        let reply = try await http.call(server, method, path, token: token, json: json, key: key)
        guard let capture = hold, reply.status == expected else { return [(reply, expected)] }
        let id = try reply.string("id")
        let settled = try await http.call(
            other,
            "POST",
            "\(account)/holds/\(id)/\(capture ? "capture" : "release")",
            token: token
        )
        return [(reply, expected), (settled, 200)]
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Credits {
    init(parsing text: String) throws {
        switch Credits.parse(text) {
        case .success(let credits): self = credits
        case .failure: throw TestFailure("not credits: '\(text)'")
        }
    }
}

/// An HTTP answer.
struct HTTPReply: Sendable, CustomStringConvertible {
    let status: Int
    let body: String

    var description: String { "\(status) \(body)" }

    var object: [String: Any] {
        get throws {
            guard let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
                throw TestFailure("not a JSON object: \(body)")
            }
            return object
        }
    }

    func string(_ key: String) throws -> String {
        guard let value = try object[key] as? String else { throw TestFailure("no string \(key) in \(body)") }
        return value
    }

    func items() throws -> [[String: Any]] {
        guard let items = try object["items"] as? [[String: Any]] else { throw TestFailure("no items in \(body)") }
        return items
    }
}

/// Real HTTP over loopback, through URLSession.
struct HTTPClient: Sendable {
    let session: URLSession

    init(requestTimeout: TimeInterval = 60) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = requestTimeout
        configuration.httpMaximumConnectionsPerHost = 32
        session = URLSession(configuration: configuration)
    }

    func call(
        _ server: URL,
        _ method: String,
        _ path: String,
        token: String? = nil,
        json: String? = nil,
        key: String? = nil
    ) async throws -> HTTPReply {
        guard let url = URL(string: path, relativeTo: server) else { throw TestFailure("bad path \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let key { request.setValue(key, forHTTPHeaderField: "Idempotency-Key") }
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(json.utf8)
        }
        let (data, response) = try await session.data(for: request)
        guard let response = response as? HTTPURLResponse else { throw TestFailure("no HTTP response from \(url)") }
        return HTTPReply(status: response.statusCode, body: String(decoding: data, as: UTF8.self))
    }
}

/// The `tally` executable this test run built.
struct TallyExecutable: Sendable {
    let url: URL

    /// `TALLY_BIN`, else `tally` next to the test bundle, else in `.build/debug`.
    static func locate() throws -> TallyExecutable {
        var candidates = [URL]()
        if let bin = ProcessInfo.processInfo.environment["TALLY_BIN"], !bin.isEmpty {
            candidates.append(URL(fileURLWithPath: bin))
        }
        let bundle = Bundle.main.bundleURL
        candidates.append(bundle.appendingPathComponent("tally"))
        candidates.append(bundle.deletingLastPathComponent().appendingPathComponent("tally"))
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(package.appendingPathComponent(".build/debug/tally"))
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw TestFailure("no tally executable in \(candidates.map(\.path)); build it (swift build) or set TALLY_BIN")
        }
        return TallyExecutable(url: found)
    }

    /// Runs `tally arguments` to the end, for at most `seconds`.
    func run(_ arguments: [String], seconds: Double, environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("tally-\(UUID().uuidString).log")
        let process = try launch(arguments, log: log, environment: environment)
        let status = await waitForExit(process, seconds: seconds)
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: log)
        return (status, output)
    }

    func launch(_ arguments: [String], log: URL, environment extra: [String: String]) throws -> ChildProcess {
        try ChildProcess(
            executable: url.path,
            arguments: arguments,
            environment: ProcessInfo.processInfo.environment.merging(extra) { $1 },
            log: log.path
        )
    }
}

/// Waits for `process` to exit, at most `seconds`; kills it after that. Its exit status, or -1 if killed.
func waitForExit(_ process: ChildProcess, seconds: Double) async -> Int32 {
    _ = try? await eventually(within: .seconds(seconds), every: .milliseconds(50)) {
        process.isRunning
    } until: {
        !$0
    }
    guard !process.isRunning else {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return -1
    }
    return process.terminationStatus
}

/// `tally serve` on a free loopback port.
final class ServeProcess: @unchecked Sendable {
    let process: ChildProcess
    let base: URL
    let logPath: String

    init(
        tally: TallyExecutable,
        database: String,
        token: String,
        name: String,
        port given: Int? = nil,
        arguments: [String] = [],
        environment: [String: String] = [:]
    ) throws {
        let port = try given ?? freeLoopbackPort()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("tally-serve-\(name)-\(UUID().uuidString).log")
        logPath = log.path
        base = URL(string: "http://127.0.0.1:\(port)")!
        process = try tally.launch(
            ["serve", "--host", "127.0.0.1", "--port", "\(port)", "--database", database] + arguments,
            log: log,
            environment: environment.merging(["TALLY_OPERATOR_TOKEN": token]) { $1 }
        )
    }

    /// Polls `/health` every 100 ms for at most 30 seconds, each ask given up after 2 s: a
    /// request sent while the server was still starting is asked again, not waited on.
    func waitUntilHealthy() async throws {
        let http = HTTPClient(requestTimeout: 2)
        let healthy = try await eventually(every: .milliseconds(100)) { () -> Bool? in
            guard process.isRunning else {
                throw TestFailure("tally serve exited: \((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")")
            }
            guard let reply = try? await http.call(base, "GET", "/health"), reply.status == 200 else { return nil }
            return true
        }
        if healthy == nil { throw TestFailure("tally serve at \(base) not healthy after 30 seconds; log \(logPath)") }
    }

    /// SIGTERM, then its exit status (at most 30 seconds later).
    func stop() async -> Int32 {
        if process.isRunning { process.terminate() }
        return await waitForExit(process, seconds: 30)
    }

    func kill() {
        if process.isRunning {
            #if canImport(Glibc)
            Glibc.kill(process.processIdentifier, SIGKILL)
            #else
            Darwin.kill(process.processIdentifier, SIGKILL)
            #endif
        }
    }
}

/// A port nothing listens on now, for a server started next.
///
/// Chosen below the kernel's ephemeral range (32768 and up), which the tests' many
/// outgoing loopback connections draw from: a port of that range, free when checked,
/// could be handed to a client's connection before the server binds it.
func freeLoopbackPort() throws -> Int {
    for _ in 0..<200 {
        let candidate = Int.random(in: 20_000..<32_000)
        if try bindable(candidate) { return candidate }
    }
    return try boundPort(0)
}

/// Whether a listening socket could bind `port` on 127.0.0.1 now.
private func bindable(_ port: Int) throws -> Bool {
    (try? boundPort(port)) != nil
}

/// Binds 127.0.0.1:`port` (0: any), answers the port bound, and closes the socket.
private func boundPort(_ port: Int) throws -> Int {
    #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { throw TestFailure("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound else { throw TestFailure("bind() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}
