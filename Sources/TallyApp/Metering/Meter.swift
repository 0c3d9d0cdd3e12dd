import Foundation
import TallyCore
import TallyStore

/// What every metered feature shares: the clock, ids, the balance pre-check and refusal logging.
struct Meter: Sendable {
    let store: any Store
    let time: any TimeSource
    let ids: any IDSource
    /// How long a feature's own hold lives before the sweeper releases it.
    public static let featureHoldSeconds: TimeInterval = 600

    func ledgerID() -> LedgerEntryID { LedgerEntryID(ids.make("led")) }

    /// Refuses early, before a paid provider is called, when the price is clearly not
    /// available. The conditional update in the charge transaction stays the real check.
    func requireAvailable(_ price: Credits, account: AccountID, refusal: UsageLogEntry, request: RequestClaim?) async throws {
        // Read with the request's key when it is claimed by its first write and nothing is written yet.
        let available: Credits
        if let known = request?.firstWrite?.availableBeforeAnyWrite {
            available = known
        } else {
            available = try await store.wallet(account: account)?.available ?? .zero
        }
        guard available >= price else {
            try await refuse(refusal, available: available, price: price, request: request)
        }
    }

    /// Logs a refusal for insufficient credits (nothing charged) and throws the 402.
    /// Under `request`'s claim: the line may be the write that claims its key.
    func refuse(_ entry: UsageLogEntry, available: Credits, price: Credits, request: RequestClaim?) async throws -> Never {
        var entry = entry
        entry.status = .refused
        entry.credits = .zero
        entry.reason = "insufficient credits: \(price) needed, \(available) available"
        _ = try await store.commit(
            WalletTransaction(accountID: entry.accountID, postings: [], records: [.usage(entry)], request: request, at: entry.createdAt)
        )
        throw TallyError.insufficientCredits(available: available, required: price)
    }

    /// Logs a charge a spend cap refused (nothing charged; a credit check's line says
    /// `blocked`, the seed's word for a check that costs nothing), tells the account's super
    /// admins once per cap and period, and throws the 402.
    func refuse(
        _ entry: UsageLogEntry,
        reached: SpendCapReached,
        status: UsageResult = .refused,
        request: RequestClaim?
    ) async throws -> Never {
        var entry = entry
        entry.status = status
        entry.credits = .zero
        entry.reason = "spend cap reached: " + SpendCapWords.refusal(reached)
        let window = SpendCapRule.window(reached.cap.period, at: entry.createdAt)
        let notification = Notification(
            id: "ntf_cap_\(reached.cap.feature.rawValue)_\(reached.cap.period.rawValue)_\(window.firstDay)",
            accountID: entry.accountID,
            kind: .spendCapReached,
            message: "The spend cap of \(reached.cap.credits) credits per Pacific \(reached.cap.period.rawValue) on "
                + "\(SpendCapWords.name(reached.cap.feature)) is reached: further uses are refused until it resets at "
                + "\(PacificDay.timestamp(reached.resetsAt)).",
            data: #"{"feature":"\#(reached.cap.feature.rawValue)","period":"\#(reached.cap.period.rawValue)","credits":"\#(reached.cap.credits)"}"#,
            createdAt: entry.createdAt
        )
        // Told once per cap and period: a later refusal writes its line alone.
        _ = try await store.commit(
            WalletTransaction(
                accountID: entry.accountID,
                postings: [],
                records: [.usage(entry), .notificationOnce(notification)],
                request: request,
                at: entry.createdAt
            )
        )
        throw TallyError.spendCapReached(reached)
    }

    /// Holds `price` for the action logged by `entry`, in one transaction with its
    /// ledger entry (and, for a credit check, the usage guard's admission), under
    /// `request`'s claim (the hold may be the write that claims its key).
    /// Throws `StoreError.insufficientCredits`, `UsageGuardRefusal` or `SpendCapReached`, writing nothing.
    func hold(
        _ price: Credits,
        for entry: UsageLogEntry,
        guarded: Bool = false,
        request: RequestClaim?,
        with records: (HoldID) -> [WalletRecord] = { _ in [] }
    ) async throws -> HoldID {
        let id = HoldID(ids.make("hold"))
        let now = entry.createdAt
        _ = try await store.commit(
            WalletTransaction(
                accountID: entry.accountID,
                postings: [Posting(id: ledgerID(), kind: .hold, change: .hold(price), reference: id.rawValue, hold: id)],
                records: [
                    .hold(
                        Hold(
                            id: id,
                            accountID: entry.accountID,
                            feature: entry.feature.rawValue,
                            credits: price,
                            reference: entry.id,
                            createdAt: now,
                            expiresAt: now.addingTimeInterval(Self.featureHoldSeconds)
                        )
                    )
                ] + records(id),
                guardedRequest: guarded,
                cappedFeatures: [entry.feature],
                request: request,
                at: now
            )
        )
        return id
    }

    /// A log line stamped now, with its Pacific day.
    func logEntry(_ id: String, account: AccountID, feature: Feature, status: UsageResult, credits: Credits) -> UsageLogEntry {
        let now = time.now()
        return UsageLogEntry(
            id: id,
            accountID: account,
            feature: feature,
            status: status,
            credits: credits,
            day: PacificDay.of(now),
            createdAt: now
        )
    }
}

/// A contact as the platform sends it.
public struct Contact: Sendable, Codable, Hashable {
    public var name: String?
    public var email: String?
    public var phone: String?

    public init(name: String? = nil, email: String? = nil, phone: String? = nil) {
        self.name = name
        self.email = email
        self.phone = phone
    }
}

enum Limits {
    static let maximumNameLength = 200
    static let maximumEmailLength = 320
    static let maximumPhoneLength = 64
    static let maximumReferenceLength = 200

    /// A free-text field: trimmed, at most `maximum` characters (Unicode scalars, as JSON
    /// Schema counts them in `/openapi.json`).
    static func text(
        _ value: String?,
        field: String,
        maximum: Int,
        required: Bool,
        errors: inout [FieldError]
    )
        -> String?
    {
        guard let value else {
            if required { errors.append(FieldError(field, "is required")) }
            return nil
        }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty && required {
            errors.append(FieldError(field, "must not be empty"))
        } else if trimmed.unicodeScalars.count > maximum {
            errors.append(FieldError(field, "must be at most \(maximum) characters"))
        }
        return trimmed.isEmpty ? nil : trimmed
    }
}
