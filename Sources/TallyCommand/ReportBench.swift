import ArgumentParser
import Foundation
import Histogram
import TallyApp
import TallyCore
import TallyStore

/// `tally bench-reports`: seeds a large usage log and times what the Credit usage page asks.
struct ReportBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-reports",
        abstract: "Measure usage reports, log pages and CSV export on a large usage log.",
        discussion: """
            Seeds --rows usage-log lines (with their rollups and per-day counts) for one new \
            account, spread over the last two years across every feature, then prints p50/p99 \
            of a one-year usage report, the first log page, a filtered page (90 days, \
            result=invalid), a page deep in by cursor and a search, and the CSV export rate \
            with the process's peak memory. Without --database it works on a throwaway SQLite \
            file; a postgres:// URL should name a throwaway database.
            """
    )

    @Option(help: "The database: a SQLite file path, or postgres://user@host:port/db (default: a throwaway SQLite file).")
    var database: String?

    @Option(help: "How many usage-log lines to seed.")
    var rows = 1_000_000

    @Option(help: "How many times each query is timed.")
    var samples = 200

    @Option(help: "Time the lines an earlier run seeded for this account in --database again, without seeding (its id is printed after seeding).")
    var account: String?

    func validate() throws {
        guard (1_000...100_000_000).contains(rows) else { throw ValidationError("--rows must be from 1,000 to 100,000,000") }
        guard (1...100_000).contains(samples) else { throw ValidationError("--samples must be from 1 to 100,000") }
    }

    func run() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tally-bench-reports-\(UUID().uuidString).sqlite").path
        let option = try DatabaseOption.parse(["--database", database ?? scratch])
        let store = try await option.openStore()
        defer {
            if database == nil {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: scratch + suffix) }
            }
        }
        let now = Date()
        let account: AccountID
        if let earlier = self.account {
            guard database != nil else { throw ValidationError("--account needs the --database an earlier run seeded") }
            account = AccountID(earlier)
        } else {
            account = try await seed(store, now: now)
        }
        let reports = Reports(store: store, time: FixedTime(instant: now))
        let reader = ReportReader(accountID: account)
        let today = PacificDate(containing: now)
        let ninetyDays = today.adding(days: -89).description

        print("engine: \(database?.hasPrefix("postgres") == true ? "PostgreSQL" : "SQLite"), rows: \(rows), samples: \(samples)")
        try await time("usage report, one year") {
            _ = try await reports.usage(of: reader, from: today.adding(days: -364).description, to: today.description)
        }
        // The same year's rollups as the store reads them, without the report around them.
        let year = PacificDateRange(from: today.adding(days: -364), to: today)
        try await time("  of which the rollups read") { _ = try await store.usageByDay(account: account, range: year) }
        try await time("first log page (email, 90 days)") {
            _ = try await reports.page(.emailValidation, of: reader, .init(from: ninetyDays, to: today.description))
        }
        try await time("filtered page (90 days, result=invalid)") {
            _ = try await reports.page(.emailValidation, of: reader, .init(from: ninetyDays, to: today.description, result: "invalid"))
        }
        // A cursor some 20,000 lines into the log's year.
        var request = Reports.LogRequest(from: today.adding(days: -364).description, to: today.description, limit: "500")
        for _ in 0..<40 {
            guard let next = try await reports.page(.emailValidation, of: reader, request).nextCursor else { break }
            request.cursor = next
        }
        request.limit = nil
        try await time("page deep in by cursor (~20,000 lines in)") {
            _ = try await reports.page(.emailValidation, of: reader, request)
        }
        try await time("search q=\"lead 4242\" (90 days; one lead in 10,000)") {
            _ = try await reports.page(.emailValidation, of: reader, .init(from: ninetyDays, to: today.description, q: "lead 4242"))
        }
        try await time("search q=\"example.com\" (90 days; every line)") {
            _ = try await reports.page(.emailValidation, of: reader, .init(from: ninetyDays, to: today.description, q: "example.com"))
        }

        let export = try reports.export(.emailValidation, of: reader, .init(from: today.adding(days: -729).description, to: today.description))
        let before = ProcessMemory.peakResidentKiB()
        let anonymousBefore = ProcessMemory.anonymousResidentKiB()
        var exported = 0
        var bytes = 0
        // Own memory after each fifth of the email lines (40 % of the seeded ones): flat
        // memory stops growing once the first chunks are in flight.
        let fifth = max(1, rows * 2 / 5 / 5)
        var samples = [String]()
        let started = ContinuousClock.now
        try await export.run { chunk in
            for byte in chunk.utf8 where byte == 10 {
                exported += 1
                if exported % fifth == 0 { samples.append("\(ProcessMemory.anonymousResidentKiB() / 1024)") }
            }
            bytes += chunk.utf8.count
        }
        let seconds = (ContinuousClock.now - started).seconds
        print(
            "csv export: \(exported - 1) rows, \(bytes / 1_048_576) MiB in \(String(format: "%.2f", seconds)) s = "
                + "\(Int(Double(exported - 1) / max(seconds, 0.000_001))) rows/s; "
                + "peak RSS \(before / 1024) MiB before, \(ProcessMemory.peakResidentKiB() / 1024) MiB after "
                + "(mapped database pages included); own memory \(anonymousBefore / 1024) MiB before, "
                + "\(ProcessMemory.anonymousResidentKiB() / 1024) MiB after (MiB after each fifth: "
                + samples.joined(separator: ", ") + ")"
        )
        try await store.close()
    }

    /// Runs `body` once untimed (its pages read into memory, as on a server in use),
    /// then times it `samples` times and prints p50 and p99 in milliseconds.
    func time(_ name: String, _ body: () async throws -> Void) async throws {
        try await body()
        var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000)
        for _ in 0..<samples {
            let begin = ContinuousClock.now
            try await body()
            _ = histogram.record(UInt64((ContinuousClock.now - begin).seconds * 1_000_000))
        }
        func milliseconds(_ percentile: Double) -> String {
            String(format: "%.2f", Double(histogram.valueAtPercentile(percentile)) / 1000)
        }
        print("\(name): p50 \(milliseconds(50)) ms, p99 \(milliseconds(99)) ms")
    }

    /// One account and `rows` lines over the last two years, 20,000 lines a transaction,
    /// written in bulk with what the charge path writes beside each line.
    func seed(_ store: any Store, now: Date) async throws -> AccountID {
        guard let loader = store as? any UsageLoading else { throw ValidationError("this database cannot be seeded in bulk") }
        let account = try await Bench.makeAccount(store, name: "Report benchmark", now: now)
        let span: Double = 730 * 86_400
        let started = ContinuousClock.now
        var written = 0
        while written < rows {
            let batch = min(20_000, rows - written)
            let lines = (written..<written + batch).map { index -> UsageLogEntry in
                // Oldest first, evenly spread up to now.
                let at = now.addingTimeInterval(-span + span * Double(index) / Double(rows))
                return Self.line(index, account: account, at: at)
            }
            try await loader.loadUsage(lines)
            written += batch
        }
        try await loader.settleLoad()
        let seconds = (ContinuousClock.now - started).seconds
        print("account \(account)")
        print("seeded \(rows) lines in \(String(format: "%.1f", seconds)) s (\(Int(Double(rows) / seconds)) lines/s)")
        return account
    }

    /// A deterministic line: 40 % email, 30 % phone, 20 % SMS, 10 % credit checks.
    static func line(_ index: Int, account: AccountID, at: Date) -> UsageLogEntry {
        let feature: Feature
        let status: UsageResult
        var credits: Credits
        switch index % 10 {
        case 0, 1, 2, 3:
            feature = .emailValidation
            status = index % 7 == 0 ? .invalid : .valid
            credits = Credits(thousandths: 500)
        case 4, 5, 6:
            feature = .phoneValidation
            status = index % 11 == 0 ? .invalid : .valid
            credits = Credits(thousandths: 1_500)
        case 7, 8:
            feature = .sms
            status = index % 13 == 0 ? .failed : .sent
            credits = status == .sent ? Credits(thousandths: 450) : .zero
        default:
            feature = index % 20 == 9 ? .creditScore : .dti
            status = index % 17 == 0 ? .skipped : .completed
            credits = status == .completed ? Catalog.price(of: feature)! : .zero
        }
        return UsageLogEntry(
            id: "use_\(String(index, radix: 36))_\(index % 1_000)",
            accountID: account,
            feature: feature,
            status: status,
            credits: credits,
            day: PacificDay.of(at),
            createdAt: at,
            contactName: "Lead \(index % 100_000)",
            contactEmail: feature == .sms ? "lead\(index % 100_000)@example.com" : nil,
            phone: feature == .emailValidation ? nil : "+1201555\(String(format: "%04d", index % 10_000))",
            email: feature == .emailValidation ? "lead\(index % 100_000)@example.com" : nil,
            iso: feature == .emailValidation ? nil : "US",
            segments: feature == .sms ? 1 : nil,
            event: feature == .sms ? "reminder" : nil,
            creditScore: feature == .creditScore && status == .completed ? 600 + index % 200 : nil,
            dtiPercent: feature == .dti && status == .completed ? index % 60 : nil
        )
    }
}

/// A clock stopped at one instant.
struct FixedTime: TimeSource {
    let instant: Date
    func now() -> Date { instant }
}

/// This process's memory, as Linux reports it.
enum ProcessMemory {
    /// Peak resident set size (VmHWM) in KiB; 0 where /proc is not there. It counts the
    /// database file's pages SQLite maps in, which belong to the page cache.
    static func peakResidentKiB() -> Int { field("VmHWM:") }

    /// Resident memory of the process's own (anonymous) pages, without mapped files: what
    /// an export holds in memory.
    static func anonymousResidentKiB() -> Int { field("RssAnon:") }

    static func field(_ name: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(name) {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        return 0
    }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
