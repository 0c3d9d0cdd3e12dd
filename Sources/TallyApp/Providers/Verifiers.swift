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
    /// The line's type, when the service names it (Twilio Lookup: `mobile`, `landline`, …).
    public var lineType: String?

    public init(valid: Bool, reason: String?, lineType: String? = nil) {
        self.valid = valid
        self.reason = reason
        self.lineType = lineType
    }
}

/// A phone verification service. Tally's offline number plan runs first.
public protocol PhoneVerifier: Sendable {
    func verify(_ number: PhoneNumber) async throws -> PhoneVerdict
}

/// The sandbox email verifier: an address whose domain ends in `.invalid` is
/// undeliverable; every other syntactically valid address is deliverable. Its faults, by
/// local part: `sandbox-slow@…` answers after one second, `sandbox-silent@…` never
/// answers (the call runs into its deadline), `sandbox-error@…` fails at once.
public struct SandboxEmailVerifier: EmailVerifier {
    public init() {}

    public func verify(_ address: EmailAddress) async throws -> EmailVerdict {
        try await SandboxFault(address.localPart.lowercased(), slow: "sandbox-slow", silent: "sandbox-silent", error: "sandbox-error")
            .play("the email verifier")
        if address.domain == "invalid" || address.domain.hasSuffix(".invalid") {
            return EmailVerdict(deliverable: false, reason: "the domain does not accept mail")
        }
        return EmailVerdict(deliverable: true, reason: nil)
    }
}

/// The sandbox phone verifier: every number that passes the offline number plan is valid.
/// Its faults, by the last four digits: `9993` answers after one second, `9994` never
/// answers (the call runs into its deadline), `9995` fails at once.
public struct SandboxPhoneVerifier: PhoneVerifier {
    public init() {}

    public func verify(_ number: PhoneNumber) async throws -> PhoneVerdict {
        try await SandboxFault(number.lastFourDigits, slow: "9993", silent: "9994", error: "9995").play("the phone verifier")
        return PhoneVerdict(valid: true, reason: nil)
    }
}

/// A sandbox provider's documented fault for a test value: answer slowly, never answer, fail.
struct SandboxFault {
    enum Kind { case none, slow, silent, error }
    let kind: Kind

    init(_ value: String, slow: String, silent: String, error: String) {
        kind =
            switch value {
            case slow: .slow
            case silent: .silent
            case error: .error
            default: .none
            }
    }

    func play(_ provider: String) async throws {
        switch kind {
        case .none: return
        case .slow: try await Task.sleep(for: .seconds(1))
        case .silent:
            try await Task.sleep(for: .seconds(86_400))
            throw ProviderFailure("\(provider) did not answer")
        case .error: throw ProviderFailure("\(provider) failed")
        }
    }
}

/// A provider that could not answer (down, timed out). Nothing is charged for its work.
public struct ProviderFailure: Error, Sendable, Hashable {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }
}
