import TallyCore
import TallyStore

/// Who is calling: the operator, a person of an account, or an account API key.
public enum Principal: Sendable, Hashable {
    case `operator`
    case user(User)
    case apiKey(APIKey)

    /// The account the principal belongs to; the operator belongs to none.
    public var accountID: AccountID? {
        switch self {
        case .operator: nil
        case .user(let user): user.accountID
        case .apiKey(let key): key.accountID
        }
    }

    /// Proof that the caller manages the credits of `account`: its owner or a super admin.
    public func creditManager(of account: AccountID) throws(TallyError) -> CreditManager {
        let refusal = "only the owner and super admins of the account manage its credits"
        try belongs(to: account, refusal)
        guard case .user(let user) = self, user.role.managesCredits else { throw .forbidden(refusal) }
        return CreditManager(accountID: account, user: user)
    }

    /// Proof that the caller may run metered features of `account` and read its wallet:
    /// its API key, its owner or a super admin.
    public func featureCaller(of account: AccountID) throws(TallyError) -> FeatureCaller {
        let refusal = "only the account's API keys, owner and super admins use its credits"
        try belongs(to: account, refusal)
        switch self {
        case .apiKey: return FeatureCaller(accountID: account)
        case .user(let user) where user.role.managesCredits: return FeatureCaller(accountID: account)
        default: throw .forbidden(refusal)
        }
    }

    /// Proof that the caller may read the account's usage, logs and ledger: its owner,
    /// a super admin, or one of its API keys.
    public func reportReader(of account: AccountID) throws(TallyError) -> ReportReader {
        let refusal = "only the account's owner, super admins and API keys read its usage"
        try belongs(to: account, refusal)
        switch self {
        case .apiKey: return ReportReader(accountID: account)
        case .user(let user) where user.role.managesCredits: return ReportReader(accountID: account)
        default: throw .forbidden(refusal)
        }
    }

    /// Who may refund the account's purchases: the operator, its owner or a super admin.
    /// Answers who did it, as the audit trail names them.
    public func refunder(of account: AccountID) throws(TallyError) -> String {
        if self == .operator { return "operator" }
        return try creditManager(of: account).user.id.rawValue
    }

    /// Passes when the caller belongs to `account`. Another account's resources are 404,
    /// never 403, so their existence does not leak; the operator, who sees every account,
    /// is told what it may not do (403).
    private func belongs(to account: AccountID, _ refusal: String) throws(TallyError) {
        guard accountID != account else { return }
        if self == .operator { throw .forbidden(refusal) }
        throw .notFound("no account \(account)")
    }

    /// Proof that the caller is the operator of this installation.
    public func operatorOnly() throws(TallyError) {
        guard self == .operator else { throw .forbidden("only the operator of this installation may do this") }
    }
}

/// The owner or a super admin of an account: only they buy credits and change billing.
public struct CreditManager: Sendable, Hashable {
    public let accountID: AccountID
    public let user: User
}

/// A caller allowed to spend an account's credits on metered features.
public struct FeatureCaller: Sendable, Hashable {
    public let accountID: AccountID
}

/// A caller allowed to read an account's usage, logs and ledger.
public struct ReportReader: Sendable, Hashable {
    public let accountID: AccountID

    /// A credit manager reads everything a report reader does.
    public init(_ manager: CreditManager) {
        accountID = manager.accountID
    }

    /// For in-process tools that read on the account's behalf (the report benchmark);
    /// requests get theirs from `Principal.reportReader(of:)`.
    public init(accountID: AccountID) {
        self.accountID = accountID
    }
}
