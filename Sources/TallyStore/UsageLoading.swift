import TallyCore

/// Writes usage lines in bulk, with what the charge path writes beside each line (the
/// contacts, the per-day counts, the rollups) but without postings: for filling a
/// benchmark's throwaway database with millions of lines in minutes. Never for money.
public protocol UsageLoading: Sendable {
    /// Writes `lines` in one transaction.
    func loadUsage(_ lines: [UsageLogEntry]) async throws

    /// After a bulk load, what the database's own upkeep does in time: PostgreSQL's
    /// autovacuum clears the rollups' dead versions (every batch updates them) and
    /// counts the new rows for the planner.
    func settleLoad() async throws
}

/// What a batch of lines adds to the per-day counts and the rollups, summed per key.
struct UsageTallies {
    struct DayKey: Hashable {
        var account: String
        var log: String
        var day: String
        var status: String
    }

    struct RollupKey: Hashable {
        var account: String
        var day: String
        var feature: String
    }

    var days: [DayKey: (lines: Int64, credits: Int64)] = [:]
    var rollups: [RollupKey: (uses: Int64, credits: Int64)] = [:]

    init(_ lines: [UsageLogEntry]) {
        for line in lines {
            let day = DayKey(account: line.accountID.rawValue, log: line.log.rawValue, day: line.day, status: line.status.rawValue)
            days[day, default: (0, 0)].lines += 1
            days[day, default: (0, 0)].credits += line.credits.thousandths
            guard line.credits.isPositive else { continue }
            let rollup = RollupKey(account: line.accountID.rawValue, day: line.day, feature: line.feature.rawValue)
            rollups[rollup, default: (0, 0)].uses += 1
            rollups[rollup, default: (0, 0)].credits += line.credits.thousandths
        }
    }
}
