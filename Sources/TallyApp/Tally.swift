import Logging
import TallyStore

/// The application: the store and the services built on it.
public struct Tally: Sendable {
    public let store: any Store
    public let logger: Logger

    public init(store: any Store, logger: Logger) {
        self.store = store
        self.logger = logger
    }
}
