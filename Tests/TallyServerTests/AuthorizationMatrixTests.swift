import Foundation
import HTTPTypes
import TallyServer
import Testing

/// Who may call what (API.md "Conventions", README "Who may do what"): every operation
/// of the API, called by every kind of caller, answers exactly the status the contract
/// gives that caller.
///
/// Row by row, the matrix proves that
/// - credentials Tally does not know — a garbage token, a revoked API key, an ended
///   session — are answered 401 on every route, the public ones included, and no token at
///   all is 401 everywhere except on the public routes;
/// - a person or key of the account whose role may not do it gets 403;
/// - another account's owner or API key get 404 "no account" on an account's resources,
///   so their existence does not leak; the operator, who sees every account, gets 403 on
///   what only the account's own callers may do (it may refund an account's purchases, so
///   the refunds answer it as allowed);
/// - an allowed caller really gets past the check. Each row sends a request that is
///   deliberately not a success (an empty body, an id that does not exist) and carries the
///   status the route gives an allowed caller for it: the matrix changes nothing, and a
///   refusal cannot pass for an allowance.
///
/// Who is allowed comes from `table(_:)`, written by hand from the contract, never from
/// the OpenAPI document's text. The document (which `OperationsTests` keeps equal to the
/// router) only checks that the table has one row per served operation and none for
/// anything else, so a new route without a row fails here, and that every status a caller
/// gets is one the document lists for the operation.
@Suite("Authorization matrix")
struct AuthorizationMatrixTests {
    @Test func everyOperationAnswersEveryCallerAsTheContractSays() async throws {
        try await Harness.run { harness in
            let (fixture, principals) = try await Self.setUp(harness)
            let documented = try Self.documentedStatuses()
            for row in Self.table(fixture) {
                for caller in Caller.allCases {
                    var token = principals.tokens[caller]
                    if row.endsTheCallersSession, row.access.allowed.contains(caller), let login = principals.logins[caller] {
                        // Logging out ends the session it is sent with: each person logs out of a new one.
                        token = try await harness.login(login.email, login.password)
                    }
                    let reply = try await harness.call(row.method, row.path, token: token, json: row.json)
                    let expected = row.expectedStatus(for: caller)
                    let call = "\(row.method.rawValue) \(row.path) as \(caller)"
                    #expect(
                        documented[row.operation]?.contains(reply.status) == true,
                        "\(call): \(reply.status) is not among the statuses /openapi.json documents for \(row.operation)"
                    )
                    #expect(
                        reply.status == expected,
                        "\(call): expected \(expected) (\(row.reason(for: caller))), got \(reply.status): \(Self.excerpt(reply.body))"
                    )
                    guard reply.status == 404, expected == 404 else { continue }
                    // A 404 for "not yours" must not be the route's own 404 for a missing id, nor the other way round.
                    let notYours = row.refusesAsNotYours(caller)
                    #expect(
                        reply.body.contains("no account") == notYours,
                        "\(call): expected the 404 of \(notYours ? "another account's resource" : "a missing id"): \(Self.excerpt(reply.body))"
                    )
                }
            }
        }
    }

    /// The statuses /openapi.json documents for each operation (`POST /v1/accounts`).
    static func documentedStatuses() throws -> [String: Set<Int>] {
        let document = try JSONSerialization.jsonObject(with: Data(openAPIDocumentJSON())) as? [String: Any]
        let paths = try #require(document?["paths"] as? [String: [String: Any]], "no paths in /openapi.json")
        var statuses: [String: Set<Int>] = [:]
        for (path, operations) in paths {
            for (method, operation) in operations {
                let responses = (operation as? [String: Any])?["responses"] as? [String: Any] ?? [:]
                statuses["\(method.uppercased()) \(path)"] = Set(responses.keys.compactMap { Int($0) })
            }
        }
        return statuses
    }

    @Test func theMatrixHasOneRowPerServedOperationAndNoOther() throws {
        let document = try JSONSerialization.jsonObject(with: Data(openAPIDocumentJSON())) as? [String: Any]
        let paths = try #require(document?["paths"] as? [String: [String: Any]], "no paths in /openapi.json")
        var served = Set<String>()
        for (path, operations) in paths {
            for method in operations.keys { served.insert("\(method.uppercased()) \(path)") }
        }
        let rows = Self.table(.placeholder)
        let inTable = Set(rows.map(\.operation))
        #expect(rows.count == inTable.count, "operations with more than one row in the matrix")
        #expect(served.subtracting(inTable).sorted() == [], "served operations without a row in the matrix")
        #expect(inTable.subtracting(served).sorted() == [], "rows in the matrix for operations that are not served")
        for row in rows {
            #expect(!row.path.contains("{"), "\(row.operation): a path parameter is left in \(row.path)")
        }
    }

    // MARK: The table

    /// Every served operation: who may call it, the request sent, and what an allowed caller gets for it.
    static func table(_ fixture: Fixture) -> [Row] {
        func row(
            _ method: HTTPRequest.Method,
            _ template: String,
            _ access: Access,
            ids: [String: String] = [:],
            json: String? = nil,
            allowed: Int,
            _ why: String,
            endsTheCallersSession: Bool = false
        ) -> Row {
            var path = template.replacingOccurrences(of: "{account}", with: fixture.account)
            for (name, value) in ids { path = path.replacingOccurrences(of: "{\(name)}", with: value) }
            return Row(
                method: method,
                template: template,
                access: access,
                path: path,
                json: json,
                allowedStatus: allowed,
                why: why,
                endsTheCallersSession: endsTheCallersSession
            )
        }
        let empty = "{}"
        return [
            // Operations: public.
            row(.get, "/health", .anyone, allowed: 200, "the database answers"),
            row(.get, "/metrics", .anyone, allowed: 200, "Prometheus text"),
            row(.get, "/openapi.json", .anyone, allowed: 200, "the API description"),
            row(.get, "/v1/providers", .operatorOnly, allowed: 200, "which provider each role uses"),
            row(
                .post,
                "/v1/providers/stripe/events",
                .anyone,
                json: empty,
                allowed: 404,
                "Stripe's events: signed by Stripe, not by a token; payments are the sandbox here"
            ),
            row(
                .post,
                "/v1/providers/twilio/status/{id}",
                .anyone,
                ids: ["id": "sms_1"],
                json: empty,
                allowed: 404,
                "Twilio's status callbacks: signed by Twilio, not by a token; messages go to the sandbox here"
            ),

            // Accounts, people, sessions and API keys.
            // The operator's routes ask who calls before they read the body.
            row(.post, "/v1/accounts", .operatorOnly, json: empty, allowed: 422, "no name and no owner: no account is made"),
            row(
                .post,
                "/v1/accounts/{account}/verification",
                .operatorOnly,
                json: empty,
                allowed: 422,
                "usBusinessEntity is required"
            ),
            row(.post, "/v1/sessions", .anyone, json: empty, allowed: 422, "no email or password (read before the login throttle)"),
            row(
                .delete,
                "/v1/sessions",
                .sessionHolder,
                allowed: 204,
                "each person logs out of a session made for this call",
                endsTheCallersSession: true
            ),
            row(.post, "/v1/accounts/{account}/users", .creditManagers, json: empty, allowed: 422, "no email, name, role or password"),
            row(.get, "/v1/accounts/{account}/api-keys", .creditManagers, allowed: 200, "the live keys"),
            row(
                .delete,
                "/v1/accounts/{account}/api-keys/{id}",
                .creditManagers,
                ids: ["id": "key_missing"],
                allowed: 404,
                "no such key: nothing is revoked"
            ),
            row(.post, "/v1/accounts/{account}/api-keys", .creditManagers, json: empty, allowed: 422, "no name: no key is made"),

            // Wallet, prices, buying.
            row(.get, "/v1/accounts/{account}/wallet", .featureCallers, allowed: 200, "the wallet"),
            row(.get, "/v1/pricing", .anyPrincipal, allowed: 200, "the price list"),
            row(.post, "/v1/accounts/{account}/payment-methods", .creditManagers, json: empty, allowed: 422, "no card"),
            row(.get, "/v1/accounts/{account}/payment-methods", .creditManagers, allowed: 200, "the saved cards"),
            row(
                .get,
                "/v1/accounts/{account}/payment-methods/{id}",
                .creditManagers,
                ids: ["id": fixture.paymentMethod],
                allowed: 200,
                "the card saved at set-up"
            ),
            row(
                .delete,
                "/v1/accounts/{account}/payment-methods/{id}",
                .creditManagers,
                ids: ["id": "pm_missing"],
                allowed: 404,
                "no such card: the saved one stays"
            ),
            row(.post, "/v1/accounts/{account}/purchases", .creditManagers, json: empty, allowed: 422, "no credits: nothing is charged"),
            row(.get, "/v1/accounts/{account}/purchases", .creditManagers, allowed: 200, "the purchases"),

            // Credit lots, grants, adjustments, refunds.
            row(.get, "/v1/accounts/{account}/lots", .reportReaders, allowed: 200, "the lot of the purchase made at set-up"),
            row(.post, "/v1/accounts/{account}/grants", .operatorOnly, json: empty, allowed: 422, "no credits or reason: nothing is granted"),
            row(
                .post,
                "/v1/accounts/{account}/adjustments",
                .operatorOnly,
                json: empty,
                allowed: 422,
                "no credits or reason: nothing is adjusted"
            ),
            row(
                .post,
                "/v1/accounts/{account}/purchases/{id}/refunds",
                .refunders,
                ids: ["id": "pur_missing"],
                json: #"{"credits":1}"#,
                allowed: 404,
                "no such purchase: nothing is refunded"
            ),

            // Metered features.
            row(.post, "/v1/accounts/{account}/validations/email", .featureCallers, json: empty, allowed: 422, "no email: nothing is charged"),
            row(.post, "/v1/accounts/{account}/validations/phone", .featureCallers, json: empty, allowed: 422, "no phone: nothing is charged"),
            row(.post, "/v1/accounts/{account}/credit-checks", .featureCallers, json: empty, allowed: 422, "no kind: nothing is charged"),
            row(.post, "/v1/accounts/{account}/sms", .featureCallers, json: empty, allowed: 422, "no destination: nothing is sent"),
            row(.post, "/v1/sms/quote", .anyPrincipal, json: empty, allowed: 422, "no destination to price"),
            row(.post, "/v1/accounts/{account}/holds", .featureCallers, json: empty, allowed: 422, "no feature: nothing is held"),
            row(
                .get,
                "/v1/accounts/{account}/holds/{id}",
                .featureCallers,
                ids: ["id": fixture.hold],
                allowed: 200,
                "the hold made at set-up"
            ),
            row(
                .post,
                "/v1/accounts/{account}/holds/{id}/capture",
                .featureCallers,
                ids: ["id": fixture.hold],
                json: #"{"credits":5}"#,
                allowed: 422,
                "5 credits of a 1-credit hold: nothing is captured"
            ),
            row(
                .post,
                "/v1/accounts/{account}/holds/{id}/release",
                .featureCallers,
                ids: ["id": "hold_missing"],
                allowed: 404,
                "no such hold: nothing is released"
            ),

            // Events, usage guard, notifications.
            row(
                .get,
                "/v1/accounts/{account}/events/{event}",
                .featureCallers,
                ids: ["event": Fixture.event],
                allowed: 200,
                "the event configured at set-up"
            ),
            row(
                .put,
                "/v1/accounts/{account}/events/{event}",
                .creditManagers,
                ids: ["event": Fixture.event],
                json: empty,
                allowed: 422,
                "no name: the configuration stays"
            ),
            row(
                .post,
                "/v1/accounts/{account}/events/{event}/leads",
                .featureCallers,
                ids: ["event": Fixture.event],
                json: empty,
                allowed: 422,
                "the event validates emails and the lead has none: nothing is charged"
            ),
            row(.get, "/v1/accounts/{account}/usage-guard", .featureCallers, allowed: 200, "the guard's settings"),
            row(.put, "/v1/accounts/{account}/usage-guard", .creditManagers, json: empty, allowed: 422, "no settings: the guard stays"),
            row(.post, "/v1/accounts/{account}/usage-guard/resume", .creditManagers, allowed: 200, "the guard is not paused: nothing changes"),
            row(.get, "/v1/accounts/{account}/notifications", .creditManagers, allowed: 200, "the notifications"),

            // Auto-recharge and webhooks.
            row(.put, "/v1/accounts/{account}/auto-recharge", .creditManagers, json: empty, allowed: 422, "no settings: auto-recharge stays off"),
            row(.get, "/v1/accounts/{account}/alerts", .reportReaders, allowed: 200, "the balance alerts"),
            row(.put, "/v1/accounts/{account}/alerts", .creditManagers, json: empty, allowed: 422, "no thresholds: the alerts stay"),
            row(.get, "/v1/accounts/{account}/spend-caps", .reportReaders, allowed: 200, "the spend caps"),
            row(.put, "/v1/accounts/{account}/spend-caps", .creditManagers, json: empty, allowed: 422, "no caps: the caps stay"),
            row(.post, "/v1/accounts/{account}/webhooks", .creditManagers, json: empty, allowed: 422, "no url: no endpoint is made"),
            row(.get, "/v1/accounts/{account}/webhooks", .creditManagers, allowed: 200, "the endpoints"),
            row(
                .delete,
                "/v1/accounts/{account}/webhooks/{id}",
                .creditManagers,
                ids: ["id": "wh_missing"],
                allowed: 404,
                "no such endpoint: the real one stays"
            ),
            row(
                .get,
                "/v1/accounts/{account}/webhooks/{id}/deliveries",
                .creditManagers,
                ids: ["id": fixture.webhook],
                allowed: 200,
                "the deliveries of the endpoint made at set-up"
            ),

            // Usage, logs and the ledger.
            row(.get, "/v1/accounts/{account}/usage", .reportReaders, allowed: 200, "the last 30 days"),
            row(.get, "/v1/accounts/{account}/logs/{log}", .reportReaders, ids: ["log": "sms"], allowed: 200, "the SMS log"),
            row(.get, "/v1/accounts/{account}/ledger", .reportReaders, allowed: 200, "the ledger"),
            row(
                .get,
                "/v1/accounts/{account}/ledger/{id}",
                .reportReaders,
                ids: ["id": fixture.ledgerEntry],
                allowed: 200,
                "the purchase's entry explained"
            ),
        ]
    }

    // MARK: Callers and rules

    /// Everyone who may knock: the account's people and key, another account's, the
    /// operator, and credentials that are missing, made up or no longer valid.
    enum Caller: String, CaseIterable, Sendable, CustomStringConvertible {
        case `operator`
        case owner
        case superAdmin = "super admin"
        case admin
        case member
        case apiKey = "the account's API key"
        case otherOwner = "another account's owner"
        case otherAPIKey = "another account's API key"
        case revokedAPIKey = "a revoked API key"
        case endedSession = "an ended session"
        case noToken = "no token"
        case garbageToken = "a garbage token"

        var description: String { rawValue }

        /// A token Tally does not know (or no longer knows): refused before any route runs.
        var isUnknownCredential: Bool {
            switch self {
            case .revokedAPIKey, .endedSession, .garbageToken: true
            default: false
            }
        }

        /// A principal of the account whose paths the matrix calls.
        var belongsToTheAccount: Bool {
            switch self {
            case .owner, .superAdmin, .admin, .member, .apiKey: true
            default: false
            }
        }
    }

    /// Who an operation is for, as API.md's "who" column says.
    enum Access: Sendable {
        /// Public: no token needed (a token that is sent must still be valid).
        case anyone
        /// Any valid principal: the operator, any person, any API key.
        case anyPrincipal
        /// A person logged in: logging out.
        case sessionHolder
        /// The operator of the installation.
        case operatorOnly
        /// The account's owner and super admins: credit management.
        case creditManagers
        /// The account's owner, super admins and API keys: metered features, the wallet.
        case featureCallers
        /// The account's owner, super admins and API keys: usage, logs and the ledger.
        case reportReaders
        /// The operator, and the account's owner and super admins: refunds of purchases.
        case refunders

        var allowed: Set<Caller> {
            switch self {
            case .anyone:
                return [.operator, .owner, .superAdmin, .admin, .member, .apiKey, .otherOwner, .otherAPIKey, .noToken]
            case .anyPrincipal:
                return [.operator, .owner, .superAdmin, .admin, .member, .apiKey, .otherOwner, .otherAPIKey]
            case .sessionHolder:
                return [.owner, .superAdmin, .admin, .member, .otherOwner]
            case .operatorOnly:
                return [.operator]
            case .creditManagers:
                return [.owner, .superAdmin]
            case .refunders:
                return [.operator, .owner, .superAdmin]
            case .featureCallers, .reportReaders:
                return [.owner, .superAdmin, .apiKey]
            }
        }

        /// Whether the operation belongs to one account (its path has `{account}` and the
        /// route checks the caller against it).
        var isAccountScoped: Bool {
            switch self {
            case .creditManagers, .featureCallers, .reportReaders, .refunders: true
            case .anyone, .anyPrincipal, .sessionHolder, .operatorOnly: false
            }
        }
    }

    /// One operation of the matrix and the one request each caller sends to it.
    struct Row: Sendable {
        let method: HTTPRequest.Method
        /// The path as the OpenAPI document writes it.
        let template: String
        let access: Access
        /// The path called: the template with the fixture's ids.
        let path: String
        let json: String?
        /// What an allowed caller gets for this request.
        let allowedStatus: Int
        /// Why an allowed caller gets `allowedStatus`.
        let why: String
        /// The call ends the caller's session: allowed people call it with a session of its own.
        let endsTheCallersSession: Bool

        var operation: String { "\(method.rawValue) \(template)" }

        func expectedStatus(for caller: Caller) -> Int {
            // The authentication middleware refuses a token it does not know before any route runs.
            if caller.isUnknownCredential { return 401 }
            if access.allowed.contains(caller) { return allowedStatus }
            if caller == .noToken { return 401 }
            switch access {
            case .anyone, .anyPrincipal:
                return allowedStatus  // every principal is allowed: not reached
            case .operatorOnly:
                // Not scoped to one account: every principal but the operator is refused for its role.
                return 403
            case .sessionHolder:
                // Logging out needs a session token: the operator's token or a key is a wrong Authorization field.
                return 422
            case .creditManagers, .featureCallers, .reportReaders, .refunders:
                // Another account's resources: 404, so nothing leaks. The operator sees every
                // account: told what it may not do (the refunds allow it).
                return caller.belongsToTheAccount || caller == .operator ? 403 : 404
            }
        }

        /// Whether the caller is refused as "not yours" (404 "no account"), not for its role.
        func refusesAsNotYours(_ caller: Caller) -> Bool {
            !caller.isUnknownCredential && caller != .noToken && caller != .operator && !access.allowed.contains(caller)
                && access.isAccountScoped && !caller.belongsToTheAccount
        }

        /// Why `caller` should get `expectedStatus(for:)`, for failure messages.
        func reason(for caller: Caller) -> String {
            if caller.isUnknownCredential { return "a token Tally does not know" }
            if access.allowed.contains(caller) { return "allowed; \(why)" }
            if caller == .noToken { return "no credentials" }
            if refusesAsNotYours(caller) { return "not this caller's account" }
            return access == .sessionHolder ? "not a session token" : "role not allowed"
        }
    }

    // MARK: Set-up

    /// Ids the rows call that must exist.
    struct Fixture: Sendable {
        var account: String
        var paymentMethod: String
        var webhook: String
        var hold: String
        /// The ledger entry of the credits bought at set-up.
        var ledgerEntry: String
        /// An event configured at set-up, with email validation on.
        static let event = "matrix"
        /// For checking the table's shape without a server.
        static let placeholder = Fixture(
            account: "acct_placeholder",
            paymentMethod: "pm_placeholder",
            webhook: "wh_placeholder",
            hold: "hold_placeholder",
            ledgerEntry: "led_placeholder"
        )
    }

    struct Login: Sendable {
        let email: String
        let password: String
    }

    /// Each caller's token (none for `.noToken`), and how each person logs in again.
    struct Principals: Sendable {
        var tokens: [Caller: String] = [:]
        var logins: [Caller: Login] = [:]
    }

    /// Two accounts with their people and keys; the revoked key and the ended session are
    /// made dead before the matrix runs; a card, an endpoint, an event and a hold for the
    /// rows that read one.
    static func setUp(_ harness: Harness) async throws -> (Fixture, Principals) {
        var principals = Principals()
        principals.tokens[.operator] = Harness.operatorToken
        principals.tokens[.garbageToken] = "garbage-\(UUID().uuidString)"

        // `makeAccount` gives its owner this password.
        let ownerLogin = Login(email: email("owner"), password: "correct horse")
        let account = try await harness.makeAccount(owner: ownerLogin.email)
        principals.tokens[.owner] = account.ownerToken
        principals.logins[.owner] = ownerLogin
        let roles: [(Caller, String)] = [(.superAdmin, "super_admin"), (.admin, "admin"), (.member, "member")]
        for (caller, role) in roles {
            let login = Login(email: email(role), password: "password-123")
            let added = try await account.post(
                "/users",
                #"{"email":"\#(login.email)","name":"Pat","role":"\#(role)","password":"\#(login.password)"}"#
            )
            try #require(added.status == 201, "adding a \(role): \(added)")
            principals.logins[caller] = login
            principals.tokens[caller] = try await harness.login(login.email, login.password)
        }
        principals.tokens[.apiKey] = try await account.apiKey()

        let otherLogin = Login(email: email("other-owner"), password: "correct horse")
        let other = try await harness.makeAccount(owner: otherLogin.email)
        principals.tokens[.otherOwner] = other.ownerToken
        principals.logins[.otherOwner] = otherLogin
        principals.tokens[.otherAPIKey] = try await other.apiKey()

        // A key of the account, revoked now (the account's live key stays).
        let revoked = try await account.post("/api-keys", #"{"name":"revoked"}"#)
        try #require(revoked.status == 201, "creating the key to revoke: \(revoked)")
        let revokedID = try revoked.string("id")
        let revocation = try await harness.call(.delete, "/v1/accounts/\(account.id)/api-keys/\(revokedID)", token: account.ownerToken)
        try #require(revocation.status == 204, "revoking: \(revocation)")
        principals.tokens[.revokedAPIKey] = try revoked.string("key")

        // A second session of the owner, ended now (the first stays).
        let ended = try await harness.login(ownerLogin.email, ownerLogin.password)
        let logout = try await harness.call(.delete, "/v1/sessions", token: ended)
        try #require(logout.status == 204, "logging out: \(logout)")
        principals.tokens[.endedSession] = ended

        let paymentMethod = try await account.saveCard()
        let webhook = try await account.post("/webhooks", #"{"url":"http://127.0.0.1:9/matrix"}"#)
        try #require(webhook.status == 201, "adding a webhook: \(webhook)")
        let webhookID = try webhook.string("id")
        let event = try await harness.call(
            .put,
            "/v1/accounts/\(account.id)/events/\(Fixture.event)",
            token: account.ownerToken,
            json: #"{"name":"Matrix","emailValidation":true}"#
        )
        try #require(event.status == 200, "configuring the event: \(event)")
        let bought = try await account.buy(100)
        try #require(bought.status == 201, "buying credits for the hold: \(bought)")
        let hold = try await account.post("/holds", #"{"feature":"matrix","credits":1}"#)
        try #require(hold.status == 201, "holding a credit: \(hold)")
        let holdID = try hold.string("id")
        let ledger = try await account.get("/ledger").items()
        let entry = try #require(ledger.first { $0["kind"] as? String == "purchase" }?["id"] as? String)

        let fixture = Fixture(account: account.id, paymentMethod: paymentMethod, webhook: webhookID, hold: holdID, ledgerEntry: entry)
        return (fixture, principals)
    }

    static func email(_ who: String) -> String {
        "matrix-\(who)-\(UUID().uuidString.prefix(8))@example.com".lowercased()
    }

    static func excerpt(_ body: String) -> String {
        body.count > 600 ? String(body.prefix(600)) + "…" : body
    }
}
