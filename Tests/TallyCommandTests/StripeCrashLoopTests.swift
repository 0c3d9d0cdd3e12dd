import Foundation
import Synchronization
import TallyCore
import TallyStore
import TallyTestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The crash loop's Stripe round: `tally serve` with Stripe as its card processor (the
/// fake Stripe on loopback), buying credits under load from several clients, killed with
/// SIGKILL at seeded random moments and restarted on the same database.
///
/// The load: keyed purchases with the account's saved cards — one that pays
/// (`pm_card_visa`, also given again as `stripePaymentMethod`), one that needs 3-D Secure
/// (`pm_card_authenticationRequired`: 202, then the cardholder passes or fails it on
/// Stripe's page at a random moment), one the bank declines (`pm_card_chargeCustomerFail`)
/// — and replays of keys answered before; now and then Stripe does the work and its
/// answer is lost. Stripe's events go to the server of the moment:
/// those posted while it is down are lost (as when Stripe gives up), and every kill is
/// followed by a cardholder passing 3-D Secure while no server listens, so the reconciler
/// must settle what no event will tell. Every request a kill cut short is sent again
/// with its own key.
///
/// At the end, once everything is settled: every account's wallet holds exactly the
/// credits of the PaymentIntents Stripe says succeeded for it (`amount_received` at
/// `Catalog.centsPerCredit` cents a credit); each succeeded PaymentIntent is one
/// succeeded purchase whose payment reference it is, with one ledger entry (none lost,
/// none twice); every other PaymentIntent's purchase added nothing; Stripe was asked for
/// one PaymentIntent per purchase, with the same parameters each time it was asked
/// again; `tally verify` exits 0 after every kill and at the end; and every acknowledged
/// key answers its recorded answer again.
///
/// `TALLY_CRASH_SEED` replays a run (every run prints its seed); `TALLY_STRIPE_CRASH_KILLS`
/// kills more times (3 by default).
@Suite("Stripe crash loop")
struct StripeCrashLoopTests {
    static let seed: UInt64 =
        ProcessInfo.processInfo.environment["TALLY_CRASH_SEED"].flatMap { UInt64($0) }
        ?? UInt64.random(in: 1...UInt64(UInt32.max))
    static let kills = ProcessInfo.processInfo.environment["TALLY_STRIPE_CRASH_KILLS"].flatMap { Int($0) } ?? 3

    @Test(.timeLimit(.minutes(3)))
    func sqliteCreditsEveryStripePaymentOnceThroughKills() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tally-stripe-crash-\(UUID().uuidString).sqlite").path
        let report = try await FakeStripe.run { fake in
            try await StripeCrashLoop(database: path, seed: Self.seed, kills: Self.kills, fake: fake).run()
        }
        print("Stripe crash loop (SQLite): \(report)")
    }

    @Test(.timeLimit(.minutes(3)))
    func postgresCreditsEveryStripePaymentOnceThroughKills() async throws {
        guard PostgresTestDatabase.serverURL != nil else {
            if ProcessInfo.processInfo.environment["CI"] != nil {
                Issue.record("TALLY_TEST_POSTGRES_URL is not set: the Stripe crash loop needs a PostgreSQL server (scripts/test starts one)")
            }
            return
        }
        let database = try await PostgresTestDatabase.makeEmpty().url
        let report = try await FakeStripe.run { fake in
            try await StripeCrashLoop(database: database, seed: Self.seed, kills: Self.kills, fake: fake).run()
        }
        print("Stripe crash loop (PostgreSQL): \(report)")
    }
}

/// One run of the Stripe round against one database and one fake Stripe.
struct StripeCrashLoop: Sendable {
    static let webhookSecret = "whsec_tally_stripe_crash_loop_0123456789abcdef"

    let database: String
    let seed: UInt64
    let kills: Int
    let fake: FakeStripe
    /// The crash loop's helpers: sending and recording keyed requests, retrying those a
    /// kill cut short, the ledger checks and the wait for orphaned work.
    let loop: CrashLoop
    let operatorToken = "stripe-crash-loop-\(UUID().uuidString)"
    var http: HTTPClient { loop.http }

    init(database: String, seed: UInt64, kills: Int, fake: FakeStripe) throws {
        self.database = database
        self.seed = seed
        self.kills = kills
        self.fake = fake
        loop = try CrashLoop(database: database, seed: seed, kills: kills, faults: false)
    }

    struct Report: CustomStringConvertible, Sendable {
        var seed: UInt64
        var kills = 0
        var acknowledged = 0
        var paid = 0
        var creditsPaid: Int64 = 0
        var authenticated = 0
        var failedAuthentication = 0
        var declined = 0
        var answersLost = 0
        var eventsLost = 0
        var cutShort = 0
        var lost = 0
        var doubled = 0
        /// From the last restart until every payment was settled.
        var settleSeconds = 0

        var description: String {
            "seed \(seed): \(acknowledged) acknowledged purchases, \(kills) kills survived, \(paid) PaymentIntents succeeded "
                + "(\(creditsPaid) credits), \(authenticated) passed 3-D Secure and \(failedAuthentication) failed it, "
                + "\(declined) declined, \(answersLost) Stripe answers lost, \(eventsLost) events lost, \(cutShort) requests "
                + "cut short by a kill answered when retried, all settled \(settleSeconds) s after the last restart, lost \(lost), "
                + "doubled \(doubled)"
        }
    }

    /// Counters the load's tasks share.
    struct Counts: Sendable {
        var authenticated = 0
        var failedAuthentication = 0
        var answersLost = 0
    }

    func run() async throws -> Report {
        var report = Report(seed: seed)
        print("Stripe crash loop seed \(seed) (replay: TALLY_CRASH_SEED=\(seed)), \(kills) kills")
        var server = try await startServer()
        defer { server.kill() }
        let publicURL = server.base.absoluteString
        let port = server.base.port
        let accounts = try await setUp(server.base)
        var initial: [Int64] = []
        for account in accounts { initial.append(try await total(server.base, account)) }
        let answers = Journal([CrashLoop.Answer]())
        let pending = Journal([CrashLoop.Request]())
        let unanswered = Journal([CrashLoop.Request]())
        let counts = Journal(Counts())
        var random = SplitMix64(seed: seed)
        var restarted = ContinuousClock.now

        for cycle in 1...kills {
            let retries = pending.withLock { requests in
                defer { requests.removeAll() }
                return requests
            }
            for request in retries {
                try await loop.send(request, to: server.base, accounts: accounts, answers: answers, pending: pending)
            }
            let stop = Journal(false)
            let clientSeeds = (0..<4).map { _ in random.next() }
            let cardholderSeed = random.next()
            let base = server.base
            let load = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (index, clientSeed) in clientSeeds.enumerated() {
                        group.addTask {
                            var generator = SplitMix64(seed: clientSeed)
                            var sequence = 0
                            while !stop.read {
                                sequence += 1
                                // Now and then Stripe does the work and its answer is lost.
                                if Int.random(in: 0..<40, using: &generator) == 0 {
                                    await fake.loseAnswers(1)
                                    counts.withLock { $0.answersLost += 1 }
                                }
                                let request = nextRequest(&generator, accounts: accounts, answers: answers, name: "s\(cycle)-\(index)-\(sequence)")
                                try await loop.send(
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
                    // The cardholders: each, at a random moment, passes (or now and then
                    // fails) 3-D Secure on Stripe's page for a payment waiting for them.
                    group.addTask {
                        var generator = SplitMix64(seed: cardholderSeed)
                        while !stop.read {
                            try await Task.sleep(for: .milliseconds(Int.random(in: 20...200, using: &generator)))
                            let waiting = await waitingForCardholder()
                            guard let intent = waiting.randomElement(using: &generator) else { continue }
                            let passes = Int.random(in: 0..<5, using: &generator) != 0
                            if await fake.authenticate(intent, succeeded: passes) != nil {
                                counts.withLock { counts in
                                    if passes { counts.authenticated += 1 } else { counts.failedAuthentication += 1 }
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 1_200...2_500, using: &random)))
            server.kill()
            _ = await waitForExit(server.process, seconds: 10)
            stop.withLock { $0 = true }
            try await load.value
            report.kills += 1

            // While no server listens, cardholders pass 3-D Secure: Stripe's events are lost.
            for intent in await waitingForCardholder().prefix(2) {
                if await fake.authenticate(intent, succeeded: true) != nil { counts.withLock { $0.authenticated += 1 } }
            }

            let verified = try await loop.tally.run(["verify", "--database", database], seconds: 60)
            #expect(verified.status == 0, "tally verify after kill \(cycle) (seed \(seed)): \(verified.output)")

            server = try await startServer(port: port, publicURL: publicURL)
            restarted = ContinuousClock.now
            let cutShort = unanswered.withLock { requests in
                defer { requests.removeAll() }
                return requests
            }
            try await loop.retryUntilAnswered(cutShort, server.base, accounts: accounts, answers: answers, pending: pending)
            report.cutShort += cutShort.count
        }

        // The last cardholders answer (the server is up: their events arrive), then every
        // payment settles: by its event, by the reconciler, or by its key asked again.
        for intent in await waitingForCardholder() {
            if await fake.authenticate(intent, succeeded: true) != nil { counts.withLock { $0.authenticated += 1 } }
        }
        // A payment the reconciler asked about just before a kill (or whose answer was lost
        // to it) is asked again once its claim's lease (a minute) runs out: waited for.
        let store: any Store = database.hasPrefix("postgres") ? try PostgresStore(url: database) : try SQLiteStore(path: database)
        defer { Task { try? await store.close() } }
        let settleDeadline = ContinuousClock.now + .seconds(75)
        var unsettled: [String] = []
        repeat {
            for request in pending.withLock({ requests in
                defer { requests.removeAll() }
                return requests
            }) {
                try await loop.send(request, to: server.base, accounts: accounts, answers: answers, pending: pending)
            }
            // A payment first asked of Stripe now (its request asked again, or the
            // reconciler) waits for its cardholder too.
            for intent in await waitingForCardholder() {
                if await fake.authenticate(intent, succeeded: true) != nil { counts.withLock { $0.authenticated += 1 } }
            }
            unsettled = try await unsettledPayments(store, accounts: accounts, answers: answers.read)
            if pending.read.isEmpty && unsettled.isEmpty { break }
            try await Task.sleep(for: .milliseconds(500))
        } while ContinuousClock.now < settleDeadline
        report.settleSeconds = Int((ContinuousClock.now - restarted).components.seconds)
        #expect(pending.read.isEmpty, "purchases still unsettled at the end (seed \(seed)): \(pending.read.map(\.key))")
        #expect(unsettled.isEmpty, "payments still unsettled at the end (seed \(seed)): \(unsettled)")
        _ = try await loop.quiet(server.base, accounts: accounts)

        let counted = try await checkMoney(store, server.base, accounts: accounts, initial: initial, answers: answers.read, report: &report)
        report.lost += counted.lost
        report.doubled += counted.doubled

        // Every acknowledged key answers its recorded answer again and moves nothing.
        let before = try await loop.ledgerEntries(server.base, accounts: accounts).count
        let recorded = answers.read
        let base = server.base
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
        let after = try await loop.ledgerEntries(server.base, accounts: accounts).count
        #expect(before == after, "replays moved credits (seed \(seed))")

        let final = counts.read
        report.acknowledged = recorded.count
        report.authenticated = final.authenticated
        report.failedAuthentication = final.failedAuthentication
        report.answersLost = final.answersLost
        report.eventsLost = await fake.deliveries().filter { $0.status != 200 }.count
        #expect(report.lost == 0 && report.doubled == 0, "\(report)")
        #expect(report.paid > 0 && report.authenticated > 0 && report.declined > 0, "the load paid, authenticated and declined: \(report)")
        #expect(await server.stop() == 0)
        let verified = try await loop.tally.run(["verify", "--database", database], seconds: 60)
        #expect(verified.status == 0, "tally verify at the end (seed \(seed)): \(verified.output)")
        return report
    }

    // MARK: The server

    /// `tally serve` with Stripe on, on `port` when it is free (a restart at the same
    /// address), else on another port of its own; the fake's events go to it from now on.
    /// `TALLY_PUBLIC_URL` stays the first server's address on every restart, as the
    /// public address of an installation does (Stripe is asked again with the same
    /// `return_url`).
    func startServer(port preferred: Int? = nil, publicURL: String? = nil) async throws -> ServeProcess {
        for attempt in 0..<5 {
            let port = try (attempt == 0 ? preferred : nil) ?? freeLoopbackPort()
            let base = "http://127.0.0.1:\(port)"
            let server = try ServeProcess(
                tally: loop.tally,
                database: database,
                token: operatorToken,
                name: "stripe-crash",
                port: port,
                environment: [
                    "TALLY_SETTLE_SECONDS": "2",
                    "TALLY_STRIPE_SECRET_KEY": fake.secretKey,
                    "TALLY_STRIPE_WEBHOOK_SECRET": Self.webhookSecret,
                    "TALLY_STRIPE_API_BASE": fake.apiBase,
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
                await fake.setWebhook(url: base + "/v1/providers/stripe/events", secret: Self.webhookSecret)
                return server
            }
            server.kill()
            _ = await waitForExit(server.process, seconds: 10)
        }
        throw TestFailure("tally serve never got a port of its own")
    }

    // MARK: The load

    /// Three accounts, each with a verified owner and a saved Stripe card (`pm_card_visa`).
    func setUp(_ server: URL) async throws -> [CrashLoop.Account] {
        var accounts: [CrashLoop.Account] = []
        for index in 0..<3 {
            let email = "stripe-crash-\(index)-\(UUID().uuidString.prefix(8))@example.com"
            let created = try await http.call(
                server,
                "POST",
                "/v1/accounts",
                token: operatorToken,
                json: #"{"name":"Stripe crash \#(index)","owner":{"email":"\#(email)","name":"Olive Owner","password":"correct horse"}}"#
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
            // A card that pays, one that needs 3-D Secure on-session, one the bank declines.
            var cards: [String] = []
            for method in ["pm_card_visa", "pm_card_authenticationRequired", "pm_card_chargeCustomerFail"] {
                let saved = try await http.call(
                    server,
                    "POST",
                    "/v1/accounts/\(id)/payment-methods",
                    token: token,
                    json: #"{"stripePaymentMethod":"\#(method)"}"#
                )
                try #require(saved.status == 201, "\(saved)")
                cards.append(try saved.string("id"))
            }
            accounts.append(CrashLoop.Account(id: id, token: token, card: cards[0], faultyCards: Array(cards.dropFirst())))
        }
        return accounts
    }

    /// A client's next purchase: mostly with the saved card that pays, some with the one
    /// that needs 3-D Secure, some with the one the bank declines, some giving the card
    /// that pays again as Stripe's PaymentMethod (paid as the saved card), and replays of
    /// keys answered before.
    func nextRequest(
        _ random: inout SplitMix64,
        accounts: [CrashLoop.Account],
        answers: Journal<[CrashLoop.Answer]>,
        name: String
    ) -> CrashLoop.Request {
        let index = Int.random(in: 0..<accounts.count, using: &random)
        let account = accounts[index]
        let credits = [100, 150, 250, 500, 1_000].randomElement(using: &random)!
        let roll = Int.random(in: 0..<100, using: &random)
        let payment: String
        switch roll {
        case 0..<45: payment = #""paymentMethodId":"\#(account.card)""#
        case 45..<68: payment = #""paymentMethodId":"\#(account.faultyCards[0])""#
        case 68..<80: payment = #""paymentMethodId":"\#(account.faultyCards[1])""#
        case 80..<88: payment = #""stripePaymentMethod":"pm_card_visa""#
        default:
            let earlier = answers.withLock { answers in answers.suffix(200).filter { $0.request.account == index } }
            if let answer = earlier.randomElement(using: &random) { return answer.request }
            payment = #""paymentMethodId":"\#(account.card)""#
        }
        return CrashLoop.Request(
            account: index,
            method: "POST",
            path: "\(account.path)/purchases",
            json: #"{"credits":\#(credits),\#(payment)}"#,
            key: "stripe-key-\(name)",
            ledgerKind: "purchase"
        )
    }

    /// The purchases Tally has not settled yet of those it asked Stripe to pay (every
    /// PaymentIntent's) and of those it answered.
    func unsettledPayments(_ store: any Store, accounts: [CrashLoop.Account], answers: [CrashLoop.Answer]) async throws -> [String] {
        var known = Set<String>()
        for id in await fake.ids(prefix: "pi_") {
            let metadata = await fake.object(id)?["metadata"] as? [String: Any] ?? [:]
            if let account = metadata["tally_account"] as? String, let purchase = metadata["tally_purchase"] as? String {
                known.insert("\(account) \(purchase)")
            }
        }
        for answer in answers where (200..<300).contains(answer.status) {
            if let id = try? HTTPReply(status: answer.status, body: answer.body).string("id") {
                known.insert("\(accounts[answer.request.account].id) \(id)")
            }
        }
        var unsettled: [String] = []
        for entry in known.sorted() {
            let parts = entry.split(separator: " ").map(String.init)
            if try await store.paymentIntent(PurchaseID(parts[1]), account: AccountID(parts[0])) != nil { unsettled.append(parts[1]) }
        }
        return unsettled
    }

    /// The PaymentIntents waiting for their cardholder (3-D Secure), oldest first.
    func waitingForCardholder() async -> [String] {
        var waiting: [String] = []
        for id in await fake.ids(prefix: "pi_") where await fake.object(id)?["status"] as? String == "requires_action" {
            waiting.append(id)
        }
        return waiting
    }

    func total(_ server: URL, _ account: CrashLoop.Account) async throws -> Int64 {
        let wallet = try await http.call(server, "GET", "\(account.path)/wallet", token: account.token)
        try #require(wallet.status == 200, "\(wallet)")
        let figures = try ["available", "total"].map { try Credits(parsing: wallet.string($0)) }
        #expect(figures[0] == figures[1], "nothing is held or used: \(wallet.body)")
        return figures[1].thousandths
    }

    /// Every purchase of an account, newest first: id → (status, credits in thousandths).
    func purchases(_ server: URL, _ account: CrashLoop.Account) async throws -> [String: (status: String, credits: Int64)] {
        var found: [String: (status: String, credits: Int64)] = [:]
        var cursor: String?
        repeat {
            let page = try await http.call(
                server,
                "GET",
                "\(account.path)/purchases?limit=500" + (cursor.map { "&cursor=\($0)" } ?? ""),
                token: account.token
            )
            try #require(page.status == 200, "\(page)")
            for item in try page.items() {
                let id = item["id"] as? String ?? ""
                #expect(found[id] == nil, "purchase \(id) listed twice (seed \(seed))")
                let credits = try Credits(parsing: item["credits"] as? String ?? "\(item["credits"] ?? "")").thousandths
                found[id] = (item["status"] as? String ?? "", credits)
            }
            cursor = try page.object["nextCursor"] as? String
        } while cursor != nil
        return found
    }

    // MARK: The money

    /// What Stripe took against what Tally credited, account by account.
    func checkMoney(
        _ store: any Store,
        _ server: URL,
        accounts: [CrashLoop.Account],
        initial: [Int64],
        answers: [CrashLoop.Answer],
        report: inout Report
    ) async throws -> (lost: Int, doubled: Int) {
        var lost = 0
        var doubled = 0

        // Stripe's side: every PaymentIntent, by purchase.
        var intents: [(id: String, status: String, received: Int, amount: Int, account: String, purchase: String)] = []
        for id in await fake.ids(prefix: "pi_") {
            guard let object = await fake.object(id) else { continue }
            let metadata = object["metadata"] as? [String: Any] ?? [:]
            intents.append(
                (
                    id, object["status"] as? String ?? "", object["amount_received"] as? Int ?? 0, object["amount"] as? Int ?? 0,
                    metadata["tally_account"] as? String ?? "", metadata["tally_purchase"] as? String ?? ""
                )
            )
        }
        let byPurchase = Dictionary(grouping: intents, by: \.purchase)
        // One PaymentIntent per purchase, and each Idempotency-Key Stripe got always asked
        // the same: a retry after a crash or a lost answer never made a second payment.
        for (purchase, made) in byPurchase where made.count != 1 {
            doubled += made.count - 1
            Issue.record("purchase \(purchase) has \(made.count) PaymentIntents at Stripe: \(made.map(\.id)) (seed \(seed))")
        }
        let asked = await fake.received().filter { $0.method == "POST" && $0.path == "/v1/payment_intents" }
        var formsByKey: [String: Set<String>] = [:]
        for request in asked {
            guard let key = request.idempotencyKey else {
                Issue.record("a PaymentIntent asked for without an Idempotency-Key (seed \(seed)): \(request.form)")
                continue
            }
            formsByKey[key, default: []].insert(request.parameters.map { "\($0.0)=\($0.1)" }.sorted().joined(separator: "&"))
        }
        for (key, forms) in formsByKey {
            #expect(forms.count == 1, "Idempotency-Key \(key) asked with other parameters (seed \(seed)): \(forms)")
            #expect(byPurchase[key]?.count == 1, "Idempotency-Key \(key) made \(byPurchase[key]?.count ?? 0) PaymentIntents (seed \(seed))")
        }
        #expect(formsByKey.count == intents.count, "\(intents.count) PaymentIntents for \(formsByKey.count) keys (seed \(seed))")

        let entries = try await loop.ledgerEntries(server, accounts: accounts)
        var ledger: [String: Int] = [:]
        for entry in entries where entry.kind == "purchase" { ledger["\(entry.account) \(entry.reference)", default: 0] += 1 }

        for (index, account) in accounts.enumerated() {
            let mine = intents.filter { $0.account == account.id }
            let paid = mine.filter { $0.status == "succeeded" }
            let listed = try await purchases(server, account)
            // The wallet holds exactly what Stripe received, at its price per credit.
            let received = paid.reduce(0) { $0 + $1.received }
            #expect(received % Int(Catalog.centsPerCredit) == 0)
            let owed = Int64(received) / Catalog.centsPerCredit * 1_000
            let held = try await total(server, account) - initial[index]
            if held != owed {
                Issue.record(
                    "account \(index) holds \(held / 1_000) credits bought, Stripe received \(received) cents for \(owed / 1_000) (seed \(seed))"
                )
                if held < owed { lost += 1 } else { doubled += 1 }
            }
            report.paid += paid.count
            report.creditsPaid += owed / 1_000
            report.declined += mine.filter { $0.status == "requires_payment_method" }.count
            #expect(
                mine.allSatisfy { $0.status == "succeeded" || $0.status == "requires_payment_method" },
                "PaymentIntents left undecided: \(mine.filter { $0.status != "succeeded" && $0.status != "requires_payment_method" }.map(\.id))"
            )
            for intent in paid {
                #expect(intent.received == intent.amount, "\(intent.id) received \(intent.received) of \(intent.amount)")
                // Credited once: one succeeded purchase paid by this PaymentIntent, one ledger entry.
                let purchase = try await store.purchase(PurchaseID(intent.purchase), account: AccountID(account.id))
                let entriesOf = ledger["\(index) \(intent.purchase)"] ?? 0
                if purchase?.status != .succeeded || entriesOf == 0 {
                    lost += 1
                    Issue.record(
                        "PaymentIntent \(intent.id) succeeded but purchase \(intent.purchase) is \(purchase.map { "\($0.status)" } ?? "missing") with \(entriesOf) ledger entries (seed \(seed))"
                    )
                } else if entriesOf > 1 {
                    doubled += 1
                    Issue.record("PaymentIntent \(intent.id) credited \(entriesOf) times (seed \(seed))")
                }
                #expect(
                    purchase?.paymentReference == intent.id,
                    "purchase \(intent.purchase) is paid by \(purchase?.paymentReference ?? "nothing"), Stripe says \(intent.id)"
                )
                #expect(listed[intent.purchase]?.credits == Int64(intent.received) / Catalog.centsPerCredit * 1_000)
            }
            // A PaymentIntent Stripe did not take money for added nothing.
            for intent in mine where intent.status != "succeeded" {
                let entriesOf = ledger["\(index) \(intent.purchase)"] ?? 0
                if entriesOf != 0 {
                    doubled += 1
                    Issue.record(
                        "PaymentIntent \(intent.id) is \(intent.status) yet purchase \(intent.purchase) has \(entriesOf) ledger entries (seed \(seed))"
                    )
                }
                #expect(
                    listed[intent.purchase]?.status == "declined",
                    "purchase \(intent.purchase) of \(intent.status) \(intent.id) is \(listed[intent.purchase]?.status ?? "missing")"
                )
            }
            // No purchase succeeded that Stripe was not paid for.
            let succeeded = Set(listed.filter { $0.value.status == "succeeded" }.keys)
            let unpaid = succeeded.subtracting(paid.map(\.purchase))
            if !unpaid.isEmpty {
                doubled += unpaid.count
                Issue.record("purchases succeeded without a succeeded PaymentIntent (seed \(seed)): \(unpaid.sorted())")
            }
        }
        // What the clients were told: a 201 is credited (its purchase paid at Stripe), a 402
        // and a 202 whose cardholder failed add nothing (checked above by PaymentIntent).
        let acknowledged = answers.filter { $0.status == 201 }
        let counted = try await loop.checkLedger(server, accounts: accounts, answers: acknowledged)
        lost += counted.lost
        doubled += counted.doubled
        let paidPurchases = Set(intents.filter { $0.status == "succeeded" }.map(\.purchase))
        for answer in acknowledged {
            let id = try HTTPReply(status: answer.status, body: answer.body).string("id")
            #expect(paidPurchases.contains(id), "purchase \(id) answered 201 but Stripe was not paid for it (seed \(seed))")
        }
        return (lost, doubled)
    }
}
