import Synchronization
import TallyCore

/// Which way an account's next charge on PostgreSQL is best written, learnt from its last
/// ones: a charge `tally_charge` could write alone (autocommit, one round trip) is tried
/// alone unless the account's last charge showed that it goes another way, so a charge
/// does not spend a round trip only to learn that again. Only a guess: the call refuses
/// whatever it cannot write alone, whatever was guessed.
final class ChargeRoutes: Sendable {
    enum Route: Sendable, Equatable {
        /// The account's charges may set off balance effects (its wallet is below its
        /// auto-recharge threshold or nearly empty, or a recharge is owed): the call runs
        /// in a transaction and the effects are applied after it. Each such call says
        /// whether that still holds.
        case withEffects
        /// The account's last charge passed a spend cap: statement by statement, which
        /// refuses each with the cap's figures while it stays passed.
        case statementByStatement
    }

    /// Charges an account at a cap goes statement by statement before one asks the call
    /// again (the period may have ended, or the cap been raised, meanwhile).
    static let statementsBeforeAsking = 32
    /// Accounts remembered at most; past it, all are forgotten and learnt again.
    static let limit = 10_000

    private let routes = Mutex<[AccountID: (route: Route, left: Int)]>([:])

    /// The way to write the account's next charge; `nil` to call alone.
    func next(_ account: AccountID) -> Route? {
        routes.withLock { routes in
            guard let (route, left) = routes[account] else { return nil }
            if route == .statementByStatement {
                routes[account] = left > 1 ? (route, left - 1) : nil
            }
            return route
        }
    }

    /// Remembers how the account's last charge went; `nil` when it could have been alone.
    func remember(_ account: AccountID, _ route: Route?) {
        routes.withLock { routes in
            guard let route else {
                routes[account] = nil
                return
            }
            if routes[account] == nil, routes.count >= Self.limit { routes.removeAll(keepingCapacity: true) }
            routes[account] = (route, Self.statementsBeforeAsking)
        }
    }
}
