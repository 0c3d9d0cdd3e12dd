import Foundation
import TallyCore
import TallyStore
import Testing

/// The store contract for metered features: holds, usage logs and rollups, events,
/// the usage guard and notifications. Every conformance of `Store` must pass these.
@Suite("Metering contract", .closesItsStores)
struct MeteringContractTests: ContractFixtures {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    func makeHold(
        _ account: AccountID,
        _ credits: Credits,
        id: String = "hld_\(UUID().uuidString)",
        expiresIn: TimeInterval = 300
    ) -> Hold {
        Hold(
            id: HoldID(id),
            accountID: account,
            feature: Feature.sms.rawValue,
            credits: credits,
            reference: "ref_\(id)",
            createdAt: now,
            expiresAt: now.addingTimeInterval(expiresIn)
        )
    }

    /// Holds `hold.credits` and writes the hold, in one transaction.
    func place(_ store: any Store, _ hold: Hold, guarded: Bool = false, at: Date? = nil) async throws {
        _ = try await store.commit(
            WalletTransaction(
                accountID: hold.accountID,
                postings: [posting(.hold, .hold(hold.credits), reference: hold.id.rawValue)],
                records: [.hold(hold)],
                guardedRequest: guarded,
                request: nil,
                at: at ?? now
            )
        )
    }

    func usage(
        _ account: AccountID,
        _ feature: Feature,
        _ credits: Credits,
        day: String,
        at offset: TimeInterval = 0,
        status: UsageResult = .completed
    ) -> UsageLogEntry {
        UsageLogEntry(
            id: "use_\(UUID().uuidString)",
            accountID: account,
            feature: feature,
            status: status,
            credits: credits,
            day: day,
            createdAt: now.addingTimeInterval(offset)
        )
    }

    func notification(
        _ account: AccountID,
        _ id: String,
        kind: NotificationKind = .lowBalance,
        at offset: TimeInterval = 0
    )
        -> TallyStore.Notification
    {
        TallyStore.Notification(
            id: id,
            accountID: account,
            kind: kind,
            message: "message \(id)",
            data: #"{"id":"\#(id)"}"#,
            createdAt: now.addingTimeInterval(offset)
        )
    }

    /// A notification told once (a spend cap's, per cap and period) is written by the first
    /// transaction that carries it; a later one with the same id writes the rest of its
    /// rows and nothing for it, without failing.
    @Test(arguments: StoreBackend.enabled)
    func aNotificationToldOnceIsWrittenOnceAndRefusesNothing(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await credit(store, account, Credits(whole: 10))
        for second in 0..<3 {
            _ = try await store.commit(
                WalletTransaction(
                    accountID: account,
                    postings: [posting(.charge, .charge(Credits(whole: 1)))],
                    records: [.notificationOnce(notification(account, "ntf_cap_once", kind: .spendCapReached, at: TimeInterval(second)))],
                    request: nil,
                    at: now.addingTimeInterval(TimeInterval(second))
                )
            )
        }
        let told = try await store.notifications(account: account, limit: 10).filter { $0.kind == .spendCapReached }
        #expect(told.map(\.id) == ["ntf_cap_once"])
        #expect(try await store.wallet(account: account)?.used == Credits(whole: 3))
    }

    @Test(arguments: StoreBackend.enabled)
    func aHoldIsCapturedOnceAndASecondSettlementRollsBack(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let other = try await makeAccount(store, email: "other@example.com")
        try await credit(store, account, Credits(whole: 10))
        let first = makeHold(account, Credits(whole: 3), id: "hld_first")
        let second = makeHold(account, Credits(whole: 2), id: "hld_second")
        try await place(store, first)
        try await place(store, second)
        #expect(try await store.hold(first.id, account: account) == first)
        #expect(try await store.hold(first.id, account: other) == nil)
        #expect(
            try await store.wallet(account: account)
                == WalletBalance(available: Credits(whole: 5), held: Credits(whole: 5), used: .zero, total: Credits(whole: 10))
        )

        let captured = try await store.commit(
            WalletTransaction(
                accountID: account,
                postings: [posting(.capture, .capture(first.credits), reference: "hld_first")],
                records: [.settleHold(first.id, status: .captured, capturedCredits: first.credits)],
                request: nil,
                at: now.addingTimeInterval(1)
            )
        )
        #expect(captured == WalletBalance(available: Credits(whole: 5), held: Credits(whole: 2), used: Credits(whole: 3), total: Credits(whole: 10)))
        let settled = try #require(try await store.hold(first.id, account: account))
        #expect(settled.status == .captured && settled.capturedCredits == first.credits)

        // The posting fits (the second hold's credits are held), but the hold is settled: all of it rolls back.
        let ledgerBefore = try await store.ledger(account: account, limit: 100, before: nil).count
        let error = await #expect(throws: StoreError.self) {
            _ = try await store.commit(
                WalletTransaction(
                    accountID: account,
                    postings: [posting(.capture, .capture(Credits(whole: 2)), reference: "hld_first")],
                    records: [
                        .settleHold(first.id, status: .captured, capturedCredits: Credits(whole: 2)),
                        .notification(notification(account, "ntf_rolled_back")),
                    ],
                    request: nil,
                    at: now.addingTimeInterval(2)
                )
            )
        }
        guard case .conflict = error else {
            Issue.record("expected a conflict, got \(String(describing: error))")
            return
        }
        #expect(try await store.wallet(account: account) == captured)
        #expect(try await store.ledger(account: account, limit: 100, before: nil).count == ledgerBefore)
        #expect(try await store.notifications(account: account, limit: 10).isEmpty)
        #expect(try await store.hold(first.id, account: account) == settled)
        #expect(try await store.hold(second.id, account: account)?.status == .active)

        // Releasing the other hold settles it once too.
        _ = try await store.commit(
            WalletTransaction(
                accountID: account,
                postings: [posting(.release, .release(second.credits), reference: "hld_second")],
                records: [.settleHold(second.id, status: .released, capturedCredits: .zero)],
                request: nil,
                at: now
            )
        )
        #expect(try await store.hold(second.id, account: account)?.status == .released)
        #expect(try await store.wallet(account: account)?.held == .zero)
        #expect(try await store.verifyWallets().isEmpty)
    }

    @Test(arguments: StoreBackend.enabled)
    func expiredHoldsAreTheActiveOnesPastExpiryOldestFirst(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let other = try await makeAccount(store, email: "other@example.com")
        try await credit(store, account, Credits(whole: 100))
        try await credit(store, other, Credits(whole: 100))
        let late = makeHold(account, Credits(whole: 1), id: "hld_late", expiresIn: -10)
        let settled = makeHold(account, Credits(whole: 1), id: "hld_settled", expiresIn: -60)
        let live = makeHold(account, Credits(whole: 1), id: "hld_live", expiresIn: 10)
        let oldest = makeHold(other, Credits(whole: 1), id: "hld_oldest", expiresIn: -30)
        let due = makeHold(account, Credits(whole: 1), id: "hld_due", expiresIn: 0)
        for hold in [late, settled, live, oldest, due] { try await place(store, hold) }
        _ = try await store.commit(
            WalletTransaction(
                accountID: account,
                postings: [posting(.release, .release(settled.credits))],
                records: [.settleHold(settled.id, status: .released, capturedCredits: .zero)],
                request: nil,
                at: now
            )
        )

        let expired = try await store.expiredHolds(at: now, limit: 10)
        #expect(expired.map(\.id) == [oldest.id, late.id, due.id])
        #expect(expired.first == oldest)
        #expect(try await store.expiredHolds(at: now, limit: 2).map(\.id) == [oldest.id, late.id])
        #expect(try await store.expiredHolds(at: now.addingTimeInterval(-100), limit: 10).isEmpty)
    }

    @Test(arguments: StoreBackend.enabled)
    func chargedUsageRollsUpByDayAndFeature(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let other = try await makeAccount(store, email: "other@example.com")
        try await credit(store, account, Credits(whole: 100))
        try await credit(store, other, Credits(whole: 100))
        let detailed = UsageLogEntry(
            id: "use_detailed",
            accountID: account,
            feature: .sms,
            status: .sent,
            credits: Credits(thousandths: 2_500),
            day: "2026-09-21",
            createdAt: now.addingTimeInterval(5),
            contactName: "Ada",
            contactEmail: "ada@example.com",
            phone: "+14155550100",
            email: "ada@example.com",
            iso: "US",
            segments: 2,
            encoding: "GSM-7",
            event: "evt_1",
            creditScore: 720,
            dtiPercent: 35,
            reason: "because"
        )
        let lines: [UsageLogEntry] = [
            usage(account, .sms, Credits(whole: 1), day: "2026-09-21", at: 1),
            detailed,
            // Refused: logged, but not a use in the reports.
            usage(account, .sms, .zero, day: "2026-09-21", at: 6, status: .refused),
            usage(account, .sms, Credits(thousandths: 125), day: "2026-09-22", at: 7),
            usage(account, .emailValidation, Credits(thousandths: 10), day: "2026-09-22", at: 8),
            usage(account, .dti, Credits(whole: 3), day: "2026-09-25", at: 9),
            usage(other, .sms, Credits(whole: 50), day: "2026-09-21", at: 1),
        ]
        for line in lines {
            // A charged line with its charge; a refused one on its own.
            let postings = line.credits.isPositive ? [posting(.charge, .charge(line.credits), reference: line.id)] : []
            _ = try await store.commit(
                WalletTransaction(accountID: line.accountID, postings: postings, records: [.usage(line)], request: nil, at: now)
            )
        }

        let day = try await store.usageRollup(account: account, from: "2026-09-21", to: "2026-09-21")
        #expect(day == [FeatureUsage(feature: .sms, uses: 2, credits: Credits(thousandths: 3_500))])
        let range = try await store.usageRollup(account: account, from: "2026-09-21", to: "2026-09-22")
            .sorted { $0.feature.rawValue < $1.feature.rawValue }
        #expect(
            range == [
                FeatureUsage(feature: .emailValidation, uses: 1, credits: Credits(thousandths: 10)),
                FeatureUsage(feature: .sms, uses: 3, credits: Credits(thousandths: 3_625)),
            ]
        )
        #expect(try await store.usageRollup(account: account, from: "2026-09-23", to: "2026-09-24").isEmpty)
        #expect(
            try await store.usageRollup(account: account, from: "2026-09-25", to: "2026-09-30")
                == [FeatureUsage(feature: .dti, uses: 1, credits: Credits(whole: 3))]
        )

        // Every line is in the log, charged or not, newest first.
        let log = try await store.usageLog(account: account, feature: .sms, limit: 10)
        #expect(log.map(\.id) == [lines[3].id, lines[2].id, detailed.id, lines[0].id])
        #expect(log.first(where: { $0.id == detailed.id }) == detailed)
        #expect(try await store.usageLog(account: account, feature: .sms, limit: 1).map(\.id) == [lines[3].id])
        #expect(try await store.usageLog(account: account, feature: .creditScore, limit: 10).isEmpty)
        #expect(try await store.wallet(account: account)?.used == Credits(thousandths: 6_635))
        #expect(try await store.verifyWallets().isEmpty)
    }

    @Test(arguments: StoreBackend.enabled)
    func theUsageGuardAdmitsExactlyItsLimitUnderConcurrency(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await credit(store, account, Credits(whole: 100))
        try await store.setUsageGuard(UsageGuardSettings(enabled: true, maxRequests: 5, windowSeconds: 60), account: account)

        enum Outcome: Sendable { case admitted, limitReached }
        let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    do {
                        try await place(store, makeHold(account, Credits(whole: 1)), guarded: true)
                        return .admitted
                    } catch UsageGuardRefusal.limitReached {
                        return .limitReached
                    }
                }
            }
            return try await group.reduce(into: [Outcome]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == .admitted }.count == 5)
        #expect(outcomes.filter { $0 == .limitReached }.count == 7)
        // A refused request wrote nothing.
        #expect(try await store.wallet(account: account)?.held == Credits(whole: 5))
        #expect(try await store.ledger(account: account, limit: 100, before: nil).count == 6)

        // Requests outside the guard are not counted, nor refused.
        try await place(store, makeHold(account, Credits(whole: 1)))
        // The window slides: once the first requests are older than it, new ones are admitted.
        try await place(store, makeHold(account, Credits(whole: 1)), guarded: true, at: now.addingTimeInterval(61))

        #expect(try await store.pauseUsageGuard(account: account, at: now, notification: notification(account, "ntf_1")))
        await #expect(throws: UsageGuardRefusal.paused) {
            try await place(store, makeHold(account, Credits(whole: 1)), guarded: true, at: now.addingTimeInterval(62))
        }
        #expect(try await store.wallet(account: account)?.held == Credits(whole: 7))
        // Resuming starts the window afresh.
        #expect(try await store.resumeUsageGuard(account: account, at: now, notification: notification(account, "ntf_2")))
        for _ in 0..<5 {
            try await place(store, makeHold(account, Credits(whole: 1)), guarded: true, at: now.addingTimeInterval(63))
        }
        await #expect(throws: UsageGuardRefusal.limitReached) {
            try await place(store, makeHold(account, Credits(whole: 1)), guarded: true, at: now.addingTimeInterval(63))
        }
        #expect(try await store.wallet(account: account)?.held == Credits(whole: 12))
        #expect(try await store.verifyWallets().isEmpty)
    }

    @Test(arguments: StoreBackend.enabled)
    func aDisabledOrMissingGuardAdmitsEverything(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await credit(store, account, Credits(whole: 100))
        #expect(try await store.usageGuard(account: account) == .off)
        for _ in 0..<3 { try await place(store, makeHold(account, Credits(whole: 1)), guarded: true) }
        try await store.setUsageGuard(UsageGuardSettings(enabled: false, maxRequests: 1, windowSeconds: 60), account: account)
        for _ in 0..<3 { try await place(store, makeHold(account, Credits(whole: 1)), guarded: true) }
        #expect(try await store.wallet(account: account)?.held == Credits(whole: 6))
    }

    @Test(arguments: StoreBackend.enabled)
    func pausingAndResumingNotifyOnlyOnAChange(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        // No guard yet: nothing to pause or resume.
        #expect(try await store.pauseUsageGuard(account: account, at: now, notification: notification(account, "ntf_0")) == false)
        #expect(try await store.notifications(account: account, limit: 10).isEmpty)

        let settings = UsageGuardSettings(enabled: true, maxRequests: 10, windowSeconds: 30)
        try await store.setUsageGuard(settings, account: account)
        #expect(try await store.usageGuard(account: account) == settings)
        #expect(try await store.resumeUsageGuard(account: account, at: now, notification: notification(account, "ntf_r0")) == false)

        let pausedAt = now.addingTimeInterval(10)
        #expect(
            try await store.pauseUsageGuard(
                account: account,
                at: pausedAt,
                notification: notification(account, "ntf_p1", at: 10)
            )
        )
        #expect(
            try await store.pauseUsageGuard(
                account: account,
                at: pausedAt.addingTimeInterval(5),
                notification: notification(account, "ntf_p2", at: 15)
            )
                == false
        )
        #expect(try await store.notifications(account: account, limit: 10).map(\.id) == ["ntf_p1"])
        #expect(
            try await store.usageGuard(account: account)
                == UsageGuardSettings(enabled: true, maxRequests: 10, windowSeconds: 30, paused: true, pausedAt: pausedAt)
        )

        // Saving the limit keeps checks paused.
        try await store.setUsageGuard(UsageGuardSettings(enabled: true, maxRequests: 20, windowSeconds: 60), account: account)
        #expect(
            try await store.usageGuard(account: account)
                == UsageGuardSettings(enabled: true, maxRequests: 20, windowSeconds: 60, paused: true, pausedAt: pausedAt)
        )

        #expect(
            try await store.resumeUsageGuard(
                account: account,
                at: now.addingTimeInterval(20),
                notification: notification(account, "ntf_r1", at: 20)
            )
        )
        #expect(
            try await store.resumeUsageGuard(
                account: account,
                at: now.addingTimeInterval(25),
                notification: notification(account, "ntf_r2", at: 25)
            )
                == false
        )
        #expect(
            try await store.usageGuard(account: account)
                == UsageGuardSettings(enabled: true, maxRequests: 20, windowSeconds: 60)
        )
        #expect(try await store.notifications(account: account, limit: 10).map(\.id) == ["ntf_r1", "ntf_p1"])
    }

    @Test(arguments: StoreBackend.enabled)
    func eventsAreUpsertedPerAccount(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let other = try await makeAccount(store, email: "other@example.com")
        #expect(try await store.event("evt_1", account: account) == nil)
        try await store.putEvent("evt_1", config: #"{"v":1}"#, account: account, at: now)
        try await store.putEvent("evt_1", config: #"{"v":"other"}"#, account: other, at: now)
        try await store.putEvent("evt_1", config: #"{"v":2}"#, account: account, at: now.addingTimeInterval(1))
        #expect(try await store.event("evt_1", account: account) == #"{"v":2}"#)
        #expect(try await store.event("evt_1", account: other) == #"{"v":"other"}"#)
        #expect(try await store.event("evt_2", account: account) == nil)
    }

    @Test(arguments: StoreBackend.enabled)
    func notificationsComeNewestFirst(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let other = try await makeAccount(store, email: "other@example.com")
        try await credit(store, account, Credits(whole: 10))
        let written = [
            notification(account, "ntf_b", at: 0),
            notification(account, "ntf_a", at: 5),
            // The same instant as the first: the later write comes first.
            notification(account, "ntf_c", at: 0),
            notification(other, "ntf_other", at: 10),
        ]
        for note in written {
            _ = try await store.commit(
                WalletTransaction(accountID: note.accountID, postings: [], records: [.notification(note)], request: nil, at: now)
            )
        }
        // With a charge, in the same transaction.
        let charged = notification(account, "ntf_charged", kind: .lowBalance, at: -5)
        _ = try await store.commit(
            WalletTransaction(
                accountID: account,
                postings: [posting(.charge, .charge(Credits(whole: 1)))],
                records: [.notification(charged)],
                request: nil,
                at: now
            )
        )

        let notes = try await store.notifications(account: account, limit: 10)
        #expect(notes.map(\.id) == ["ntf_a", "ntf_c", "ntf_b", "ntf_charged"])
        #expect(notes.last == charged)
        #expect(try await store.notifications(account: account, limit: 2).map(\.id) == ["ntf_a", "ntf_c"])
        #expect(try await store.notifications(account: other, limit: 10).map(\.id) == ["ntf_other"])
    }

    /// A status or kind no version of Tally writes (a row edited by hand) is an error naming
    /// the column and the word when the row is read, never a guess or a crash.
    @Test(arguments: StoreBackend.enabled)
    func aStoredWordTallyDoesNotKnowIsAnErrorNamingIt(backend: StoreBackend) async throws {
        let test = try await backend.makeStore()
        let store = test.store
        let account = try await makeAccount(store)
        try await credit(store, account, Credits(whole: 10))
        let line = usage(account, .emailValidation, Credits(thousandths: 500), day: "2026-09-21", status: .valid)
        let note = notification(account, "ntf_kind", kind: .lowBalance)
        _ = try await store.commit(
            WalletTransaction(
                accountID: account,
                postings: [posting(.charge, .charge(line.credits), reference: line.id)],
                records: [.usage(line), .notification(note)],
                request: nil,
                at: now
            )
        )
        #expect(try await store.usageLog(account: account, feature: .emailValidation, limit: 10).map(\.status) == [.valid])
        #expect(try await store.notifications(account: account, limit: 10).map(\.kind) == [.lowBalance])

        try await test.tamper("UPDATE usage_log SET status = 'maybe' WHERE id = '\(line.id)'")
        try await test.tamper("UPDATE notifications SET kind = 'mystery' WHERE id = 'ntf_kind'")
        await #expect(throws: UnknownStoredWord(column: "status", word: "maybe")) {
            try await store.usageLog(account: account, feature: .emailValidation, limit: 10)
        }
        await #expect(throws: UnknownStoredWord(column: "kind", word: "mystery")) {
            try await store.notifications(account: account, limit: 10)
        }
    }

    @Test(arguments: StoreBackend.enabled)
    func verifyFindsHeldCreditsWithoutTheirHold(backend: StoreBackend) async throws {
        let test = try await backend.makeStore()
        let account = try await makeAccount(test.store)
        try await credit(test.store, account, Credits(whole: 100))
        let hold = Hold(
            id: HoldID("hold_verify"),
            accountID: account,
            feature: "calls",
            credits: Credits(whole: 10),
            reference: "r",
            createdAt: now,
            expiresAt: now.addingTimeInterval(60)
        )
        _ = try await test.store.commit(
            WalletTransaction(
                accountID: account,
                postings: [posting(.hold, .hold(hold.credits))],
                records: [.hold(hold)],
                request: nil,
                at: now
            )
        )
        #expect(try await test.store.verifyWallets().isEmpty)
        // A hold marked settled behind the ledger's back leaves held credits nobody can release.
        try await test.tamper("UPDATE holds SET status = 'released' WHERE id = 'hold_verify'")
        let mismatches = try await test.store.verifyWallets()
        #expect(mismatches.map(\.accountID) == [account])
        #expect(mismatches.first?.activeHolds == .zero)
    }
}
