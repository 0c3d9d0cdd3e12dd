import Foundation
import TallyApp
import TallyCore
import TallyStore

/// One line of Recent activity on Billing, in the product's words.
struct ActivityRow {
    let date: String
    /// What happened: `Credit score`, `Bought 1,000 credits`, `Auto-recharge`, `Expired`.
    let title: String
    /// Who or what it was about: a contact, a card, a reason. Empty when nothing more is known.
    let detail: Text
    /// The change to available credits, signed.
    let change: String
    let positive: Bool
    let balanceAfter: String
    /// The page that explains the line's entry (for an action, the entry that charged it).
    let href: String
}

/// What the ledger entries point at, looked up once for a page of them: the usage log
/// lines their references name, the holds, purchases, cards and lots.
struct ActivityFacts {
    /// Usage log lines by id.
    var lines: [String: UsageLogEntry] = [:]
    /// Holds by id, looked up only where the page itself cannot tell.
    var holds: [String: Hold] = [:]
    var purchases: [String: Purchases.PurchaseView] = [:]
    /// `Visa 4242` by payment method id.
    var cards: [String: String] = [:]
    /// A grant's or an adjustment's reason, by the lot it made.
    var lotReasons: [String: String] = [:]
}

/// Recent activity: the ledger, newest first, told as a customer thinks of it.
///
/// A metered action writes several entries — a hold, then captures of each line it
/// charged (a credit check captures its email and phone validations and the check) and a
/// release of the rest — and they are one line here, charged what was captured. A hold
/// settled on the page is not shown on its own; a release is shown only when it is all
/// that happened (nothing charged). An entry written in one transaction shares its
/// `createdAt` with the others of that transaction, and a metered action's log line is
/// stamped with its hold's instant: that is how the entries of one action are found.
enum RecentActivity {
    static func rows(_ entries: [Wallets.LedgerEntryView], facts: ActivityFacts, limit: Int) -> [ActivityRow] {
        let index = PageIndex(entries, facts: facts)
        var rows: [ActivityRow] = []
        for group in settlementGroups(entries) where rows.count < limit {
            if let row = row(for: group, index: index, facts: facts) { rows.append(row) }
        }
        return rows
    }

    /// The holds whose feature or state the page cannot tell without reading the hold:
    /// holds not settled on the page, and settlements naming a hold but no log line.
    static func holdsToLookUp(_ entries: [Wallets.LedgerEntryView], facts: ActivityFacts) -> [String] {
        let index = PageIndex(entries, facts: facts)
        var wanted: [String] = []
        for group in settlementGroups(entries) {
            guard let first = group.first else { continue }
            if first.kind == .hold, !index.isSettled(first) {
                wanted.append(first.reference)
            } else if isSettlement(first), index.primaryLine(of: group, facts: facts) == nil, let hold = index.holdReference(of: group) {
                wanted.append(hold)
            }
        }
        return wanted
    }

    /// Lot ids whose reason names a grant or an adjustment on the page.
    static func lotsToLookUp(_ entries: [Wallets.LedgerEntryView]) -> [String] {
        entries.compactMap { entry in
            switch entry.kind {
            case .grant: entry.lots.first?.lot.rawValue ?? entry.reference
            case .adjustment where entry.credits.isPositive: entry.lots.first?.lot.rawValue
            default: nil
            }
        }
    }

    // MARK: Grouping

    static func isSettlement(_ entry: Wallets.LedgerEntryView) -> Bool {
        entry.kind == .capture || entry.kind == .release
    }

    /// The entries in runs: the captures and releases of one transaction together, every other entry alone.
    static func settlementGroups(_ entries: [Wallets.LedgerEntryView]) -> [[Wallets.LedgerEntryView]] {
        var groups: [[Wallets.LedgerEntryView]] = []
        for entry in entries {
            if let last = groups.last?.last, isSettlement(entry), isSettlement(last), last.createdAt == entry.createdAt {
                groups[groups.count - 1].append(entry)
            } else {
                groups.append([entry])
            }
        }
        return groups
    }

    /// What the page's entries say of each other.
    struct PageIndex {
        /// Hold entries by hold id.
        var holdEntries: [String: Wallets.LedgerEntryView] = [:]
        /// Credit check and SMS lines by the instant of their hold.
        var actionLines: [Int64: [UsageLogEntry]] = [:]
        /// Holds a settlement on the page names.
        var settledHolds: Set<String> = []
        /// Instants of holds whose action's line a capture on the page names.
        var settledInstants: Set<Int64> = []
        let facts: ActivityFacts

        init(_ entries: [Wallets.LedgerEntryView], facts: ActivityFacts) {
            self.facts = facts
            for entry in entries where entry.kind == .hold { holdEntries[entry.reference] = entry }
            for line in facts.lines.values where RecentActivity.isAction(line.feature) {
                actionLines[line.createdAt.storedMilliseconds, default: []].append(line)
            }
            for entry in entries where RecentActivity.isSettlement(entry) {
                if let line = facts.lines[entry.reference] {
                    if RecentActivity.isAction(line.feature) { settledInstants.insert(line.createdAt.storedMilliseconds) }
                } else {
                    settledHolds.insert(entry.reference)
                }
            }
        }

        func isSettled(_ hold: Wallets.LedgerEntryView) -> Bool {
            if settledHolds.contains(hold.reference) || settledInstants.contains(hold.createdAt.storedMilliseconds) { return true }
            if let known = facts.holds[hold.reference] { return known.status != .active }
            return false
        }

        /// The hold a settlement names by id (its release, or a capture of the platform's own hold).
        func holdReference(of group: [Wallets.LedgerEntryView]) -> String? {
            group.first { facts.lines[$0.reference] == nil }?.reference
        }

        /// The line that tells what a settlement was: a credit check's, an SMS's, else a validation's.
        func primaryLine(of group: [Wallets.LedgerEntryView], facts: ActivityFacts) -> UsageLogEntry? {
            var candidates = group.compactMap { facts.lines[$0.reference] }
            if let hold = holdReference(of: group) {
                let instant = holdEntries[hold]?.createdAt.storedMilliseconds ?? facts.holds[hold]?.createdAt.storedMilliseconds
                if let instant { candidates += actionLines[instant] ?? [] }
                if let known = facts.holds[hold], let line = facts.lines[known.reference] { candidates.append(line) }
            }
            return candidates.first { $0.feature == .creditScore || $0.feature == .dti }
                ?? candidates.first { $0.feature == .sms } ?? candidates.first
        }
    }

    /// Credit checks and SMS: the actions that hold first, then capture.
    static func isAction(_ feature: Feature) -> Bool {
        feature == .creditScore || feature == .dti || feature == .sms
    }

    // MARK: Wording

    static func row(for group: [Wallets.LedgerEntryView], index: PageIndex, facts: ActivityFacts) -> ActivityRow? {
        guard let entry = group.first else { return nil }
        // An action's line opens the capture of its own log line (a credit check's, an
        // SMS's), whose explanation names every part of the hold.
        let primary = isSettlement(entry) ? index.primaryLine(of: group, facts: facts) : nil
        let explained = group.first { $0.reference == primary?.id } ?? entry
        func make(_ title: String, _ detail: String, change: Credits) -> ActivityRow {
            ActivityRow(
                date: WebFormat.pacific(entry.createdAt),
                title: title,
                detail: Text(detail),
                change: (change.isPositive ? "+" : "") + change.description,
                positive: change.isPositive,
                balanceAfter: entry.balanceAfter.description,
                href: "/app/ledger/\(WebSession.percentEncoded(explained.id.rawValue))"
            )
        }
        switch entry.kind {
        case .capture, .release:
            let captured = Credits(thousandths: group.reduce(0) { $0 + $1.used.thousandths })
            let line = index.primaryLine(of: group, facts: facts)
            var parts: [String] = []
            let title: String
            if let line {
                title = FeatureStyle.label(line.feature)
                if let who = who(line) { parts.append(who) }
                if let outcome = outcome(line) { parts.append(outcome) }
            } else if let hold = index.holdReference(of: group).flatMap({ facts.holds[$0] }) {
                title = Feature(rawValue: hold.feature).map(FeatureStyle.label) ?? hold.feature
                parts.append("held by your platform")
            } else {
                title = "Usage"
            }
            if !captured.isPositive { parts.append("nothing charged") }
            return make(title, parts.joined(separator: " · "), change: Credits(thousandths: -captured.thousandths))
        case .hold:
            guard !index.isSettled(entry) else { return nil }
            let hold = facts.holds[entry.reference]
            let title = hold.map { Feature(rawValue: $0.feature).map(FeatureStyle.label) ?? $0.feature } ?? "Credits held"
            return make(title, "in progress, held until it completes", change: entry.credits)
        case .charge:
            let line = facts.lines[entry.reference]
            return make(line.map { FeatureStyle.label($0.feature) } ?? "Usage", line.flatMap(who) ?? "", change: entry.credits)
        case .purchase:
            let card = facts.purchases[entry.reference]?.paymentMethodId.flatMap { facts.cards[$0.rawValue] } ?? ""
            return make("Bought \(grouped(entry.credits)) credits", card, change: entry.credits)
        case .recharge:
            let card = facts.purchases[entry.reference]?.paymentMethodId.flatMap { facts.cards[$0.rawValue] }
            return make(
                "Auto-recharge",
                ["\(grouped(entry.credits)) credits", card].compactMap { $0 }.joined(separator: " · "),
                change: entry.credits
            )
        case .refund:
            return entry.credits.isPositive
                ? make("Refund failed", "the credits came back", change: entry.credits)
                : make("Refund", "", change: entry.credits)
        case .grant:
            return make("Granted", reason(entry, facts) ?? "", change: entry.credits)
        case .adjustment:
            return make("Adjustment", entry.credits.isPositive ? reason(entry, facts) ?? "" : "", change: entry.credits)
        case .expiry:
            return make("Expired", "", change: entry.credits)
        case .dispute:
            return entry.credits.isPositive
                ? make("Dispute won", "the credits came back", change: entry.credits)
                : make("Disputed purchase", "the card's bank took the payment back", change: entry.credits)
        }
    }

    static func reason(_ entry: Wallets.LedgerEntryView, _ facts: ActivityFacts) -> String? {
        (entry.lots.first?.lot.rawValue).flatMap { facts.lotReasons[$0] } ?? facts.lotReasons[entry.reference]
    }

    /// The contact a line was about: a name, else the address or number checked or texted.
    static func who(_ line: UsageLogEntry) -> String? {
        let candidates = line.feature == .sms ? [line.contactName, line.phone] : [line.contactName, line.email, line.phone]
        return candidates.compactMap { $0 }.first { !$0.isEmpty }
    }

    /// A credit check or message that did not go as asked, in a word.
    static func outcome(_ line: UsageLogEntry) -> String? {
        switch line.status {
        case .skipped: "skipped"
        case .failed: line.feature == .sms ? "not sent" : "failed"
        case .blocked: "blocked by the usage guard"
        default: nil
        }
    }

    /// `1,000` or `1,234.5`: whole credits grouped, decimals only when there are some.
    static func grouped(_ credits: Credits) -> String {
        let text = WebFormat.shortCredits(credits)
        let parts = text.split(separator: ".", maxSplits: 1)
        let whole = WebFormat.count(Int64(parts[0]) ?? 0)
        return parts.count > 1 ? "\(whole).\(parts[1])" : whole
    }
}
