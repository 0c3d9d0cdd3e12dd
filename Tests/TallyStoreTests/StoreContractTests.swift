import Foundation
import TallyCore
import TallyStore
import Testing

/// The store contract: every conformance of `Store` must pass these, unchanged.
@Suite("Store contract", .closesItsStores)
struct StoreContractTests: ContractFixtures {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    @Test(arguments: StoreBackend.enabled)
    func anAccountStartsWithAnEmptyWalletAndItsOwner(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store, email: "owner@example.com")
        #expect(try await store.wallet(account: account) == .empty)
        let owner = try #require(try await store.user(email: "owner@example.com"))
        #expect(owner.role == .owner && owner.accountID == account)
        #expect(try await store.account(account)?.usBusinessEntity == false)
        #expect(try await store.setUSBusinessEntity(true, account: account))
        #expect(try await store.account(account)?.usBusinessEntity == true)
        #expect(try await store.setUSBusinessEntity(true, account: AccountID("acct_missing")) == false)
    }

    @Test(arguments: StoreBackend.enabled)
    func anEmailBelongsToOnePerson(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        _ = try await makeAccount(store, email: "same@example.com")
        await #expect(throws: StoreError.duplicate(field: "email")) {
            _ = try await makeAccount(store, email: "same@example.com")
        }
    }

    @Test(arguments: StoreBackend.enabled)
    func everyPostingIsALedgerEntryThatAddsUpToTheWallet(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await credit(store, account, Credits(whole: 100))
        _ = try await store.commit(
            WalletTransaction(
                accountID: account,
                postings: [
                    posting(.charge, .charge(Credits(thousandths: 500))),
                    posting(.hold, .hold(Credits(whole: 17))),
                    posting(.capture, .capture(Credits(whole: 15))),
                    posting(.release, .release(Credits(whole: 2))),
                ],
                request: nil,
                at: now
            )
        )
        let wallet = try #require(try await store.wallet(account: account))
        #expect(wallet.available == Credits(thousandths: 84_500))
        #expect(wallet.held == .zero)
        #expect(wallet.used == Credits(thousandths: 15_500))
        #expect(wallet.total == Credits(whole: 100))
        let entries = try await store.ledger(account: account, limit: 10, before: nil)
        #expect(entries.map(\.kind) == [.release, .capture, .hold, .charge, .purchase])
        #expect(entries.first?.availableAfter == wallet.available)
        #expect(entries.reduce(Credits.zero) { $0 + $1.change.available } == wallet.available)
        #expect(try await store.verifyWallets().isEmpty)
    }

    @Test(arguments: StoreBackend.enabled)
    func aDebitPastAvailableWritesNothing(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await credit(store, account, Credits(whole: 10))
        let purchase = Purchase(
            id: PurchaseID("pur_1"),
            accountID: account,
            credits: Credits(whole: 100),
            amount: Money(cents: 2000),
            status: .succeeded,
            origin: .purchase,
            paymentMethodID: nil,
            paymentReference: nil,
            failureReason: nil,
            createdAt: now
        )
        await #expect(throws: StoreError.insufficientCredits(available: Credits(whole: 10))) {
            _ = try await store.commit(
                WalletTransaction(
                    accountID: account,
                    postings: [
                        posting(.charge, .charge(Credits(whole: 4))),
                        posting(.charge, .charge(Credits(whole: 7))),
                    ],
                    records: [.purchase(purchase)],
                    request: nil,
                    at: now
                )
            )
        }
        #expect(try await store.wallet(account: account)?.available == Credits(whole: 10))
        #expect(try await store.ledger(account: account, limit: 10, before: nil).count == 1)
        #expect(try await store.purchases(account: account, limit: 10).isEmpty)
    }

    @Test(arguments: StoreBackend.enabled)
    func concurrentDebitsNeverOverdraw(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await credit(store, account, Credits(whole: 10))
        let succeeded = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<48 {
                group.addTask {
                    do {
                        _ = try await store.commit(
                            WalletTransaction(
                                accountID: account,
                                postings: [posting(.charge, .charge(Credits(thousandths: 500)))],
                                request: nil,
                                at: now
                            )
                        )
                        return true
                    } catch StoreError.insufficientCredits {
                        return false
                    }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(succeeded == 20)
        let wallet = try #require(try await store.wallet(account: account))
        #expect(wallet.available == .zero && wallet.used == Credits(whole: 10))
        #expect(try await store.verifyWallets().isEmpty)
    }

    @Test(arguments: StoreBackend.enabled)
    func heldCreditsCannotGoBelowZero(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await credit(store, account, Credits(whole: 10))
        await #expect(throws: StoreError.self) {
            _ = try await store.commit(
                WalletTransaction(accountID: account, postings: [posting(.capture, .capture(Credits(whole: 1)))], request: nil, at: now)
            )
        }
        #expect(try await store.wallet(account: account)?.held == .zero)
    }

    @Test(arguments: StoreBackend.enabled)
    func anIdempotencyKeyAnswersOnce(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let claim = { (hash: String, at: Date) in
            try await store.claimIdempotencyKey("k1", requestHash: hash, account: account, at: at, staleAfter: 30)
        }
        #expect(try await claim("h1", now) == .claimed)
        #expect(try await claim("h1", now) == .inProgress)
        #expect(try await claim("h2", now) == .mismatch)
        let response = IdempotentResponse(key: "k1", status: 201, body: Array("{}".utf8), claimToken: nil)
        _ = try await store.commit(
            WalletTransaction(
                accountID: account,
                postings: [posting(.purchase, .add(Credits(whole: 100)))],
                idempotency: response,
                request: nil,
                at: now
            )
        )
        #expect(try await claim("h1", now) == .replay(status: 201, body: Array("{}".utf8)))
        // Answering a key twice rolls back the second transaction whole.
        await #expect(throws: StoreError.self) {
            _ = try await store.commit(
                WalletTransaction(
                    accountID: account,
                    postings: [posting(.purchase, .add(Credits(whole: 100)))],
                    idempotency: response,
                    request: nil,
                    at: now
                )
            )
        }
        #expect(try await store.wallet(account: account)?.total == Credits(whole: 100))
    }

    @Test(arguments: StoreBackend.enabled)
    func concurrentClaimsOfOneKeyHaveOneWinner(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let claims = try await withThrowingTaskGroup(of: IdempotencyClaim.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    try await store.claimIdempotencyKey("once", requestHash: "h", account: account, at: now, staleAfter: 30)
                }
            }
            return try await group.reduce(into: [IdempotencyClaim]()) { $0.append($1) }
        }
        #expect(claims.filter { $0 == .claimed }.count == 1)
        #expect(claims.filter { $0 == .inProgress }.count == 15)
    }

    /// An API request's first read finds its key and looks up its `Idempotency-Key` in the
    /// key's own account, as the two reads apart would; a revoked or unknown key finds nothing.
    @Test(arguments: StoreBackend.enabled)
    func anAPIKeyIsReadWithItsRequestsIdempotencyKey(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await credit(store, account, Credits(whole: 10))
        let other = try await makeAccount(store)
        let key = APIKey(id: APIKeyID("key_contract"), accountID: account, name: "server", keyHash: "hash-contract", createdAt: now)
        try await store.createAPIKey(key)
        // The other account's claim of the same key is not this account's.
        _ = try await store.claimIdempotencyKey("k1", requestHash: "h", account: other, at: now, staleAfter: 30)
        let found = try #require(try await store.apiKey(keyHash: "hash-contract", lookingUp: "k1"))
        #expect(found.0 == key)
        #expect(found.1 == KeyLookup(taken: false, available: Credits(whole: 10)))
        #expect(found.1 == (try await store.idempotencyKeyLookup("k1", account: account)))
        _ = try await store.claimIdempotencyKey("k1", requestHash: "h", account: account, at: now, staleAfter: 30)
        #expect(try await store.apiKey(keyHash: "hash-contract", lookingUp: "k1")?.1 == KeyLookup(taken: true, available: Credits(whole: 10)))
        #expect(try await store.apiKey(keyHash: "hash-unknown", lookingUp: "k1") == nil)
        #expect(try await store.revokeAPIKey(key.id, account: account, at: now))
        #expect(try await store.apiKey(keyHash: "hash-contract", lookingUp: "k1") == nil)
        #expect(try await store.apiKey(keyHash: "hash-contract") == nil)
    }

    /// A key claimed by the request's first write: inserted by that transaction (answered
    /// when it carries the answer), refused whole when another request holds the key.
    @Test(arguments: StoreBackend.enabled)
    func aFirstWriteClaimsItsKeyOrWritesNothing(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await credit(store, account, Credits(whole: 10))
        let charge: @Sendable (FirstWriteClaim, IdempotentResponse?) async throws -> WalletBalance = { claim, answer in
            try await store.commit(
                WalletTransaction(
                    accountID: account,
                    postings: [posting(.charge, .charge(Credits(whole: 1)))],
                    idempotency: answer,
                    request: .byFirstWrite(claim),
                    at: now
                )
            )
        }
        #expect(try await store.idempotencyKeyLookup("fw", account: account).taken == false)
        // The lookup reads the balance with the key, in one statement.
        #expect(try await store.idempotencyKeyLookup("fw", account: account) == KeyLookup(taken: false, available: Credits(whole: 10)))
        #expect(try await store.idempotencyKeyLookup("fw", account: AccountID("acct_none")) == KeyLookup(taken: false, available: nil))
        let first = FirstWriteClaim(key: "fw", requestHash: "h", available: Credits(whole: 10))
        #expect(first.availableBeforeAnyWrite == Credits(whole: 10))
        _ = try await charge(first, IdempotentResponse(key: "fw", status: 200, body: [7], claimToken: nil))
        #expect(first.token == now.storedMilliseconds)
        // Once the request has written, the balance read before is no longer its own.
        #expect(first.availableBeforeAnyWrite == nil)
        #expect(try await store.idempotencyKeyLookup("fw", account: account).taken)
        #expect(try await store.idempotencyKeyLookup("fw", account: account) == KeyLookup(taken: true, available: Credits(whole: 9)))
        #expect(
            try await store.claimIdempotencyKey("fw", requestHash: "h", account: account, at: now, staleAfter: 30) == .replay(status: 200, body: [7])
        )
        // Another request's first write finds the key taken: its charge is not made.
        await #expect(throws: StoreError.idempotencyKeyTaken) {
            _ = try await charge(FirstWriteClaim(key: "fw", requestHash: "h"), IdempotentResponse(key: "fw", status: 200, body: [8], claimToken: nil))
        }
        #expect(try await store.wallet(account: account)?.available == Credits(whole: 9))

        // A first write without the answer leaves the key claimed; the answer comes later under its token.
        let open = FirstWriteClaim(key: "open", requestHash: "h")
        _ = try await charge(open, nil)
        #expect(try await store.claimIdempotencyKey("open", requestHash: "h", account: account, at: now, staleAfter: 30) == .inProgress)
        _ = try await charge(open, IdempotentResponse(key: "open", status: 402, body: [9], claimToken: open.token))
        #expect(
            try await store.claimIdempotencyKey("open", requestHash: "h", account: account, at: now, staleAfter: 30)
                == .replay(status: 402, body: [9])
        )

        // Sixteen first writes of one key at once: one charge.
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<16 {
                group.addTask {
                    do {
                        _ = try await charge(
                            FirstWriteClaim(key: "race", requestHash: "h"),
                            IdempotentResponse(key: "race", status: 200, body: [UInt8(index)], claimToken: nil)
                        )
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try await store.wallet(account: account)?.available == Credits(whole: 6))
        #expect(try await store.verifyWallets().isEmpty)
    }

    @Test(arguments: StoreBackend.enabled)
    func anAbandonedIdempotencyKeyCanBeClaimedAgain(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let other = try await makeAccount(store, email: "other@example.com")
        #expect(try await store.claimIdempotencyKey("k", requestHash: "h", account: account, at: now, staleAfter: 30) == .claimed)
        // Keys are per account.
        #expect(try await store.claimIdempotencyKey("k", requestHash: "x", account: other, at: now, staleAfter: 30) == .claimed)
        // A claim left by a crash is taken over once stale.
        let later = now.addingTimeInterval(31)
        #expect(try await store.claimIdempotencyKey("k", requestHash: "h", account: account, at: later, staleAfter: 30) == .claimed)
        try await store.releaseIdempotencyKey("k", account: account)
        #expect(try await store.claimIdempotencyKey("k", requestHash: "h2", account: account, at: later, staleAfter: 30) == .claimed)
        try await store.completeIdempotencyKey(
            IdempotentResponse(key: "k", status: 402, body: [1, 2], claimToken: nil),
            account: account,
            at: later
        )
        #expect(
            try await store.claimIdempotencyKey("k", requestHash: "h2", account: account, at: later, staleAfter: 30)
                == .replay(status: 402, body: [1, 2])
        )
    }

    /// A slow request whose claim was taken over cannot land its charge or its answer:
    /// the claim's token fences it, and its whole transaction rolls back.
    @Test(arguments: StoreBackend.enabled)
    func aTakenOverClaimIsFencedOff(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        try await credit(store, account, Credits(whole: 10))
        let first = now
        let second = now.addingTimeInterval(700)
        #expect(try await store.claimIdempotencyKey("slow", requestHash: "h", account: account, at: first, staleAfter: 660) == .claimed)
        #expect(try await store.claimIdempotencyKey("slow", requestHash: "h", account: account, at: second, staleAfter: 660) == .claimed)
        let charge = { (token: Int64) in
            try await store.commit(
                WalletTransaction(
                    accountID: account,
                    postings: [posting(.charge, .charge(Credits(whole: 1)))],
                    idempotency: IdempotentResponse(key: "slow", status: 200, body: [1], claimToken: token),
                    request: nil,
                    at: second
                )
            )
        }
        await #expect(throws: StoreError.self) { _ = try await charge(RequestClaim.token(claimedAt: first)) }
        // The stale request cannot free the key either.
        try await store.releaseIdempotencyKey("slow", account: account, claimToken: RequestClaim.token(claimedAt: first))
        #expect(try await store.wallet(account: account)?.available == Credits(whole: 10))
        _ = try await charge(RequestClaim.token(claimedAt: second))
        #expect(try await store.wallet(account: account)?.available == Credits(whole: 9))
        #expect(
            try await store.claimIdempotencyKey("slow", requestHash: "h", account: account, at: second, staleAfter: 660)
                == .replay(status: 200, body: [1])
        )
    }

    /// A claim whose lease ran out belongs to a request whose process is gone: a retry takes
    /// it over at once, long before the claim is stale. A renewed lease keeps it; a claim
    /// taken with its first write carries a lease too.
    @Test(arguments: StoreBackend.enabled)
    func aClaimWhoseLeaseRanOutIsTakenOver(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let wall = Date(timeIntervalSince1970: 1_800_000_000)
        func lease(at seconds: TimeInterval) -> ClaimLease {
            ClaimLease(now: wall.addingTimeInterval(seconds), until: wall.addingTimeInterval(seconds + 15))
        }
        func claim(_ key: String, at seconds: TimeInterval) async throws -> IdempotencyClaim {
            try await store.claimIdempotencyKey(
                key,
                requestHash: "h",
                account: account,
                at: now.addingTimeInterval(seconds),
                staleAfter: 660,
                lease: lease(at: seconds)
            )
        }
        #expect(try await claim("crashed", at: 0) == .claimed)
        #expect(try await claim("crashed", at: 14) == .inProgress)
        #expect(try await claim("crashed", at: 16) == .claimed)
        // The request that took it over renews its lease: it is not taken from it.
        try await store.renewIdempotencyClaim("crashed", account: account, until: wall.addingTimeInterval(60))
        #expect(try await claim("crashed", at: 40) == .inProgress)
        #expect(try await claim("crashed", at: 61) == .claimed)
        // Without a lease, only `staleAfter` counts, as before.
        #expect(
            try await store.claimIdempotencyKey("crashed", requestHash: "h", account: account, at: now.addingTimeInterval(200), staleAfter: 660)
                == .inProgress
        )
        // A first write's claim, still open (a credit check waiting on its bureau).
        let open = FirstWriteClaim(key: "first", requestHash: "h", leaseUntil: wall.addingTimeInterval(15))
        try await credit(store, account, Credits(whole: 10))
        _ = try await store.commit(
            WalletTransaction(accountID: account, postings: [posting(.charge, .charge(Credits(whole: 1)))], request: .byFirstWrite(open), at: now)
        )
        #expect(try await claim("first", at: 10) == .inProgress)
        #expect(try await claim("first", at: 20) == .claimed)
        // An answered key is never taken over, lease or not.
        try await store.completeIdempotencyKey(
            IdempotentResponse(key: "first", status: 201, body: [9], claimToken: nil),
            account: account,
            at: now
        )
        try await store.renewIdempotencyClaim("first", account: account, until: wall)
        #expect(try await claim("first", at: 100) == .replay(status: 201, body: [9]))
    }

    @Test(arguments: StoreBackend.enabled)
    func theLedgerPagesNewestFirst(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        for whole in 1...5 { try await credit(store, account, Credits(whole: Int64(whole))) }
        let first = try await store.ledger(account: account, limit: 2, before: nil)
        #expect(first.map(\.change.available) == [Credits(whole: 5), Credits(whole: 4)])
        let second = try await store.ledger(account: account, limit: 10, before: first.last?.sequence)
        #expect(second.map(\.change.available) == [3, 2, 1].map { Credits(whole: $0) })
    }

    @Test(arguments: StoreBackend.enabled)
    func verifyFindsAWalletEditedBehindTheLedgersBack(backend: StoreBackend) async throws {
        let test = try await backend.makeStore()
        let account = try await makeAccount(test.store)
        try await credit(test.store, account, Credits(whole: 100))
        try await test.tamper(
            "UPDATE wallets SET available = available + 1000, total = total + 1000 WHERE account_id = '\(account)'"
        )
        let mismatches = try await test.store.verifyWallets()
        #expect(mismatches.map(\.accountID) == [account])
        #expect(mismatches.first?.ledger.total == Credits(whole: 100))
    }

    @Test(arguments: StoreBackend.enabled)
    func theLedgerIsAppendOnly(backend: StoreBackend) async throws {
        let test = try await backend.makeStore()
        let account = try await makeAccount(test.store)
        try await credit(test.store, account, Credits(whole: 100))
        await #expect(throws: (any Error).self) { try await test.tamper("UPDATE ledger SET available = 1") }
        await #expect(throws: (any Error).self) { try await test.tamper("DELETE FROM ledger") }
        #expect(try await test.store.verifyWallets().isEmpty)
    }

    @Test(arguments: StoreBackend.enabled)
    func paymentMethodsBelongToTheirAccount(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let other = try await makeAccount(store, email: "other@example.com")
        let method = PaymentMethod(
            id: PaymentMethodID("pm_1"),
            accountID: account,
            brand: "visa",
            last4: "4242",
            expMonth: 12,
            expYear: 2030,
            gatewayToken: "tok",
            createdAt: now
        )
        #expect(try await store.addPaymentMethod(method, maximum: 20) == method)
        #expect(try await store.paymentMethods(account: account) == [method])
        #expect(try await store.paymentMethod(method.id, account: other) == nil)
        #expect(try await store.deletePaymentMethod(method.id, account: other, at: now) == false)
        #expect(try await store.deletePaymentMethod(method.id, account: account, at: now))
        #expect(try await store.paymentMethod(method.id, account: account) == nil)
        #expect(try await store.paymentMethods(account: account).isEmpty)
    }

    @Test(arguments: StoreBackend.enabled)
    func sessionsExpire(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        _ = try await makeAccount(store, email: "owner@example.com")
        let owner = try #require(try await store.user(email: "owner@example.com"))
        try await store.createSession(
            Session(tokenHash: "t", userID: owner.id, accountID: owner.accountID, createdAt: now, expiresAt: now.addingTimeInterval(60))
        )
        #expect(try await store.user(sessionTokenHash: "t", now: now)?.id == owner.id)
        #expect(try await store.user(sessionTokenHash: "t", now: now.addingTimeInterval(61)) == nil)
        #expect(try await store.user(sessionTokenHash: "nope", now: now) == nil)
    }

    @Test(arguments: StoreBackend.enabled)
    func aPaymentIntentIsSettledOnceAndLeasedToOneReconciler(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let intent = PaymentIntent(
            purchaseID: PurchaseID("pur_intent"),
            accountID: account,
            credits: Credits(whole: 100),
            amount: Money(cents: 2_000),
            paymentMethodID: PaymentMethodID("pm_1"),
            gatewayToken: "tok",
            createdAt: now
        )
        try await store.recordPaymentIntent(intent)
        await #expect(throws: StoreError.duplicate(field: "id")) { try await store.recordPaymentIntent(intent) }
        // Not stale yet; then leased to one claimer until the lease runs out.
        #expect(try await store.claimStalePaymentIntents(createdBefore: now, at: now, leaseSeconds: 60, limit: 10).isEmpty)
        let later = now.addingTimeInterval(61)
        #expect(try await store.claimStalePaymentIntents(createdBefore: later, at: later, leaseSeconds: 60, limit: 10) == [intent])
        #expect(try await store.claimStalePaymentIntents(createdBefore: later, at: later, leaseSeconds: 60, limit: 10).isEmpty)
        let settle = WalletTransaction(
            accountID: account,
            postings: [posting(.purchase, .add(intent.credits))],
            records: [.settlePaymentIntent(intent.purchaseID)],
            request: nil,
            at: later
        )
        _ = try await store.commit(settle)
        await #expect(throws: StoreError.self) { _ = try await store.commit(settle) }
        #expect(try await store.wallet(account: account)?.total == Credits(whole: 100))
        let muchLater = later.addingTimeInterval(600)
        #expect(
            try await store.claimStalePaymentIntents(createdBefore: muchLater, at: muchLater, leaseSeconds: 60, limit: 10).isEmpty
        )
    }

    /// Saving cards is counted atomically against the limit, and one card number is saved once.
    @Test(arguments: StoreBackend.enabled)
    func cardsAreSavedOncePerNumberAndWithinTheLimit(backend: StoreBackend) async throws {
        let store = try await backend.makeStore().store
        let account = try await makeAccount(store)
        let now = now
        func card(_ index: Int) -> PaymentMethod {
            PaymentMethod(
                id: PaymentMethodID("pm_\(index)_\(UUID().uuidString)"),
                accountID: account,
                brand: "visa",
                last4: "4242",
                expMonth: 12,
                expYear: 2030,
                gatewayToken: "tok_\(index)",
                createdAt: now,
                fingerprint: "fp_\(index)"
            )
        }
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<12 {
                group.addTask {
                    do {
                        _ = try await store.addPaymentMethod(card(index), maximum: 8)
                        return true
                    } catch StoreError.limitReached {
                        return false
                    }
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 8)
        #expect(try await store.paymentMethods(account: account).count == 8)
        let first = try #require(try await store.paymentMethods(account: account).first)
        // The same number again answers the saved card, limit or not.
        var same = card(0)
        same.fingerprint = first.fingerprint
        #expect(try await store.addPaymentMethod(same, maximum: 8) == first)
        #expect(try await store.paymentMethod(fingerprint: first.fingerprint!, account: account) == first)
        // Removed, its number may be saved again.
        #expect(try await store.deletePaymentMethod(first.id, account: account, at: now))
        #expect(try await store.addPaymentMethod(same, maximum: 8) == same)
    }
}
