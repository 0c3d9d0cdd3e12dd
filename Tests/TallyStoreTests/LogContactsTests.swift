import Foundation
import GRDB
import PostgresNIO
import TallyCore
import TallyTestSupport
import Testing

@testable import TallyStore

/// A log line names its contact, the text it is searched by: a search reads the lines of
/// the few contacts it matches, or the log's range when it matches many. Both routes
/// answer the same lines and totals, and an upgraded database gives its lines contacts.
@Suite(.closesItsStores) struct LogContactsTests: ContractFixtures {
    /// 2026-11-20 12:00 Pacific (20:00Z).
    let now = Date(timeIntervalSince1970: 1_795_204_800)

    func line(_ account: AccountID, _ index: Int, name: String, email: String) -> UsageLogEntry {
        let at = now.addingTimeInterval(TimeInterval(-60 * index))
        return UsageLogEntry(
            id: "use_\(index)_\(UUID().uuidString)",
            accountID: account,
            feature: .emailValidation,
            status: index % 4 == 0 ? .invalid : .valid,
            credits: Credits(thousandths: 500),
            day: PacificDay.of(at),
            createdAt: at,
            contactName: name,
            email: email
        )
    }

    var november: PacificDateRange {
        PacificDateRange(from: PacificDate("2026-11-01")!, to: PacificDate("2026-11-30")!)
    }

    @Test(arguments: StoreBackend.enabled)
    func aSearchMatchingMoreContactsThanTheBudgetReadsTheRangeAndAnswersTheSame(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let loader = try #require(store as? any UsageLoading)
        let account = try await makeAccount(store)
        let other = try await makeAccount(store)
        // One more "Customer" contact than a search reads by key, three rare ones, and
        // the same people in another account.
        let common = LogQuery.searchContactBudget + 1
        var lines = (0..<common).map { line(account, $0, name: "Customer \($0)", email: "c\($0)@example.com") }
        lines += (0..<3).map { line(account, common + $0, name: "Ann Lee", email: "ann\($0)@lee.example") }
        lines += (0..<50).map { line(other, $0, name: "Customer \($0)", email: "c\($0)@example.com") }
        try await loader.loadUsage(lines)

        for (q, limit) in [("customer", 500), ("example.com", 500), ("ann lee", 2), ("customer 4999", 10), ("C12", 50)] {
            let search = try #require(LogSearch(q))
            let expected = lines.filter { line in
                line.accountID == account
                    && [line.contactName, line.email].contains { $0!.lowercased().contains(q.lowercased()) }
            }
            .sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
            let query = LogQuery(log: .emailValidation, range: november, search: search, limit: limit)
            let summary = try await store.logSummary(account: account, query: query)
            #expect(summary.lines == Int64(expected.count), "q=\(q)")
            #expect(summary.credits == expected.map(\.credits).reduce(.zero, +), "q=\(q)")
            let page = try await store.logLines(account: account, query: query)
            #expect(page.map(\.id) == expected.prefix(limit).map(\.id), "q=\(q)")
            // The next page follows on from the cursor.
            if let last = page.last, page.count == limit {
                var next = query
                next.after = last.cursor
                let following = try await store.logLines(account: account, query: next)
                #expect(following.map(\.id) == expected.dropFirst(limit).prefix(limit).map(\.id), "q=\(q)")
            }
        }
    }

    /// Rows an earlier Tally wrote: an account and three lines, two of one person.
    func earlierRows(_ account: String) -> [String] {
        let at = now.storedMilliseconds
        let columns = "id, account_id, feature, log, status, credits, day, created_at, contact_name, contact_email, email, phone"
        return [
            "INSERT INTO accounts (id, name, created_at) VALUES ('\(account)', 'Acme', \(at))",
            "INSERT INTO wallets (account_id, available, held, used, total) VALUES ('\(account)', 0, 0, 0, 0)",
            """
            INSERT INTO usage_log (\(columns)) VALUES
                ('use_a', '\(account)', 'email_validation', 'email_validation', 'valid', 500, '2026-11-20', \(at),
                    'Ann Lee', NULL, 'ann@lee.example', NULL),
                ('use_b', '\(account)', 'email_validation', 'email_validation', 'invalid', 500, '2026-11-20', \(at + 1),
                    'Ann Lee', NULL, 'ann@lee.example', NULL),
                ('use_c', '\(account)', 'phone_validation', 'phone_validation', 'valid', 1500, '2026-11-20', \(at + 2),
                    '', NULL, NULL, '+14155550199'),
                ('use_d', '\(account)', 'email_validation', 'email_validation', 'refused', 0, '2026-11-20', \(at + 3),
                    NULL, NULL, NULL, NULL)
            """,
        ]
    }

    @Test(arguments: StoreBackend.enabled)
    func anUpgradeGivesEveryLineItsContact(_ backend: StoreBackend) async throws {
        let account = AccountID("acct_\(UUID().uuidString)")
        let earlier = try await EarlierDatabase.upgraded(backend, through: "12-credit-lots", 12, rows: earlierRows(account.rawValue))
        let store = earlier.store
        var contacts = [String: String?]()
        for row in try await earlier.read(
            "SELECT l.id, c.text FROM usage_log l LEFT JOIN usage_log_contacts c ON c.id = l.contact_id ORDER BY l.id"
        ) {
            contacts[row[0]!] = row[1]
        }
        defer { Task { try? await store.close() } }

        // Each line's contact is the text a new line would be given; two lines, one contact.
        #expect(
            contacts == [
                "use_a": "Ann Lee ann@lee.example", "use_b": "Ann Lee ann@lee.example", "use_c": "+14155550199",
                "use_d": String?.none,
            ]
        )
        let ann = LogQuery(log: .emailValidation, range: november, search: LogSearch("ANN LEE"), limit: 10)
        #expect(try await store.logLines(account: account, query: ann).map(\.id) == ["use_b", "use_a"])
        let phone = LogQuery(log: .phoneValidation, range: november, search: LogSearch("415 555 0199"), limit: 10)
        #expect(try await store.logLines(account: account, query: phone).map(\.id) == ["use_c"])
        // A line written after the upgrade joins the known contact.
        let later = UsageLogEntry(
            id: "use_e",
            accountID: account,
            feature: .emailValidation,
            status: .valid,
            credits: .zero,
            day: "2026-11-20",
            createdAt: now.addingTimeInterval(10),
            contactName: "Ann Lee",
            email: "ann@lee.example"
        )
        _ = try await store.commit(WalletTransaction(accountID: account, postings: [], records: [.usage(later)], request: nil, at: now))
        #expect(try await store.logLines(account: account, query: ann).map(\.id) == ["use_e", "use_b", "use_a"])
    }
}
