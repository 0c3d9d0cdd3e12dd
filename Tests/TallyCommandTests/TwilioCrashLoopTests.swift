import Foundation
import TallyCore
import TallyTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The crash loop's Twilio round: `tally serve` sending messages through Twilio (the fake
/// Twilio on loopback), under load from several clients, killed with SIGKILL at seeded
/// random moments — the first kill of each cycle right after Twilio was handed a message,
/// while Tally has not yet written its answer — and restarted at the same port.
///
/// The load: keyed messages, each with its key in its text, to numbers whose messages
/// Twilio treats each its own way — `sent` then `delivered`; `failed`; `undelivered`;
/// `sent` then `undelivered`; `delivered` before `sent`; every callback three times; no
/// callback at all (the reconciler asks Twilio by SID); the answer to the send lost
/// (Tally finds the message in Twilio's list); a number Twilio refuses (21610). Callbacks
/// posted while no server listens are lost, as Twilio does not retry them. Every request
/// a kill cut short is sent again with its own key until it is answered.
///
/// At the end, once no credit is held: Twilio was asked once per key (never sent twice);
/// each message Twilio sent is one `sent` line of the SMS log, charged once (one capture),
/// and each one it did not send (failed, refused, never handed over) is a `failed` line
/// that cost nothing; every wallet's used credits are the sum of its log's; every
/// acknowledged answer agrees with its message's line; `tally verify` exits 0 after every
/// kill and at the end; and every key answers again without sending anything.
///
/// `TALLY_CRASH_SEED` replays a run (every run prints its seed); `TALLY_TWILIO_CRASH_KILLS`
/// kills more times (4 by default).
@Suite("Twilio crash loop")
struct TwilioCrashLoopTests {
    static let seed: UInt64 =
        ProcessInfo.processInfo.environment["TALLY_CRASH_SEED"].flatMap { UInt64($0) }
        ?? UInt64.random(in: 1...UInt64(UInt32.max))
    static let kills = ProcessInfo.processInfo.environment["TALLY_TWILIO_CRASH_KILLS"].flatMap { Int($0) } ?? 4

    @Test(.timeLimit(.minutes(3)))
    func sqliteSendsEveryMessageOnceAndChargesItOnceThroughKills() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tally-twilio-crash-\(UUID().uuidString).sqlite").path
        let report = try await FakeTwilio.run { fake in
            try await TwilioCrashLoop(database: path, seed: Self.seed, kills: Self.kills, fake: fake).run()
        }
        print("Twilio crash loop (SQLite): \(report)")
    }

    @Test(.timeLimit(.minutes(3)))
    func postgresSendsEveryMessageOnceAndChargesItOnceThroughKills() async throws {
        guard PostgresTestDatabase.serverURL != nil else {
            if ProcessInfo.processInfo.environment["CI"] != nil {
                Issue.record("TALLY_TEST_POSTGRES_URL is not set: the Twilio crash loop needs a PostgreSQL server (scripts/test starts one)")
            }
            return
        }
        let database = try await PostgresTestDatabase.makeEmpty().url
        let report = try await FakeTwilio.run { fake in
            try await TwilioCrashLoop(database: database, seed: Self.seed &+ 1, kills: Self.kills, fake: fake).run()
        }
        print("Twilio crash loop (PostgreSQL): \(report)")
    }
}

/// One run of the Twilio round against one database and one fake Twilio.
struct TwilioCrashLoop: Sendable {
    static let sender = "+15017122661"
    /// `TALLY_SETTLE_SECONDS`: the reconciler asks Twilio about a message queued this long,
    /// and releases one whose fate is still unknown — its hold's life, in this drill.
    static let settleSeconds = 2
    /// Credits each account buys before the load: far more than its messages cost.
    static let fundingCredits = 1_000

    let database: String
    let seed: UInt64
    let kills: Int
    let fake: FakeTwilio
    /// The crash loop's helpers: sending and recording keyed requests, retrying those a
    /// kill cut short, the ledger.
    let loop: CrashLoop
    let operatorToken = "twilio-crash-loop-\(UUID().uuidString)"
    var http: HTTPClient { loop.http }

    init(database: String, seed: UInt64, kills: Int, fake: FakeTwilio) throws {
        self.database = database
        self.seed = seed
        self.kills = kills
        self.fake = fake
        loop = try CrashLoop(database: database, seed: seed, kills: kills, faults: false)
    }

    /// A number of the load and what Twilio does with its messages.
    struct Destination: Sendable {
        /// As the clients write it.
        var shown: String
        var e164: String
        var plan: DeliveryPlan
        /// How often the load picks it, out of the destinations' total.
        var weight: Int

        /// Twilio refuses the send: nothing is made.
        var refused: Bool { plan.refusal != nil }
        /// Whether Twilio's own first report on it says it was sent. An `undelivered`
        /// first is not (its callback releases the hold), though Twilio then shows it with
        /// a date sent: nil, decided by which of the two reached Tally.
        var sentFirst: Bool? {
            switch plan.statuses.first {
            case "sent", "delivered": true
            case "undelivered": nil
            default: false
            }
        }
    }

    /// Twilio makes the messages to this number but its answer never arrives.
    static let loseAnswerNumber = "+33612345607"

    static let destinations: [Destination] = [
        Destination(shown: "+33 6 12 34 56 00", e164: "+33612345600", plan: .default, weight: 30),
        Destination(shown: "+33 6 12 34 56 01", e164: "+33612345601", plan: DeliveryPlan(statuses: ["failed"]), weight: 8),
        Destination(shown: "+33 6 12 34 56 02", e164: "+33612345602", plan: DeliveryPlan(statuses: ["undelivered"]), weight: 8),
        Destination(shown: "+33 6 12 34 56 03", e164: "+33612345603", plan: DeliveryPlan(statuses: ["sent", "undelivered"]), weight: 8),
        Destination(shown: "+33 6 12 34 56 04", e164: "+33612345604", plan: DeliveryPlan(statuses: ["delivered", "sent"]), weight: 8),
        Destination(shown: "+33 6 12 34 56 05", e164: "+33612345605", plan: DeliveryPlan(repeats: 3), weight: 8),
        Destination(shown: "+33 6 12 34 56 06", e164: "+33612345606", plan: DeliveryPlan(callbacks: false), weight: 10),
        Destination(shown: "+33 6 12 34 56 07", e164: loseAnswerNumber, plan: DeliveryPlan(loseAnswer: true), weight: 3),
        Destination(
            shown: "+33 6 12 34 56 08",
            e164: "+33612345608",
            plan: .refuse(code: 21_610, message: "Attempt to send to unsubscribed recipient"),
            weight: 6
        ),
    ]

    struct Report: CustomStringConvertible, Sendable {
        var seed: UInt64
        var kills = 0
        var acknowledged = 0
        var handed = 0
        var sent = 0
        var failed = 0
        var refused = 0
        var answersLost = 0
        var callbacksLost = 0
        /// The statuses of callbacks a live server did not answer 200.
        var callbacksRefused: [String] = []
        var undeliveredCharged = 0
        /// Released unknown when its hold's life was over, sent by Twilio only after.
        var releasedUnknown = 0
        var cutShort = 0
        /// Requests cut short by a kill after Twilio had made their message (its answer not lost).
        var killedAfterHandOver = 0
        var lost = 0
        var doubled = 0
        /// From the last restart until nothing was held.
        var settleSeconds = 0

        var description: String {
            "seed \(seed): \(acknowledged) acknowledged messages, \(kills) kills survived, \(handed) handed to Twilio, "
                + "\(sent) sent and charged, \(failed) failed, \(refused) refused, \(answersLost) Twilio answers lost, "
                + "\(callbacksLost) callbacks lost to kills (\(callbacksRefused.count) answered other than 200: "
                + "\(Set(callbacksRefused).sorted())), \(undeliveredCharged) undelivered charged as Twilio lists them, "
                + "\(releasedUnknown) released unknown at the end of their hold's life and sent by Twilio after it, "
                + "\(cutShort) requests cut short by a kill answered when retried (\(killedAfterHandOver) after Twilio made their "
                + "message), all settled \(settleSeconds) s after the "
                + "last restart, lost \(lost), doubled \(doubled)"
        }
    }

    func run() async throws -> Report {
        var report = Report(seed: seed)
        print("Twilio crash loop seed \(seed) (replay: TALLY_CRASH_SEED=\(seed)), \(kills) kills")
        for destination in Self.destinations { await fake.plan(destination.e164, destination.plan) }
        var server = try await startServer()
        defer { server.kill() }
        let publicURL = server.base.absoluteString
        let port = server.base.port
        let accounts = try await setUp(server.base)
        let answers = Journal([CrashLoop.Answer]())
        let pending = Journal([CrashLoop.Request]())
        let unanswered = Journal([CrashLoop.Request]())
        var random = SplitMix64(seed: seed)
        var restarted = ContinuousClock.now
        var cutShortKeys = Set<String>()
        var retrying: [Task<Void, any Error>] = []

        for cycle in 1...kills {
            let retries = pending.withLock { requests in
                defer { requests.removeAll() }
                return requests
            }
            for request in retries {
                try await loop.send(request, to: server.base, accounts: accounts, answers: answers, pending: pending)
            }
            let stop = Journal(false)
            let clientSeeds = (0..<6).map { _ in random.next() }
            let base = server.base
            let load = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (index, clientSeed) in clientSeeds.enumerated() {
                        group.addTask {
                            var generator = SplitMix64(seed: clientSeed)
                            var sequence = 0
                            while !stop.read {
                                sequence += 1
                                // Each client's first message of a cycle goes to the next destination in
                                // turn, so every run meets every way Twilio treats a message.
                                let turn = sequence == 1 ? (cycle - 1) * clientSeeds.count + index : nil
                                let request = nextRequest(
                                    &generator,
                                    accounts: accounts,
                                    name: "t\(cycle)-\(index)-\(sequence)",
                                    turn: turn
                                )
                                // No answer: the server is gone; this client waits for the next one.
                                guard await send(request, to: base, accounts: accounts, answers: answers, pending: pending, unanswered: unanswered)
                                else { break }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 800...2_000, using: &random)))
            // Killed right after Twilio was handed a message: between its answer and Tally's commit.
            await handedAnother(within: .seconds(1))
            server.kill()
            _ = await waitForExit(server.process, seconds: 10)
            stop.withLock { $0 = true }
            try await load.value
            report.kills += 1

            let verified = try await loop.tally.run(["verify", "--database", database], seconds: 60)
            #expect(verified.status == 0, "tally verify after kill \(cycle) (seed \(seed)): \(verified.output)")

            server = try await startServer(port: port, publicURL: publicURL)
            restarted = ContinuousClock.now
            let cutShort = unanswered.withLock { requests in
                defer { requests.removeAll() }
                return requests
            }
            // Asked again while the next load runs: one whose message never reached Twilio is
            // sent now, and one to the number whose answer Twilio loses waits out its deadline.
            let current = server.base
            retrying.append(
                Task { try await loop.retryUntilAnswered(cutShort, current, accounts: accounts, answers: answers, pending: pending) }
            )
            report.cutShort += cutShort.count
            cutShortKeys.formUnion(cutShort.map(\.key))
        }

        for task in retrying { try await task.value }
        // Every message settles — by its callback, by the reconciler asking Twilio, or
        // released as unknown — and what was answered "not settled yet" answers when asked again.
        let settleDeadline = ContinuousClock.now + .seconds(45)
        var held: [String] = []
        repeat {
            for request in pending.withLock({ requests in
                defer { requests.removeAll() }
                return requests
            }) {
                try await loop.send(request, to: server.base, accounts: accounts, answers: answers, pending: pending)
            }
            held = try await wallets(server.base, accounts).filter { $0.held != "0.000" }.map(\.account)
            if pending.read.isEmpty && held.isEmpty { break }
            try await Task.sleep(for: .milliseconds(500))
        } while ContinuousClock.now < settleDeadline
        report.settleSeconds = Int((ContinuousClock.now - restarted).components.seconds)
        #expect(pending.read.isEmpty, "messages still unsettled at the end (seed \(seed)): \(pending.read.map(\.key))")
        #expect(held.isEmpty, "credits still held at the end (seed \(seed)): accounts \(held)")

        let recorded = answers.read
        try await checkMessages(server.base, accounts: accounts, answers: recorded, report: &report)
        let counted = try await loop.checkLedger(server.base, accounts: accounts, answers: recorded)
        report.lost += counted.lost
        report.doubled += counted.doubled
        try await checkReplays(server.base, accounts: accounts, answers: recorded)

        report.acknowledged = recorded.count
        report.killedAfterHandOver = await fake.messages().filter { message in
            message.to != Self.loseAnswerNumber && cutShortKeys.contains(String(message.body.dropFirst("msg ".count)))
        }.count
        let callbacks = await fake.callbacks()
        report.callbacksLost = callbacks.filter { $0.httpStatus == 0 }.count
        report.callbacksRefused = callbacks.filter { ($0.httpStatus ?? 0) != 0 && $0.httpStatus != 200 }.map { "\($0.httpStatus ?? 0)" }
        #expect(report.lost == 0 && report.doubled == 0, "\(report)")
        #expect(report.sent > 0 && report.failed > 0 && report.refused > 0, "the load sent, failed and was refused: \(report)")
        await fake.stopCallbacks()
        #expect(await server.stop() == 0)
        let verified = try await loop.tally.run(["verify", "--database", database], seconds: 60)
        #expect(verified.status == 0, "tally verify at the end (seed \(seed)): \(verified.output)")
        return report
    }

    /// Sends one request of the load and records its answer (`CrashLoop.record`); whether
    /// it was answered. One that got no answer is kept, to be sent again with its key once
    /// the server is back, even when the connection was refused: URLSession (libcurl)
    /// sends a request cut short on a reused connection again on a new one, so a request
    /// Tally got before the kill — and may have handed to Twilio — ends "could not connect".
    func send(
        _ request: CrashLoop.Request,
        to server: URL,
        accounts: [CrashLoop.Account],
        answers: Journal<[CrashLoop.Answer]>,
        pending: Journal<[CrashLoop.Request]>,
        unanswered: Journal<[CrashLoop.Request]>
    ) async -> Bool {
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
            unanswered.withLock { $0.append(request) }
            return false
        }
        loop.record(reply, of: request, answers: answers, pending: pending)
        return true
    }

    /// Waits until Twilio is handed one more message than now, at most `limit`.
    func handedAnother(within limit: Duration) async {
        let before = await sends().count
        let deadline = ContinuousClock.now + limit
        while await sends().count == before && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Every send Twilio was asked for, refused ones too, oldest first.
    func sends() async -> [FakeTwilioRequest] {
        await fake.received().filter { $0.method == "POST" && $0.path.hasSuffix("/Messages.json") }
    }

    // MARK: The server

    /// `tally serve` with Twilio on, on `port` when it is free (a restart at the same
    /// address), else on another port of its own. `TALLY_PUBLIC_URL` stays the first
    /// server's address, as an installation's does: the fake posts callbacks to the
    /// server of the moment, signed over the address Tally gave (as through a proxy).
    func startServer(port preferred: Int? = nil, publicURL: String? = nil) async throws -> ServeProcess {
        for attempt in 0..<5 {
            let port = try (attempt == 0 ? preferred : nil) ?? freeLoopbackPort()
            let base = "http://127.0.0.1:\(port)"
            let server = try ServeProcess(
                tally: loop.tally,
                database: database,
                token: operatorToken,
                name: "twilio-crash",
                port: port,
                environment: [
                    "TALLY_SETTLE_SECONDS": "\(Self.settleSeconds)",
                    "TALLY_TWILIO_ACCOUNT_SID": FakeTwilio.accountSID,
                    "TALLY_TWILIO_AUTH_TOKEN": FakeTwilio.authToken,
                    "TALLY_TWILIO_FROM": Self.sender,
                    "TALLY_TWILIO_API_BASE": fake.apiBase,
                    "TALLY_PUBLIC_URL": publicURL ?? base,
                ]
            )
            do {
                try await server.waitUntilHealthy()
            } catch {
                // Another test's server took the port meanwhile: this one could not listen.
                server.kill()
                _ = await waitForExit(server.process, seconds: 10)
                continue
            }
            let probe = try await http.call(server.base, "GET", "/v1/pricing", token: operatorToken)
            if probe.status == 200 && server.process.isRunning {
                await fake.forwardCallbacks(to: base)
                return server
            }
            server.kill()
            _ = await waitForExit(server.process, seconds: 10)
        }
        throw TestFailure("tally serve never got a port of its own")
    }

    // MARK: The load

    /// Three accounts, each with a verified owner and credits bought with a sandbox card.
    func setUp(_ server: URL) async throws -> [CrashLoop.Account] {
        var accounts: [CrashLoop.Account] = []
        for index in 0..<3 {
            let email = "twilio-crash-\(index)-\(UUID().uuidString.prefix(8))@example.com"
            let created = try await http.call(
                server,
                "POST",
                "/v1/accounts",
                token: operatorToken,
                json: #"{"name":"Twilio crash \#(index)","owner":{"email":"\#(email)","name":"Olive Owner","password":"correct horse"}}"#
            )
            try #require(created.status == 201, "\(created)")
            let id = try created.string("id")
            let verified = try await http.call(
                server,
                "POST",
                "/v1/accounts/\(id)/verification",
                token: operatorToken,
                json: #"{"usBusinessEntity":true}"#
            )
            try #require(verified.status == 200, "\(verified)")
            let session = try await http.call(server, "POST", "/v1/sessions", json: #"{"email":"\#(email)","password":"correct horse"}"#)
            try #require(session.status == 201, "\(session)")
            let token = try session.string("token")
            let saved = try await http.call(
                server,
                "POST",
                "/v1/accounts/\(id)/payment-methods",
                token: token,
                json: #"{"card":{"number":"4242424242424242","expMonth":12,"expYear":2035,"cvc":"123"}}"#
            )
            try #require(saved.status == 201, "\(saved)")
            let card = try saved.string("id")
            let bought = try await http.call(
                server,
                "POST",
                "/v1/accounts/\(id)/purchases",
                token: token,
                json: #"{"credits":\#(Self.fundingCredits),"paymentMethodId":"\#(card)"}"#,
                key: "setup-\(id)"
            )
            try #require(bought.status == 201, "\(bought)")
            accounts.append(CrashLoop.Account(id: id, token: token, card: card, faultyCards: []))
        }
        return accounts
    }

    /// A client's next message: to the destination whose `turn` it is, or else one picked by
    /// weight; its key in its text.
    func nextRequest(
        _ random: inout SplitMix64,
        accounts: [CrashLoop.Account],
        name: String,
        turn: Int? = nil
    ) -> CrashLoop.Request {
        let index = Int.random(in: 0..<accounts.count, using: &random)
        var roll = Int.random(in: 0..<Self.destinations.reduce(0) { $0 + $1.weight }, using: &random)
        var destination = Self.destinations[0]
        if let turn { destination = Self.destinations[turn % Self.destinations.count] }
        for candidate in Self.destinations where turn == nil {
            if roll < candidate.weight {
                destination = candidate
                break
            }
            roll -= candidate.weight
        }
        let key = "twilio-key-\(name)"
        return CrashLoop.Request(
            account: index,
            method: "POST",
            path: "\(accounts[index].path)/sms",
            json: #"{"to":"\#(destination.shown)","body":"\#(Self.body(key))"}"#,
            key: key,
            ledgerKind: "capture"
        )
    }

    /// A message's text: its key, so each message Twilio got is told by its request.
    static func body(_ key: String) -> String { "msg \(key)" }
}
