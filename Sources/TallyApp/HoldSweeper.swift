import Logging
import ServiceLifecycle

/// Releases expired holds in the background, so a crashed action never strands credits.
public struct HoldSweeper: Service {
    let holds: Holds
    let logger: Logger
    let intervalSeconds: Int

    public init(tally: Tally, intervalSeconds: Int = 1) {
        holds = tally.holds
        logger = tally.logger
        self.intervalSeconds = intervalSeconds
    }

    public func run() async throws {
        while !Task.isCancelledOrShuttingDown {
            do {
                let released = try await holds.expire()
                if released > 0 { logger.info("released expired holds", metadata: ["count": "\(released)"]) }
            } catch {
                logger.error("hold sweep failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(intervalSeconds))
        }
    }
}

extension Task where Success == Never, Failure == Never {
    static var isCancelledOrShuttingDown: Bool {
        isCancelled || isShuttingDownGracefully
    }
}
