import Foundation
import TallyCore
import TallyStore

/// Every ledger entry explained: what it charged and by which price rule, the hold it
/// came from, the lots it drew, the log line and the request behind it, and the balance
/// either side of it.
extension Wallets {
    /// A log line as its log shows it, with the log's name.
    public struct LoggedLine: Sendable, Encodable, Hashable {
        public var log: FeatureLog
        public var item: LogItem

        private enum Key: String, CodingKey { case log }

        public func encode(to encoder: any Encoder) throws {
            try item.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(log.rawValue, forKey: .log)
        }
    }

    /// The entry as the ledger lists it, and why.
    public struct ExplanationView: Sendable, Encodable {
        public var entry: LedgerEntryView
        /// Available credits just before the entry: its balance after less its change.
        public var balanceBefore: Credits
        /// The price rule in words, or what else moved the credits.
        public var explanation: String
        /// The feature charged or held for (a platform's own hold names its own).
        public var feature: String?
        public var hold: Holds.HoldView?
        public var logLine: LoggedLine?
        /// The `Idempotency-Key` of the request that wrote it; none for Tally's own work.
        public var idempotencyKey: String?

        private enum Key: String, CodingKey { case balanceBefore, explanation, feature, hold, logLine, idempotencyKey }

        /// The entry's own fields first, as in the ledger list; every field is written, null when unknown.
        public func encode(to encoder: any Encoder) throws {
            try entry.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(balanceBefore, forKey: .balanceBefore)
            try container.encode(explanation, forKey: .explanation)
            try container.encode(feature, forKey: .feature)
            try container.encode(hold, forKey: .hold)
            try container.encode(logLine, forKey: .logLine)
            try container.encode(idempotencyKey, forKey: .idempotencyKey)
        }
    }

    /// One entry of the reader's account explained; 404 for an unknown id or another account's entry.
    public func explanation(of reader: ReportReader, entry id: String) async throws -> ExplanationView {
        guard !id.isEmpty, id.count <= 200, let entry = try await store.ledgerEntry(LedgerEntryID(id), account: reader.accountID)
        else { throw TallyError.notFound("no ledger entry \(id)") }
        let account = reader.accountID
        let story = try await HoldStory.read(of: entry, account: account, store)
        var view = ExplanationView(
            entry: Self.view(entry),
            balanceBefore: entry.availableAfter - entry.change.available,
            explanation: "",
            feature: story?.hold.feature,
            hold: story.map { Holds.view($0.hold) },
            logLine: nil,
            idempotencyKey: entry.idempotencyKey
        )
        var line: UsageLogEntry?
        if [.charge, .capture].contains(entry.kind) { line = try await store.usageLine(entry.reference, account: account) }
        let facts: LedgerWording.Facts
        switch entry.kind {
        case .charge:
            let charged = -entry.change.available
            facts = .charge([line.map { Self.part(of: $0, credits: charged) } ?? .named("usage", charged)])
        case .hold:
            facts = .hold(story?.parts ?? [.named("held", entry.change.held)])
        case .capture:
            let captured = -entry.change.held
            let own = line.map { Self.part(of: $0, credits: captured) } ?? .named(story?.hold.feature ?? "usage", captured)
            facts = .capture(own, whole: story?.parts ?? [])
        case .release:
            let released = entry.change.available
            // A hold given back whole was for everything it held; else the rest is its action's.
            let parts = story.map { released == $0.hold.credits ? $0.parts : [$0.part(released)] }
            facts = .release(parts ?? [.named("held", released)], reason: story?.actionLine?.reason)
        case .purchase, .recharge:
            let purchase = try await store.purchase(PurchaseID(entry.reference), account: account)
            var card: String?
            if let method = purchase?.paymentMethodID, let saved = try await store.paymentMethod(method, account: account) {
                card = "\(saved.brand.capitalized) \(saved.last4)"
            }
            facts = .purchase(
                credits: entry.change.available,
                amount: purchase?.amount ?? Money(cents: 0),
                recharge: entry.kind == .recharge,
                card: card
            )
        case .grant:
            let lot = try await store.lot(LotID(entry.reference), account: account)
            facts = .grant(credits: entry.change.available, reason: lot?.reason, expiresOn: lot?.expiresAt.map(PacificDay.of))
        case .adjustment:
            let adjustment = try await store.adjustment(entry.reference, account: account)
            facts = .adjustment(credits: entry.change.available, reason: adjustment?.reason)
        case .refund:
            let refund = try await store.refund(RefundID(entry.reference), account: account)
            facts = .refund(
                credits: entry.change.available,
                purchase: refund?.purchaseID.rawValue,
                amount: refund?.amount,
                failed: entry.change.available.isPositive
            )
        case .expiry:
            let lot = try await store.lot(LotID(entry.reference), account: account)
            facts = .expiry(credits: entry.change.available, lot: entry.reference, expiresOn: lot?.expiresAt.map(PacificDay.of))
        case .dispute:
            let reversal = try await store.reversal(entry.reference, account: account)
            facts = .dispute(credits: entry.change.available, purchase: reversal?.purchaseID.rawValue, won: entry.change.available.isPositive)
        }
        view.explanation = LedgerWording.sentence(facts)
        if let shown = line ?? story?.actionLine {
            view.logLine = LoggedLine(log: shown.log, item: LogItem(shown))
            view.feature = shown.feature.rawValue
        }
        if view.idempotencyKey == nil, let story, story.hold.feature == Feature.sms.rawValue {
            // A message the carrier reported sent later is settled by Tally, not by a
            // request: the request that sent it is the one its message keeps.
            view.idempotencyKey = try await store.smsSend(messageID: story.hold.reference).flatMap {
                $0.accountID == account ? $0.idempotencyKey : nil
            }
        }
        return view
    }

    /// A log line's part of a price, at `credits`.
    static func part(of line: UsageLogEntry, credits: Credits) -> LedgerWording.Part {
        guard line.feature == .sms else { return .feature(line.feature, credits) }
        return .sms(
            iso: line.iso ?? "an unknown country",
            encoding: line.encoding.flatMap(SMSEncoding.init(rawValue:)),
            segments: line.segments ?? 1,
            credits: credits
        )
    }
}

/// A hold and what it was for: its action's log line (a credit check's or a message's)
/// and the parts of its price, read from its captures and their log lines.
struct HoldStory: Sendable {
    var hold: Hold
    /// The credit check or message the hold was taken for; none for a platform's own hold.
    var actionLine: UsageLogEntry?
    /// What the whole hold was for, the action's own feature first.
    var parts: [LedgerWording.Part] = []

    /// The hold an entry moved, if it moved one.
    static func read(of entry: LedgerEntry, account: AccountID, _ store: any Store) async throws -> HoldStory? {
        let named = entry.hold ?? ([.hold, .release].contains(entry.kind) ? HoldID(entry.reference) : nil)
        guard let id = named, let hold = try await store.hold(id, account: account) else { return nil }
        var story = HoldStory(hold: hold)
        if let feature = Feature(rawValue: hold.feature), [.creditScore, .dti, .sms].contains(feature) {
            story.actionLine = try await store.usageLine(hold.reference, account: account)
            if story.actionLine == nil, feature == .sms, let send = try await store.smsSend(messageID: hold.reference),
                send.accountID == account
            {
                // A message not settled yet: its line is written when the carrier answers.
                story.actionLine = send.line
            }
        }
        var captured = Credits.zero
        var parts: [LedgerWording.Part] = []
        for capture in try await store.ledgerEntries(hold: id, account: account) where capture.kind == .capture {
            let credits = -capture.change.held
            captured += credits
            if capture.reference != hold.reference, let line = try await store.usageLine(capture.reference, account: account) {
                parts.append(Wallets.part(of: line, credits: credits))
            } else {
                parts.append(story.part(credits))
            }
        }
        let rest = hold.credits - captured
        if rest.isPositive {
            if captured == .zero, let feature = Feature(rawValue: hold.feature), feature == .creditScore || feature == .dti {
                // Still running: the validations it requires are not logged yet.
                parts.append(.named("\(LedgerWording.name(feature)) with its email and phone validations", rest))
            } else {
                parts.append(story.part(rest))
            }
        }
        let own = story.actionLine?.feature.rawValue ?? hold.feature
        story.parts = parts.filter { $0.feature == own } + parts.filter { $0.feature != own }
        return story
    }

    /// The hold's own action at `credits`: its line's feature, or the platform's name for it.
    func part(_ credits: Credits) -> LedgerWording.Part {
        if let actionLine { return Wallets.part(of: actionLine, credits: credits) }
        return Feature(rawValue: hold.feature).map { .feature($0, credits) } ?? .named(hold.feature, credits)
    }
}

extension LedgerWording.Part {
    /// The feature a part is of, by its API name.
    var feature: String {
        switch self {
        case .sms: Feature.sms.rawValue
        case .feature(let feature, _): feature.rawValue
        case .named(let name, _): name
        }
    }
}
