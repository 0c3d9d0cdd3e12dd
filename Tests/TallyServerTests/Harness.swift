import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import TallyApp
import TallyServer
import TallyStore
import TallyTestSupport
import Testing

/// A real Tally over loopback, on a new database (TALLY_TEST_BACKEND), with the sandbox providers.
struct Harness: Sendable {
    static let operatorToken = "operator-secret"
    let tally: Tally
    let port: Int
    let client: any TestClientProtocol
    /// The connection `call` sends on: a minute per answer, not the test framework's twenty
    /// seconds. Every HTTP test starts at once, and on a busy machine a request can wait
    /// its turn for the store's few connections longer than that.
    let patient: TestClient
    /// The store, faults injectable (see `FaultyStore`).
    var faults: FaultyStore? { tally.store as? FaultyStore }

    /// The server's limits in a test that is not about them: the product's, but a
    /// connection may stay idle ten minutes, not one. Every HTTP test starts at once, and
    /// on a busy machine a test can wait its turn longer than a minute between opening
    /// `patient`'s connection and sending its first request; the server then closed that
    /// connection as idle, and the test client waited on it for good. The idle timeout
    /// itself is proven by `ConnectionLimitTests`.
    static let patientLimits = ConnectionLimits(idleSeconds: 600)

    /// Runs `body` against a live server, with its own database.
    static func run(
        gateway: SandboxPaymentGateway = SandboxPaymentGateway(),
        time: any TimeSource = SystemTime(),
        providers: Providers? = nil,
        deadlines: ProviderDeadlines = ProviderDeadlines(),
        webhookAddresses: WebhookAddressPolicy = .allowPrivate,
        passwords: PasswordHasher = PasswordHasher(cost: 4),
        loginRateLimit: LoginRateLimit = LoginRateLimit(),
        limits: ConnectionLimits = Harness.patientLimits,
        _ body: @Sendable (Harness) async throws -> Void
    ) async throws {
        // SQLite, or a PostgreSQL copy of the migrated template: TALLY_TEST_BACKEND picks.
        // Closed, and a SQLite file removed, when the test ends.
        try await TestBackend.selected().withStore(name: "tally-http") { base in
            let store = FaultyStore(base)
            var logger = Logger(label: "tally-test")
            logger.logLevel = .warning
            let tally = Tally(
                store: store,
                logger: logger,
                operatorToken: operatorToken,
                time: time,
                providers: providers ?? Providers(payments: gateway),
                deadlines: deadlines,
                passwords: passwords,
                loginRateLimit: loginRateLimit,
                webhookAddresses: webhookAddresses
            )
            // Background services stay off: tests drive the sweeper themselves, with their own clock.
            let app = buildApplication(tally: tally, host: "127.0.0.1", port: 0, background: false, limits: limits)
            try await app.test(.live) { client in
                let port = client.port ?? 0
                let patient = TestClient(host: "localhost", port: port, configuration: .init(timeout: .seconds(60)))
                patient.connect()
                do {
                    try await body(Harness(tally: tally, port: port, client: client, patient: patient))
                } catch {
                    try? await patient.shutdown()
                    throw error
                }
                try await patient.shutdown()
            }
        }
    }

    /// Sends one request and reads the whole answer.
    func call(
        _ method: HTTPRequest.Method,
        _ path: String,
        token: String? = nil,
        json: String? = nil,
        headers extra: [String: String] = [:]
    ) async throws -> Reply {
        var headers: HTTPFields = [.connection: "keep-alive"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        let response = try await patient.execute(
            .init(path, method: method, authority: "localhost", headers: headers, body: json.map { ByteBuffer(string: $0) })
        )
        return Reply(
            status: Int(response.head.status.code),
            contentType: response.head.headerFields[.contentType],
            body: response.body.map { String(buffer: $0) } ?? "",
            retryAfter: response.head.headerFields[.retryAfter]
        )
    }

    /// The same, on a connection of its own: for requests that must really run at once.
    func callOnNewConnection(
        _ method: HTTPRequest.Method,
        _ path: String,
        token: String? = nil,
        json: String? = nil,
        headers extra: [String: String] = [:]
    ) async throws -> Reply {
        // A minute, not fifteen seconds: a burst of hundreds of requests at once on a busy
        // machine waits its turn for the store's few connections.
        try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(60))) { client in
            var headers: HTTPFields = [:]
            if let token { headers[.authorization] = "Bearer \(token)" }
            if json != nil { headers[.contentType] = "application/json" }
            for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
            let response = try await client.execute(
                .init(path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) } ?? ByteBuffer())
            )
            return Reply(
                status: Int(response.head.status.code),
                contentType: response.head.headerFields[.contentType],
                body: response.body.map { String(buffer: $0) } ?? "",
                retryAfter: response.head.headerFields[.retryAfter]
            )
        }
    }

    // MARK: Fixtures

    /// An account with its owner logged in.
    func makeAccount(
        owner email: String = "owner-\(UUID().uuidString.prefix(8))@example.com"
    ) async throws
        -> TestAccount
    {
        let created = try await call(
            .post,
            "/v1/accounts",
            token: Self.operatorToken,
            json: #"{"name":"Acme Scheduling","owner":{"email":"\#(email)","name":"Olive Owner","password":"correct horse"}}"#
        )
        try #require(created.status == 201, "\(created.body)")
        let id = try created.string("id")
        let token = try await login(email, "correct horse")
        return TestAccount(id: id, ownerToken: token, harness: self)
    }

    func login(_ email: String, _ password: String) async throws -> String {
        let session = try await call(
            .post,
            "/v1/sessions",
            json: #"{"email":"\#(email)","password":"\#(password)"}"#
        )
        try #require(session.status == 201, "\(session.body)")
        return try session.string("token")
    }
}

/// An account under test and its owner's session.
struct TestAccount: Sendable {
    let id: String
    let ownerToken: String
    let harness: Harness

    /// Adds a person with `role` and returns their session token.
    func person(_ role: String) async throws -> String {
        let email = "\(role)-\(UUID().uuidString.prefix(8))@example.com"
        let added = try await harness.call(
            .post,
            "/v1/accounts/\(id)/users",
            token: ownerToken,
            json: #"{"email":"\#(email)","name":"Pat","role":"\#(role)","password":"password-123"}"#
        )
        try #require(added.status == 201, "\(added.body)")
        return try await harness.login(email, "password-123")
    }

    func apiKey() async throws -> String {
        let created = try await harness.call(
            .post,
            "/v1/accounts/\(id)/api-keys",
            token: ownerToken,
            json: #"{"name":"backend"}"#
        )
        try #require(created.status == 201, "\(created.body)")
        return try created.string("key")
    }

    /// Saves a card and returns its payment method id.
    func saveCard(_ number: String = "4242424242424242") async throws -> String {
        let saved = try await harness.call(
            .post,
            "/v1/accounts/\(id)/payment-methods",
            token: ownerToken,
            json: #"{"card":{"number":"\#(number)","expMonth":12,"expYear":2035,"cvc":"123"}}"#
        )
        try #require(saved.status == 201, "\(saved)")
        return try saved.string("id")
    }

    /// Turns auto-recharge on.
    func autoRecharge(
        threshold: Int = 50,
        credits: Int = 100,
        method: String,
        perDay: Int = 5,
        perMonth: String = "5000.00"
    ) async throws -> Reply {
        try await harness.call(
            .put,
            "/v1/accounts/\(id)/auto-recharge",
            token: ownerToken,
            json:
                #"{"enabled":true,"thresholdCredits":\#(threshold),"rechargeCredits":\#(credits),"paymentMethodId":"\#(method)","maxRechargesPerDay":\#(perDay),"maxSpendPerMonth":"\#(perMonth)"}"#
        )
    }

    func notificationKinds() async throws -> [String] {
        try await notifications().map(\.kind)
    }

    /// Buys credits with the sandbox's good card.
    func buy(_ credits: Int, card: String = "4242424242424242", key: String? = nil) async throws -> Reply {
        try await send(PurchaseRequest(credits: credits, card: CardBody(number: card)), key: key)
    }

    func wallet(token: String? = nil) async throws -> Reply {
        try await harness.call(.get, "/v1/accounts/\(id)/wallet", token: token ?? ownerToken)
    }
}

/// Card numbers the sandbox accepts, each a different card: `424242424242` and three
/// digits of `index`, with its Luhn check digit.
func goodCard(_ index: Int) -> String {
    let body = "424242424242" + String(format: "%03d", index % 1_000)
    let digits = body.compactMap(\.wholeNumberValue)
    var sum = 0
    for (offset, digit) in digits.reversed().enumerated() {
        let doubled = offset % 2 == 0 ? digit * 2 : digit
        sum += doubled > 9 ? doubled - 9 : doubled
    }
    return body + String((10 - sum % 10) % 10)
}

/// An HTTP answer.
struct Reply: Sendable, CustomStringConvertible {
    let status: Int
    let contentType: String?
    let body: String
    var retryAfter: String? = nil

    var description: String { "\(status) \(body)" }

    var object: [String: Any] {
        get throws {
            let value = try JSONSerialization.jsonObject(with: Data(body.utf8))
            return try #require(value as? [String: Any], "not a JSON object: \(body)")
        }
    }

    func string(_ key: String) throws -> String {
        try #require(try object[key] as? String, "no string \(key) in \(body)")
    }

    func items() throws -> [[String: Any]] {
        try #require(try object["items"] as? [[String: Any]], "no items in \(body)")
    }

    /// The `errors[].field` of a problem.
    func errorFields() throws -> [String] {
        (try object["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
    }
}

extension TestAccount {
    /// Verifies the account as a US business entity (the operator's call).
    func verifyUS() async throws {
        let reply = try await harness.call(
            .post,
            "/v1/accounts/\(id)/verification",
            token: Harness.operatorToken,
            json: #"{"usBusinessEntity":true}"#
        )
        try #require(reply.status == 200)
    }

    func post(_ path: String, _ json: String, token: String? = nil, key: String? = nil) async throws -> Reply {
        try await harness.call(
            .post,
            "/v1/accounts/\(id)\(path)",
            token: token ?? ownerToken,
            json: json,
            headers: key.map { ["Idempotency-Key": $0] } ?? [:]
        )
    }

    func get(_ path: String, token: String? = nil) async throws -> Reply {
        try await harness.call(.get, "/v1/accounts/\(id)\(path)", token: token ?? ownerToken)
    }

    /// The wallet's figures as strings: available, held, used, total.
    func figures() async throws -> [String] {
        try await walletAnswer().figures
    }

    func creditCheck(
        _ kind: String = "credit_score",
        phone: String = "+1 201 555 0123",
        email: String = "lead@example.com",
        key: String? = nil
    ) async throws -> Reply {
        try await send(CreditCheckRequest(kind: kind, contact: ContactBody(name: "Lee Lead", email: email, phone: phone)), key: key)
    }
}
