import Foundation
import TallyApp
import TallyCore
import TallyStore
import Testing

/// SPEC "Usage and logs", API.md "Usage and logs": the Credit usage page's API.
/// Thousandths of a credit written as the API writes credits (`"0.500"`).
func thousandths(_ value: String?) -> Int64 {
    (try? Credits.parse(value ?? "").get().thousandths) ?? Int64.min
}

@Suite("Usage and logs")
struct UsageAndLogsTests {
    /// 2026-03-01 12:00 Pacific.
    static let start = Date(timeIntervalSince1970: 1_772_395_200)

    /// Runs features at chosen Pacific times (an API key does, so no session expires
    /// while the clock moves), then reads usage and logs back.
    struct Scene {
        let harness: Harness
        let account: TestAccount
        let key: String
        let clock: ManualTime

        func at(_ date: Date, _ request: some AccountRequest) async throws -> Reply {
            clock.set(date)
            let reply = try await account.send(request, token: key)
            #expect(reply.status == 200, "\(reply)")
            return reply
        }

        func get(_ path: String, token: String? = nil) async throws -> Reply {
            try await harness.call(.get, "/v1/accounts/\(account.id)\(path)", token: token ?? key)
        }
    }

    func withScene(_ body: @Sendable (Scene) async throws -> Void) async throws {
        let clock = ManualTime(Self.start)
        try await Harness.run(time: clock) { harness in
            let account = try await harness.makeAccount()
            try #require(try await account.buy(1_000).status == 201)
            let key = try await account.apiKey()
            try await body(Scene(harness: harness, account: account, key: key, clock: clock))
        }
    }

    /// Instants around the 2026 daylight-saving changes, at 00:10, 12:00 and 23:30 Pacific.
    static var moments: [Date] {
        ["2026-03-06", "2026-03-07", "2026-03-08", "2026-03-09", "2026-10-31", "2026-11-01", "2026-11-02"].flatMap { text in
            let day = PacificDate(text)!
            let midnight = day.adding(days: 1).start
            return [day.start.addingTimeInterval(600), day.start.addingTimeInterval(43_200), midnight.addingTimeInterval(-1_800)]
        }
    }

    @Test func theUsageTotalOfAnyRangeEqualsWhatTheLedgerCharged() async throws {
        try await withScene { scene in
            var generator = SystemRandomNumberGenerator()
            for (index, moment) in Self.moments.enumerated() {
                switch index % 3 {
                case 0:
                    _ = try await scene.at(moment, EmailValidationRequest(email: "lee\(index)@example.com", contact: ContactBody(name: "Lee")))
                case 1:
                    _ = try await scene.at(moment, PhoneValidationRequest(phone: "+1 201 555 01\(10 + index)", contact: ContactBody(name: "Lee")))
                default:
                    _ = try await scene.at(moment, SMSRequest(to: "+33 6 12 34 56 78", body: "hello", contact: ContactBody(email: "lee@example.com")))
                }
            }
            scene.clock.set(PacificDate("2026-11-29")!.start)
            // What the ledger charged, per Pacific day of each entry.
            var ledger = try await scene.account.ledger("?limit=500", token: scene.key)
            // A validation is one charge, an SMS a hold and its capture, and the purchase.
            #expect(ledger.count == Self.moments.count / 3 * 4 + 1)
            var usedByDay = [String: Int64]()
            let dates = ISO8601DateFormatter()
            dates.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            for entry in ledger {
                let text = try #require(entry.createdAt)
                let at = try #require(dates.date(from: text) ?? ISO8601DateFormatter().date(from: text))
                usedByDay[PacificDay.of(at), default: 0] += thousandths(entry.used)
            }
            ledger.removeAll()
            let days = usedByDay.keys.sorted()
            #expect(days.contains("2026-03-08") && days.contains("2026-11-01"))
            let first = PacificDate("2026-03-04")!
            for _ in 0..<12 {
                let from = first.adding(days: Int.random(in: 0..<250, using: &generator))
                let to = from.adding(days: Int.random(in: 0..<30, using: &generator))
                let usage = try await scene.get("/usage?from=\(from)&to=\(to)").decode(UsageAnswer.self)
                let expected = usedByDay.filter { $0.key >= from.description && $0.key <= to.description }.values.reduce(0, +)
                #expect(thousandths(usage.totalCredits) == expected, "\(from)…\(to)")
                #expect(usage.days.count == from.days(to: to) + 1)
                #expect(usage.days.map { thousandths($0.credits) }.reduce(0, +) == expected)
            }
            // The day of the spring change alone: three uses, each on its own Pacific day.
            let march8Reply = try await scene.get("/usage?from=2026-03-08&to=2026-03-08")
            let march8 = try march8Reply.decode(UsageAnswer.self)
            let features = march8.features
            #expect(features.map(\.feature) == ["email_validation", "phone_validation", "credit_score", "dti", "sms"])
            #expect(features.map(\.uses) == [1, 1, 0, 0, 1])
            #expect(features.map(\.costPerUse) == ["0.500", "1.500", "15.000", "24.000", nil])
            // The SMS has no one cost per use, and says so with null.
            let rawFeatures = try #require(try march8Reply.object["features"] as? [[String: Any]])
            #expect(rawFeatures[4].keys.contains("costPerUse"))
            #expect(march8.totalCredits == "2.450")
        }
    }

    @Test func aCreditCheckCountsItsValidationsAsTheirOwnUses() async throws {
        try await withScene { scene in
            try await scene.account.verifyUS()
            scene.clock.set(Self.start)
            let check = try await scene.harness.call(
                .post,
                "/v1/accounts/\(scene.account.id)/credit-checks",
                token: scene.key,
                json: #"{"kind":"credit_score","contact":{"name":"Lee Lead","email":"lee@example.com","phone":"+1 201 555 0123"}}"#
            )
            #expect(check.status == 200, "\(check)")
            let usage = try await scene.get("/usage?from=2026-03-01&to=2026-03-01").decode(UsageAnswer.self)
            let uses = Dictionary(uniqueKeysWithValues: try usage.features.map { ($0.feature, try #require($0.uses)) })
            #expect(uses == ["email_validation": 1, "phone_validation": 1, "credit_score": 1, "dti": 0, "sms": 0])
            #expect(usage.totalCredits == "17.000")
            let logReply = try await scene.get("/logs/credit_checks?from=2026-03-01&to=2026-03-01")
            let log = try logReply.decode(LogPage.self)
            let line = try #require(log.items.first)
            #expect(line.kind == "credit_score")
            #expect(line.status == "completed" && line.result == "completed")
            #expect(line.credits == "15.000" && line.totalCredits == "17.000")
            #expect(line.contactName == "Lee Lead" && line.creditScore != nil)
            // Keys the API writes even when null, or never writes: asked of the raw answer.
            let rawLine = try #require(try logReply.items().first)
            #expect(rawLine.keys.contains("dtiPercent"))
            #expect(log.total == 1 && log.totalCredits == "15.000")
            #expect(try logReply.object["totalSent"] == nil)
            let emails = try await scene.get("/logs/email_validation?from=2026-03-01&to=2026-03-01").decode(LogPage.self).items
            #expect(emails.map(\.email) == ["lee@example.com"])
        }
    }

    @Test func aLogFiltersPagesAndSearches() async throws {
        try await withScene { scene in
            // 7 messages: 5 sent, 2 failed (a number ending 0000), over two days.
            for index in 0..<7 {
                let to = index % 3 == 2 ? "+1 201 555 0000" : "+1 201 555 01\(10 + index)"
                _ = try await scene.at(
                    Self.start.addingTimeInterval(Double(index) * 3_600 * 8),
                    SMSRequest(to: to, body: "hi", contact: ContactBody(email: "pat\(index)@example.com"), event: "reminder")
                )
            }
            let all = try await scene.get("/logs/sms?from=2026-03-01&to=2026-03-31").decode(LogPage.self)
            #expect(all.total == 7 && all.totalSent == 5)
            #expect(all.totalCredits == "0.250")
            let first = try #require(all.items.first)
            #expect(first.email == "pat6@example.com")
            #expect(first.country == "United States" && first.iso == "US")
            #expect(first.event == "reminder" && first.segments == 1 && first.sentAt != nil)

            let failed = try await scene.get("/logs/sms?from=2026-03-01&to=2026-03-31&result=failed").decode(LogPage.self)
            #expect(failed.items.map(\.status) == ["failed", "failed"])
            #expect(failed.total == 2 && failed.totalSent == 0)

            // Pages of 3: every line once, newest first, then no cursor.
            var seen = [String]()
            var cursor: String?
            repeat {
                let path = "/logs/sms?from=2026-03-01&to=2026-03-31&limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")
                let reply = try await scene.get(path)
                let page = try reply.decode(LogPage.self)
                seen += page.items.map(\.id)
                cursor = page.nextCursor
                #expect(try reply.object.keys.contains("nextCursor"))
            } while cursor != nil
            #expect(seen == all.items.map(\.id))

            let search = try await scene.get("/logs/sms?from=2026-03-01&to=2026-03-31&q=PAT3%40example").decode(LogPage.self)
            #expect(search.items.map(\.email) == ["pat3@example.com"])
            #expect(search.total == 1)
            let day = try await scene.get("/logs/sms?from=2026-03-02&to=2026-03-02").decode(LogPage.self)
            #expect(day.total == 3)
        }
    }

    @Test func aLogDownloadsAsCSVWithPacificTimesAndSafeCells() async throws {
        try await withScene { scene in
            // 2026-03-01 09:14:03 PST.
            let at = PacificDate("2026-03-01")!.start.addingTimeInterval(9 * 3_600 + 14 * 60 + 3)
            _ = try await scene.at(at, EmailValidationRequest(email: "=cmd@example.com", contact: ContactBody(name: #"Smith, "Jo""#)))
            _ = try await scene.at(at.addingTimeInterval(60), EmailValidationRequest(email: "jo@example.invalid", contact: ContactBody(name: "Jo")))
            for path in ["/logs/email_validation?from=2026-03-01&to=2026-03-01&format=csv"] {
                let reply = try await scene.get(path)
                #expect(reply.status == 200)
                #expect(reply.contentType?.hasPrefix("text/csv") == true)
                let rows = reply.body.components(separatedBy: "\r\n")
                #expect(rows[0] == "Time,Contact,Email,Result,Credits,ID")
                #expect(rows[1].hasPrefix("2026-03-01 09:15:03 PST,Jo,jo@example.invalid,invalid,0.500,"))
                #expect(rows[2].hasPrefix(#"2026-03-01 09:14:03 PST,"Smith, ""Jo""",'=cmd@example.com,"#))
                #expect(rows.count == 4 && rows[3].isEmpty)
            }
            let accept = try await scene.harness.call(
                .get,
                "/v1/accounts/\(scene.account.id)/logs/email_validation?from=2026-03-01&to=2026-03-01&result=valid",
                token: scene.key,
                headers: ["Accept": "text/csv"]
            )
            #expect(accept.body.components(separatedBy: "\r\n").count == 3)
            let ledger = try await scene.get("/ledger?from=2026-03-01&to=2026-03-01&format=csv")
            let lines = ledger.body.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            #expect(lines.first == "Time,Kind,Credits,Balance after,Held,Used,Reference,ID")
            #expect(lines.count == 4)
            #expect(lines[1].hasPrefix("2026-03-01 09:15:03 PST,charge,-0.500,999.000,"))
        }
    }

    @Test func aCSVExportStreamsTheWholeLogPastOnePage() async throws {
        try await withScene { scene in
            let account = AccountID(scene.account.id)
            // 2,345 lines written straight to the store: more than two export chunks.
            let store = scene.harness.tally.store
            let records = (0..<2_345).map { index in
                let at = Self.start.addingTimeInterval(Double(index))
                return WalletRecord.usage(
                    UsageLogEntry(
                        id: "pv_\(index)",
                        accountID: account,
                        feature: .phoneValidation,
                        status: index % 2 == 0 ? .valid : .invalid,
                        credits: .zero,
                        day: PacificDay.of(at),
                        createdAt: at,
                        contactName: "Lead \(index)",
                        phone: "+1201555\(1000 + index)"
                    )
                )
            }
            _ = try await store.commit(WalletTransaction(accountID: account, postings: [], records: records, request: nil, at: Self.start))
            let csv = try await scene.get("/logs/phone_validation?from=2026-03-01&to=2026-03-01&format=csv")
            let rows = csv.body.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            #expect(rows.count == 2_346)
            #expect(Set(rows.dropFirst().map { $0.split(separator: ",").last! }).count == 2_345)
            #expect(rows[1].contains("Lead 2344"))
            let valid = try await scene.get("/logs/phone_validation?from=2026-03-01&to=2026-03-01&result=valid&format=csv")
            #expect(valid.body.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count == 1_174)
        }
    }

    @Test(arguments: [
        ("/usage?from=2026-02-30", "from"),
        ("/usage?to=2026-13-01", "to"),
        ("/usage?from=2026-03-02&to=2026-03-01", "from"),
        ("/usage?from=2020-01-01&to=2026-01-01", "to"),
        ("/logs/sms?result=valid", "result"),
        ("/logs/email_validation?result=sent", "result"),
        ("/logs/sms?limit=0", "limit"),
        ("/logs/sms?limit=501", "limit"),
        ("/logs/sms?limit=ten", "limit"),
        ("/logs/sms?cursor=bm90LWEtY3Vyc29y", "cursor"),
        ("/logs/sms?from=yesterday&format=csv", "from"),
        ("/ledger?from=2026-02-29", "from"),
    ])
    func aBadQueryIs422NamingTheParameter(path: String, parameter: String) async throws {
        try await withScene { scene in
            let reply = try await scene.get(path)
            #expect(reply.status == 422, "\(reply)")
            #expect(reply.contentType == "application/problem+json")
            #expect(try reply.errorFields() == [parameter])
        }
    }

    @Test func whoMayReadUsageAndLogs() async throws {
        try await withScene { scene in
            let unknown = try await scene.get("/logs/voice")
            #expect(unknown.status == 404)
            // A cursor of one log is not a cursor of another.
            let cursor = LogCursor(createdAtMilliseconds: 1, id: "x").encoded(for: "sms")
            #expect(try await scene.get("/logs/email_validation?cursor=\(cursor)").status == 422)
            #expect(try await scene.get("/logs/sms?cursor=\(cursor)").status == 200)
            for path in ["/usage", "/logs/sms", "/ledger"] {
                #expect(try await scene.get(path, token: scene.account.ownerToken).status == 200)
                #expect(try await scene.get(path, token: try await scene.account.person("super_admin")).status == 200)
                #expect(try await scene.get(path).status == 200)
                #expect(try await scene.get(path, token: try await scene.account.person("admin")).status == 403)
                #expect(try await scene.get(path, token: try await scene.account.person("member")).status == 403)
                let other = try await scene.harness.makeAccount()
                #expect(try await scene.get(path, token: other.ownerToken).status == 404)
                #expect(try await scene.get(path, token: try await other.apiKey()).status == 404)
            }
        }
    }
}
