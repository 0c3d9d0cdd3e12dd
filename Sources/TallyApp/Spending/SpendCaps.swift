import Foundation
import TallyCore
import TallyStore

/// Spend caps: at most so many credits of a feature per Pacific day or month. A charge
/// that would pass one is refused (402, nothing charged), decided by `SpendCapRule` in the
/// charge's own transaction from the usage rollups and the feature's open holds.
public struct SpendCaps: Sendable {
    let store: any Store
    let time: any TimeSource

    public struct CapInput: Sendable, Codable {
        public var feature: String
        public var period: String
        public var credits: Credits
    }

    public struct Settings: Sendable, Codable {
        public var caps: [CapInput]
    }

    public struct CapView: Sendable, Codable, Equatable {
        public var feature: String
        public var period: String
        public var credits: Credits
        /// Spent in the period so far, credits held by uses in progress included.
        public var spent: Credits
        public var resetsAt: Date
    }

    public struct CapsView: Sendable, Codable, Equatable {
        public var caps: [CapView]
    }

    public func caps(of reader: ReportReader) async throws -> CapsView {
        Self.view(try await store.spendCaps(account: reader.accountID, at: time.now()))
    }

    /// Replaces the caps; all or nothing.
    public func configure(_ settings: Settings, by manager: CreditManager) async throws -> CapsView {
        var errors = [FieldError]()
        if settings.caps.count > SpendCapRule.maximumCaps {
            errors.append(FieldError("caps", "at most \(SpendCapRule.maximumCaps) caps, one per feature and period"))
        }
        var caps: [SpendCap] = []
        for (index, input) in settings.caps.enumerated() {
            let feature = Feature(rawValue: input.feature)
            let period = SpendPeriod(rawValue: input.period)
            if feature == nil {
                errors.append(
                    FieldError("caps[\(index)].feature", "must be one of " + Feature.allCases.map(\.rawValue).joined(separator: ", "))
                )
            }
            if period == nil { errors.append(FieldError("caps[\(index)].period", "must be day or month")) }
            if let feature, let period { caps.append(SpendCap(feature: feature, period: period, credits: input.credits)) }
        }
        guard errors.isEmpty else { throw TallyError.invalid(errors) }
        switch SpendCapRule.check(caps) {
        case .success(let checked): caps = checked
        case .failure(let problem): throw TallyError.invalid("caps", problem.reason)
        }
        try await store.setSpendCaps(caps, account: manager.accountID, at: time.now())
        return Self.view(try await store.spendCaps(account: manager.accountID, at: time.now()))
    }

    static func view(_ standings: [SpendCapStanding]) -> CapsView {
        CapsView(
            caps: standings.map {
                CapView(
                    feature: $0.cap.feature.rawValue,
                    period: $0.cap.period.rawValue,
                    credits: $0.cap.credits,
                    spent: $0.spent,
                    resetsAt: $0.resetsAt
                )
            }
        )
    }
}
