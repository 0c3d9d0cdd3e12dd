import Foundation
import TallyCore
import TallyStore

/// Accounts, their people and API keys, and who a bearer token belongs to.
public struct Accounts: Sendable {
    let store: any Store
    let time: any TimeSource
    let ids: any IDSource
    let passwords: PasswordHasher
    let operatorToken: String?
    let rateLimit: LoginRateLimit
    /// A hash of a random password, checked for unknown emails.
    let unknownUserHash: String

    /// Ten wrong passwords for one email from one address lock that address out of it
    /// until 15 minutes after the first; past ten from all addresses together, every login
    /// for the email waits longer and the account is told: the rule is `LoginLock` (TallyCore).
    public static let maximumLoginFailures = LoginLock.maximumFailures
    public static let loginWindowSeconds = LoginLock.windowSeconds
    /// How long a login session lasts.
    public static let sessionSeconds: TimeInterval = 12 * 3600
    static let apiKeyPrefix = "tk_"
    /// Live API keys an account may have at once.
    public static let maximumAPIKeys = 50

    static let sessionPrefix = "ts_"

    // MARK: Requests and answers

    public struct NewPerson: Sendable, Codable {
        public var email: String
        public var name: String
        public var password: String

        public init(email: String, name: String, password: String) {
            self.email = email
            self.name = name
            self.password = password
        }
    }

    public struct NewAccount: Sendable, Codable {
        public var name: String
        public var owner: NewPerson

        public init(name: String, owner: NewPerson) {
            self.name = name
            self.owner = owner
        }
    }

    public struct NewUser: Sendable, Codable {
        public var email: String
        public var name: String
        public var role: Role
        public var password: String
    }

    public struct PersonView: Sendable, Codable, Equatable {
        public var id: UserID
        public var email: String
        public var name: String
        public var role: Role
        public var account: AccountID
    }

    public struct AccountView: Sendable, Codable, Equatable {
        public var id: AccountID
        public var name: String
        public var usBusinessEntity: Bool
        public var owner: PersonView?
    }

    public struct SessionView: Sendable, Codable, Equatable {
        public var token: String
        public var expiresAt: Date
        public var user: PersonView
    }

    public struct APIKeyView: Sendable, Codable, Equatable {
        public var id: APIKeyID
        public var name: String
        /// Shown once, when the key is created.
        public var key: String
    }

    // MARK: Operations

    /// Creates an account with its owner and an empty wallet. Operator only.
    public func createAccount(_ request: NewAccount, by principal: Principal) async throws -> AccountView {
        try principal.operatorOnly()
        var errors = [FieldError]()
        let name = Self.checkName(request.name, field: "name", errors: &errors)
        let owner = checkPerson(
            email: request.owner.email,
            name: request.owner.name,
            password: request.owner.password,
            prefix: "owner.",
            errors: &errors
        )
        guard errors.isEmpty else { throw TallyError.invalid(errors) }
        let now = time.now()
        let account = Account(id: AccountID(ids.make("acct")), name: name, createdAt: now)
        let user = User(
            id: UserID(ids.make("usr")),
            accountID: account.id,
            email: owner.email,
            name: owner.name,
            role: .owner,
            passwordHash: try await passwords.hash(request.owner.password),
            createdAt: now
        )
        do {
            try await store.createAccount(account, owner: user)
        } catch StoreError.duplicate(field: "email") {
            throw TallyError.conflict("owner.email is already used by another person")
        }
        return AccountView(id: account.id, name: name, usBusinessEntity: false, owner: view(user))
    }

    /// Records whether the account is verified as a US business entity. Operator only.
    public func setVerification(
        _ verified: Bool,
        account: AccountID,
        by principal: Principal
    ) async throws
        -> AccountView
    {
        try principal.operatorOnly()
        guard try await store.setUSBusinessEntity(verified, account: account),
            let stored = try await store.account(account)
        else { throw TallyError.notFound("no account \(account)") }
        return AccountView(id: stored.id, name: stored.name, usBusinessEntity: stored.usBusinessEntity, owner: nil)
    }

    /// Logs a person in with email and password: a bearer token for the API and the web pages.
    /// `address` is the sender's network address: one that sends logins too fast is slowed,
    /// and one that guessed an email's password ten times is locked out of that email.
    public func login(email: String, password: String, from address: String? = nil) async throws -> SessionView {
        try await rateLimit.admit(address)
        let normalized = email.trimmingCharacters(in: .whitespaces).lowercased()
        // No account's email holds a space, and the address's own count is keyed by the
        // email, a space and the address: such an "email" must never reach a count.
        guard !normalized.isEmpty, !normalized.contains(where: \.isWhitespace) else { throw TallyError.wrongCredentials }
        let now = time.now()
        // Every address's attempts at this email, counted before anything waits: past ten
        // in the window each login waits longer, and the account hears of it once.
        let everyone = try await store.countLoginAttempts(key: normalized, at: now, windowSeconds: Self.loginWindowSeconds)
        if everyone == Self.maximumLoginFailures { try await notifyGuessing(normalized, at: now) }
        try await rateLimit.hold(
            for: LoginLock.guessingDelay(
                attempts: everyone,
                freeAttempts: Self.maximumLoginFailures,
                base: rateLimit.guessingBase,
                cap: rateLimit.guessingCap
            )
        )
        let ownKey = Self.loginKey(email: normalized, address: address)
        let user = try await passwords.admitted {
            // This address's attempt is counted in the database before the password is
            // checked, so concurrent guesses (from any number of Tally processes) cannot
            // outrun its limit; other addresses are not locked by it.
            let attempt = try await store.countLoginAttempt(
                email: ownKey,
                at: now,
                windowSeconds: Self.loginWindowSeconds,
                maximum: Self.maximumLoginFailures
            )
            if case .locked(let seconds) = attempt { throw TallyError.loginLocked(retryAfterSeconds: seconds) }
            let user = try await store.user(email: normalized)
            // An unknown email costs the same bcrypt work, so timing does not tell who has an account.
            let verified = try await passwords.verifyAdmitted(password, hash: user?.passwordHash ?? unknownUserHash)
            guard let user, verified else { throw TallyError.wrongCredentials }
            // The right password starts both counts again: logging in often is not guessing.
            try await store.clearLoginAttempts(email: ownKey)
            try await store.clearLoginAttempts(email: normalized)
            return user
        }
        let token = Self.sessionPrefix + Secrets.base32(byteCount: 32)
        let expires = now.addingTimeInterval(Self.sessionSeconds)
        try await store.createSession(
            Session(tokenHash: token.sha256Hex, userID: user.id, accountID: user.accountID, createdAt: now, expiresAt: expires)
        )
        return SessionView(token: token, expiresAt: expires, user: view(user))
    }

    /// The key of one address's attempts at one email.
    static func loginKey(email: String, address: String?) -> String {
        email + " " + (address ?? "unknown")
    }

    /// Tells the account of the person with `email` that someone is guessing their password.
    func notifyGuessing(_ email: String, at now: Date) async throws {
        guard let user = try await store.user(email: email) else { return }
        let minutes = Self.loginWindowSeconds / 60
        let notification = Notification(
            id: ids.make("ntf"),
            accountID: user.accountID,
            kind: .loginGuessing,
            message:
                "Someone may be guessing the password of \(email): \(Self.maximumLoginFailures) logins for it within \(minutes) minutes without the right password since the last one that had it. Logins for it are slowed down and an address that gives a wrong password \(Self.maximumLoginFailures) times is locked out of it; the right password still works.",
            data: #"{"email":\#(Self.jsonString(email)),"attempts":\#(Self.maximumLoginFailures),"windowSeconds":\#(Self.loginWindowSeconds)}"#,
            createdAt: now
        )
        _ = try await store.commit(
            WalletTransaction(accountID: user.accountID, postings: [], records: [.notification(notification)], request: nil, at: now)
        )
    }

    static func jsonString(_ text: String) -> String {
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Adds a person to the account. Owner and super admins only; an account has one owner.
    public func addUser(_ request: NewUser, by manager: CreditManager) async throws -> PersonView {
        var errors = [FieldError]()
        let person = checkPerson(
            email: request.email,
            name: request.name,
            password: request.password,
            prefix: "",
            errors: &errors
        )
        if request.role == .owner {
            errors.append(FieldError("role", "an account has exactly one owner; use super_admin, admin or member"))
        }
        guard errors.isEmpty else { throw TallyError.invalid(errors) }
        let user = User(
            id: UserID(ids.make("usr")),
            accountID: manager.accountID,
            email: person.email,
            name: person.name,
            role: request.role,
            passwordHash: try await passwords.hash(request.password),
            createdAt: time.now()
        )
        do {
            try await store.createUser(user)
        } catch StoreError.duplicate(field: "email") {
            throw TallyError.conflict("email is already used by another person")
        }
        return view(user)
    }

    /// Creates an API key for the platform's backend; the key is shown once.
    public func createAPIKey(name: String, by manager: CreditManager) async throws -> APIKeyView {
        var errors = [FieldError]()
        let name = Self.checkName(name, field: "name", errors: &errors)
        if try await store.apiKeys(account: manager.accountID).count >= Self.maximumAPIKeys {
            errors.append(FieldError("name", "an account has at most \(Self.maximumAPIKeys) live API keys; revoke one first"))
        }
        guard errors.isEmpty else { throw TallyError.invalid(errors) }
        let (record, key) = Self.newAPIKey(id: APIKeyID(ids.make("key")), account: manager.accountID, name: name, at: time.now())
        try await store.createAPIKey(record)
        return APIKeyView(id: record.id, name: name, key: key)
    }

    /// A new API key: the record to store (the key's hash, never the key) and the key,
    /// to be shown once.
    public static func newAPIKey(id: APIKeyID, account: AccountID, name: String, at: Date) -> (record: APIKey, key: String) {
        let key = apiKeyPrefix + Secrets.base32(byteCount: 32)
        return (APIKey(id: id, accountID: account, name: name, keyHash: key.sha256Hex, createdAt: at), key)
    }

    public struct APIKeySummary: Sendable, Codable, Equatable {
        public var id: APIKeyID
        public var name: String
        public var createdAt: Date
    }

    /// The account's live API keys; the keys themselves are never shown again.
    public func apiKeys(of manager: CreditManager) async throws -> [APIKeySummary] {
        try await store.apiKeys(account: manager.accountID).map { APIKeySummary(id: $0.id, name: $0.name, createdAt: $0.createdAt) }
    }

    /// Revokes an API key at once, for good: a leaked key stops working.
    public func revokeAPIKey(_ id: APIKeyID, by manager: CreditManager) async throws {
        guard try await store.revokeAPIKey(id, account: manager.accountID, at: time.now()) else {
            throw TallyError.notFound("no API key \(id)")
        }
    }

    /// Ends the session of a bearer token (logging out).
    public func logout(bearer token: String) async throws {
        guard token.hasPrefix(Self.sessionPrefix) else {
            throw TallyError.invalid("Authorization", "must carry a session token to log out")
        }
        try await store.deleteSession(tokenHash: token.sha256Hex)
    }

    /// Who a bearer token belongs to, or `nil` when it is nobody's. An API key comes with
    /// `idempotencyKey` looked up in its account in the same read, when there is one.
    public func authenticate(bearer token: String, idempotencyKey: String?) async throws -> (Principal, KeyLookedUp?)? {
        guard let idempotencyKey, token.hasPrefix(Self.apiKeyPrefix), !isOperator(token) else {
            return try await authenticate(bearer: token).map { ($0, nil) }
        }
        guard let (key, lookup) = try await store.apiKey(keyHash: token.sha256Hex, lookingUp: idempotencyKey) else { return nil }
        return (.apiKey(key), KeyLookedUp(account: key.accountID, key: idempotencyKey, lookup: lookup))
    }

    private func isOperator(_ token: String) -> Bool {
        guard let operatorToken, !operatorToken.isEmpty else { return false }
        return Self.constantTimeEqual(token, operatorToken)
    }

    /// Who a bearer token belongs to, or `nil` when it is nobody's.
    public func authenticate(bearer token: String) async throws -> Principal? {
        if isOperator(token) { return .operator }
        if token.hasPrefix(Self.apiKeyPrefix) {
            return try await store.apiKey(keyHash: token.sha256Hex).map(Principal.apiKey)
        }
        if token.hasPrefix(Self.sessionPrefix) {
            return try await store.user(sessionTokenHash: token.sha256Hex, now: time.now()).map(Principal.user)
        }
        return nil
    }

    // MARK: Checks

    static let maximumNameLength = 200

    static func checkName(_ name: String, field: String, errors: inout [FieldError]) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty {
            errors.append(FieldError(field, "must not be empty"))
        } else if trimmed.unicodeScalars.count > maximumNameLength {
            errors.append(FieldError(field, "must be at most \(maximumNameLength) characters"))
        }
        return trimmed
    }

    func checkPerson(
        email: String,
        name: String,
        password: String,
        prefix: String,
        errors: inout [FieldError]
    )
        -> (email: String, name: String)
    {
        let checkedName = Self.checkName(name, field: prefix + "name", errors: &errors)
        var checkedEmail = email
        switch EmailAddress.parse(email) {
        case .success(let address): checkedEmail = address.description.lowercased()
        case .failure(let error): errors.append(FieldError(prefix + "email", error.reason))
        }
        if password.count < 8 {
            errors.append(FieldError(prefix + "password", "must be at least 8 characters"))
        } else if password.utf8.count > 72 {
            // bcrypt reads at most 72 bytes; a longer password would be silently cut.
            errors.append(FieldError(prefix + "password", "must be at most 72 bytes"))
        }
        return (checkedEmail, checkedName)
    }

    func view(_ user: User) -> PersonView {
        PersonView(id: user.id, email: user.email, name: user.name, role: user.role, account: user.accountID)
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

extension TallyError {
    /// A login with a wrong email or password; which one is not said.
}
