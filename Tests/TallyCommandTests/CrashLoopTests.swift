import Foundation
import Synchronization
import TallyCore
import TallyStore
import TallyTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The crash loop: a mixed load from several clients against `tally serve`, killed with
/// SIGKILL at seeded random moments and restarted on the same database, again and again.
///
/// After every restart: `tally verify` exits 0 (every wallet equals its ledger and its
/// lots); every acknowledged request is in the ledger exactly once and nothing is in it
/// twice; reads taken during the load always had available + held + used = total. At the
/// end: every orphaned hold, payment and message is settled within its deadline, and
/// replaying every acknowledged key answers the recorded answer and moves nothing.
///
/// After every restart, every request a kill cut short (sent, never answered) is sent
/// again with its own key, and each gets an answer within a minute: its key's claim,
/// left by a process that is gone, is taken over once its lease runs out (3 s here), so
/// the request runs again or answers what its work came to — never "still being answered".
///
/// `TALLY_CRASH_SEED` replays a run (every run prints its seed); `TALLY_CRASH_KILLS`
/// kills more times (5 by default, as CI runs it).
@Suite("Crash loop")
struct CrashLoopTests {
    /// This run's own, so a server of another test on the same port is told apart.
    static let operatorToken = "crash-loop-\(UUID().uuidString)"
    static let seed: UInt64 =
        ProcessInfo.processInfo.environment["TALLY_CRASH_SEED"].flatMap { UInt64($0) }
        ?? UInt64.random(in: 1...UInt64(UInt32.max))
    static let kills = ProcessInfo.processInfo.environment["TALLY_CRASH_KILLS"].flatMap { Int($0) } ?? 5

    @Test(.timeLimit(.minutes(5)))
    func sqliteSurvivesKills() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tally-crash-\(UUID().uuidString).sqlite").path
        let report = try await CrashLoop(database: path, seed: Self.seed, kills: Self.kills, faults: false).run()
        print("crash loop (SQLite): \(report)")
    }

    /// The same with provider faults on: a card the bank declines, a processor that loses its
    /// answer after charging, messages the carrier refuses or sends and loses the answer to,
    /// slow providers, a phone verifier and a bureau that fail.
    @Test(.timeLimit(.minutes(5)))
    func sqliteSurvivesKillsWithProviderFaults() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tally-crash-\(UUID().uuidString).sqlite").path
        let report = try await CrashLoop(database: path, seed: Self.seed &+ 1, kills: max(3, Self.kills / 2), faults: true).run()
        print("crash loop (SQLite, provider faults): \(report)")
    }

    @Test(.timeLimit(.minutes(5)))
    func postgresSurvivesKills() async throws {
        guard PostgresTestDatabase.serverURL != nil else {
            if ProcessInfo.processInfo.environment["CI"] != nil {
                Issue.record("TALLY_TEST_POSTGRES_URL is not set: the crash loop needs a PostgreSQL server (scripts/test starts one)")
            }
            return
        }
        let database = try await PostgresTestDatabase.makeEmpty().url
        let report = try await CrashLoop(database: database, seed: Self.seed &+ 2, kills: Self.kills, faults: false).run()
        print("crash loop (PostgreSQL): \(report)")
    }
}

/// One run of the crash loop against one database.
struct CrashLoop: Sendable {
    let database: String
    let seed: UInt64
    let kills: Int
    let faults: Bool
    let tally: TallyExecutable
    let http = HTTPClient()

    init(database: String, seed: UInt64, kills: Int, faults: Bool) throws {
        self.database = database
        self.seed = seed
        self.kills = kills
        self.faults = faults
        tally = try TallyExecutable.locate()
    }

    /// What a run did, for the log and the README.
    struct Report: CustomStringConvertible {
        var seed: UInt64
        var kills = 0
        var acknowledged = 0
        var replayed = 0
        var walletReads = 0
        var cutShort = 0
        var lost = 0
        var doubled = 0

        var description: String {
            "seed \(seed): \(acknowledged) acknowledged requests, \(kills) kills survived, \(walletReads) wallet reads during "
                + "the load, \(cutShort) requests cut short by a kill answered when retried, \(replayed) keys replayed, "
                + "lost \(lost), doubled \(doubled)"
        }
    }

    /// An account under load: its owner's token and saved cards.
    struct Account: Sendable {
        var id: String
        var token: String
        var card: String
        var faultyCards: [String]
        var path: String { "/v1/accounts/\(id)" }
    }

    /// A request with its key, and the answer it got when it got one.
    struct Request: Sendable {
        var account: Int
        var method: String
        var path: String
        var json: String?
        var key: String
        /// What its answer's id is in the ledger, when it is 2xx: a kind of entry.
        var ledgerKind: String?
        /// The ledger reference is the answer's `id` (or this, for settling a hold).
        var reference: String?
    }

    struct Answer: Sendable {
        var request: Request
        var status: Int
        var body: String
    }

    func run() async throws -> Report {
        var report = Report(seed: seed)
        print("crash loop seed \(seed) (replay: TALLY_CRASH_SEED=\(seed)), \(kills) kills, faults \(faults ? "on" : "off")")
        var server = try await startServer()
        defer { server.kill() }
        let accounts = try await setUp(server.base)
        let answers = Journal([Answer]())
        let pending = Journal([Request]())
        let unanswered = Journal([Request]())
        let reads = Journal(0)
        var random = SplitMix64(seed: seed)

        for cycle in 1...kills {
            // Requests answered "not settled yet" are asked again with their keys first.
            let retries = pending.withLock { requests in
                defer { requests.removeAll() }
                return requests
            }
            for request in retries {
                try await send(request, to: server.base, accounts: accounts, answers: answers, pending: pending)
            }
            let stop = Journal(false)
            let clientSeeds = (0..<4).map { _ in random.next() }
            let base = server.base
            let load = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (index, clientSeed) in clientSeeds.enumerated() {
                        group.addTask {
                            var generator = SplitMix64(seed: clientSeed)
                            var sequence = 0
                            while !stop.read {
                                sequence += 1
                                let request = nextRequest(
                                    &generator,
                                    accounts: accounts,
                                    answers: answers,
                                    name: "c\(cycle)-\(index)-\(sequence)"
                                )
                                try await send(
                                    request,
                                    to: base,
                                    accounts: accounts,
                                    answers: answers,
                                    pending: pending,
                                    unanswered: unanswered
                                )
                            }
                        }
                    }
                    group.addTask {
                        while !stop.read {
                            for account in accounts {
                                guard let reply = try? await http.call(base, "GET", "\(account.path)/wallet", token: account.token),
                                    reply.status == 200
                                else { continue }
                                try checkBalance(reply)
                                reads.withLock { $0 += 1 }
                            }
                            try await Task.sleep(for: .milliseconds(20))
                        }
                    }
                    try await group.waitForAll()
                }
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 700...2_500, using: &random)))
            server.kill()
            _ = await waitForExit(server.process, seconds: 10)
            stop.withLock { $0 = true }
            try await load.value
            report.kills += 1

            let verified = try await tally.run(["verify", "--database", database], seconds: 60)
            #expect(verified.status == 0, "tally verify after kill \(cycle) (seed \(seed)): \(verified.output)")

            server = try await startServer()
            let cutShort = unanswered.withLock { requests in
                defer { requests.removeAll() }
                return requests
            }
            try await retryUntilAnswered(cutShort, server.base, accounts: accounts, answers: answers, pending: pending)
            report.cutShort += cutShort.count
            let counts = try await checkLedger(server.base, accounts: accounts, answers: answers.withLock { $0 })
            report.lost += counts.lost
            report.doubled += counts.doubled
        }

        // Orphaned work settles within its deadline (2 s here, plus the holds' 3 s life),
        // and what was answered "not settled yet" answers its outcome when asked again.
        try await settled(server.base, accounts: accounts)
        // Asked again until they answer (a message begun just before the last kill is
        // settled a few seconds after the restart), for at most 30 s.
        let settleDeadline = ContinuousClock.now + .seconds(30)
        repeat {
            for request in pending.withLock({ requests in
                defer { requests.removeAll() }
                return requests
            }) {
                try await send(request, to: server.base, accounts: accounts, answers: answers, pending: pending)
            }
            if pending.read.isEmpty { break }
            try await Task.sleep(for: .milliseconds(500))
        } while ContinuousClock.now < settleDeadline
        #expect(pending.read.isEmpty, "requests still unsettled at the end (seed \(seed)): \(pending.read.map(\.path))")
        let before = try await quiet(server.base, accounts: accounts)
        let counts = try await checkLedger(server.base, accounts: accounts, answers: answers.read)
        report.lost += counts.lost
        report.doubled += counts.doubled
        // Every acknowledged key answers its recorded answer again and moves nothing.
        let recorded = answers.read
        let base = server.base
        // (A provider's failure is a final answer too, replayed as it was.)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for slice in 0..<8 {
                group.addTask {
                    for answer in recorded.enumerated().filter({ $0.offset % 8 == slice }).map(\.element) {
                        let reply = try await http.call(
                            base,
                            answer.request.method,
                            answer.request.path,
                            token: accounts[answer.request.account].token,
                            json: answer.request.json,
                            key: answer.request.key
                        )
                        #expect(
                            reply.status == answer.status && reply.body == answer.body,
                            "replay of \(answer.request.key) (seed \(seed)): \(reply) first \(answer.status) \(answer.body)"
                        )
                    }
                }
            }
            try await group.waitForAll()
        }
        let after = try await ledgerEntries(server.base, accounts: accounts)
        #expect(before == after.count, "replays moved credits (seed \(seed))")
        report.replayed = recorded.count
        report.acknowledged = recorded.count
        report.walletReads = reads.read
        #expect(report.lost == 0 && report.doubled == 0, "\(report)")
        #expect(report.walletReads > 0)
        #expect(await server.stop() == 0)
        let verified = try await tally.run(["verify", "--database", database], seconds: 60)
        #expect(verified.status == 0, "tally verify at the end (seed \(seed)): \(verified.output)")
        return report
    }

    /// `tally serve` on this database, answering on its port. Tests run side by side, so
    /// another test's server may take the free port picked between picking and binding:
    /// the server must accept this run's own operator token, else it starts again elsewhere.
    func startServer() async throws -> ServeProcess {
        for _ in 0..<5 {
            let server = try ServeProcess(
                tally: tally,
                database: database,
                token: CrashLoopTests.operatorToken,
                name: "crash",
                environment: ["TALLY_SETTLE_SECONDS": "2"]
            )
            try await server.waitUntilHealthy()
            let probe = try await http.call(server.base, "GET", "/v1/pricing", token: CrashLoopTests.operatorToken)
            if probe.status == 200 && server.process.isRunning { return server }
            server.kill()
            _ = await waitForExit(server.process, seconds: 10)
        }
        throw TestFailure("tally serve never got a port of its own")
    }

    // MARK: The load

    func setUp(_ server: URL) async throws -> [Account] {
        var accounts: [Account] = []
        for index in 0..<2 {
            let email = "crash-\(index)-\(UUID().uuidString.prefix(8))@example.com"
            let created = try await http.call(
                server,
                "POST",
                "/v1/accounts",
                token: CrashLoopTests.operatorToken,
                json: #"{"name":"Crash \#(index)","owner":{"email":"\#(email)","name":"Olive Owner","password":"correct horse"}}"#
            )
            try #require(created.status == 201, "\(created)")
            let id = try created.string("id")
            let verified = try await http.call(
                server,
                "POST",
                "/v1/accounts/\(id)/verification",
                token: CrashLoopTests.operatorToken,
                json: #"{"usBusinessEntity":true}"#
            )
            try #require(verified.status == 200, "\(verified)")
            let session = try await http.call(server, "POST", "/v1/sessions", json: #"{"email":"\#(email)","password":"correct horse"}"#)
            try #require(session.status == 201, "\(session)")
            let token = try session.string("token")
            var cards: [String] = []
            // A good card, one the bank declines, one whose processor loses its first answer after charging.
            for number in ["4242424242424242", "4000000000000002", "4000000000000259"] {
                let saved = try await http.call(
                    server,
                    "POST",
                    "/v1/accounts/\(id)/payment-methods",
                    token: token,
                    json: #"{"card":{"number":"\#(number)","expMonth":12,"expYear":2035,"cvc":"123"}}"#
                )
                try #require(saved.status == 201, "\(saved)")
                cards.append(try saved.string("id"))
            }
            let bought = try await http.call(
                server,
                "POST",
                "/v1/accounts/\(id)/purchases",
                token: token,
                json: #"{"credits":200,"paymentMethodId":"\#(cards[0])"}"#,
                key: "setup-\(id)"
            )
            try #require(bought.status == 201, "\(bought)")
            // Auto-recharge crossing its threshold again and again under the load.
            let recharge = try await http.call(
                server,
                "PUT",
                "/v1/accounts/\(id)/auto-recharge",
                token: token,
                json:
                    #"{"enabled":true,"thresholdCredits":150,"rechargeCredits":100,"paymentMethodId":"\#(cards[0])","maxRechargesPerDay":1000,"maxSpendPerMonth":"100000.00"}"#
            )
            try #require(recharge.status == 200, "\(recharge)")
            accounts.append(Account(id: id, token: token, card: cards[0], faultyCards: Array(cards.dropFirst())))
        }
        return accounts
    }

    /// The next request of a client: mostly metered features, some purchases, holds and
    /// their settling, and replays of keys answered before.
    func nextRequest(
        _ random: inout SplitMix64,
        accounts: [Account],
        answers: Journal<[Answer]>,
        name: String
    ) -> Request {
        let index = Int.random(in: 0..<accounts.count, using: &random)
        let account = accounts[index]
        let key = "key-\(name)"
        let roll = Int.random(in: 0..<100, using: &random)
        // With faults on, one number in four is a sandbox fault: the carrier refuses (0000),
        // loses its answer after sending (9990) or answers slowly (9991); the phone verifier
        // answers 9993 slowly and fails 9995. Other numbers stay clear of every fault value.
        let phoneTail =
            faults && Int.random(in: 0..<4, using: &random) == 0
            ? ["0000", "9990", "9991", "9993", "9995"].randomElement(using: &random)!
            : String(format: "%04d", Int.random(in: 10...9_900, using: &random))
        let mobile = "+33 6 12 34 \(phoneTail.prefix(2)) \(phoneTail.suffix(2))"
        switch roll {
        case 0..<10:
            let card = faults && Bool.random(using: &random) ? account.faultyCards.randomElement(using: &random)! : account.card
            return Request(
                account: index,
                method: "POST",
                path: "\(account.path)/purchases",
                json: #"{"credits":100,"paymentMethodId":"\#(card)"}"#,
                key: key,
                ledgerKind: "purchase"
            )
        case 10..<35:
            return Request(
                account: index,
                method: "POST",
                path: "\(account.path)/validations/email",
                json: #"{"email":"lead-\#(name)@example.com","contact":{"name":"Lead"}}"#,
                key: key,
                ledgerKind: "charge"
            )
        case 35..<50:
            return Request(
                account: index,
                method: "POST",
                path: "\(account.path)/validations/phone",
                json: #"{"phone":"+1 415 867 \#(phoneTail)","contact":{"name":"Lead"}}"#,
                key: key,
                ledgerKind: "charge"
            )
        case 50..<62:
            return Request(
                account: index,
                method: "POST",
                path: "\(account.path)/sms",
                json: #"{"to":"\#(mobile)","body":"Your code is \#(roll)","contact":{"email":"lead@example.com"},"event":"crash"}"#,
                key: key,
                ledgerKind: "capture"
            )
        case 62..<70:
            let tail = faults && Bool.random(using: &random) ? "9999" : String(format: "%04d", Int.random(in: 1_000...8_999, using: &random))
            return Request(
                account: index,
                method: "POST",
                path: "\(account.path)/credit-checks",
                json: #"{"kind":"credit_score","contact":{"name":"Lead","email":"lead@example.com","phone":"+1 415 867 \#(tail)"}}"#,
                key: key
            )
        case 70..<82:
            return Request(
                account: index,
                method: "POST",
                path: "\(account.path)/holds",
                json: #"{"feature":"calls","credits":2,"ttlSeconds":3}"#,
                key: key,
                ledgerKind: "hold"
            )
        case 82..<92:
            // Settles a hold answered earlier: captures part of it or releases it.
            let holds = answers.withLock { answers in
                answers.filter { $0.request.ledgerKind == "hold" && $0.status == 201 && $0.request.account == index }.suffix(20)
            }
            if let hold = holds.randomElement(using: &random), let id = try? HTTPReply(status: hold.status, body: hold.body).string("id") {
                let capture = Bool.random(using: &random)
                return Request(
                    account: index,
                    method: "POST",
                    path: "\(account.path)/holds/\(id)/\(capture ? "capture" : "release")",
                    json: capture ? #"{"credits":1}"# : nil,
                    key: key,
                    ledgerKind: capture ? "capture" : "release",
                    reference: id
                )
            }
            fallthrough
        default:
            // A replay of a key answered before: it must answer the same.
            let earlier = answers.withLock { answers in answers.suffix(200).filter { $0.request.account == index } }
            if let answer = earlier.randomElement(using: &random) { return answer.request }
            return Request(
                account: index,
                method: "POST",
                path: "\(account.path)/validations/email",
                json: #"{"email":"lead-\#(name)@example.com","contact":{"name":"Lead"}}"#,
                key: key,
                ledgerKind: "charge"
            )
        }
    }

    /// Sends one request; an answer is recorded (and a replayed key's answer compared with
    /// the first); a request answered "not settled yet" (a 502 `…-unsettled`) is kept to be
    /// asked again.
    func send(
        _ request: Request,
        to server: URL,
        accounts: [Account],
        answers: Journal<[Answer]>,
        pending: Journal<[Request]>,
        unanswered: Journal<[Request]>? = nil
    ) async throws {
        let reply: HTTPReply
        do {
            reply = try await http.call(
                server,
                request.method,
                request.path,
                token: accounts[request.account].token,
                json: request.json,
                key: request.key
            )
        } catch {
            // Cut short by a kill, or sent after it: asked again with its key once the
            // server is back. A refused connection does not prove the server never got the
            // request: a request on a kept-alive connection that dies unanswered is sent
            // once more on a new connection (libcurl's retry), and that connect is refused.
            unanswered?.withLock { $0.append(request) }
            return
        }
        record(reply, of: request, answers: answers, pending: pending)
    }

    /// Sends every request a kill cut short again with its own key, all at once, each until
    /// it gets an answer; each must within a minute. Its key is still claimed by the dead
    /// process: the claim's lease runs out and the retry takes it over.
    func retryUntilAnswered(
        _ requests: [Request],
        _ server: URL,
        accounts: [Account],
        answers: Journal<[Answer]>,
        pending: Journal<[Request]>
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for request in requests {
                group.addTask {
                    let deadline = ContinuousClock.now + .seconds(60)
                    while true {
                        let reply = try? await http.call(
                            server,
                            request.method,
                            request.path,
                            token: accounts[request.account].token,
                            json: request.json,
                            key: request.key
                        )
                        if let reply, !(reply.status == 409 && reply.body.contains("still being answered")) {
                            record(reply, of: request, answers: answers, pending: pending)
                            return
                        }
                        guard ContinuousClock.now < deadline else {
                            Issue.record(
                                "\(request.method) \(request.path) with key \(request.key), cut short by a kill, got no answer within a minute (seed \(seed)): \(reply.map { "\($0)" } ?? "no reply")"
                            )
                            return
                        }
                        try await Task.sleep(for: .milliseconds(250))
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Keeps a reply as its request's answer, or as work to ask about again.
    func record(_ reply: HTTPReply, of request: Request, answers: Journal<[Answer]>, pending: Journal<[Request]>) {
        guard reply.status < 500 || !reply.body.contains("-unsettled") else {
            // Not an answer (a payment, refund or message not settled yet): asked again later.
            pending.withLock { $0.append(request) }
            return
        }
        let first = answers.withLock { answers -> Answer? in
            if let first = answers.first(where: { $0.request.key == request.key && $0.request.account == request.account }) {
                return first
            }
            answers.append(Answer(request: request, status: reply.status, body: reply.body))
            return nil
        }
        if let first {
            #expect(first.status == reply.status && first.body == reply.body, "replay of \(request.key) answered differently (seed \(seed))")
        }
    }

    /// A read taken during the load: the wallet's figures agree and none is negative.
    func checkBalance(_ reply: HTTPReply) throws {
        let figures = try ["available", "held", "used", "total"].map { try Credits(parsing: reply.string($0)) }
        #expect(figures.allSatisfy { $0 >= .zero }, "a wallet read during the load: \(reply.body)")
        #expect(figures[0] + figures[1] + figures[2] == figures[3], "a wallet read during the load: \(reply.body)")
    }

    // MARK: Checks

    /// Every ledger entry of both accounts, as (kind, reference).
    func ledgerEntries(_ server: URL, accounts: [Account]) async throws -> [(account: Int, kind: String, reference: String)] {
        var entries: [(account: Int, kind: String, reference: String)] = []
        for (index, account) in accounts.enumerated() {
            var cursor: String?
            repeat {
                let page = try await http.call(
                    server,
                    "GET",
                    "\(account.path)/ledger?limit=500" + (cursor.map { "&cursor=\($0)" } ?? ""),
                    token: account.token
                )
                try #require(page.status == 200, "\(page)")
                for item in try page.items() {
                    entries.append((index, item["kind"] as? String ?? "", item["reference"] as? String ?? ""))
                }
                cursor = try page.object["nextCursor"] as? String
            } while cursor != nil
        }
        return entries
    }

    /// Every acknowledged request that moves credits is in the ledger exactly once, and no
    /// entry is there twice (one entry per kind and reference).
    func checkLedger(_ server: URL, accounts: [Account], answers: [Answer]) async throws -> (lost: Int, doubled: Int) {
        let entries = try await ledgerEntries(server, accounts: accounts)
        var counts: [String: Int] = [:]
        for entry in entries { counts["\(entry.account) \(entry.kind) \(entry.reference)", default: 0] += 1 }
        let doubled = counts.filter { $0.value > 1 }
        #expect(doubled.isEmpty, "entries written twice (seed \(seed)): \(doubled.keys.sorted().prefix(5))")
        var lost = 0
        for answer in answers where (200..<300).contains(answer.status) {
            guard let kind = answer.request.ledgerKind else { continue }
            let reply = HTTPReply(status: answer.status, body: answer.body)
            // A message the carrier refused is released, not captured; a capture of 0 is no entry.
            if answer.request.path.hasSuffix("/sms"), (try? reply.string("status")) != "sent" { continue }
            let reference = try answer.request.reference ?? reply.string("id")
            if counts["\(answer.request.account) \(kind) \(reference)"] != 1 {
                lost += 1
                Issue.record(
                    "acknowledged \(answer.request.method) \(answer.request.path) (\(kind) \(reference)) is not in the ledger once (seed \(seed))"
                )
            }
        }
        return (lost, doubled.count)
    }

    /// Waits (at most 20 s) until the ledgers stop growing for 2 s (the workers are done);
    /// their entry count.
    func quiet(_ server: URL, accounts: [Account]) async throws -> Int {
        var count = try await ledgerEntries(server, accounts: accounts).count
        var stableSince = ContinuousClock.now
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now - stableSince < .seconds(2) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(250))
            let now = try await ledgerEntries(server, accounts: accounts).count
            if now != count {
                count = now
                stableSince = ContinuousClock.now
            }
        }
        return count
    }

    /// Waits (at most 30 s) until no hold of the load is active (each lives 3 s) and no
    /// payment, refund or message is left unsettled past the settling time.
    func settled(_ server: URL, accounts: [Account]) async throws {
        let store: any Store = database.hasPrefix("postgres") ? try PostgresStore(url: database) : try SQLiteStore(path: database)
        defer { Task { try? await store.close() } }
        let deadline = ContinuousClock.now + .seconds(30)
        var left = ""
        repeat {
            let now = Date()
            // The load's holds live 3 s, and a request retried after the last restart may have
            // made one just now: wait until every such hold has expired and been released, so
            // none is released while the replays below are counted.
            let holds = try await store.expiredHolds(at: now.addingTimeInterval(5), limit: 10)
            let messages = try await store.unsettledSMS(
                answeredBefore: now.addingTimeInterval(-5),
                unansweredBefore: now.addingTimeInterval(-5),
                limit: 10
            )
            let payments = try await store.claimStalePaymentIntents(createdBefore: now.addingTimeInterval(-5), at: now, leaseSeconds: 1, limit: 10)
            left =
                holds.isEmpty && messages.isEmpty && payments.isEmpty
                ? "" : "\(holds.count) holds, \(messages.count) messages, \(payments.count) payments"
            if left.isEmpty { return }
            try await Task.sleep(for: .milliseconds(500))
        } while ContinuousClock.now < deadline
        Issue.record("left unsettled past their deadline (seed \(seed)): \(left)")
    }
}

/// A value shared by the load's tasks.
final class Journal<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ value: Value) { self.value = Mutex(value) }

    func withLock<T: Sendable>(_ body: (inout sending Value) -> sending T) -> T { value.withLock(body) }

    var read: Value { value.withLock { $0 } }
}
