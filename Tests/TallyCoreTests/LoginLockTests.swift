import Foundation
import TallyCore
import Testing

/// The wrong-password lock's rule, as the stores' counters feed it.
@Suite("Login lock")
struct LoginLockTests {
    let opened = Date(timeIntervalSince1970: 1_790_000_000)

    @Test func upToTheMaximumAttemptsALoginIsAllowed() {
        for attempts in Int64(1)...Int64(LoginLock.maximumFailures) {
            #expect(LoginLock.verdict(attempts: attempts, windowStart: opened, at: opened.addingTimeInterval(60)) == .allowed)
        }
    }

    @Test func pastTheMaximumTheAddressWaitsForTheWindowToEnd() {
        let at = opened.addingTimeInterval(100.2)
        let verdict = LoginLock.verdict(attempts: Int64(LoginLock.maximumFailures) + 1, windowStart: opened, at: at)
        #expect(verdict == .locked(retryAfterSeconds: LoginLock.windowSeconds - 100), "the seconds left, rounded up")
        let last = LoginLock.verdict(attempts: 50, windowStart: opened, at: opened.addingTimeInterval(899.9))
        #expect(last == .locked(retryAfterSeconds: 1), "never less than a second")
    }

    @Test func guessingWaitsDoubleFromTheBaseUpToTheCap() {
        let delays = (9...16).map {
            LoginLock.guessingDelay(attempts: $0, freeAttempts: 10, base: .milliseconds(250), cap: .seconds(8))
        }
        #expect(delays == [.zero, .zero, .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8)])
        #expect(LoginLock.guessingDelay(attempts: 1_000, freeAttempts: 10, base: .milliseconds(250), cap: .seconds(8)) == .seconds(8))
    }
}
