import Foundation

/// The Pacific period a spend cap counts over.
public enum SpendPeriod: String, Sendable, Hashable, Codable, CaseIterable {
    case day, month
}

/// At most `credits` of one feature per Pacific day or month.
public struct SpendCap: Sendable, Hashable {
    public var feature: Feature
    public var period: SpendPeriod
    public var credits: Credits

    public init(feature: Feature, period: SpendPeriod, credits: Credits) {
        self.feature = feature
        self.period = period
        self.credits = credits
    }
}

/// The days a period covers (`YYYY-MM-DD`, both included, as the usage rollups key
/// them) and when it ends.
public struct SpendWindow: Sendable, Hashable {
    public var firstDay: String
    public var lastDay: String
    /// Pacific midnight after the last day: when the cap counts from zero again.
    public var resetsAt: Date
}

/// A charge refused because it would take a feature's spending in a period past its cap.
/// Thrown from inside the charge's transaction, which then writes nothing.
public struct SpendCapReached: Error, Sendable, Hashable {
    public var cap: SpendCap
    /// Spent in the period before this charge, held credits included.
    public var spent: Credits
    public var resetsAt: Date

    public init(cap: SpendCap, spent: Credits, resetsAt: Date) {
        self.cap = cap
        self.spent = spent
        self.resetsAt = resetsAt
    }
}

/// The spend caps' rule: pure; the stores count, inside the charge's transaction (which
/// holds the wallet), what the feature spent in the period — its usage rollups (what the
/// usage report reads) and its holds still open — and refuse the charge that would pass.
public enum SpendCapRule {
    /// At most this many caps per account (one per feature and period).
    public static let maximumCaps = Feature.allCases.count * SpendPeriod.allCases.count

    /// The Pacific day, or month, containing `at`.
    public static func window(_ period: SpendPeriod, at: Date) -> SpendWindow {
        let today = PacificDate(containing: at)
        switch period {
        case .day:
            return SpendWindow(firstDay: today.description, lastDay: today.description, resetsAt: today.adding(days: 1).start)
        case .month:
            let first = PacificDate(year: today.year, month: today.month, day: 1)
            let last = PacificDate(year: today.year, month: today.month, day: PacificDate.daysIn(month: today.month, year: today.year))
            return SpendWindow(firstDay: first.description, lastDay: last.description, resetsAt: last.adding(days: 1).start)
        }
    }

    /// The cap a feature's period passes once this charge is counted: `spentWithCharge`
    /// is the period's spending including the charge.
    public static func passes(_ cap: SpendCap, spentWithCharge: Credits) -> Bool {
        spentWithCharge > cap.credits
    }

    /// The caps an owner asks for, checked: at most one per feature and period, each
    /// more than zero and at most the largest purchase.
    public static func check(_ caps: [SpendCap]) -> Result<[SpendCap], SpendCapProblem> {
        var seen = Set<String>()
        for cap in caps {
            guard cap.credits.isPositive else {
                return .failure(
                    SpendCapProblem("each cap must be more than zero credits (\(cap.feature.rawValue) per \(cap.period.rawValue) is not)")
                )
            }
            guard cap.credits <= Catalog.maximumPurchase else {
                return .failure(SpendCapProblem("each cap must be at most \(Catalog.maximumPurchase) credits"))
            }
            guard seen.insert("\(cap.feature.rawValue) \(cap.period.rawValue)").inserted else {
                return .failure(SpendCapProblem("\(cap.feature.rawValue) per \(cap.period.rawValue) is given twice"))
            }
        }
        return .success(
            caps.sorted { ($0.feature.rawValue, $0.period.rawValue) < ($1.feature.rawValue, $1.period.rawValue) }
        )
    }
}

/// Why caps were refused.
public struct SpendCapProblem: Error, Sendable, Hashable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// A cap and where its period stands.
public struct SpendCapStanding: Sendable, Hashable {
    public var cap: SpendCap
    /// Spent in the period so far, held credits included.
    public var spent: Credits
    public var resetsAt: Date

    public init(cap: SpendCap, spent: Credits, resetsAt: Date) {
        self.cap = cap
        self.spent = spent
        self.resetsAt = resetsAt
    }
}
