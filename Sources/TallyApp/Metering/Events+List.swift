import Foundation
import TallyCore
import TallyStore

extension Events {
    /// An event and its configuration, as the web app lists them.
    public struct Summary: Sendable, Equatable {
        public var id: String
        public var config: EventConfig
        public var updatedAt: Date
    }

    /// Events an account may have listed at once on one page.
    public static let maximumListed = 500

    /// The account's events, by id.
    public func list(of manager: CreditManager) async throws -> [Summary] {
        try await meter.store.events(account: manager.accountID, limit: Self.maximumListed).map { record in
            Summary(id: record.id, config: try JSONDecoder().decode(EventConfig.self, from: Data(record.config.utf8)), updatedAt: record.updatedAt)
        }
    }

    /// An event's stored configuration, or `nil` when the account has no such event yet.
    public func configurationIfAny(_ id: String, of manager: CreditManager) async throws -> EventConfig? {
        try Self.checkEventID(id)
        guard let stored = try await meter.store.event(id, account: manager.accountID) else { return nil }
        return try JSONDecoder().decode(EventConfig.self, from: Data(stored.utf8))
    }
}
