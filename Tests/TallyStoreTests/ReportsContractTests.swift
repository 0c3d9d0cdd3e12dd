import Foundation
import TallyCore
import TallyStore
import Testing

/// The store contract for usage reports and feature logs: pages in log order found by
/// a keyset cursor, filters, totals, and the daily rollups. Every conformance must pass.
@Suite("Reports contract", .closesItsStores)
struct ReportsContractTests: ContractFixtures {
    /// 2026-11-20 12:00 Pacific (20:00Z).
    let now = Date(timeIntervalSince1970: 1_795_204_800)

    func line(
        _ account: AccountID,
        _ feature: Feature,
        status: UsageResult,
        credits: Credits,
        at offset: TimeInterval,
        name: String? = nil,
        email: String? = nil,
        phone: String? = nil,
        id: String = "use_\(UUID().uuidString)"
    ) -> UsageLogEntry {
        let at = now.addingTimeInterval(offset)
        return UsageLogEntry(
            id: id,
            accountID: account,
            feature: feature,
            status: status,
            credits: credits,
            day: PacificDay.of(at),
            createdAt: at,
            contactName: name,
            phone: phone,
            email: email
        )
    }

    func write(_ store: any Store, _ lines: [UsageLogEntry]) async throws {
        for line in lines {
            let postings = line.credits.isPositive ? [posting(.charge, .charge(line.credits), reference: line.id)] : []
            _ = try await store.commit(
                WalletTransaction(accountID: line.accountID, postings: postings, records: [.usage(line)], request: nil, at: line.createdAt)
            )
        }
    }

    func range(_ from: String, _ to: String) throws -> PacificDateRange {
        PacificDateRange(from: try #require(PacificDate(from)), to: try #require(PacificDate(to)))
    }

    /// Pages through a log until it ends, `size` lines a page; `between` runs after each page.
    func readAll(
        _ store: any Store,
        _ account: AccountID,
        _ query: LogQuery,
        between: () async throws -> Void = {}
    ) async throws -> [UsageLogEntry] {
        var query = query
        var all = [UsageLogEntry]()
        while true {
            let page = try await store.logLines(account: account, query: query)
            all += page
            guard page.count == query.limit, let last = page.last else { return all }
            query.after = last.cursor
            try await between()
        }
    }

    @Test(arguments: StoreBackend.enabled)
    func aLogPagesNewestFirstWithNoDuplicateOrGapWhileLinesArrive(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let other = try await makeAccount(store, email: "other@example.com")
        try await credit(store, account, Credits(whole: 1_000))
        try await credit(store, other, Credits(whole: 1_000))
        // 30 lines, six of them in the same millisecond: the id breaks the tie.
        var lines = (0..<24).map { line(account, .emailValidation, status: .valid, credits: Credits(thousandths: 500), at: -Double($0) * 60) }
        lines += (0..<6).map {
            line(account, .emailValidation, status: .invalid, credits: Credits(thousandths: 500), at: -3_600, id: "ev_tie_\($0)")
        }
        try await write(store, lines.shuffled())
        // Other logs and other accounts stay out.
        try await write(
            store,
            [
                line(account, .phoneValidation, status: .valid, credits: Credits(thousandths: 1_500), at: -10),
                line(other, .emailValidation, status: .valid, credits: Credits(thousandths: 500), at: -10),
            ]
        )
        let expected = lines.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }.map(\.id)

        var arrived = 0
        let query = LogQuery(log: .emailValidation, range: try range("2026-11-01", "2026-11-30"), limit: 7)
        let read = try await readAll(store, account, query) {
            // New lines keep arriving between pages; they are newer than every page read.
            arrived += 1
            try await write(store, [line(account, .emailValidation, status: .valid, credits: Credits(thousandths: 500), at: Double(arrived))])
        }
        #expect(read.map(\.id) == expected)
        #expect(Set(read.map(\.id)).count == read.count)
        // Read again from the top: the new lines first, then the same lines.
        let again = try await readAll(store, account, query)
        #expect(again.count == expected.count + arrived)
        #expect(Array(again.map(\.id).suffix(expected.count)) == expected)
    }

    @Test(arguments: StoreBackend.enabled)
    func aLogFiltersByDaysResultAndSearchAndItsTotalsAgree(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await credit(store, account, Credits(whole: 1_000))
        let day: TimeInterval = 86_400
        let lines = [
            line(account, .sms, status: .sent, credits: Credits(thousandths: 4_500), at: 0, email: nil, phone: "+14155550100"),
            line(account, .sms, status: .failed, credits: .zero, at: -60, phone: "+14155550000"),
            line(account, .sms, status: .sent, credits: Credits(thousandths: 9_000), at: -day, phone: "+33612345678"),
            line(account, .sms, status: .refused, credits: .zero, at: -2 * day, phone: "+14155550100"),
            line(account, .sms, status: .sent, credits: Credits(thousandths: 4_500), at: -40 * day, phone: "+14155550100"),
        ]
        var withContacts = lines
        withContacts[0].contactEmail = "Olive@Acme.example"
        withContacts[2].contactEmail = "pat@other.example"
        try await write(store, withContacts)

        let november = try range("2026-11-01", "2026-11-30")
        func query(_ result: UsageResult? = nil, _ q: String? = nil, _ days: PacificDateRange? = nil) -> LogQuery {
            LogQuery(log: .sms, range: days ?? november, result: result, search: LogSearch(q), limit: 100)
        }
        #expect(try await store.logLines(account: account, query: query()).map(\.id) == withContacts.prefix(4).map(\.id))
        #expect(try await store.logLines(account: account, query: query(.sent)).map(\.id) == [withContacts[0].id, withContacts[2].id])
        #expect(try await store.logLines(account: account, query: query(nil, "olive@acme")).map(\.id) == [withContacts[0].id])
        // A number matches however it is punctuated.
        #expect(
            try await store.logLines(account: account, query: query(nil, "+1 (415) 555-0100")).map(\.id) == [withContacts[0].id, withContacts[3].id]
        )
        // One day only: 2026-11-19.
        #expect(
            try await store.logLines(account: account, query: query(nil, nil, try range("2026-11-19", "2026-11-19"))).map(\.id) == [
                withContacts[2].id
            ]
        )
        // A pattern character is matched literally.
        #expect(try await store.logLines(account: account, query: query(nil, "%")).isEmpty)

        // Totals: from the per-day counts, or by reading the lines for a search; both agree with the lines.
        for q in [
            query(), query(.sent), query(.failed), query(nil, "+14155550100"), query(.sent, "olive"),
            query(nil, nil, try range("2026-10-01", "2026-11-30")),
        ] {
            let read = try await readAll(store, account, q)
            let summary = try await store.logSummary(account: account, query: q)
            #expect(summary.lines == Int64(read.count))
            #expect(summary.credits == read.map(\.credits).reduce(.zero, +))
            #expect(summary.sent == Int64(read.filter { $0.status == .sent }.count))
        }
    }

    @Test(arguments: StoreBackend.enabled)
    func aSearchFindsTheSameLinesThroughTheIndexOrTheRange(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let other = try await makeAccount(store)
        try await credit(store, account, Credits(whole: 1_000))
        try await credit(store, other, Credits(whole: 1_000))
        // Many common lines and a few rare ones, in two accounts: a rare search is
        // answered through the trigram index, a common one by reading the range.
        let names = ["Ann Lee", "Bob_Smith", "50% Off Deals", "Zoë Ángel", "back\\slash co"]
        var lines = [UsageLogEntry]()
        for index in 0..<120 {
            let rare = index % 40 == 0
            let name = rare ? names[(index / 40) % names.count] : "Customer \(index)"
            for owner in [account, other] {
                lines.append(
                    line(
                        owner,
                        .emailValidation,
                        status: index % 3 == 0 ? .invalid : .valid,
                        credits: Credits(thousandths: 500),
                        at: TimeInterval(-600 * index),
                        name: name,
                        email: rare ? "rare\(index)@example.com" : "c\(index)@example.com"
                    )
                )
            }
        }
        lines.append(
            line(account, .emailValidation, status: .valid, credits: Credits(thousandths: 500), at: -30, name: "Bob Smith")
        )
        lines.append(
            line(
                account,
                .phoneValidation,
                status: .valid,
                credits: Credits(thousandths: 1_500),
                at: -40,
                phone: "+14155550199"
            )
        )
        try await write(store, lines)

        let november = try range("2026-11-01", "2026-11-30")
        for q in [
            "bob_smith", "BOB", "50%", "% off", "ann lee", "rare40@", "example.com", "customer 1", "_s", "zoë",
            "slash", "\\", "nobody at all", "Lee", "c11",
        ] {
            let search = try #require(LogSearch(q))
            let expected = lines.filter { line in
                line.accountID == account && line.log == .emailValidation
                    && [line.contactName, line.contactEmail, line.email, line.phone].contains { field in
                        field.map { $0.lowercased().contains(q.lowercased()) } ?? false
                    }
            }
            .sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
            let query = LogQuery(log: .emailValidation, range: november, search: search, limit: 7)
            let read = try await readAll(store, account, query)
            #expect(read.map(\.id) == expected.map(\.id), "q=\(q)")
            let summary = try await store.logSummary(account: account, query: query)
            #expect(summary.lines == Int64(expected.count), "q=\(q)")
            #expect(summary.credits == expected.map(\.credits).reduce(.zero, +), "q=\(q)")
        }
        // A number, however punctuated, through the phone log.
        let phone = LogQuery(log: .phoneValidation, range: november, search: LogSearch("(415) 555-0199"), limit: 10)
        #expect(try await store.logLines(account: account, query: phone).map(\.phone) == ["+14155550199"])
    }

    @Test(arguments: StoreBackend.enabled)
    func usageByDayReadsTheRollupsOfChargedLinesOnly(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await credit(store, account, Credits(whole: 1_000))
        let day: TimeInterval = 86_400
        try await write(
            store,
            [
                line(account, .emailValidation, status: .valid, credits: Credits(thousandths: 500), at: 0),
                line(account, .emailValidation, status: .invalid, credits: Credits(thousandths: 500), at: 10),
                line(account, .emailValidation, status: .refused, credits: .zero, at: 20),
                line(account, .creditScore, status: .completed, credits: Credits(whole: 15), at: -day),
                line(account, .dti, status: .skipped, credits: .zero, at: -day),
            ]
        )
        let rows = try await store.usageByDay(account: account, range: try range("2026-11-01", "2026-11-30"))
        #expect(
            Set(rows) == [
                DayUsage(day: "2026-11-20", feature: .emailValidation, uses: 2, credits: Credits(whole: 1)),
                DayUsage(day: "2026-11-19", feature: .creditScore, uses: 1, credits: Credits(whole: 15)),
            ]
        )
        #expect(try await store.usageByDay(account: account, range: try range("2026-11-21", "2026-11-30")).isEmpty)
    }

    /// A capture of the platform's own hold is a use of the feature the hold named: its
    /// rollup sits beside the catalog's, never merged with a feature of the same name.
    @Test(arguments: StoreBackend.enabled)
    func capturedHoldsAreRolledUpByTheFeatureTheyNamed(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await credit(store, account, Credits(whole: 1_000))
        let day: TimeInterval = 86_400
        try await write(store, [line(account, .sms, status: .sent, credits: Credits(thousandths: 450), at: 0)])
        for (index, (feature, held, captured, offset)) in [
            ("calls", 30, 20, 0.0), ("calls", 10, 10, 60), ("sms", 5, 4, 120), ("calls", 7, 7, -day),
        ].enumerated() {
            let at = now.addingTimeInterval(offset)
            let hold = Hold(
                id: HoldID("hold_\(index)"),
                accountID: account,
                feature: feature,
                credits: Credits(whole: Int64(held)),
                reference: "",
                createdAt: at,
                expiresAt: at.addingTimeInterval(300)
            )
            _ = try await store.commit(
                WalletTransaction(
                    accountID: account,
                    postings: [
                        Posting(
                            id: LedgerEntryID("led_h\(index)"),
                            kind: .hold,
                            change: .hold(hold.credits),
                            reference: hold.id.rawValue,
                            hold: hold.id
                        )
                    ],
                    records: [.hold(hold)],
                    request: nil,
                    at: at
                )
            )
            var postings = [
                Posting(
                    id: LedgerEntryID("led_c\(index)"),
                    kind: .capture,
                    change: .capture(Credits(whole: Int64(captured))),
                    reference: hold.id.rawValue,
                    hold: hold.id
                )
            ]
            if held > captured {
                postings.append(
                    Posting(
                        id: LedgerEntryID("led_r\(index)"),
                        kind: .release,
                        change: .release(Credits(whole: Int64(held - captured))),
                        reference: hold.id.rawValue,
                        hold: hold.id
                    )
                )
            }
            _ = try await store.commit(
                WalletTransaction(
                    accountID: account,
                    postings: postings,
                    records: [
                        .settleHold(hold.id, status: .captured, capturedCredits: Credits(whole: Int64(captured))),
                        .heldUsage(HeldUsage(feature: feature, day: PacificDay.of(at), credits: Credits(whole: Int64(captured)))),
                    ],
                    request: nil,
                    at: at
                )
            )
        }
        let rows = try await store.usageByDay(account: account, range: try range("2026-11-01", "2026-11-30"))
        #expect(
            Set(rows) == [
                DayUsage(day: "2026-11-20", feature: .sms, uses: 1, credits: Credits(thousandths: 450)),
                DayUsage(day: "2026-11-20", feature: .held("calls"), uses: 2, credits: Credits(whole: 30)),
                DayUsage(day: "2026-11-20", feature: .held("sms"), uses: 1, credits: Credits(whole: 4)),
                DayUsage(day: "2026-11-19", feature: .held("calls"), uses: 1, credits: Credits(whole: 7)),
            ]
        )
        let used = try #require(try await store.wallet(account: account)).used
        #expect(rows.map(\.credits).reduce(.zero, +) == used)
    }

    @Test(arguments: StoreBackend.enabled)
    func theLedgerReadsAWindowOfTime(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await credit(store, account, Credits(whole: 100))
        for hours in [1.0, 2, 30, 50] {
            _ = try await store.commit(
                WalletTransaction(
                    accountID: account,
                    postings: [posting(.charge, .charge(Credits(whole: 1)))],
                    request: nil,
                    at: now.addingTimeInterval(hours * 3_600)
                )
            )
        }
        let window = now.addingTimeInterval(1_800)..<now.addingTimeInterval(40 * 3_600)
        let entries = try await store.ledger(account: account, limit: 10, before: nil, window: window)
        #expect(entries.count == 3)
        let older = try await store.ledger(account: account, limit: 10, before: entries[1].sequence, window: window)
        #expect(older.map(\.id) == [entries[2].id])
        #expect(try await store.ledger(account: account, limit: 10, before: nil).count == 5)
    }
}
