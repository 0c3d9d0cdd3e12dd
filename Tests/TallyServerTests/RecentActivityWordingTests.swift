import Foundation
import TallyApp
import TallyCore
import TallyStore
import Testing

@testable import TallyServer

/// Recent activity's wording for what the API cannot make on demand (an expiry, an
/// auto-recharge, a credit check that failed, was skipped or is still running), from
/// ledger entries as the store gives them.
@Suite("Recent activity wording")
struct RecentActivityWordingTests {
    static let start = Date(timeIntervalSince1970: 1_796_000_000)

    /// A ledger entry as `GET …/ledger` writes it, newest first in the lists below.
    func entry(
        _ kind: LedgerKind,
        _ credits: String,
        held: String = "0.000",
        used: String = "0.000",
        reference: String,
        at seconds: Double
    ) throws -> Wallets.LedgerEntryView {
        let json = """
            {"id":"led_\(UUID().uuidString.prefix(8))","kind":"\(kind.rawValue)","credits":"\(credits)","held":"\(held)",
            "used":"\(used)","total":"0.000","balanceAfter":"100.000","reference":"\(reference)",
            "createdAt":\(Self.start.addingTimeInterval(seconds).timeIntervalSinceReferenceDate),"lots":[]}
            """
        return try JSONDecoder().decode(Wallets.LedgerEntryView.self, from: Data(json.utf8))
    }

    func line(_ id: String, _ feature: Feature, _ status: UsageResult, credits: String, at seconds: Double) -> UsageLogEntry {
        UsageLogEntry(
            id: id,
            accountID: AccountID("acct_1"),
            feature: feature,
            status: status,
            credits: try! Credits.parse(credits).get(),
            day: "2026-12-01",
            createdAt: Self.start.addingTimeInterval(seconds),
            contactName: "Ada Lovelace",
            email: "ada@example.com"
        )
    }

    func words(_ entries: [Wallets.LedgerEntryView], _ facts: ActivityFacts) -> [String] {
        RecentActivity.rows(entries, facts: facts, limit: 20).map {
            "\($0.title)\($0.detail.string.isEmpty ? "" : " · " + $0.detail.string) \($0.change)"
        }
    }

    @Test func anExpiryAndAnAutoRechargeSayWhatTheyAre() throws {
        let entries = [
            try entry(.expiry, "-120.000", reference: "lot_1", at: 2),
            try entry(.recharge, "1000.000", reference: "pur_1", at: 1),
        ]
        #expect(words(entries, ActivityFacts()) == ["Expired -120.000", "Auto-recharge · 1,000 credits +1000.000"])
    }

    @Test func aFailedCreditCheckIsOneLineChargedNothing() throws {
        let entries = [
            try entry(.release, "17.000", held: "-17.000", reference: "hold_1", at: 3),
            try entry(.hold, "-17.000", held: "17.000", reference: "hold_1", at: 1),
        ]
        var facts = ActivityFacts()
        facts.lines["cs_1"] = line("cs_1", .creditScore, .failed, credits: "0", at: 1)
        #expect(words(entries, facts) == ["Credit score · Ada Lovelace · failed · nothing charged 0.000"])
        #expect(RecentActivity.holdsToLookUp(entries, facts: facts).isEmpty)
    }

    @Test func aSkippedCreditCheckIsOneLineChargedItsValidations() throws {
        let entries = [
            try entry(.release, "15.000", held: "-15.000", reference: "hold_2", at: 3),
            try entry(.capture, "0.000", held: "-1.500", used: "1.500", reference: "pv_1", at: 3),
            try entry(.capture, "0.000", held: "-0.500", used: "0.500", reference: "ev_1", at: 3),
            try entry(.charge, "-0.500", used: "0.500", reference: "ev_0", at: 2),
            try entry(.hold, "-17.000", held: "17.000", reference: "hold_2", at: 1),
        ]
        var facts = ActivityFacts()
        for line in [
            line("cs_2", .creditScore, .skipped, credits: "0", at: 1),
            line("ev_1", .emailValidation, .valid, credits: "0.5", at: 2.5),
            line("pv_1", .phoneValidation, .invalid, credits: "1.5", at: 2.5),
            line("ev_0", .emailValidation, .valid, credits: "0.5", at: 2),
        ] {
            facts.lines[line.id] = line
        }
        #expect(words(entries, facts) == ["Credit score · Ada Lovelace · skipped -2.000", "Email validation · Ada Lovelace -0.500"])
    }

    @Test func aCreditCheckStillRunningShowsAsHeld() throws {
        let entries = [try entry(.hold, "-17.000", held: "17.000", reference: "hold_3", at: 1)]
        #expect(RecentActivity.holdsToLookUp(entries, facts: ActivityFacts()) == ["hold_3"])
        var facts = ActivityFacts()
        facts.holds["hold_3"] = Hold(
            id: HoldID("hold_3"),
            accountID: AccountID("acct_1"),
            feature: Feature.creditScore.rawValue,
            credits: try Credits.parse("17").get(),
            reference: "cs_3",
            createdAt: Self.start,
            expiresAt: Self.start.addingTimeInterval(300)
        )
        #expect(words(entries, facts) == ["Credit score · in progress, held until it completes -17.000"])
    }
}
