import Foundation
import TallyCore
import TallyStore

/// Balance alerts: thresholds in credits, each telling the account's super admins (and
/// its webhooks) once when available credits fall below it (`balance_below`), and again
/// when they are back at or above it (`balance_recovered`), which arms it again. Decided
/// by `BalanceAlertRule` in the transaction of every change of available credits.
public struct BalanceAlerts: Sendable {
    let store: any Store
    let time: any TimeSource
    let ids: any IDSource

    public struct Settings: Sendable, Codable {
        public var thresholds: [Credits]
    }

    public struct AlertView: Sendable, Codable, Equatable {
        public var credits: Credits
        /// `armed` or `fired`.
        public var state: String
        @Nullable public var firedAt: Date?
    }

    public struct AlertsView: Sendable, Codable, Equatable {
        public var thresholds: [AlertView]
    }

    public func alerts(of reader: ReportReader) async throws -> AlertsView {
        Self.view(try await store.balanceAlerts(account: reader.accountID))
    }

    /// Replaces the thresholds: one kept keeps its state; one the balance is already below
    /// fires at once.
    public func configure(_ settings: Settings, by manager: CreditManager) async throws -> AlertsView {
        let thresholds: [Credits]
        switch BalanceAlertRule.check(settings.thresholds) {
        case .success(let checked): thresholds = checked
        case .failure(let problem): throw TallyError.invalid("thresholds", problem.reason)
        }
        let alerts = try await store.setBalanceAlerts(thresholds, account: manager.accountID, origin: ids.make("alr"), at: time.now())
        return Self.view(alerts)
    }

    static func view(_ alerts: [BalanceAlert]) -> AlertsView {
        AlertsView(
            thresholds: alerts.map { AlertView(credits: $0.threshold, state: $0.isFired ? "fired" : "armed", firedAt: $0.firedAt) }
        )
    }
}
