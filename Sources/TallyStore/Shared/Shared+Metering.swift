import Foundation
import TallyCore

/// Holds, usage logs, events, the usage guard's settings and notifications, on either
/// engine (`Statements.Metering`, `Statements.UsageGuard`). Per engine still: what is
/// written inside a wallet transaction, the guard's pause and resume (a notification in
/// the same transaction), the log's pages and exports (read by position), search.
extension StatementRunning {
    public func hold(_ id: HoldID, account: AccountID) async throws -> Hold? {
        try await read(Statements.Metering.hold, ["id": .text(id.rawValue), "account": .text(account.rawValue)], as: { try Hold($0) })
            .first
    }

    public func expiredHolds(at: Date, limit: Int) async throws -> [Hold] {
        try await read(Statements.Metering.expired, ["at": .integer(at.storedMilliseconds), "limit": .integer(limit)], as: { try Hold($0) })
    }

    public func usageLog(account: AccountID, feature: Feature, limit: Int) async throws -> [UsageLogEntry] {
        try await read(
            Statements.Metering.usageLog,
            Statements.Metering.usageLogValues(account: account, feature: feature, limit: limit),
            as: { try UsageLogEntry($0, feature: feature) }
        )
    }

    public func usageRollup(account: AccountID, from: String, to: String) async throws -> [FeatureUsage] {
        try await read(
            Statements.Metering.usageRollup,
            ["account": .text(account.rawValue), "from": .text(from), "to": .text(to)],
            as: { try FeatureUsage($0) }
        ).compactMap { $0 }
    }

    public func putEvent(_ id: String, config: String, account: AccountID, at: Date) async throws {
        try await written(
            Statements.Metering.putEvent,
            ["account": .text(account.rawValue), "id": .text(id), "config": .text(config), "at": .integer(at.storedMilliseconds)]
        )
    }

    public func event(_ id: String, account: AccountID) async throws -> String? {
        try await read(Statements.Metering.event, ["account": .text(account.rawValue), "id": .text(id)], as: { try $0.text("config") }).first
    }

    public func setUsageGuard(_ settings: UsageGuardSettings, account: AccountID) async throws {
        try await written(Statements.UsageGuard.set, Statements.UsageGuard.setValues(settings, account: account))
    }

    public func notifications(account: AccountID, limit: Int) async throws -> [Notification] {
        try await read(
            Statements.Metering.notifications,
            ["account": .text(account.rawValue), "limit": .integer(limit)],
            as: { try Notification($0) }
        )
    }
}
