import Foundation
import TallyCore
import TallyStore

/// Holds for the platform's own metered actions: hold, then capture (up to
/// the held amount, the rest released) or release. Holds expire, so a crash
/// never strands credits.
public struct Holds: Sendable {
    let meter: Meter
    let idempotency: Idempotency
    public static let defaultTTLSeconds = 300
    public static let maximumTTLSeconds = 86_400

    public struct NewHold: Sendable, Codable {
        public var feature: String
        public var credits: Credits
        public var reference: String?
        public var ttlSeconds: WholeNumber?
    }

    public struct Capture: Sendable, Codable {
        /// At most the held credits; absent means all of them.
        public var credits: Credits?

        public init(credits: Credits?) {
            self.credits = credits
        }
    }

    public struct HoldView: Sendable, Codable, Equatable {
        public var id: HoldID
        public var feature: String
        public var credits: Credits
        public var capturedCredits: Credits
        public var reference: String
        public var status: HoldStatus
        public var expiresAt: Date
    }

    public func hold(_ request: NewHold, by caller: FeatureCaller, idempotency key: IdempotencyRequest?) async throws -> Answer {
        var errors = [FieldError]()
        let feature = request.feature.trimmingCharacters(in: .whitespaces)
        if feature.isEmpty || feature.count > 64
            || !feature.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") })
        {
            errors.append(FieldError("feature", "must be 1 to 64 letters, digits, '_', '-' or '.'"))
        }
        if !request.credits.isPositive {
            errors.append(FieldError("credits", "must be more than zero"))
        } else if request.credits > Credits.maximumPerRequest {
            errors.append(FieldError("credits", "must be at most \(Credits.maximumPerRequest)"))
        }
        let reference =
            Limits.text(request.reference, field: "reference", maximum: Limits.maximumReferenceLength, required: false, errors: &errors) ?? ""
        let ttl = request.ttlSeconds?.value ?? Self.defaultTTLSeconds
        if !(1...Self.maximumTTLSeconds).contains(ttl) {
            errors.append(FieldError("ttlSeconds", "must be from 1 to \(Self.maximumTTLSeconds)"))
        }
        guard errors.isEmpty else { throw TallyError.invalid(errors) }
        return try await idempotency.run(account: caller.accountID, request: key) { completing in
            let now = meter.time.now()
            let hold = Hold(
                id: HoldID(meter.ids.make("hold")),
                accountID: caller.accountID,
                feature: feature,
                credits: request.credits,
                reference: reference,
                createdAt: now,
                expiresAt: now.addingTimeInterval(TimeInterval(ttl))
            )
            let answer = try Answer(status: 201, Self.view(hold))
            do {
                _ = try await meter.store.commit(
                    WalletTransaction(
                        accountID: caller.accountID,
                        postings: [
                            Posting(id: meter.ledgerID(), kind: .hold, change: .hold(hold.credits), reference: hold.id.rawValue, hold: hold.id)
                        ],
                        records: [.hold(hold)],
                        idempotency: completing?.response(answer),
                        request: completing,
                        at: now
                    )
                )
            } catch StoreError.insufficientCredits(let available) {
                throw TallyError.insufficientCredits(available: available, required: hold.credits)
            }
            return answer
        }
    }

    /// A hold as it stands: active, captured, released or expired.
    public func hold(_ id: HoldID, of caller: FeatureCaller) async throws -> HoldView {
        guard let hold = try await meter.store.hold(id, account: caller.accountID) else {
            throw TallyError.notFound("no hold \(id)")
        }
        return Self.view(hold)
    }

    /// Captures `credits` (default: all) of an active hold and releases the rest.
    public func capture(_ id: HoldID, _ request: Capture, by caller: FeatureCaller, idempotency key: IdempotencyRequest?) async throws -> Answer {
        try await settle(id, capture: request.credits, by: caller, idempotency: key)
    }

    public func release(_ id: HoldID, by caller: FeatureCaller, idempotency key: IdempotencyRequest?) async throws -> Answer {
        try await settle(id, capture: .zero, by: caller, idempotency: key)
    }

    private func settle(_ id: HoldID, capture: Credits?, by caller: FeatureCaller, idempotency key: IdempotencyRequest?) async throws -> Answer {
        if let capture, capture.isNegative {
            throw TallyError.invalid("credits", "must not be negative")
        }
        // The hold is read once the key is known to be new: a replay answers its first answer.
        return try await idempotency.run(account: caller.accountID, request: key) { completing in
            guard var hold = try await meter.store.hold(id, account: caller.accountID) else {
                throw TallyError.notFound("no hold \(id)")
            }
            let captured = capture ?? hold.credits
            if captured > hold.credits {
                throw TallyError.invalid("credits", "must be at most the held \(hold.credits)")
            }
            let now = meter.time.now()
            guard hold.status == .active, hold.expiresAt > now else {
                let state = hold.status == .active ? "expired" : hold.status.rawValue
                throw TallyError.conflict("hold \(id) is \(state); nothing was captured")
            }
            hold.status = captured.isPositive ? .captured : .released
            hold.capturedCredits = captured
            let answer = try Answer(status: 200, Self.view(hold))
            // What is captured is used: one use of the feature the hold named, in the usage
            // report as in the ledger's `used`.
            var records: [WalletRecord] = [.settleHold(id, status: hold.status, capturedCredits: captured)]
            if captured.isPositive {
                records.append(.heldUsage(HeldUsage(feature: hold.feature, day: PacificDay.of(now), credits: captured)))
            }
            do {
                _ = try await meter.store.commit(
                    WalletTransaction(
                        accountID: caller.accountID,
                        postings: Self.postings(for: hold, ids: meter),
                        records: records,
                        idempotency: completing?.response(answer),
                        request: completing,
                        at: now
                    )
                )
            } catch StoreError.conflict {
                throw TallyError.conflict("hold \(id) is no longer active; nothing was captured")
            }
            return answer
        }
    }

    /// Releases every active hold past its expiry: what the sweeper runs.
    public func expire(limit: Int = 500) async throws -> Int {
        let now = meter.time.now()
        let expired = try await meter.store.expiredHolds(at: now, limit: limit)
        return await BackgroundPass.each(expired, kind: "hold", id: \.id) { hold in
            do {
                _ = try await meter.store.commit(
                    WalletTransaction(
                        accountID: hold.accountID,
                        postings: [
                            Posting(id: meter.ledgerID(), kind: .release, change: .release(hold.credits), reference: hold.id.rawValue, hold: hold.id)
                        ],
                        records: [.settleHold(hold.id, status: .expired, capturedCredits: .zero)],
                        request: nil,
                        at: now
                    )
                )
                return true
            } catch StoreError.conflict {
                // Settled meanwhile by its owner or another process: nothing to release.
                return false
            }
        }
    }

    static func postings(for hold: Hold, ids meter: Meter) -> [Posting] {
        var postings = [Posting]()
        if hold.capturedCredits.isPositive {
            postings.append(
                Posting(id: meter.ledgerID(), kind: .capture, change: .capture(hold.capturedCredits), reference: hold.id.rawValue, hold: hold.id)
            )
        }
        let rest = hold.credits - hold.capturedCredits
        if rest.isPositive {
            postings.append(Posting(id: meter.ledgerID(), kind: .release, change: .release(rest), reference: hold.id.rawValue, hold: hold.id))
        }
        return postings
    }

    static func view(_ hold: Hold) -> HoldView {
        HoldView(
            id: hold.id,
            feature: hold.feature,
            credits: hold.credits,
            capturedCredits: hold.capturedCredits,
            reference: hold.reference,
            status: hold.status,
            expiresAt: hold.expiresAt
        )
    }
}
