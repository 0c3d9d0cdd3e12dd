import Foundation
import Synchronization
import TallyCore
import Testing

@testable import TallyApp

/// The one loop that renews the leases of the claims a process is answering.
@Suite struct ClaimRenewalsTests {
    final class Renewed: Sendable {
        let keys = Mutex<[String]>([])
        func count(_ key: String) -> Int { keys.withLock { $0.filter { $0 == key }.count } }
    }

    /// A registered claim is renewed within its period, again and again, and no longer once
    /// it is removed; the loop ends when no claim is left and starts again with the next.
    @Test func aClaimIsRenewedUntilItIsRemoved() async throws {
        let renewals = ClaimRenewals()
        let renewed = Renewed()
        let renew: ClaimRenewals.Renew = { key, _ in renewed.keys.withLock { $0.append(key) } }
        let account = AccountID("acct_renewals")
        let long = renewals.add(key: "long", account: account, every: .milliseconds(200), renew: renew)
        let short = renewals.add(key: "short", account: account, every: .milliseconds(200), renew: renew)
        renewals.remove(short)
        try await Self.waitUntil { renewed.count("long") >= 3 }
        #expect(renewed.count("short") == 0)
        renewals.remove(long)
        let after = renewed.count("long")
        try await Task.sleep(for: .milliseconds(600))
        // At most one renewal that was under way when it was removed.
        #expect(renewed.count("long") <= after + 1)

        let again = renewals.add(key: "again", account: account, every: .milliseconds(200), renew: renew)
        try await Self.waitUntil { renewed.count("again") >= 1 }
        renewals.remove(again)
    }

    /// Polls `condition` for up to a minute: in a full run, hundreds of tests starting at
    /// once keep the few cooperative threads busy for seconds, and the loop wakes behind them.
    static func waitUntil(_ condition: () -> Bool) async throws {
        let started = ContinuousClock.now
        while !condition() {
            guard ContinuousClock.now - started < .seconds(60) else {
                Issue.record("not renewed within a minute")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
