import Foundation
import Hummingbird
import TallyApp
import TallyCore
import TallyStore

/// Recent activity on Billing, and the whole ledger as CSV.
extension WebRoutes {
    /// Ledger entries read for Recent activity: enough for its lines once an action's entries are one line.
    static let activityEntries = 60
    static let activityRows = 15
    /// Lines read per log, newest first from the newest entry, to name what the entries charged.
    static let activityLinesPerLog = 200

    func addLedgerCSV(to router: Router<TallyRequestContext>) {
        router.get(
            "/app/billing/ledger.csv",
            use: page { _, visit, _ in
                let reader = try visit.principal.reportReader(of: visit.manager.accountID)
                let wallets = tally.wallets
                let name = "tally-ledger-\(today).csv"
                return ReportRoutes.csv(fileName: name) { write in
                    try await write(CSV.row(Reports.ledgerCSVHeader))
                    try await wallets.exportLedger(of: reader, window: nil) { entries in
                        try await write(entries.map { CSV.row(Reports.ledgerCSVFields($0)) }.joined())
                    }
                }
            }
        )
    }

    /// The newest ledger entries in words, with what they point at read in a few queries:
    /// one page of the ledger, one read per feature log over the same span, and the odd
    /// hold or lot the page cannot tell by itself.
    func recentActivity(
        _ visit: Visit,
        purchases: [Purchases.PurchaseView],
        cards: [Purchases.PaymentMethodView]
    ) async throws -> [ActivityRow] {
        let account = visit.manager.accountID
        let entries = try await tally.wallets.ledger(of: visit.manager, limit: Self.activityEntries, cursor: nil).items
        guard let newest = entries.first, let oldest = entries.last else { return [] }
        var facts = ActivityFacts()
        facts.purchases = Dictionary(purchases.map { ($0.id.rawValue, $0) }) { first, _ in first }
        facts.cards = Dictionary(cards.map { ($0.id.rawValue, "\($0.brand.capitalized) \($0.last4)") }) { first, _ in first }
        let metered: Set<LedgerKind> = [.charge, .hold, .capture, .release]
        if entries.contains(where: { metered.contains($0.kind) }) {
            // A credit check's line is stamped when its hold was taken, which may be before the oldest entry here.
            let from = PacificDate(containing: oldest.createdAt.addingTimeInterval(-Double(Holds.maximumTTLSeconds)))
            let range = PacificDateRange(from: min(from, PacificDate(containing: newest.createdAt)), to: PacificDate(containing: newest.createdAt))
            let after = LogCursor(createdAtMilliseconds: newest.createdAt.storedMilliseconds + 1, id: "")
            for log in FeatureLog.allCases {
                let query = LogQuery(log: log, range: range, after: after, limit: Self.activityLinesPerLog)
                for line in try await tally.store.logLines(account: account, query: query) { facts.lines[line.id] = line }
            }
        }
        for id in RecentActivity.holdsToLookUp(entries, facts: facts).prefix(Self.activityRows) {
            if let hold = try await tally.store.hold(HoldID(id), account: account) { facts.holds[id] = hold }
        }
        for id in Set(RecentActivity.lotsToLookUp(entries)).prefix(Self.activityRows) {
            if let lot = try await tally.store.lot(LotID(id), account: account), let reason = lot.reason { facts.lotReasons[id] = reason }
        }
        return RecentActivity.rows(entries, facts: facts, limit: Self.activityRows)
    }
}
