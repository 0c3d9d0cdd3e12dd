import Foundation
import TallyCore
import TallyStore

/// Credit score and DTI checks.
///
/// The whole price (17 or 26 credits) is held up front with the usage guard's
/// admission, in one transaction; then email and phone validation run (charged),
/// then the check itself for a verified US account and a US phone. The end is
/// one transaction that captures what was used and releases the rest.
public struct CreditChecks: Sendable {
    let meter: Meter
    let idempotency: Idempotency
    let validations: Validations
    let bureau: any CreditBureau
    let usageGuard: UsageGuard

    public struct Request: Sendable, Codable {
        public var kind: CreditCheckKind
        public var contact: Contact
    }

    public struct ValidationsView: Sendable, Codable, Hashable {
        public var email: Validations.EmailCheck?
        public var phone: Validations.PhoneCheck?
    }

    public struct Outcome: Sendable, Codable, Hashable {
        public var id: String
        public var kind: CreditCheckKind
        /// `completed`, `skipped`, `blocked` or `failed`.
        public var status: UsageResult
        @Nullable public var reason: String?
        @Nullable public var creditScore: Int?
        @Nullable public var dtiPercent: Int?
        public var validations: ValidationsView
        /// What the check itself charged.
        public var credits: Credits
        /// The check and the validations it required.
        public var totalCredits: Credits
    }

    /// A checked request: what will be sent to the providers.
    struct Lead: Sendable {
        var name: String
        var email: String
        var phone: String
        var event: String?
    }

    public func run(
        _ request: Request,
        by caller: FeatureCaller,
        idempotency key: IdempotencyRequest?
    ) async throws
        -> Answer
    {
        let lead = try Self.check(request.contact)
        // Before its first write (the hold, or a line saying why nothing ran) a check only
        // reads: that write claims its key. The bureau is asked only after the hold.
        return try await idempotency.run(account: caller.accountID, request: key, claimingWithFirstWrite: true) { completing in
            let outcome = try await perform(request.kind, lead: lead, account: caller.accountID, request: completing)
            return try Answer(status: 200, outcome)
        }
    }

    static func check(_ contact: Contact) throws -> Lead {
        var errors = [FieldError]()
        let name = Limits.text(contact.name, field: "contact.name", maximum: Limits.maximumNameLength, required: true, errors: &errors)
        let email = Limits.text(contact.email, field: "contact.email", maximum: Limits.maximumEmailLength, required: true, errors: &errors)
        let phone = Limits.text(contact.phone, field: "contact.phone", maximum: Limits.maximumPhoneLength, required: true, errors: &errors)
        guard errors.isEmpty, let name, let email, let phone else { throw TallyError.invalid(errors) }
        return Lead(name: name, email: email, phone: phone)
    }

    /// Runs one credit check under `request`'s claim: its first write claims the key, and
    /// what `answering` makes of the outcome (the outcome itself, unless the check is part
    /// of a larger request) is stored as the answer with its last transaction.
    func perform(
        _ kind: CreditCheckKind,
        lead: Lead,
        account: AccountID,
        request: RequestClaim?,
        answering: (Outcome) throws -> Answer = { try Answer(status: 200, $0) }
    ) async throws -> Outcome {
        /// The request's stored answer, once the outcome is known.
        func answer(_ outcome: Outcome) throws -> IdempotentResponse? {
            try request.map { $0.response(try answering(outcome)) }
        }
        let checkPrice = Catalog.price(of: kind.feature)!
        let emailPrice = Catalog.price(of: .emailValidation)!
        let phonePrice = Catalog.price(of: .phoneValidation)!
        let total = checkPrice + emailPrice + phonePrice
        var entry = meter.logEntry(meter.ids.make("cc"), account: account, feature: kind.feature, status: .pending, credits: .zero)
        entry.contactName = lead.name
        entry.contactEmail = lead.email
        entry.phone = lead.phone
        entry.event = lead.event
        var outcome = Outcome(
            id: entry.id,
            kind: kind,
            status: .blocked,
            reason: nil,
            creditScore: nil,
            dtiPercent: nil,
            validations: ValidationsView(email: nil, phone: nil),
            credits: .zero,
            totalCredits: .zero
        )

        // 0. An account that is not a verified US business cannot run a check at all:
        //    skipped before anything runs, so nothing — not even a validation — is charged.
        let verified = try await meter.store.account(account)?.usBusinessEntity ?? false
        if case .skip(let reason) = CreditCheckPolicy.eligibility(accountVerifiedUS: verified, phoneValid: true, phoneISO: "US") {
            outcome.status = .skipped
            outcome.reason = reason
            entry.status = .skipped
            entry.reason = reason
            _ = try await meter.store.commit(
                WalletTransaction(
                    accountID: account,
                    postings: [],
                    records: [.usage(entry)],
                    idempotency: try answer(outcome),
                    request: request,
                    at: entry.createdAt
                )
            )
            return outcome
        }

        // 1. Admission by the usage guard and the hold of the whole price, together.
        let now = entry.createdAt
        let holdID: HoldID
        do {
            holdID = try await meter.hold(total, for: entry, guarded: true, request: request)
        } catch let refusal as UsageGuardRefusal {
            if refusal == .limitReached { try await usageGuard.pause(account: account) }
            outcome.reason = "credit checks are paused by the usage guard until a super admin resumes them"
            entry.status = .blocked
            entry.reason = outcome.reason
            _ = try await meter.store.commit(
                WalletTransaction(
                    accountID: account,
                    postings: [],
                    records: [.usage(entry)],
                    idempotency: try answer(outcome),
                    request: request,
                    at: now
                )
            )
            return outcome
        } catch StoreError.insufficientCredits(let available) {
            try await meter.refuse(entry, available: available, price: total, request: request)
        } catch let reached as SpendCapReached {
            // Blocked, as the seed words a check that costs nothing.
            try await meter.refuse(entry, reached: reached, status: .blocked, request: request)
        }

        // 2. The validations a credit check requires, then the check where it may run.
        //    A provider that cannot answer at all ends the check with nothing charged, and
        //    its hold is released now, not when it would expire.
        let email: Validations.EmailCheck
        let phone: Validations.PhoneCheck
        do {
            email = try await validations.checkEmail(lead.email, id: meter.ids.make("ev"))
            let (checkedPhone, number) = try await validations.checkPhone(lead.phone, id: meter.ids.make("pv"))
            phone = checkedPhone
            outcome.validations = ValidationsView(email: email, phone: phone)
            switch CreditCheckPolicy.eligibility(accountVerifiedUS: verified, phoneValid: phone.valid, phoneISO: phone.iso) {
            case .skip(let reason):
                outcome.status = .skipped
                outcome.reason = reason
            case .run:
                do {
                    let report = try await bureau.check(
                        CreditInquiry(kind: kind, name: lead.name, email: email.email, phone: number!, reference: entry.id)
                    )
                    outcome.status = .completed
                    outcome.creditScore = report.creditScore
                    outcome.dtiPercent = report.dtiPercent
                    outcome.credits = checkPrice
                } catch let failure as ProviderFailure {
                    outcome.status = .failed
                    outcome.reason = failure.reason
                }
            }
        } catch {
            entry.status = .failed
            entry.reason = (error as? TallyError).map { $0.problem.detail } ?? "a provider could not answer"
            _ = try? await meter.store.commit(
                WalletTransaction(
                    accountID: account,
                    postings: [Posting(id: meter.ledgerID(), kind: .release, change: .release(total), reference: holdID.rawValue, hold: holdID)],
                    records: [.settleHold(holdID, status: .released, capturedCredits: .zero), .usage(entry)],
                    request: request,
                    at: meter.time.now()
                )
            )
            if error is TallyError { throw error }
            throw TallyError.providerFailed("the credit bureau could not answer")
        }
        outcome.totalCredits = outcome.credits + emailPrice + phonePrice

        // 3. Capture what was used, release the rest, log every line: one transaction.
        entry.status = outcome.status
        entry.reason = outcome.reason
        entry.credits = outcome.credits
        entry.totalCredits = outcome.totalCredits
        entry.creditScore = outcome.creditScore
        entry.dtiPercent = outcome.dtiPercent
        let emailEntry = email.logLine(meter, account: account, contactName: lead.name, event: lead.event)
        let phoneEntry = phone.logLine(meter, account: account, contactName: lead.name, typed: lead.phone, event: lead.event)
        entry.iso = phone.iso
        var postings = [
            Posting(id: meter.ledgerID(), kind: .capture, change: .capture(emailPrice), reference: email.id, hold: holdID),
            Posting(id: meter.ledgerID(), kind: .capture, change: .capture(phonePrice), reference: phone.id, hold: holdID),
        ]
        if outcome.credits.isPositive {
            postings.append(Posting(id: meter.ledgerID(), kind: .capture, change: .capture(outcome.credits), reference: entry.id, hold: holdID))
        }
        let rest = total - outcome.totalCredits
        if rest.isPositive {
            postings.append(Posting(id: meter.ledgerID(), kind: .release, change: .release(rest), reference: holdID.rawValue, hold: holdID))
        }
        do {
            _ = try await meter.store.commit(
                WalletTransaction(
                    accountID: account,
                    postings: postings,
                    records: [
                        .settleHold(holdID, status: .captured, capturedCredits: outcome.totalCredits),
                        .usage(emailEntry), .usage(phoneEntry), .usage(entry),
                    ],
                    idempotency: try answer(outcome),
                    request: request,
                    at: meter.time.now()
                )
            )
        } catch StoreError.conflict {
            throw TallyError.conflict("the credit check took longer than its hold; nothing was charged")
        } catch {
            // The charge did not land: give the held credits back now rather than when the
            // hold expires (if this fails too, the hold sweeper does it).
            _ = try? await meter.store.commit(
                WalletTransaction(
                    accountID: account,
                    postings: [
                        Posting(id: meter.ledgerID(), kind: .release, change: .release(total), reference: holdID.rawValue, hold: holdID)
                    ],
                    records: [.settleHold(holdID, status: .released, capturedCredits: .zero)],
                    request: request,
                    at: meter.time.now()
                )
            )
            throw error
        }
        return outcome
    }
}
