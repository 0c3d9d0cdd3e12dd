/// When a credit check may run. Pure: the rule of SPEC.md in one place.
public enum CreditCheckPolicy {
    public enum Eligibility: Sendable, Hashable {
        case run
        case skip(reason: String)
    }

    /// A credit check runs only for an account verified as a US business entity
    /// and a lead whose phone validated as a US number.
    public static func eligibility(accountVerifiedUS: Bool, phoneValid: Bool, phoneISO: String?) -> Eligibility {
        guard accountVerifiedUS else { return .skip(reason: "the account is not verified as a US business entity") }
        guard phoneValid else { return .skip(reason: "the lead's phone number did not validate") }
        guard phoneISO == "US" else { return .skip(reason: "the lead's phone number is not a US number") }
        return .run
    }
}
