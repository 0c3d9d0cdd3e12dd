import Hummingbird
import TallyApp
import TallyCore

/// The context of a request under `/v1/accounts/{account}`: its caller and the account of
/// its path, resolved once for the whole route group. A request with no credentials is
/// answered 401 here, before anything it asks is looked at.
///
/// The proofs the services take (`FeatureCaller`, `CreditManager`, `ReportReader`) are
/// still asked for by each route, since each route decides which callers it admits.
struct AccountRequestContext: ChildRequestContext {
    typealias ParentContext = TallyRequestContext

    var coreContext: CoreRequestContextStorage
    /// Who is calling.
    let caller: Principal
    /// The `{account}` of the path.
    let account: AccountID
    /// The client's IP address, as the connection shows it.
    let remoteAddress: String?
    /// The request's `Idempotency-Key`, looked up with its API key.
    let keyLookedUp: KeyLookedUp?

    var maxUploadSize: Int { TallyRequestContext.maximumBodyBytes }

    init(context: TallyRequestContext) throws {
        // The router has already matched the route: its path and parameters come along.
        coreContext = context.coreContext
        caller = try context.caller()
        account = AccountID(try context.parameters.require("account"))
        remoteAddress = context.remoteAddress
        keyLookedUp = context.keyLookedUp
    }

    /// The caller as one who may use the account's metered features.
    func featureCaller() throws(TallyError) -> FeatureCaller { try caller.featureCaller(of: account) }

    /// The caller as one who may spend the account's money and change its settings.
    func creditManager() throws(TallyError) -> CreditManager { try caller.creditManager(of: account) }

    /// The caller as one who may read the account's usage, logs and ledger.
    func reportReader() throws(TallyError) -> ReportReader { try caller.reportReader(of: account) }

    /// The caller as one who may refund the account's purchases: their user id.
    func refunder() throws(TallyError) -> String { try caller.refunder(of: account) }
}
