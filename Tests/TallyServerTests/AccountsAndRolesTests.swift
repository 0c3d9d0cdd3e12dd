import Foundation
import TallyApp
import Testing

/// SPEC "Accounts, people and roles" and API.md's auth conventions.
@Suite("Accounts, people and roles")
struct AccountsAndRolesTests {
    @Test func onlyTheOperatorCreatesAccounts() async throws {
        try await Harness.run { harness in
            let body = #"{"name":"A","owner":{"email":"a@example.com","name":"A","password":"password-1"}}"#
            #expect(try await harness.call(.post, "/v1/accounts", json: body).status == 401)
            #expect(try await harness.call(.post, "/v1/accounts", token: "wrong", json: body).status == 401)
            let account = try await harness.makeAccount()
            let denied = try await harness.call(.post, "/v1/accounts", token: account.ownerToken, json: body)
            #expect(denied.status == 403)
            #expect(denied.contentType == "application/problem+json")
        }
    }

    @Test func ownerAndSuperAdminsManageCreditsOthersGet403() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let superAdmin = try await account.person("super_admin")
            let admin = try await account.person("admin")
            let member = try await account.person("member")
            let key = try await account.apiKey()
            for token in [account.ownerToken, superAdmin] {
                #expect(try await account.wallet(token: token).status == 200)
                #expect(try await harness.call(.get, "/v1/accounts/\(account.id)/purchases", token: token).status == 200)
            }
            for token in [admin, member] {
                #expect(try await account.wallet(token: token).status == 403)
                let purchase = try await harness.call(
                    .post,
                    "/v1/accounts/\(account.id)/purchases",
                    token: token,
                    json: #"{"credits":100,"card":{"number":"4242424242424242","expMonth":12,"expYear":2035,"cvc":"123"}}"#
                )
                #expect(purchase.status == 403)
                #expect(try await harness.call(.get, "/v1/accounts/\(account.id)/payment-methods", token: token).status == 403)
            }
            // The platform's API key reads the wallet but cannot buy or change billing.
            #expect(try await account.wallet(token: key).status == 200)
            #expect(try await harness.call(.get, "/v1/accounts/\(account.id)/purchases", token: key).status == 403)
            #expect(try await harness.call(.post, "/v1/accounts/\(account.id)/api-keys", token: key, json: #"{"name":"x"}"#).status == 403)
        }
    }

    @Test func anotherAccountsResourcesAre404() async throws {
        try await Harness.run { harness in
            let mine = try await harness.makeAccount()
            let theirs = try await harness.makeAccount()
            let reply = try await mine.wallet(token: theirs.ownerToken)
            #expect(reply.status == 404)
            #expect(try await harness.call(.get, "/v1/accounts/\(mine.id)/ledger", token: theirs.ownerToken).status == 404)
        }
    }

    @Test func anAccountHasExactlyOneOwner() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let reply = try await harness.call(
                .post,
                "/v1/accounts/\(account.id)/users",
                token: account.ownerToken,
                json: #"{"email":"second@example.com","name":"B","role":"owner","password":"password-1"}"#
            )
            #expect(reply.status == 422)
            #expect(try reply.errorFields() == ["role"])
            let unknownRole = try await harness.call(
                .post,
                "/v1/accounts/\(account.id)/users",
                token: account.ownerToken,
                json: #"{"email":"second@example.com","name":"B","role":"boss","password":"password-1"}"#
            )
            #expect(unknownRole.status == 422)
            #expect(try unknownRole.errorFields() == ["role"])
            #expect(try unknownRole.string("detail") == "role must be one of: owner, super_admin, admin, member")
        }
    }

    @Test func wrongPasswordsAndUnknownPeopleCannotLogIn() async throws {
        try await Harness.run { harness in
            _ = try await harness.makeAccount(owner: "olive@example.com")
            let wrong = try await harness.call(
                .post,
                "/v1/sessions",
                json: #"{"email":"olive@example.com","password":"not it"}"#
            )
            #expect(wrong.status == 401)
            #expect(try wrong.string("detail") == "wrong email or password")
            let nobody = try await harness.call(
                .post,
                "/v1/sessions",
                json: #"{"email":"nobody@example.com","password":"correct horse"}"#
            )
            #expect(nobody.status == 401)
            #expect(try nobody.string("detail") == "wrong email or password")
            let right = try await harness.call(
                .post,
                "/v1/sessions",
                json: #"{"email":"Olive@Example.com","password":"correct horse"}"#
            )
            #expect(right.status == 201)
        }
    }

    @Test func tenWrongPasswordsLockTheEmailForAWhile() async throws {
        let clock = ManualTime(Date(timeIntervalSince1970: 1_790_000_000))
        try await Harness.run(time: clock) { harness in
            _ = try await harness.makeAccount(owner: "olive@example.com")
            for _ in 0..<10 {
                let wrong = try await harness.call(.post, "/v1/sessions", json: #"{"email":"olive@example.com","password":"guess"}"#)
                #expect(wrong.status == 401)
            }
            let right = #"{"email":"olive@example.com","password":"correct horse"}"#
            let locked = try await harness.call(.post, "/v1/sessions", json: right)
            #expect(locked.status == 429)
            #expect(locked.contentType == "application/problem+json")
            #expect(locked.retryAfter == "900")
            clock.advance(seconds: 901)
            #expect(try await harness.call(.post, "/v1/sessions", json: right).status == 201)
        }
    }

    /// The attempt is counted before the password is checked: guesses sent all at once
    /// cannot outrun the limit, and the right password is then locked out too.
    @Test func thirtyOneConcurrentWrongPasswordsGetAtMostTenTries() async throws {
        try await Harness.run(passwords: PasswordHasher(cost: 4, maximumConcurrent: 64)) { harness in
            _ = try await harness.makeAccount(owner: "olive@example.com")
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for _ in 0..<31 {
                    group.addTask {
                        try await harness.callOnNewConnection(
                            .post,
                            "/v1/sessions",
                            json: #"{"email":"olive@example.com","password":"guess"}"#
                        )
                    }
                }
                return try await group.reduce(into: [Reply]()) { $0.append($1) }
            }
            #expect(replies.filter { $0.status == 401 }.count == 10)
            let locked = replies.filter { $0.status == 429 }
            #expect(locked.count == 21)
            #expect(locked.allSatisfy { $0.retryAfter.flatMap(Int.init).map { (1...900).contains($0) } == true })
            let right = try await harness.call(.post, "/v1/sessions", json: #"{"email":"olive@example.com","password":"correct horse"}"#)
            #expect(right.status == 429)
        }
    }

    /// One address sending logins faster than people type is slowed: past its burst, a
    /// login is held a second and answered 429, so a client waiting for its answers slows
    /// down instead of being refused as fast as it asks. Other addresses go ahead at once.
    @Test func aSenderOfTooManyLoginsIsSlowedAndNoOneElse() async throws {
        // Three in a row, then one a minute: the fourth is slowed however slow the machine.
        let throttle = LoginRateLimit(interval: .seconds(60), burst: 3, penalty: .milliseconds(500))
        try await Harness.run(loginRateLimit: throttle) { harness in
            for index in 0..<3 {
                let reply = try await harness.call(.post, "/v1/sessions", json: #"{"email":"n\#(index)@example.com","password":"guess"}"#)
                #expect(reply.status == 401, "\(reply)")
            }
            let started = ContinuousClock.now
            let slowed = try await harness.call(.post, "/v1/sessions", json: #"{"email":"late@example.com","password":"guess"}"#)
            #expect(slowed.status == 429, "\(slowed)")
            #expect(slowed.retryAfter == "1", "\(slowed)")
            #expect(try slowed.string("detail").contains("too many logins from this address"))
            #expect(ContinuousClock.now - started >= throttle.penalty)
            // The throttle is per address: another sender is not held.
            let other = LoginRateLimit(interval: .seconds(60), burst: 3)
            for _ in 0..<3 { try await other.admit("192.0.2.1") }
            await #expect(throws: TallyError.self) { try await other.admit("192.0.2.1") }
            let started2 = ContinuousClock.now
            try await other.admit("192.0.2.2")
            #expect(ContinuousClock.now - started2 < other.penalty)
        }
    }

    /// bcrypt runs on a pool of its own, a few at a time: a flood of logins is answered
    /// 429 rather than queued on the threads that serve every other request.
    @Test func aFloodOfLoginsIsRefusedNotQueued() async throws {
        try await Harness.run(passwords: PasswordHasher(cost: 12, maximumConcurrent: 1)) { harness in
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for index in 0..<6 {
                    group.addTask {
                        try await harness.callOnNewConnection(
                            .post,
                            "/v1/sessions",
                            json: #"{"email":"nobody\#(index)@example.com","password":"guess"}"#
                        )
                    }
                }
                return try await group.reduce(into: [Reply]()) { $0.append($1) }
            }
            #expect(replies.allSatisfy { $0.status == 401 || $0.status == 429 })
            let busy = replies.filter { $0.status == 429 }
            #expect(!busy.isEmpty)
            #expect(busy.allSatisfy { $0.retryAfter == "1" })
            #expect(try await harness.call(.get, "/health").status == 200)
        }
    }

    @Test func aRevokedAPIKeyStopsWorkingAtOnce() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let key = try await account.apiKey()
            #expect(try await account.wallet(token: key).status == 200)
            let keys = try await account.get("/api-keys").items()
            #expect(keys.count == 1 && keys.first?["key"] == nil)
            let id = try #require(keys.first?["id"] as? String)
            let admin = try await account.person("admin")
            #expect(try await harness.call(.delete, "/v1/accounts/\(account.id)/api-keys/\(id)", token: admin).status == 403)
            #expect(try await harness.call(.delete, "/v1/accounts/\(account.id)/api-keys/\(id)", token: account.ownerToken).status == 204)
            #expect(try await account.wallet(token: key).status == 401)
            #expect(try await account.get("/api-keys").items().isEmpty)
            #expect(try await harness.call(.delete, "/v1/accounts/\(account.id)/api-keys/\(id)", token: account.ownerToken).status == 404)
        }
    }

    @Test func loggingOutEndsTheSession() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            #expect(try await account.wallet().status == 200)
            #expect(try await harness.call(.delete, "/v1/sessions", token: account.ownerToken).status == 204)
            #expect(try await account.wallet().status == 401)
        }
    }

    @Test func theOperatorVerifiesUSBusinessEntities() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            let reply = try await harness.call(
                .post,
                "/v1/accounts/\(account.id)/verification",
                token: Harness.operatorToken,
                json: #"{"usBusinessEntity":true}"#
            )
            #expect(reply.status == 200)
            #expect(try reply.object["usBusinessEntity"] as? Bool == true)
            let missing = try await harness.call(
                .post,
                "/v1/accounts/acct_missing/verification",
                token: Harness.operatorToken,
                json: #"{"usBusinessEntity":true}"#
            )
            #expect(missing.status == 404)
            let byOwner = try await harness.call(
                .post,
                "/v1/accounts/\(account.id)/verification",
                token: account.ownerToken,
                json: #"{"usBusinessEntity":true}"#
            )
            #expect(byOwner.status == 403)
        }
    }

    @Test func anEmailBelongsToOnePerson() async throws {
        try await Harness.run { harness in
            _ = try await harness.makeAccount(owner: "taken@example.com")
            let again = try await harness.call(
                .post,
                "/v1/accounts",
                token: Harness.operatorToken,
                json: #"{"name":"B","owner":{"email":"taken@example.com","name":"B","password":"password-1"}}"#
            )
            // A conflict with another person, not a malformed field.
            #expect(again.status == 409)
            #expect(try again.string("detail") == "owner.email is already used by another person")
            let account = try await harness.makeAccount()
            let person = try await account.post(
                "/users",
                #"{"email":"taken@example.com","name":"C","role":"member","password":"password-1"}"#
            )
            #expect(person.status == 409)
            #expect(try person.string("detail") == "email is already used by another person")
        }
    }
}
