import Hummingbird
import TallyApp
import TallyCore

/// The context of every request: who is calling, once the authentication middleware has looked.
public struct TallyRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller, or `nil` when the request carried no credentials.
    public var principal: Principal?
    /// The request's `Idempotency-Key`, looked up with its API key.
    public var keyLookedUp: KeyLookedUp?
    /// The client's IP address, as the connection shows it.
    public let remoteAddress: String?

    /// No JSON body Tally accepts is anywhere near this size.
    public static let maximumBodyBytes = 64 * 1024
    public var maxUploadSize: Int { Self.maximumBodyBytes }

    public init(source: Source) {
        coreContext = .init(source: source)
        principal = nil
        keyLookedUp = nil
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The caller, or a 401 when there is none.
    public func caller() throws(TallyError) -> Principal {
        guard let principal else { throw .unauthenticated }
        return principal
    }

    /// The `{account}` of the path.
    public func accountID() throws -> AccountID {
        AccountID(try parameters.require("account"))
    }
}
