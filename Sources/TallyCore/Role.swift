/// The role of a person in an account.
public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
    case owner
    case superAdmin = "super_admin"
    case admin
    case member

    /// Credit management — buying credits, payment methods, auto-recharge, usage
    /// guard, billing and usage pages — is for the owner and super admins only.
    public var managesCredits: Bool {
        self == .owner || self == .superAdmin
    }
}
