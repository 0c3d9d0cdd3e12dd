import Foundation

/// How long the reconcilers leave work to the request that began it before settling it
/// themselves, and how often they look.
///
/// The defaults suit production: each wait is longer than the provider deadline of the
/// call it follows, so a reconciler never settles work its request is still finishing.
/// Drills and tests that kill processes on purpose shorten them (`tally serve` reads
/// `TALLY_SETTLE_SECONDS`) to see orphaned work settled in seconds.
public struct Settling: Sendable, Hashable {
    /// A payment or refund whose answer was never recorded.
    public var paymentsAfterSeconds: TimeInterval = 60
    /// A message whose carrier answer was recorded but not settled.
    public var messagesAnsweredAfterSeconds: TimeInterval = 30
    /// A message handed to the carrier whose answer was never recorded: its hold's lifetime.
    public var messagesUnansweredAfterSeconds: TimeInterval = Meter.featureHoldSeconds
    /// How often the payment and message reconcilers run.
    public var intervalSeconds = 10
    /// How long an `Idempotency-Key` claim lives without its request renewing it: how soon
    /// a retry takes over a key whose request's process is gone (see `Idempotency`).
    public var claimLeaseSeconds: TimeInterval = 15

    public init() {}

    /// Every wait `seconds`, and the reconcilers run at least that often.
    public static func after(seconds: Int) -> Settling {
        var settling = Settling()
        let wait = TimeInterval(max(1, seconds))
        settling.paymentsAfterSeconds = wait
        settling.messagesAnsweredAfterSeconds = wait
        settling.messagesUnansweredAfterSeconds = wait
        settling.intervalSeconds = max(1, min(10, seconds))
        settling.claimLeaseSeconds = max(3, wait)
        return settling
    }
}
