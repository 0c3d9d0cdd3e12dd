import Foundation
import TallyCore
import Testing

/// The usage guard's rule, as the stores apply it inside the charge's transaction.
@Suite("Usage guard rule")
struct UsageGuardRuleTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)
    let guarded = UsageGuardSettings(enabled: true, maxRequests: 3, windowSeconds: 60)

    @Test func anOffOrMissingGuardCountsNothing() throws {
        #expect(try UsageGuardRule.windowStart(nil, at: now) == nil)
        #expect(try UsageGuardRule.windowStart(.off, at: now) == nil)
        var off = guarded
        off.enabled = false
        off.paused = true
        #expect(try UsageGuardRule.windowStart(off, at: now) == nil, "a guard turned off is not paused either")
    }

    @Test func theWindowIsTheSecondsBeforeTheRequest() throws {
        #expect(try UsageGuardRule.windowStart(guarded, at: now) == now.addingTimeInterval(-60))
    }

    @Test func aPausedGuardRefusesBeforeCounting() {
        var paused = guarded
        paused.paused = true
        #expect(throws: UsageGuardRefusal.paused) { try UsageGuardRule.windowStart(paused, at: now) }
    }

    @Test func fewerThanTheLimitIsAdmittedAndTheLimitIsNot() throws {
        for requests in 0..<3 { try UsageGuardRule.admit(guarded, requestsInWindow: requests) }
        #expect(throws: UsageGuardRefusal.limitReached) { try UsageGuardRule.admit(guarded, requestsInWindow: 3) }
        #expect(throws: UsageGuardRefusal.limitReached) { try UsageGuardRule.admit(guarded, requestsInWindow: 4) }
    }
}
