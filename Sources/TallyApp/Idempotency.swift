import Foundation
import TallyCore
import TallyStore

/// An answer to an HTTP request, kept byte for byte so a replay returns it unchanged.
public struct Answer: Sendable, Hashable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }

    /// Encodes a value the way the API answers.
    public init(status: Int, _ value: some Encodable) throws {
        self.status = status
        self.body = Array(try APIEncoding.encoder.encode(value))
    }

    /// The problem+json answer of an error.
    public init(_ error: TallyError) {
        self.status = error.status
        self.body = (try? Array(APIEncoding.encoder.encode(error.problem))) ?? []
    }
}

/// The JSON encoding every answer uses: RFC 3339 times, stable key order. One encoder,
/// made once and never changed, serves every request.
public enum APIEncoding {
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

extension RequestClaim {
    /// The stored form of the request's answer, fenced by the claim as it stands now.
    public func response(_ answer: Answer) -> IdempotentResponse {
        response(status: answer.status, body: answer.body)
    }
}

/// An `Idempotency-Key` and the request it was sent with.
public struct IdempotencyRequest: Sendable, Hashable {
    public var key: String
    /// SHA-256 of the method, path and body: the same key with another request is a 409.
    public var requestHash: String
    /// The key already looked up with the API key that sent it, when it was.
    public var lookedUp: KeyLookedUp?
    public static let maximumKeyLength = 255

    /// Checks the header's value and fingerprints the request.
    public init(key: String, method: String, path: String, body: [UInt8]) throws(TallyError) {
        guard !key.isEmpty, key.count <= Self.maximumKeyLength, key.allSatisfy({ $0.isASCII && !$0.isWhitespace })
        else {
            throw .invalid(
                "Idempotency-Key",
                "must be 1 to \(Self.maximumKeyLength) visible ASCII characters"
            )
        }
        self.key = key
        self.requestHash = (Array("\(method) \(path)\n".utf8) + body).sha256Hex
    }
}

/// An `Idempotency-Key` looked up in the same read as the API key that sent it
/// (`Accounts.authenticate(bearer:idempotencyKey:)`): the read a first write makes before
/// its work (`Idempotency.run`), made with the request's first.
public struct KeyLookedUp: Sendable, Hashable {
    public let account: AccountID
    public let key: String
    public let lookup: KeyLookup
}

/// Lets a request that moves credits or money run once per idempotency key.
///
/// The key is claimed in the database before any work, so concurrent replays
/// (in this process or another) wait for the first answer instead of running
/// again. A successful operation stores its answer in the same transaction as
/// its ledger entries; an operation that fails with a caller-visible error has
/// that error stored as its answer.
public struct Idempotency: Sendable {
    let store: any Store
    let time: any TimeSource
    /// A claim older than this is taken as abandoned by a crashed process. Longer than
    /// the longest work a claim guards (a feature's hold lives 600 s), so a slow request
    /// is never run twice; and a late answer of a claim taken over is refused by its fence.
    public var staleAfterSeconds: TimeInterval = 660
    /// How long a claim is known to be alive without a renewal, on the wall clock. A
    /// request renews its claim every `renewEverySeconds` while it runs, so a claim whose
    /// lease ran out belongs to a process that is gone (`kill -9`): a retry takes it over
    /// at once — it runs again, or answers what the work came to — instead of waiting out
    /// `staleAfterSeconds`. A late write of a request whose claim was taken over (a process
    /// that stalled past its lease) is refused by its fence.
    public var leaseSeconds: TimeInterval = 15
    public var renewEverySeconds: TimeInterval = 5
    /// The wall clock leases are measured on: the machines' time, not the time requests are
    /// stamped with (which tests move at will).
    public var wallClock: @Sendable () -> Date = { Date() }
    /// How long a replay waits for the first request to finish.
    public var waitSeconds: TimeInterval = 30
    /// The claims this process's requests are answering, renewed together.
    let renewals = ClaimRenewals()

    /// `request`'s key in `account`, taken from the read that found the API key when it
    /// looked up this key in this account, read now otherwise.
    private func lookUp(_ request: IdempotencyRequest, account: AccountID) async throws -> KeyLookup {
        if let ahead = request.lookedUp, ahead.account == account, ahead.key == request.key { return ahead.lookup }
        return try await store.idempotencyKeyLookup(request.key, account: account)
    }

    /// Runs `operation` once for `request`'s key; replays get the first answer.
    /// The operation receives the claim it works under, to hand to every wallet transaction
    /// it commits and to fence the answer it completes inside its own transaction.
    ///
    /// `unsettled` tells a replay that has waited a second why its first request's claim is
    /// still held — work a reconciler will answer (a message with the carrier) — so the
    /// replay says so at once instead of waiting out `waitSeconds`.
    ///
    /// With `claimingWithFirstWrite`, a key never seen before is not claimed in a commit
    /// of its own: the operation's first wallet transaction claims it (see
    /// `FirstWriteClaim`), so a charge that is its request's only write costs one durable
    /// commit, not two. Only for operations whose work before their first write may run
    /// again unharmed (reads, lookups such as an address check): two requests racing on
    /// one new key may both do that work, and exactly one of them writes and answers.
    public func run(
        account: AccountID,
        request: IdempotencyRequest?,
        claimingWithFirstWrite: Bool = false,
        unsettled: (@Sendable (_ key: String) async throws -> TallyError?)? = nil,
        _ operation: @Sendable (_ claim: RequestClaim?) async throws -> Answer
    ) async throws -> Answer {
        guard let request else { return try await operation(nil) }
        // The key's lookup reads the balance too: the request's pre-check takes it from the claim.
        if claimingWithFirstWrite, case let lookup = try await lookUp(request, account: account), !lookup.taken {
            let claim = FirstWriteClaim(
                key: request.key,
                requestHash: request.requestHash,
                leaseUntil: lease().until,
                available: lookup.available ?? .zero
            )
            do {
                return try await answer(account: account, claim: .byFirstWrite(claim), operation)
            } catch StoreError.idempotencyKeyTaken {
                // Another request claimed the key first and nothing of this one was written:
                // go the long way, which answers with its answer (or waits for it).
            }
        }
        let started = ContinuousClock.now
        while true {
            let claimedAt = time.now()
            let claim = try await store.claimIdempotencyKey(
                request.key,
                requestHash: request.requestHash,
                account: account,
                at: claimedAt,
                staleAfter: staleAfterSeconds,
                lease: lease()
            )
            switch claim {
            case .replay(let status, let body):
                return Answer(status: status, body: body)
            case .mismatch:
                throw TallyError.idempotencyKeyReused
            case .inProgress:
                if ContinuousClock.now - started > .seconds(1), let error = try await unsettled?(request.key) {
                    throw error
                }
                guard ContinuousClock.now - started < .seconds(waitSeconds) else {
                    throw TallyError.conflict("a request with this Idempotency-Key is still being answered")
                }
                try await Task.sleep(for: .milliseconds(20))
            case .claimed:
                let token = RequestClaim.token(claimedAt: claimedAt)
                return try await answer(account: account, claim: .claimed(key: request.key, token: token), operation)
            }
        }
    }

    /// A lease starting now on the wall clock.
    private func lease() -> ClaimLease {
        let now = wallClock()
        return ClaimLease(now: now, until: now.addingTimeInterval(leaseSeconds))
    }

    /// Renews the claim's lease while its request runs (until the returned registration is
    /// removed, when it is answered): a request that outlives a lease keeps its claim; most
    /// are answered before the first renewal.
    private func renewLease(of key: String, account: AccountID) -> ClaimRenewals.Registration {
        renewals.add(key: key, account: account, every: .seconds(renewEverySeconds)) { [store, self] key, account in
            try? await store.renewIdempotencyClaim(key, account: account, until: lease().until)
        }
    }

    /// Runs the operation under `claim`: taken already, or to be taken by the operation's
    /// first write (with no write yet, the answer of an error claims it as it is stored).
    private func answer(
        account: AccountID,
        claim: RequestClaim,
        _ operation: @Sendable (_ claim: RequestClaim?) async throws -> Answer
    ) async throws -> Answer {
        let key = claim.key
        var token: Int64? { claim.token }
        /// A first-write claim no commit has made yet: there is no claim of this request to release.
        var unclaimed: Bool { token == nil }
        let renewal = renewLease(of: key, account: account)
        defer { renewals.remove(renewal) }
        do {
            return try await operation(claim)
        } catch let error as TallyError where error.isFinalAnswer {
            let response = claim.response(Answer(error))
            if unclaimed {
                // Nothing written yet: the answer claims the key (or finds it taken).
                _ = try await store.commit(
                    WalletTransaction(accountID: account, postings: [], idempotency: response, request: claim, at: time.now())
                )
            } else {
                try await store.completeIdempotencyKey(response, account: account, at: time.now())
            }
            throw error
        } catch StoreError.idempotencyKeyTaken where unclaimed {
            throw StoreError.idempotencyKeyTaken
        } catch let error as TallyError where error.keepsClaim {
            // The work may have reached a provider: the claim stays, a reconciler answers it.
            throw error
        } catch StoreError.conflict(let reason) {
            // The claim was taken over (or the work raced another): nothing of it was written.
            if !unclaimed { try? await store.releaseIdempotencyKey(key, account: account, claimToken: token) }
            throw TallyError.conflict("nothing was done: \(reason)")
        } catch {
            // Not an answer: free the key so the request can be retried.
            if !unclaimed { try? await store.releaseIdempotencyKey(key, account: account, claimToken: token) }
            throw error
        }
    }
}
