import Foundation
import TallyCore
import TallyStore

/// Email and phone validation: charged on every attempt, valid or invalid.
public struct Validations: Sendable {
    let meter: Meter
    let idempotency: Idempotency
    let emailVerifier: any EmailVerifier
    let phoneVerifier: any PhoneVerifier

    public struct EmailRequest: Sendable, Codable {
        public var email: String
        public var contact: Contact?
    }

    public struct PhoneRequest: Sendable, Codable {
        public var phone: String
        public var contact: Contact?
    }

    /// One email check's result.
    public struct EmailCheck: Sendable, Codable, Hashable {
        public var id: String
        public var result: UsageResult
        @Nullable public var reason: String?
        public var email: String
        public var roleAccount: Bool
        public var credits: Credits

        var valid: Bool { result == .valid }
    }

    /// One phone check's result; `number` is kept for the checks that follow.
    public struct PhoneCheck: Sendable, Codable, Hashable {
        public var id: String
        public var result: UsageResult
        @Nullable public var reason: String?
        @Nullable public var iso: String?
        @Nullable public var e164: String?
        /// The line's type as Twilio Lookup named it; null when the sandbox or the number plan answered.
        @Nullable public var lineType: String?
        public var credits: Credits

        var valid: Bool { result == .valid }
    }

    // MARK: Charged requests

    public func validateEmail(
        _ request: EmailRequest,
        by caller: FeatureCaller,
        idempotency key: IdempotencyRequest?
    )
        async throws -> Answer
    {
        var errors = [FieldError]()
        let email = Limits.text(request.email, field: "email", maximum: Limits.maximumEmailLength, required: false, errors: &errors) ?? ""
        let name = Limits.text(request.contact?.name, field: "contact.name", maximum: Limits.maximumNameLength, required: false, errors: &errors)
        guard errors.isEmpty else { throw TallyError.invalid(errors) }
        return try await attempt(.emailValidation, prefix: "ev", contactName: name, typed: email, by: caller, idempotency: key) { entry in
            let check = try await checkEmail(email, id: entry.id)
            entry.email = email
            entry.status = check.result
            entry.reason = check.reason
            return try Answer(status: 200, check)
        }
    }

    public func validatePhone(
        _ request: PhoneRequest,
        by caller: FeatureCaller,
        idempotency key: IdempotencyRequest?
    )
        async throws -> Answer
    {
        var errors = [FieldError]()
        let phone = Limits.text(request.phone, field: "phone", maximum: Limits.maximumPhoneLength, required: false, errors: &errors) ?? ""
        let name = Limits.text(request.contact?.name, field: "contact.name", maximum: Limits.maximumNameLength, required: false, errors: &errors)
        guard errors.isEmpty else { throw TallyError.invalid(errors) }
        return try await attempt(.phoneValidation, prefix: "pv", contactName: name, typed: phone, by: caller, idempotency: key) { entry in
            let (check, _) = try await checkPhone(phone, id: entry.id)
            entry.status = check.result
            entry.reason = check.reason
            entry.iso = check.iso
            entry.phone = check.e164 ?? phone
            entry.lineType = check.lineType
            return try Answer(status: 200, check)
        }
    }

    /// One charged validation: refused early when its price is clearly not available,
    /// then checked, then charged with its log line and answer in one transaction.
    private func attempt(
        _ feature: Feature,
        prefix: String,
        contactName: String?,
        typed: String,
        by caller: FeatureCaller,
        idempotency key: IdempotencyRequest?,
        check: @escaping @Sendable (inout UsageLogEntry) async throws -> Answer
    ) async throws -> Answer {
        let price = Catalog.price(of: feature)!
        // Before its one write a validation only reads and asks the verifier, which may
        // ask again: its key is claimed by that write (the charge, or a refusal's line).
        return try await idempotency.run(account: caller.accountID, request: key, claimingWithFirstWrite: true) { completing in
            var entry = meter.logEntry(meter.ids.make(prefix), account: caller.accountID, feature: feature, status: .pending, credits: price)
            entry.contactName = contactName
            if feature == .emailValidation { entry.email = typed } else { entry.phone = typed }
            try await meter.requireAvailable(price, account: caller.accountID, refusal: entry, request: completing)
            let answer = try await check(&entry)
            try await charge(price, entry: entry, answer: answer, request: completing)
            return answer
        }
    }

    private func charge(_ price: Credits, entry: UsageLogEntry, answer: Answer, request: RequestClaim?) async throws {
        do {
            _ = try await meter.store.commit(
                WalletTransaction(
                    accountID: entry.accountID,
                    postings: [Posting(id: meter.ledgerID(), kind: .charge, change: .charge(price), reference: entry.id)],
                    records: [.usage(entry)],
                    idempotency: request?.response(answer),
                    cappedFeatures: [entry.feature],
                    request: request,
                    at: entry.createdAt
                )
            )
        } catch StoreError.insufficientCredits(let available) {
            try await meter.refuse(entry, available: available, price: price, request: request)
        } catch let reached as SpendCapReached {
            try await meter.refuse(entry, reached: reached, request: request)
        }
    }

    // MARK: Checks, uncharged: the callers charge

    /// The offline syntax layer first, then the verifier for a well-formed address.
    func checkEmail(_ text: String, id: String) async throws -> EmailCheck {
        let price = Catalog.price(of: .emailValidation)!
        switch EmailAddress.parse(text) {
        case .failure(let error):
            return EmailCheck(id: id, result: .invalid, reason: error.reason, email: text, roleAccount: false, credits: price)
        case .success(let address):
            let verdict: EmailVerdict
            do {
                verdict = try await emailVerifier.verify(address)
            } catch let failure as ProviderFailure {
                throw TallyError.providerFailed(failure.reason)
            }
            return EmailCheck(
                id: id,
                result: verdict.deliverable ? .valid : .invalid,
                reason: verdict.reason,
                email: address.description,
                roleAccount: address.isRoleAccount,
                credits: price
            )
        }
    }

    /// The offline number plan first, then the verifier for a well-formed number.
    func checkPhone(_ text: String, id: String) async throws -> (PhoneCheck, PhoneNumber?) {
        let price = Catalog.price(of: .phoneValidation)!
        switch PhoneNumber.parse(text) {
        case .failure(let error):
            return (PhoneCheck(id: id, result: .invalid, reason: error.reason, iso: nil, e164: nil, lineType: nil, credits: price), nil)
        case .success(let number):
            let verdict: PhoneVerdict
            do {
                verdict = try await phoneVerifier.verify(number)
            } catch let failure as ProviderFailure {
                throw TallyError.providerFailed(failure.reason)
            }
            return (
                PhoneCheck(
                    id: id,
                    result: verdict.valid ? .valid : .invalid,
                    reason: verdict.reason,
                    iso: number.regionCode,
                    e164: number.e164,
                    lineType: verdict.lineType,
                    credits: price
                ),
                verdict.valid ? number : nil
            )
        }
    }
}

extension Validations.EmailCheck {
    /// The email validation log line of this check, charged at its price.
    func logLine(_ meter: Meter, account: AccountID, contactName: String?, event: String?) -> UsageLogEntry {
        var entry = meter.logEntry(id, account: account, feature: .emailValidation, status: result, credits: credits)
        entry.contactName = contactName
        entry.email = email
        entry.reason = reason
        entry.event = event
        return entry
    }
}

extension Validations.PhoneCheck {
    /// The phone validation log line of this check; `typed` stands for a number that did not parse.
    func logLine(_ meter: Meter, account: AccountID, contactName: String?, typed: String, event: String?) -> UsageLogEntry {
        var entry = meter.logEntry(id, account: account, feature: .phoneValidation, status: result, credits: credits)
        entry.contactName = contactName
        entry.phone = e164 ?? typed
        entry.iso = iso
        entry.reason = reason
        entry.lineType = lineType
        entry.event = event
        return entry
    }
}
