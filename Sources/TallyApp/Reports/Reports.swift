import Foundation
import TallyCore
import TallyStore

/// Credit usage and feature logs: what a customer reads to see where the credits went.
/// Reads only, never writes.
///
/// The usage report is answered from the daily rollups alone, so a five-year range
/// costs one row per day and feature however long the log is. A log page is one
/// index range, found by an opaque keyset cursor.
public struct Reports: Sendable {
    let store: any ReportsStore
    let time: any TimeSource

    public static let defaultPageSize = 50
    /// Lines read per round when a whole log is exported.
    static let exportChunk = 2_000

    public init(store: any ReportsStore, time: any TimeSource) {
        self.store = store
        self.time = time
    }

    // MARK: Usage

    public struct FeatureLine: Sendable, Codable, Hashable {
        public var feature: Feature
        /// The catalog price of one use; SMS has none (it depends on country and segments).
        @Nullable public var costPerUse: Credits?
        public var uses: Int64
        public var credits: Credits
    }

    /// Captures of the platform's own holds (`POST …/holds`) naming one feature.
    public struct HoldLine: Sendable, Codable, Hashable {
        /// The feature the holds named.
        public var feature: String
        /// Captures.
        public var uses: Int64
        public var credits: Credits
    }

    public struct Day: Sendable, Codable, Hashable {
        /// `YYYY-MM-DD`, a Pacific calendar day.
        public var date: String
        /// Everything used that day: the features and the captured holds.
        public var credits: Credits
        /// Credits per feature, every feature present.
        public var features: FeatureCredits
        /// Credits captured from the platform's own holds, whatever feature they named.
        public var holds: Credits
    }

    /// Credits per feature, written as an object keyed by feature id with every feature
    /// present. Held by position in `Feature.allCases`: a five-year report has 1,826 days,
    /// and a dictionary per day cost more than reading the rollups.
    public struct FeatureCredits: Sendable, Codable, Hashable {
        private var thousandths: [Int64]

        /// `thousandths[i]` is the credits of `Feature.allCases[i]`.
        init(thousandths: [Int64]) {
            precondition(thousandths.count == Feature.allCases.count)
            self.thousandths = thousandths
        }

        public subscript(feature: Feature) -> Credits {
            Credits(thousandths: thousandths[Feature.allCases.firstIndex(of: feature)!])
        }

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            for (feature, value) in zip(Feature.allCases, thousandths) {
                try container.encode(Credits(thousandths: value), forKey: Key(stringValue: feature.rawValue))
            }
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            thousandths = try Feature.allCases.map {
                try container.decode(Credits.self, forKey: Key(stringValue: $0.rawValue)).thousandths
            }
        }
    }

    public struct UsageReport: Sendable, Codable, Hashable {
        public var from: String
        public var to: String
        public var features: [FeatureLine]
        /// The platform's own holds captured in the range, by the feature they named.
        public var holds: [HoldLine]
        /// Everything used in the range — the features and the captured holds — which is
        /// what the ledger moved to `used` over those days.
        public var totalCredits: Credits
        public var days: [Day]
    }

    /// Per-feature uses and credits over Pacific days `from...to` (the last 30 days by
    /// default), with one entry per day for the chart, days without use included. The
    /// platform's own holds count where they were captured, by the feature they named.
    public func usage(of reader: ReportReader, from: String?, to: String?) async throws -> UsageReport {
        let range = try dateRange(from: from, to: to)
        let rows = try await store.usageByDay(account: reader.accountID, range: range)
        let features = Feature.allCases
        let index = Dictionary(uniqueKeysWithValues: features.enumerated().map { ($1, $0) })
        let dayCount = range.from.days(to: range.to) + 1
        // Credits per day of the range and feature, by position: O(days), no hashing of days.
        var daily = [[Int64]](repeating: [Int64](repeating: 0, count: features.count), count: dayCount)
        var uses = [Int64](repeating: 0, count: features.count)
        var credits = [Int64](repeating: 0, count: features.count)
        var heldDaily = [Int64](repeating: 0, count: dayCount)
        var held: [String: (uses: Int64, credits: Int64)] = [:]
        for row in rows {
            let offset = PacificDate(row.day).map { range.from.days(to: $0) } ?? -1
            guard daily.indices.contains(offset) else { continue }
            switch row.feature {
            case .catalog(let catalogFeature):
                guard let feature = index[catalogFeature] else { continue }
                daily[offset][feature] += row.credits.thousandths
                uses[feature] += row.uses
                credits[feature] += row.credits.thousandths
            case .held(let name):
                heldDaily[offset] += row.credits.thousandths
                held[name, default: (0, 0)].uses += row.uses
                held[name, default: (0, 0)].credits += row.credits.thousandths
            }
        }
        let lines = features.enumerated().map { position, feature in
            FeatureLine(
                feature: feature,
                costPerUse: Catalog.price(of: feature),
                uses: uses[position],
                credits: Credits(thousandths: credits[position])
            )
        }
        let holds = held.sorted { $0.key < $1.key }.map { name, sum in
            HoldLine(feature: name, uses: sum.uses, credits: Credits(thousandths: sum.credits))
        }
        let days = daily.enumerated().map { offset, spent in
            Day(
                date: range.from.adding(days: offset).description,
                credits: Credits(thousandths: spent.reduce(0, +) + heldDaily[offset]),
                features: FeatureCredits(thousandths: spent),
                holds: Credits(thousandths: heldDaily[offset])
            )
        }
        return UsageReport(
            from: range.from.description,
            to: range.to.description,
            features: lines,
            holds: holds,
            totalCredits: Credits(thousandths: credits.reduce(0, +) + heldDaily.reduce(0, +)),
            days: days
        )
    }

    // MARK: Logs

    /// A log query as a reader writes it: every field text, unchecked.
    public struct LogRequest: Sendable, Hashable {
        public var from: String?
        public var to: String?
        public var result: String?
        /// The phone validation log's line type, as Twilio Lookup names it.
        public var lineType: String?
        public var q: String?
        public var limit: String?
        public var cursor: String?

        public init(
            from: String? = nil,
            to: String? = nil,
            result: String? = nil,
            lineType: String? = nil,
            q: String? = nil,
            limit: String? = nil,
            cursor: String? = nil
        ) {
            self.from = from
            self.to = to
            self.result = result
            self.lineType = lineType
            self.q = q
            self.limit = limit
            self.cursor = cursor
        }
    }

    public struct LogPage: Sendable, Encodable {
        public var log: FeatureLog
        public var from: String
        public var to: String
        public var total: Int64
        public var totalCredits: Credits
        /// SMS sent in the filtered range; the SMS log only.
        public var totalSent: Int64?
        public var items: [LogItem]
        @Nullable public var nextCursor: String?

        enum CodingKeys: String, CodingKey {
            case from, to, total, totalCredits, totalSent, items, nextCursor
        }
    }

    /// The log's name, or 404.
    public static func log(named name: String) throws -> FeatureLog {
        guard let log = FeatureLog(rawValue: name) else {
            throw TallyError.notFound(
                "no log \(name); the logs are " + FeatureLog.allCases.map(\.rawValue).joined(separator: ", ")
            )
        }
        return log
    }

    /// One page of a log, newest first, with the totals of everything the filters match.
    public func page(_ log: FeatureLog, of reader: ReportReader, _ request: LogRequest) async throws -> LogPage {
        let query = try logQuery(log, request)
        async let summary = store.logSummary(account: reader.accountID, query: query)
        var lines = try await store.logLines(account: reader.accountID, query: query)
        var next: String?
        if lines.count > query.limit - 1 {
            lines.removeLast(lines.count - (query.limit - 1))
            next = lines.last?.cursor.encoded(for: log.rawValue)
        }
        let totals = try await summary
        return LogPage(
            log: log,
            from: query.range.from.description,
            to: query.range.to.description,
            total: totals.lines,
            totalCredits: totals.credits,
            totalSent: log == .sms ? totals.sent : nil,
            items: lines.map(LogItem.init),
            nextCursor: next
        )
    }

    /// A checked CSV export of a whole filtered log, ready to stream.
    public struct LogExport: Sendable {
        let store: any ReportsStore
        let account: AccountID
        let query: LogQuery
        /// `tally-sms-2026-11-01-to-2026-11-30.csv`.
        public let fileName: String

        /// Hands the CSV to `write` a chunk at a time (a header row, then 2,000 lines a
        /// chunk), so memory stays flat whatever the log's size.
        public func run(write: (String) async throws -> Void) async throws {
            try await write(CSV.row(LogItem.csvHeader(query.log)))
            var lines = try await store.logLines(account: account, query: query)
            while !lines.isEmpty {
                // The next chunk is read while this one is written out: the database and
                // the formatting each keep a core busy.
                var next = query
                next.after = lines.count == query.limit ? lines.last?.cursor : nil
                async let following = next.after == nil ? [] : store.logLines(account: account, query: next)
                var chunk = ""
                chunk.reserveCapacity(lines.count * 100)
                for line in lines { CSV.append(LogItem(line).csvFields, to: &chunk) }
                try await write(chunk)
                lines = try await following
            }
        }
    }

    /// The whole filtered log as CSV (its `limit` and `cursor` ignored); a bad parameter
    /// is refused here, before anything is streamed.
    public func export(_ log: FeatureLog, of reader: ReportReader, _ request: LogRequest) throws -> LogExport {
        var request = request
        request.limit = nil
        request.cursor = nil
        var query = try logQuery(log, request)
        query.limit = Self.exportChunk
        return LogExport(
            store: store,
            account: reader.accountID,
            query: query,
            fileName: "tally-\(log.rawValue)-\(query.range.from)-to-\(query.range.to).csv"
        )
    }

    /// The line types Twilio Lookup names (`line_type_intelligence.type`).
    public static let lineTypes = [
        "mobile", "landline", "fixedVoip", "nonFixedVoip", "personal", "tollFree", "premium", "sharedCost", "uan",
        "voicemail", "pager", "unknown",
    ]

    /// Checks a log request: every bad parameter is a 422 naming it.
    func logQuery(_ log: FeatureLog, _ request: LogRequest) throws -> LogQuery {
        let range = try dateRange(from: request.from, to: request.to)
        let limit = try Paging.size(request.limit, default: Self.defaultPageSize)
        var result: UsageResult?
        if let typed = request.result {
            guard let known = log.results.first(where: { $0.rawValue == typed }) else {
                throw TallyError.invalid("result", "must be one of: " + log.results.map(\.rawValue).joined(separator: ", "))
            }
            result = known
        }
        if let lineType = request.lineType {
            guard log == .phoneValidation else { throw TallyError.invalid("lineType", "only the phone_validation log has line types") }
            guard Self.lineTypes.contains(lineType) else {
                throw TallyError.invalid("lineType", "must be one of: " + Self.lineTypes.joined(separator: ", "))
            }
        }
        let after = try Paging.cursor(request.cursor, list: log.rawValue)
        if let q = request.q, q.count > LogSearch.maximumLength {
            throw TallyError.invalid("q", "must be at most \(LogSearch.maximumLength) characters")
        }
        // One line more than the page, to know whether another page follows.
        return LogQuery(
            log: log,
            range: range,
            result: result,
            lineType: request.lineType,
            search: LogSearch(request.q),
            after: after,
            limit: limit + 1
        )
    }

    /// The Pacific days asked for, or a 422 naming the parameter.
    public func dateRange(from: String?, to: String?) throws -> PacificDateRange {
        let today = PacificDate(containing: time.now())
        switch PacificDateRange.parse(from: from, to: to, today: today) {
        case .success(let range):
            return range
        case .failure(.malformed(let parameter)):
            throw TallyError.invalid(parameter, "must be a real date written YYYY-MM-DD")
        case .failure(.reversed):
            throw TallyError.invalid("from", "must not be after to")
        case .failure(.tooLong):
            throw TallyError.invalid("to", "must be at most \(PacificDateRange.maximumYears) years after from")
        }
    }
}

extension Reports {
    /// The ledger window a reader asked for: none (the whole ledger) when neither
    /// `from` nor `to` is given, else those Pacific days.
    public func ledgerWindow(from: String?, to: String?) throws -> Range<Date>? {
        guard from != nil || to != nil else { return nil }
        let range = try dateRange(from: from, to: to)
        return range.start..<range.end
    }

    /// The header row of the ledger's CSV export.
    public static let ledgerCSVHeader = ["Time", "Kind", "Credits", "Balance after", "Held", "Used", "Reference", "ID"]

    /// A ledger entry's cells under `ledgerCSVHeader`.
    public static func ledgerCSVFields(_ entry: Wallets.LedgerEntryView) -> [String] {
        [
            PacificDay.timestamp(entry.createdAt), entry.kind.rawValue, entry.credits.description,
            entry.balanceAfter.description, entry.held.description, entry.used.description, entry.reference,
            entry.id.rawValue,
        ]
    }
}
