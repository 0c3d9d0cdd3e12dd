import Foundation
import TallyCore
import TallyStore

/// Scheduler events: each with its own data intelligence configuration, and
/// leads submitted to them running the enabled checks.
public struct Events: Sendable {
    let meter: Meter
    let idempotency: Idempotency
    let validations: Validations
    let creditChecks: CreditChecks

    public struct NewLead: Sendable, Codable {
        public var name: String?
        public var email: String?
        public var phone: String?
    }

    public struct ChecksView: Sendable, Codable, Equatable {
        @Nullable public var email: Validations.EmailCheck?
        @Nullable public var phone: Validations.PhoneCheck?
        @Nullable public var creditCheck: CreditChecks.Outcome?
    }

    public struct LeadView: Sendable, Codable, Equatable {
        public var event: String
        public var qualified: Bool
        public var disqualifiedBy: [DisqualificationReason]
        @Nullable public var route: String?
        public var checks: ChecksView
        /// Everything this lead was charged.
        public var credits: Credits
    }

    static func checkEventID(_ id: String) throws(TallyError) {
        guard (1...64).contains(id.count),
            id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") })
        else { throw .invalid("event", "must be 1 to 64 letters, digits, '_', '-' or '.'") }
    }

    /// Stores an event's configuration; a credit check turns both validations on.
    /// An event's stored configuration.
    public func configuration(_ id: String, of caller: FeatureCaller) async throws -> EventConfig {
        try Self.checkEventID(id)
        guard let stored = try await meter.store.event(id, account: caller.accountID) else {
            throw TallyError.notFound("no event \(id)")
        }
        return try JSONDecoder().decode(EventConfig.self, from: Data(stored.utf8))
    }

    public func configure(_ id: String, _ config: EventConfig, by manager: CreditManager) async throws -> EventConfig {
        try Self.checkEventID(id)
        let valid: EventConfig
        switch config.validated() {
        case .success(let checked): valid = checked
        case .failure(let error): throw TallyError.invalid(error.problems.map { FieldError($0.field, $0.reason) })
        }
        let json = String(decoding: try APIEncoding.encoder.encode(valid), as: UTF8.self)
        try await meter.store.putEvent(id, config: json, account: manager.accountID, at: meter.time.now())
        return valid
    }

    /// Runs the event's enabled checks on a lead, charges them, and decides qualification and route.
    public func submit(
        _ lead: NewLead,
        event id: String,
        by caller: FeatureCaller,
        idempotency key: IdempotencyRequest?
    )
        async throws -> Answer
    {
        try Self.checkEventID(id)
        let account = caller.accountID
        // As a validation's or a credit check's: before its first write a lead is only
        // read and verified, so that write claims its key.
        return try await idempotency.run(account: account, request: key, claimingWithFirstWrite: true) { completing in
            // The event is read, and the fields it requires checked, only once the key is
            // known to be new: a replay answers its first answer whatever the event became.
            guard let stored = try await meter.store.event(id, account: account) else {
                throw TallyError.notFound("no event \(id)")
            }
            let config = try JSONDecoder().decode(EventConfig.self, from: Data(stored.utf8))
            var errors = [FieldError]()
            let name = Limits.text(
                lead.name,
                field: "name",
                maximum: Limits.maximumNameLength,
                required: config.creditCheck != .none,
                errors: &errors
            )
            let email = Limits.text(lead.email, field: "email", maximum: Limits.maximumEmailLength, required: config.emailValidation, errors: &errors)
            let phone = Limits.text(lead.phone, field: "phone", maximum: Limits.maximumPhoneLength, required: config.phoneValidation, errors: &errors)
            guard errors.isEmpty else { throw TallyError.invalid(errors) }
            var view = LeadView(
                event: id,
                qualified: false,
                disqualifiedBy: [],
                route: nil,
                checks: ChecksView(email: nil, phone: nil, creditCheck: nil),
                credits: .zero
            )
            let verified = try await meter.store.account(account)?.usBusinessEntity ?? false
            if let kind = config.creditCheck.kind, verified {
                let view = view
                let outcome = try await creditChecks.perform(
                    kind,
                    lead: CreditChecks.Lead(name: name ?? "", email: email ?? "", phone: phone ?? "", event: id),
                    account: account,
                    request: completing,
                    answering: { outcome in try Self.finish(view, config: config, outcome: outcome) }
                )
                return try Self.finish(view, config: config, outcome: outcome)
            }
            var results = LeadCheckResults()
            var postings = [Posting]()
            var records = [WalletRecord]()
            var entries = [UsageLogEntry]()
            var price = Credits.zero
            if config.emailValidation { price = price + Catalog.price(of: .emailValidation)! }
            if config.phoneValidation { price = price + Catalog.price(of: .phoneValidation)! }
            var refusal = meter.logEntry(
                meter.ids.make("ev"),
                account: account,
                feature: config.emailValidation ? .emailValidation : .phoneValidation,
                status: .pending,
                credits: .zero
            )
            refusal.event = id
            refusal.contactName = name
            try await meter.requireAvailable(price, account: account, refusal: refusal, request: completing)
            if config.emailValidation, let email {
                let check = try await validations.checkEmail(email, id: meter.ids.make("ev"))
                view.checks.email = check
                results.emailValid = check.valid
                entries.append(check.logLine(meter, account: account, contactName: name, event: id))
            }
            if config.phoneValidation, let phone {
                let (check, _) = try await validations.checkPhone(phone, id: meter.ids.make("pv"))
                view.checks.phone = check
                results.phoneValid = check.valid
                entries.append(check.logLine(meter, account: account, contactName: name, typed: phone, event: id))
            }
            if let kind = config.creditCheck.kind {
                // Not a verified US business: the check is skipped, free; the validations still run.
                let reason = "the account is not verified as a US business entity"
                var skipped = meter.logEntry(meter.ids.make("cc"), account: account, feature: kind.feature, status: .skipped, credits: .zero)
                skipped.contactName = name
                skipped.contactEmail = email
                skipped.phone = phone
                skipped.event = id
                skipped.reason = reason
                records.append(.usage(skipped))
                view.checks.creditCheck = CreditChecks.Outcome(
                    id: skipped.id,
                    kind: kind,
                    status: .skipped,
                    reason: reason,
                    creditScore: nil,
                    dtiPercent: nil,
                    validations: CreditChecks.ValidationsView(email: view.checks.email, phone: view.checks.phone),
                    credits: .zero,
                    totalCredits: .zero
                )
            }
            for entry in entries {
                postings.append(Posting(id: meter.ledgerID(), kind: .charge, change: .charge(entry.credits), reference: entry.id))
                records.append(.usage(entry))
                view.credits = view.credits + entry.credits
            }
            let decision = config.decide(results)
            view.qualified = decision.qualified
            view.disqualifiedBy = decision.disqualifiedBy
            view.route = decision.route
            let answer = try Answer(status: 200, view)
            if !postings.isEmpty || !records.isEmpty || completing != nil {
                do {
                    _ = try await meter.store.commit(
                        WalletTransaction(
                            accountID: account,
                            postings: postings,
                            records: records,
                            idempotency: completing?.response(answer),
                            cappedFeatures: Array(Set(entries.map(\.feature))).sorted { $0.rawValue < $1.rawValue },
                            request: completing,
                            at: meter.time.now()
                        )
                    )
                } catch StoreError.insufficientCredits(let available) {
                    try await meter.refuse(refusal, available: available, price: price, request: completing)
                } catch let reached as SpendCapReached {
                    try await meter.refuse(refusal, reached: reached, request: completing)
                }
            }
            return answer
        }
    }

    /// The lead's answer once its credit check (with its validations) is done.
    static func finish(_ view: LeadView, config: EventConfig, outcome: CreditChecks.Outcome) throws -> Answer {
        var view = view
        view.checks = ChecksView(email: outcome.validations.email, phone: outcome.validations.phone, creditCheck: outcome)
        let completed = outcome.status == .completed
        let decision = config.decide(
            LeadCheckResults(
                emailValid: outcome.validations.email.map { $0.result == .valid },
                phoneValid: outcome.validations.phone.map { $0.result == .valid },
                creditCheckCompleted: completed,
                creditScore: outcome.creditScore,
                dtiPercent: outcome.dtiPercent
            )
        )
        view.qualified = decision.qualified
        view.disqualifiedBy = decision.disqualifiedBy
        view.route = decision.route
        view.credits = outcome.status == .blocked ? .zero : outcome.totalCredits
        return try Answer(status: 200, view)
    }
}

extension CreditCheckChoice {
    /// The check to run, if any.
    var kind: CreditCheckKind? {
        switch self {
        case .none: nil
        case .creditScore: .creditScore
        case .dti: .dti
        }
    }
}
