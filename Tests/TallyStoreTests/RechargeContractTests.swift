import Foundation
import TallyCore
import TallyStore
import Testing

/// The store contract for auto-recharge and webhooks: balance effects written with the
/// debit that sets them off, one pending recharge per wallet, leased claims that never
/// hand a row to two workers, recharge caps and the webhook outbox. Every conformance
/// of `Store` must pass these.
@Suite("Recharge contract", .closesItsStores)
struct RechargeContractTests: ContractFixtures {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    /// Charges `credits`; the posting's id is `id`, which the effects' ids derive from.
    @discardableResult
    func charge(
        _ store: any Store,
        _ account: AccountID,
        _ credits: Credits,
        id: String = "led_\(UUID().uuidString)"
    )
        async throws -> WalletBalance
    {
        try await store.commit(
            WalletTransaction(accountID: account, postings: [posting(.charge, .charge(credits), id: id)], request: nil, at: now)
        )
    }

    func settings(enabled: Bool = true, threshold: Int64 = 10, recharge: Int64 = 50) -> AutoRechargeSettings {
        AutoRechargeSettings(
            enabled: enabled,
            thresholdCredits: Credits(whole: threshold),
            rechargeCredits: Credits(whole: recharge),
            paymentMethodID: "pm_card",
            maxRechargesPerDay: 3,
            maxSpendPerMonth: Money(cents: 100_000)
        )
    }

    func recharge(_ account: AccountID, id: String = "rch_\(UUID().uuidString)", at offset: TimeInterval = 0) -> Recharge {
        Recharge(
            id: id,
            accountID: account,
            credits: Credits(whole: 50),
            nextAttemptAt: now.addingTimeInterval(offset),
            createdAt: now.addingTimeInterval(offset)
        )
    }

    func notification(_ account: AccountID, _ id: String, kind: NotificationKind = .rechargeFailed) -> TallyStore.Notification {
        TallyStore.Notification(
            id: id,
            accountID: account,
            kind: kind,
            message: "message \(id)",
            data: #"{"id":"\#(id)"}"#,
            createdAt: now
        )
    }

    func pending(_ store: any Store, _ account: AccountID) async throws -> [Recharge] {
        try await store.recharges(account: account, limit: 100).filter { $0.status == .pending }
    }

    func kinds(_ store: any Store, _ account: AccountID) async throws -> [String] {
        try await store.notifications(account: account, limit: 100).map(\.kind.rawValue).sorted()
    }

    // MARK: Balance effects

    @Test(arguments: StoreBackend.enabled)
    func aDebitCrossingTheThresholdRecordsOnePendingRechargeAndALowBalanceNotification(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await store.setAutoRecharge(settings(), account: account, recharge: nil)
        try await credit(store, account, Credits(whole: 15))

        // 15 → 12: still above the threshold of 10.
        try await charge(store, account, Credits(whole: 3))
        #expect(try await store.recharges(account: account, limit: 10).isEmpty)
        #expect(try await store.notifications(account: account, limit: 10).isEmpty)

        // 12 → 9 crosses it, once.
        let balance = try await charge(store, account, Credits(whole: 3), id: "led_crossing")
        #expect(balance.available == Credits(whole: 9))
        let recharges = try await store.recharges(account: account, limit: 10)
        #expect(
            recharges == [
                Recharge(
                    id: "rch_led_crossing",
                    accountID: account,
                    status: .pending,
                    credits: Credits(whole: 50),
                    attempts: 0,
                    nextAttemptAt: now,
                    createdAt: now
                )
            ]
        )
        let notifications = try await store.notifications(account: account, limit: 10)
        #expect(notifications.map(\.id) == ["ntf_low_led_crossing"])
        #expect(notifications.first?.kind == .lowBalance)
        #expect(notifications.first?.accountID == account)

        // 9 → 8: already below, nothing new.
        try await charge(store, account, Credits(whole: 1))
        #expect(try await store.recharges(account: account, limit: 10).count == 1)
        #expect(try await store.notifications(account: account, limit: 10).count == 1)
        #expect(try await store.verifyWallets().isEmpty)
    }

    @Test(arguments: StoreBackend.enabled)
    func concurrentDebitsCrossTheThresholdOnce(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await store.setAutoRecharge(settings(threshold: 50), account: account, recharge: nil)
        try await credit(store, account, Credits(whole: 100))

        // 20 debits of 4 take 100 to 20: each sees the one before it, and one crosses 50.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask { try await charge(store, account, Credits(whole: 4)) }
            }
            try await group.waitForAll()
        }
        #expect(try await store.wallet(account: account)?.available == Credits(whole: 20))
        #expect(try await pending(store, account).count == 1)
        #expect(try await kinds(store, account) == ["low_balance"])

        // Back above and down again while the first recharge is still pending: a second
        // low-balance notice, and still one recharge in flight.
        try await credit(store, account, Credits(whole: 100))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask { try await charge(store, account, Credits(whole: 4)) }
            }
            try await group.waitForAll()
        }
        #expect(try await store.recharges(account: account, limit: 10).count == 1)
        #expect(try await kinds(store, account) == ["low_balance", "low_balance"])
        #expect(try await store.verifyWallets().isEmpty)
    }

    @Test(arguments: StoreBackend.enabled)
    func disabledSettingsOnlyTellOfTheLowBalance(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await store.setAutoRecharge(settings(enabled: false), account: account, recharge: nil)
        try await credit(store, account, Credits(whole: 15))
        try await charge(store, account, Credits(whole: 10), id: "led_low")
        #expect(try await store.recharges(account: account, limit: 10).isEmpty)
        #expect(try await store.notifications(account: account, limit: 10).map(\.id) == ["ntf_low_led_low"])
    }

    @Test(arguments: StoreBackend.enabled)
    func reachingZeroTellsThatTheBalanceIsDepleted(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        // Without settings: depleted only.
        let plain = try await makeAccount(store)
        try await credit(store, plain, Credits(whole: 5))
        try await charge(store, plain, Credits(whole: 5), id: "led_plain")
        #expect(try await store.notifications(account: plain, limit: 10).map(\.id) == ["ntf_depleted_led_plain"])
        #expect(try await store.notifications(account: plain, limit: 10).first?.kind == .balanceDepleted)

        // Crossing the threshold down to zero: both, and the recharge.
        let account = try await makeAccount(store)
        try await store.setAutoRecharge(settings(), account: account, recharge: nil)
        try await credit(store, account, Credits(whole: 20))
        // A hold lowers available as a charge does.
        _ = try await store.commit(
            WalletTransaction(
                accountID: account,
                postings: [posting(.hold, .hold(Credits(whole: 20)), id: "led_all")],
                request: nil,
                at: now
            )
        )
        #expect(try await kinds(store, account) == ["balance_depleted", "low_balance"])
        #expect(try await store.recharges(account: account, limit: 10).map(\.id) == ["rch_led_all"])
    }

    @Test(arguments: StoreBackend.enabled)
    func effectsRollBackWithTheirDebit(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await store.setAutoRecharge(settings(), account: account, recharge: nil)
        try await credit(store, account, Credits(whole: 15))
        // The first posting crosses the threshold; the second is refused: nothing is written.
        await #expect(throws: StoreError.self) {
            _ = try await store.commit(
                WalletTransaction(
                    accountID: account,
                    postings: [posting(.charge, .charge(Credits(whole: 10))), posting(.charge, .charge(Credits(whole: 10)))],
                    request: nil,
                    at: now
                )
            )
        }
        #expect(try await store.wallet(account: account)?.available == Credits(whole: 15))
        #expect(try await store.recharges(account: account, limit: 10).isEmpty)
        #expect(try await store.notifications(account: account, limit: 10).isEmpty)
    }

    /// Commits one posting of `kind` taking `credits` out of the wallet, as a refund, an
    /// adjustment or an expiry does.
    @discardableResult
    func remove(
        _ store: any Store,
        _ account: AccountID,
        _ credits: Credits,
        as kind: LedgerKind,
        id: String = "led_\(UUID().uuidString)"
    )
        async throws -> WalletBalance
    {
        try await store.commit(WalletTransaction(accountID: account, postings: [posting(kind, .remove(credits), id: id)], request: nil, at: now))
    }

    func owed(_ store: any Store, _ account: AccountID) async throws -> Bool {
        try #require(try await store.autoRecharge(account: account)).rechargeArmed
    }

    func fail(_ store: any Store, _ account: AccountID, _ recharge: String) async throws {
        try await store.updateRecharge(
            RechargeUpdate(rechargeID: recharge, status: .failed, attempts: 1, nextAttemptAt: now, reason: "declined", lastResult: .failed),
            account: account,
            notifications: [],
            at: now
        )
    }

    /// A refund, an adjustment or an expiry that takes available below the threshold buys
    /// nothing and leaves the recharge owed, in its own transaction; the next charge records
    /// it as a crossing charge would, once: not the charge after, not even once it failed.
    @Test(arguments: StoreBackend.enabled, [LedgerKind.refund, .adjustment, .expiry])
    func aDebitThatIsNotSpendingLeavesOneRechargeToTheNextCharge(backend: StoreBackend, kind: LedgerKind) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await store.setAutoRecharge(settings(), account: account, recharge: nil)
        try await credit(store, account, Credits(whole: 15))
        #expect(try await owed(store, account) == false)

        // 15 → 7: below the threshold of 10, told, nothing bought, the recharge owed.
        try await remove(store, account, Credits(whole: 8), as: kind, id: "led_out")
        #expect(try await store.recharges(account: account, limit: 10).isEmpty)
        #expect(try await store.notifications(account: account, limit: 10).map(\.id) == ["ntf_low_led_out"])
        #expect(try await owed(store, account))
        // 7 → 6 the same way: still owed, still nothing bought.
        try await remove(store, account, Credits(whole: 1), as: kind)
        #expect(try await store.recharges(account: account, limit: 10).isEmpty)
        #expect(try await owed(store, account))

        // The next charge records the recharge.
        try await charge(store, account, Credits(whole: 1), id: "led_next")
        #expect(try await pending(store, account).map(\.id) == ["rch_led_next"])
        #expect(try await owed(store, account) == false)
        try await charge(store, account, Credits(whole: 1))
        #expect(try await store.recharges(account: account, limit: 10).count == 1)

        // Failed, it is not bought again by later charges of the same descent.
        try await fail(store, account, "rch_led_next")
        try await charge(store, account, Credits(whole: 1))
        #expect(try await store.recharges(account: account, limit: 10).map(\.status) == [.failed])
        #expect(try await kinds(store, account) == ["low_balance"])
        #expect(try await store.verifyWallets().isEmpty)
    }

    /// Of concurrent charges after a refund took the wallet below, one records the recharge.
    @Test(arguments: StoreBackend.enabled)
    func concurrentChargesAfterARefundRecordTheOwedRechargeOnce(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await store.setAutoRecharge(settings(threshold: 50), account: account, recharge: nil)
        try await credit(store, account, Credits(whole: 60))
        try await remove(store, account, Credits(whole: 20), as: .refund)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<10 {
                group.addTask { try await charge(store, account, Credits(whole: 2)) }
            }
            try await group.waitForAll()
        }
        #expect(try await store.wallet(account: account)?.available == Credits(whole: 20))
        #expect(try await store.recharges(account: account, limit: 10).count == 1)
        #expect(try await owed(store, account) == false)
        #expect(try await store.verifyWallets().isEmpty)
    }

    /// Back at or above the threshold (a purchase, a recharge credited), the descent is over
    /// and nothing is owed any more: the next debit, finding the balance there, drops what a
    /// refund left owed, and the next descent buys its own recharge, once.
    @Test(arguments: StoreBackend.enabled)
    func aPurchaseBackAboveTheThresholdEndsWhatARefundLeftOwed(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await store.setAutoRecharge(settings(), account: account, recharge: nil)
        try await credit(store, account, Credits(whole: 15))
        try await remove(store, account, Credits(whole: 8), as: .refund)
        #expect(try await owed(store, account))

        // 7 → 17, then 17 → 15: above the threshold all along, nothing bought or owed.
        try await credit(store, account, Credits(whole: 10))
        try await charge(store, account, Credits(whole: 2))
        #expect(try await store.recharges(account: account, limit: 10).isEmpty)
        #expect(try await owed(store, account) == false)

        // 15 → 9 crosses: one recharge; failed, the charges after it buy no other.
        try await charge(store, account, Credits(whole: 6), id: "led_crossing")
        #expect(try await store.recharges(account: account, limit: 10).map(\.id) == ["rch_led_crossing"])
        try await fail(store, account, "rch_led_crossing")
        try await charge(store, account, Credits(whole: 1))
        #expect(try await store.recharges(account: account, limit: 10).count == 1)
        #expect(try await owed(store, account) == false)
    }

    /// Saving the settings drops what was owed: below the threshold the save buys at once
    /// itself; switched off, nothing is owed.
    @Test(arguments: StoreBackend.enabled)
    func savingTheSettingsDropsTheOwedRecharge(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await store.setAutoRecharge(settings(), account: account, recharge: nil)
        try await credit(store, account, Credits(whole: 15))
        try await remove(store, account, Credits(whole: 8), as: .adjustment)
        #expect(try await owed(store, account))
        try await store.setAutoRecharge(settings(), account: account, recharge: recharge(account, id: "rch_saved"))
        #expect(try await owed(store, account) == false)
        try await fail(store, account, "rch_saved")
        try await charge(store, account, Credits(whole: 1))
        #expect(try await store.recharges(account: account, limit: 10).map(\.id) == ["rch_saved"])
    }

    // MARK: Settings and recharges

    @Test(arguments: StoreBackend.enabled)
    func settingsAreSavedAndOneRechargeStaysPending(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        #expect(try await store.autoRecharge(account: account) == nil)
        try await store.setAutoRecharge(settings(), account: account, recharge: recharge(account, id: "rch_first"))
        #expect(try await store.autoRecharge(account: account) == AutoRechargeState(settings: settings()))
        // Saving again with a recharge while one is pending keeps the first.
        let changed = settings(threshold: 20, recharge: 80)
        try await store.setAutoRecharge(changed, account: account, recharge: recharge(account, id: "rch_second"))
        #expect(try await store.autoRecharge(account: account)?.settings == changed)
        #expect(try await store.recharges(account: account, limit: 10).map(\.id) == ["rch_first"])

        // Concurrent saves too.
        let other = try await makeAccount(store)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<10 {
                group.addTask { try await store.setAutoRecharge(settings(), account: other, recharge: recharge(other)) }
            }
            try await group.waitForAll()
        }
        #expect(try await store.recharges(account: other, limit: 100).count == 1)
    }

    @Test(arguments: StoreBackend.enabled)
    func aClaimLeasesARechargeUntilTheLeaseEnds(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let later = try await makeAccount(store)
        try await store.setAutoRecharge(settings(), account: account, recharge: recharge(account, id: "rch_due"))
        try await store.setAutoRecharge(settings(), account: later, recharge: recharge(later, id: "rch_later", at: 600))

        let first = try await store.claimDueRecharges(at: now, leaseSeconds: 60, limit: 10)
        #expect(first.map(\.id) == ["rch_due"])
        #expect(first.first?.accountID == account && first.first?.credits == Credits(whole: 50))
        #expect(try await store.claimDueRecharges(at: now.addingTimeInterval(59), leaseSeconds: 60, limit: 10).isEmpty)
        #expect(
            try await store.claimDueRecharges(at: now.addingTimeInterval(60), leaseSeconds: 60, limit: 10).map(\.id)
                == ["rch_due"]
        )
        // Oldest due first; the limit holds.
        #expect(
            try await store.claimDueRecharges(at: now.addingTimeInterval(1000), leaseSeconds: 60, limit: 1).map(\.id)
                == ["rch_due"]
        )
        #expect(
            try await store.claimDueRecharges(at: now.addingTimeInterval(1000), leaseSeconds: 60, limit: 10).map(\.id)
                == ["rch_later"]
        )

        // Settled, it is never claimed again.
        try await store.updateRecharge(
            RechargeUpdate(
                rechargeID: "rch_due",
                status: .failed,
                attempts: 1,
                nextAttemptAt: now,
                reason: "declined",
                lastResult: .failed
            ),
            account: account,
            notifications: [],
            at: now
        )
        #expect(
            try await store.claimDueRecharges(at: now.addingTimeInterval(5000), leaseSeconds: 60, limit: 10).map(\.id)
                == ["rch_later"]
        )
    }

    @Test(arguments: StoreBackend.enabled)
    func concurrentClaimsHandEachRechargeToOneWorker(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        var ids = Set<String>()
        for index in 0..<30 {
            let account = try await makeAccount(store)
            let id = "rch_\(index)"
            try await store.setAutoRecharge(settings(), account: account, recharge: recharge(account, id: id, at: Double(index)))
            ids.insert(id)
        }
        let at = now.addingTimeInterval(100)
        let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<16 {
                group.addTask { try await store.claimDueRecharges(at: at, leaseSeconds: 60, limit: 4).map(\.id) }
            }
            return try await group.reduce(into: [String]()) { $0 += $1 }
        }
        let rest = try await store.claimDueRecharges(at: at, leaseSeconds: 60, limit: 100).map(\.id)
        let all = claimed + rest
        #expect(all.count == Set(all).count, "a recharge went to two workers")
        #expect(Set(all) == ids)
    }

    @Test(arguments: StoreBackend.enabled)
    func updatingARechargeWithDisableSwitchesAutoRechargeOffAndWritesItsNotifications(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await store.setAutoRecharge(settings(), account: account, recharge: recharge(account, id: "rch_failing"))

        // A retry: still pending, rescheduled.
        let retryAt = now.addingTimeInterval(60)
        try await store.updateRecharge(
            RechargeUpdate(
                rechargeID: "rch_failing",
                status: .pending,
                attempts: 1,
                nextAttemptAt: retryAt,
                reason: "declined",
                lastResult: .failed
            ),
            account: account,
            notifications: [notification(account, "ntf_retry", kind: .rechargeFailed)],
            at: now
        )
        let retried = try #require(try await store.recharges(account: account, limit: 10).first)
        #expect(retried.status == .pending && retried.attempts == 1 && retried.nextAttemptAt == retryAt)
        #expect(retried.reason == "declined")
        #expect(try await store.claimDueRecharges(at: now, leaseSeconds: 60, limit: 10).isEmpty)

        // The last attempt: failed for good, auto-recharge off.
        let end = now.addingTimeInterval(120)
        try await store.updateRecharge(
            RechargeUpdate(
                rechargeID: "rch_failing",
                status: .failed,
                attempts: 3,
                nextAttemptAt: end,
                reason: "declined",
                lastResult: .failed,
                disable: true
            ),
            account: account,
            notifications: [
                notification(account, "ntf_failed", kind: .rechargeFailed),
                notification(account, "ntf_disabled", kind: .rechargeDisabled),
            ],
            at: end
        )
        let state = try #require(try await store.autoRecharge(account: account))
        #expect(state.settings.enabled == false)
        #expect(state.settings.thresholdCredits == Credits(whole: 10))
        #expect(state.lastResult == .failed && state.lastReason == "declined" && state.lastResultAt == end)
        #expect(try await store.recharges(account: account, limit: 10).first?.status == .failed)
        #expect(
            try await store.notifications(account: account, limit: 10).map(\.id).sorted()
                == ["ntf_disabled", "ntf_failed", "ntf_retry"]
        )

        // No longer pending: a second update conflicts and writes nothing.
        await #expect(throws: StoreError.self) {
            try await store.updateRecharge(
                RechargeUpdate(
                    rechargeID: "rch_failing",
                    status: .failed,
                    attempts: 4,
                    nextAttemptAt: end,
                    reason: "again",
                    lastResult: .failed
                ),
                account: account,
                notifications: [notification(account, "ntf_again")],
                at: end
            )
        }
        #expect(try await store.notifications(account: account, limit: 10).count == 3)
        #expect(try await store.autoRecharge(account: account)?.lastReason == "declined")
        // A new recharge can be pending again.
        try await store.setAutoRecharge(settings(), account: account, recharge: recharge(account, id: "rch_next"))
        #expect(try await pending(store, account).map(\.id) == ["rch_next"])
    }

    @Test(arguments: StoreBackend.enabled)
    func aRechargeSettlesWithItsCreditsAndCountsForTheCaps(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let other = try await makeAccount(store)

        /// Records a recharge as due, then buys it on `day` for `cents`.
        func buy(_ account: AccountID, day: String, cents: Int64) async throws {
            let id = "rch_\(UUID().uuidString)"
            try await store.setAutoRecharge(settings(), account: account, recharge: recharge(account, id: id))
            _ = try await store.commit(
                WalletTransaction(
                    accountID: account,
                    postings: [posting(.recharge, .add(Credits(whole: 50)))],
                    records: [
                        .recharge(
                            RechargeUpdate(
                                rechargeID: id,
                                status: .succeeded,
                                attempts: 1,
                                nextAttemptAt: now,
                                reason: nil,
                                settledDay: day,
                                amount: Money(cents: cents),
                                lastResult: .succeeded
                            )
                        )
                    ],
                    request: nil,
                    at: now
                )
            )
        }
        try await buy(account, day: "2026-09-14", cents: 1_000)
        try await buy(account, day: "2026-09-14", cents: 2_000)
        try await buy(account, day: "2026-09-13", cents: 4_000)
        try await buy(account, day: "2026-08-31", cents: 8_000)
        try await buy(other, day: "2026-09-14", cents: 16_000)
        // A failed recharge counts for neither.
        try await store.setAutoRecharge(settings(), account: account, recharge: recharge(account, id: "rch_declined"))
        try await store.updateRecharge(
            RechargeUpdate(
                rechargeID: "rch_declined",
                status: .failed,
                attempts: 3,
                nextAttemptAt: now,
                reason: "declined",
                settledDay: "2026-09-14",
                amount: Money(cents: 32_000),
                lastResult: .failed
            ),
            account: account,
            notifications: [],
            at: now
        )

        #expect(try await store.wallet(account: account)?.available == Credits(whole: 200))
        #expect(
            try await store.rechargeSpend(account: account, day: "2026-09-14")
                == RechargeSpend(rechargesToday: 2, spentThisMonth: Money(cents: 7_000))
        )
        #expect(
            try await store.rechargeSpend(account: account, day: "2026-09-01")
                == RechargeSpend(rechargesToday: 0, spentThisMonth: Money(cents: 7_000))
        )
        #expect(
            try await store.rechargeSpend(account: account, day: "2026-08-31")
                == RechargeSpend(rechargesToday: 1, spentThisMonth: Money(cents: 8_000))
        )
        #expect(
            try await store.rechargeSpend(account: account, day: "2026-10-01")
                == RechargeSpend(rechargesToday: 0, spentThisMonth: Money(cents: 0))
        )
        let state = try #require(try await store.autoRecharge(account: account))
        #expect(state.lastResult == .failed && state.settings.enabled)

        // A recharge settles once: a second settlement rolls back with its credits.
        let settled = try #require(try await store.recharges(account: other, limit: 1).first)
        #expect(settled.status == .succeeded)
        await #expect(throws: StoreError.self) {
            _ = try await store.commit(
                WalletTransaction(
                    accountID: other,
                    postings: [posting(.recharge, .add(Credits(whole: 50)))],
                    records: [
                        .recharge(
                            RechargeUpdate(
                                rechargeID: settled.id,
                                status: .succeeded,
                                attempts: 2,
                                nextAttemptAt: now,
                                reason: nil,
                                settledDay: "2026-09-14",
                                amount: Money(cents: 1),
                                lastResult: .succeeded
                            )
                        )
                    ],
                    request: nil,
                    at: now
                )
            )
        }
        #expect(try await store.wallet(account: other)?.available == Credits(whole: 50))
        #expect(try await store.verifyWallets().isEmpty)
    }

    @Test(arguments: StoreBackend.enabled)
    func aHoldIsSettledOnlyInItsOwnAccount(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let other = try await makeAccount(store)
        try await credit(store, account, Credits(whole: 10))
        try await credit(store, other, Credits(whole: 10))
        let hold = Hold(
            id: HoldID("hld_theirs"),
            accountID: account,
            feature: Feature.sms.rawValue,
            credits: Credits(whole: 2),
            reference: "ref",
            createdAt: now,
            expiresAt: now.addingTimeInterval(300)
        )
        _ = try await store.commit(
            WalletTransaction(
                accountID: account,
                postings: [posting(.hold, .hold(hold.credits))],
                records: [.hold(hold)],
                request: nil,
                at: now
            )
        )
        // Another account cannot settle it, even with held credits of its own to release.
        _ = try await store.commit(
            WalletTransaction(accountID: other, postings: [posting(.hold, .hold(Credits(whole: 2)))], request: nil, at: now)
        )
        await #expect(throws: StoreError.self) {
            _ = try await store.commit(
                WalletTransaction(
                    accountID: other,
                    postings: [posting(.release, .release(Credits(whole: 2)))],
                    records: [.settleHold(hold.id, status: .released, capturedCredits: .zero)],
                    request: nil,
                    at: now
                )
            )
        }
        #expect(try await store.hold(hold.id, account: account)?.status == .active)
        #expect(try await store.wallet(account: other)?.held == Credits(whole: 2))
    }

    // MARK: Webhooks

    @Test(arguments: StoreBackend.enabled)
    func aNotificationIsDeliveredToEveryLiveWebhook(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let other = try await makeAccount(store)
        for (id, owner) in [("whk_a", account), ("whk_b", account), ("whk_gone", account), ("whk_other", other)] {
            try await store.addWebhook(
                Webhook(id: id, accountID: owner, url: "https://example.com/\(id)", secret: "secret_\(id)", createdAt: now)
            )
        }
        #expect(try await store.deleteWebhook("whk_gone", account: account, at: now))
        #expect(try await store.deleteWebhook("whk_gone", account: account, at: now) == false)
        #expect(try await store.deleteWebhook("whk_other", account: account, at: now) == false)
        #expect(try await store.webhooks(account: account).map(\.id) == ["whk_a", "whk_b"])
        #expect(
            try await store.webhooks(account: other)
                == [Webhook(id: "whk_other", accountID: other, url: "https://example.com/whk_other", secret: "secret_whk_other", createdAt: now)]
        )

        // A low-balance notice, written with its debit, goes out through the outbox.
        try await store.setAutoRecharge(settings(enabled: false), account: account, recharge: nil)
        try await credit(store, account, Credits(whole: 15))
        try await charge(store, account, Credits(whole: 10), id: "led_low")
        for webhook in ["whk_a", "whk_b"] {
            let deliveries = try await store.deliveries(webhook: webhook, account: account, limit: 10)
            #expect(deliveries.map(\.notificationID) == ["ntf_low_led_low"])
            #expect(deliveries.first?.status == .pending && deliveries.first?.attempts == 0)
            #expect(deliveries.first?.nextAttemptAt == now && deliveries.first?.deliveredAt == nil)
        }
        #expect(try await store.deliveries(webhook: "whk_gone", account: account, limit: 10).isEmpty)
        #expect(try await store.deliveries(webhook: "whk_other", account: other, limit: 10).isEmpty)
        #expect(try await store.deliveries(webhook: "whk_a", account: other, limit: 10).isEmpty)

        let jobs = try await store.claimDueDeliveries(at: now, leaseSeconds: 30, limit: 10)
        #expect(Set(jobs.map(\.delivery.webhookID)) == ["whk_a", "whk_b"])
        #expect(Set(jobs.map(\.url)) == ["https://example.com/whk_a", "https://example.com/whk_b"])
        #expect(Set(jobs.map(\.secret)) == ["secret_whk_a", "secret_whk_b"])
        let notice = try #require(try await store.notifications(account: account, limit: 1).first)
        #expect(jobs.allSatisfy { $0.notification == notice })
        #expect(try await store.claimDueDeliveries(at: now.addingTimeInterval(29), leaseSeconds: 30, limit: 10).isEmpty)

        // One is delivered; the other is to be retried in a minute.
        let delivered = try #require(jobs.first { $0.delivery.webhookID == "whk_a" })
        let retried = try #require(jobs.first { $0.delivery.webhookID == "whk_b" })
        try await store.recordDeliveryAttempt(
            delivered.delivery.id,
            status: .delivered,
            statusCode: 204,
            nextAttemptAt: nil,
            at: now.addingTimeInterval(1)
        )
        try await store.recordDeliveryAttempt(
            retried.delivery.id,
            status: .pending,
            statusCode: 500,
            nextAttemptAt: now.addingTimeInterval(60),
            at: now.addingTimeInterval(1)
        )
        let done = try #require(try await store.deliveries(webhook: "whk_a", account: account, limit: 10).first)
        #expect(done.status == .delivered && done.attempts == 1 && done.lastStatusCode == 204)
        #expect(done.deliveredAt == now.addingTimeInterval(1))
        let waiting = try #require(try await store.deliveries(webhook: "whk_b", account: account, limit: 10).first)
        #expect(waiting.status == .pending && waiting.attempts == 1 && waiting.lastStatusCode == 500)
        #expect(waiting.nextAttemptAt == now.addingTimeInterval(60) && waiting.deliveredAt == nil)

        // The lease ended with the attempt: the retry is due at its time, the delivered one never again.
        #expect(try await store.claimDueDeliveries(at: now.addingTimeInterval(59), leaseSeconds: 30, limit: 10).isEmpty)
        let again = try await store.claimDueDeliveries(at: now.addingTimeInterval(60), leaseSeconds: 30, limit: 10)
        #expect(again.map(\.delivery.id) == [retried.delivery.id])
        try await store.recordDeliveryAttempt(
            retried.delivery.id,
            status: .delivered,
            statusCode: 200,
            nextAttemptAt: nil,
            at: now.addingTimeInterval(61)
        )
        // An attempt recorded after the delivery ended changes nothing.
        try await store.recordDeliveryAttempt(
            retried.delivery.id,
            status: .failed,
            statusCode: 500,
            nextAttemptAt: nil,
            at: now.addingTimeInterval(62)
        )
        let finished = try #require(try await store.deliveries(webhook: "whk_b", account: account, limit: 10).first)
        #expect(finished.status == .delivered && finished.attempts == 2 && finished.lastStatusCode == 200)
        #expect(try await store.claimDueDeliveries(at: now.addingTimeInterval(1000), leaseSeconds: 30, limit: 10).isEmpty)

        // Notifications written any other way fan out too; a webhook added later gets only later ones.
        try await store.addWebhook(
            Webhook(id: "whk_new", accountID: account, url: "https://example.com/new", secret: "s", createdAt: now)
        )
        _ = try await store.commit(
            WalletTransaction(accountID: account, postings: [], records: [.notification(notification(account, "ntf_plain"))], request: nil, at: now)
        )
        #expect(try await store.deliveries(webhook: "whk_new", account: account, limit: 10).map(\.notificationID) == ["ntf_plain"])
        #expect(
            try await store.deliveries(webhook: "whk_a", account: account, limit: 10).map(\.notificationID).sorted()
                == ["ntf_low_led_low", "ntf_plain"]
        )
    }

    @Test(arguments: StoreBackend.enabled)
    func concurrentClaimsHandEachDeliveryToOneWorker(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        for index in 0..<3 {
            try await store.addWebhook(
                Webhook(id: "whk_\(index)", accountID: account, url: "https://example.com/\(index)", secret: "s", createdAt: now)
            )
        }
        for index in 0..<10 {
            _ = try await store.commit(
                WalletTransaction(
                    accountID: account,
                    postings: [],
                    records: [.notification(notification(account, "ntf_\(index)"))],
                    request: nil,
                    at: now
                )
            )
        }
        let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<16 {
                group.addTask { try await store.claimDueDeliveries(at: now, leaseSeconds: 60, limit: 3).map(\.delivery.id) }
            }
            return try await group.reduce(into: [String]()) { $0 += $1 }
        }
        let rest = try await store.claimDueDeliveries(at: now, leaseSeconds: 60, limit: 100).map(\.delivery.id)
        let all = claimed + rest
        #expect(all.count == Set(all).count, "a delivery went to two workers")
        #expect(all.count == 30)
    }
}
