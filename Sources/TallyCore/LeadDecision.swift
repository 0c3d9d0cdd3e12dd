/// What each check of a lead came to; `nil` when the check did not run.
public struct LeadCheckResults: Sendable, Hashable {
    /// The email validation's result, or `nil` when the event does not validate emails.
    public var emailValid: Bool?
    /// The phone validation's result, or `nil` when the event does not validate phones.
    public var phoneValid: Bool?
    /// Whether the credit check completed; `false` when it was skipped (e.g. a non-US
    /// phone), blocked by usage guard, failed at the bureau, or not configured.
    public var creditCheckCompleted: Bool
    /// The bureau's credit score; only read when the check completed.
    public var creditScore: Int?
    /// The bureau's debt-to-income percentage; only read when the check completed.
    public var dtiPercent: Int?

    public init(
        emailValid: Bool? = nil,
        phoneValid: Bool? = nil,
        creditCheckCompleted: Bool = false,
        creditScore: Int? = nil,
        dtiPercent: Int? = nil
    ) {
        self.emailValid = emailValid
        self.phoneValid = phoneValid
        self.creditCheckCompleted = creditCheckCompleted
        self.creditScore = creditScore
        self.dtiPercent = dtiPercent
    }

    /// The score a rule may judge: a figure from a check that did not complete is not a measurement.
    var measuredCreditScore: Int? { creditCheckCompleted ? creditScore : nil }

    /// The DTI a rule may judge, on the same terms as `measuredCreditScore`.
    var measuredDTIPercent: Int? { creditCheckCompleted ? dtiPercent : nil }
}

/// Why a lead was disqualified, as the API names it in `disqualifiedBy`.
public enum DisqualificationReason: String, Sendable, Hashable, Codable, CaseIterable {
    case invalidEmail = "invalid_email"
    case invalidPhone = "invalid_phone"
    case creditScoreBelowMinimum = "credit_score_below_minimum"
    case dtiAboveMaximum = "dti_above_maximum"
}

/// The answer to a lead: qualified or not, why not, and where it goes.
public struct LeadDecision: Sendable, Hashable {
    /// `true` when no disqualification rule fired.
    public var qualified: Bool
    /// Every rule that fired, in `DisqualificationReason`'s declaration order; empty when qualified.
    public var disqualifiedBy: [DisqualificationReason]
    /// The matched route, else the event's default route; always `nil` when disqualified.
    public var route: String?

    public init(qualified: Bool, disqualifiedBy: [DisqualificationReason], route: String?) {
        self.qualified = qualified
        self.disqualifiedBy = disqualifiedBy
        self.route = route
    }
}

extension EventConfig {
    /// Applies the disqualification rules, then routes a qualified lead to the first route
    /// whose every set bound matches (bounds inclusive), else to `defaultRoute`.
    ///
    /// A lead is judged only on what was measured. When a check did not run or did not
    /// complete — typically a credit check *skipped* because the lead's phone is not a US
    /// number — the rules that need its result do not fire: SPEC charges nothing for a
    /// skipped check, and turning the lead away for a figure nobody measured would punish
    /// it for the event's own precondition. For the same reason a route with a score or DTI
    /// bound never matches an unmeasured lead; only bound-free routes, then the default,
    /// can take it.
    public func decide(_ results: LeadCheckResults) -> LeadDecision {
        let reasons = disqualificationReasons(results)
        guard reasons.isEmpty else {
            return LeadDecision(qualified: false, disqualifiedBy: reasons, route: nil)
        }
        let matched = routes.first { $0.matches(results) }
        return LeadDecision(qualified: true, disqualifiedBy: [], route: matched?.name ?? defaultRoute)
    }

    /// Every rule that fires, in `DisqualificationReason` order.
    private func disqualificationReasons(_ results: LeadCheckResults) -> [DisqualificationReason] {
        var reasons: [DisqualificationReason] = []
        if disqualify.invalidEmail, results.emailValid == false { reasons.append(.invalidEmail) }
        if disqualify.invalidPhone, results.phoneValid == false { reasons.append(.invalidPhone) }
        if let minimum = disqualify.minCreditScore, let score = results.measuredCreditScore, score < minimum {
            reasons.append(.creditScoreBelowMinimum)
        }
        if let maximum = disqualify.maxDtiPercent, let dti = results.measuredDTIPercent, dti > maximum {
            reasons.append(.dtiAboveMaximum)
        }
        return reasons
    }
}

extension LeadRoute {
    /// Whether every set bound holds for the lead; a bound needs its figure to hold.
    func matches(_ results: LeadCheckResults) -> Bool {
        if hasCreditScoreBound {
            guard let score = results.measuredCreditScore else { return false }
            if let minimum = minCreditScore, score < minimum { return false }
            if let maximum = maxCreditScore, score > maximum { return false }
        }
        if let maximum = maxDtiPercent {
            guard let dti = results.measuredDTIPercent, dti <= maximum else { return false }
        }
        return true
    }
}
