import Logging
import ServiceLifecycle
import TallyStore

/// Runs one kind of background work on a fixed interval until shutdown:
/// hold expiry, auto-recharges, webhook deliveries. Driven by rows in the
/// database, so a restart resumes where the last process stopped.
public struct BackgroundWorker: Service {
    let name: String
    let logger: Logger
    let intervalSeconds: Int
    let work: @Sendable () async throws -> Int

    public init(name: String, logger: Logger, intervalSeconds: Int = 1, work: @escaping @Sendable () async throws -> Int) {
        self.name = name
        self.logger = logger
        self.intervalSeconds = intervalSeconds
        self.work = work
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let failures = BackgroundPass.FailureLog()
            do {
                let done = try await BackgroundPass.$failures.withValue(failures) { try await work() }
                if done > 0 { logger.debug("\(name) ran", metadata: ["count": "\(done)"]) }
            } catch {
                logger.error("\(name) failed", metadata: ["error": "\(LoggableError.describe(error))"])
            }
            // Rows set aside this pass: named, so an operator can find them; the others went on.
            for failure in failures.all {
                logger.error("\(name) set a row aside", metadata: ["row": "\(failure.row)", "error": "\(failure.error)"])
            }
            // A shutdown wakes the worker at once: SIGTERM stops Tally without waiting out the interval.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(intervalSeconds)) }
        }
    }

    /// Every worker of an installation.
    public static func all(for tally: Tally) -> [BackgroundWorker] {
        [
            BackgroundWorker(name: "hold sweeper", logger: tally.logger) { try await tally.holds.expire() },
            BackgroundWorker(name: "auto-recharge", logger: tally.logger) { try await tally.autoRecharges.runDue() },
            BackgroundWorker(name: "payment reconciler", logger: tally.logger, intervalSeconds: tally.settling.intervalSeconds) {
                let after = tally.settling.paymentsAfterSeconds
                return try await tally.purchases.reconcile(olderThanSeconds: after)
                    + tally.lots.reconcileRefunds(olderThanSeconds: after)
            },
            BackgroundWorker(name: "credit expiry", logger: tally.logger, intervalSeconds: 5) { try await tally.lots.expire() },
            BackgroundWorker(name: "message reconciler", logger: tally.logger, intervalSeconds: tally.settling.intervalSeconds) {
                try await tally.sms.reconcile(settling: tally.settling)
            },
            BackgroundWorker(name: "webhook delivery", logger: tally.logger) { try await tally.webhooks.deliverDue() },
        ]
    }
}
