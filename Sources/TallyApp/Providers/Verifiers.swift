import TallyCore

/// What an email verification service says of a syntactically valid address.
public struct EmailVerdict: Sendable, Hashable {
    public var deliverable: Bool
    public var reason: String?

    public init(deliverable: Bool, reason: String?) {
        self.deliverable = deliverable
        self.reason = reason
    }
}

/// An email verification service. Tally's offline syntax layer runs first, so a
/// malformed address never reaches it.
public protocol EmailVerifier: Sendable {
    func verify(_ address: EmailAddress) async throws -> EmailVerdict
}

/// What a phone verification service says of a well-formed number.
public struct PhoneVerdict: Sendable, Hashable {
    public var valid: Bool
    public var reason: String?

    public init(valid: Bool, reason: String?) {
        self.valid = valid
        self.reason = reason
    }
}

/// A phone verification service. Tally's offline number plan runs first.
public protocol PhoneVerifier: Sendable {
    func verify(_ number: PhoneNumber) async throws -> PhoneVerdict
}

/// The sandbox email verifier: an address whose domain ends in `.invalid` is
/// undeliverable; every other syntactically valid address is deliverable.
public struct SandboxEmailVerifier: EmailVerifier {
    public init() {}

    public func verify(_ address: EmailAddress) async throws -> EmailVerdict {
        if address.domain == "invalid" || address.domain.hasSuffix(".invalid") {
            return EmailVerdict(deliverable: false, reason: "the domain does not accept mail")
        }
        return EmailVerdict(deliverable: true, reason: nil)
    }
}

/// The sandbox phone verifier: every number that passes the offline number plan is valid.
public struct SandboxPhoneVerifier: PhoneVerifier {
    public init() {}

    public func verify(_ number: PhoneNumber) async throws -> PhoneVerdict {
        PhoneVerdict(valid: true, reason: nil)
    }
}

/// A provider that could not answer (down, timed out). Nothing is charged for its work.
public struct ProviderFailure: Error, Sendable, Hashable {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }
}
