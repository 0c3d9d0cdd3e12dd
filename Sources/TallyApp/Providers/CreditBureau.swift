import TallyCore

/// A credit bureau's answer for one person.
public struct BureauReport: Sendable, Hashable {
    /// 300–850.
    public var creditScore: Int
    /// Debt-to-income in whole percent; only for a DTI check.
    public var dtiPercent: Int?
}

/// Which check the bureau runs: DTI includes the credit score.
public enum CreditCheckKind: String, Sendable, Hashable, APIEnumeration {
    case creditScore = "credit_score"
    case dti

    public var feature: Feature { self == .dti ? .dti : .creditScore }
}

/// What Tally asks a bureau about one person.
public struct CreditInquiry: Sendable, Hashable {
    public var kind: CreditCheckKind
    public var name: String
    /// As the email validation wrote it.
    public var email: String
    public var phone: PhoneNumber
    /// The check's id: the same check asked twice carries the same reference.
    public var reference: String

    public init(kind: CreditCheckKind, name: String, email: String, phone: PhoneNumber, reference: String) {
        self.kind = kind
        self.name = name
        self.email = email
        self.phone = phone
        self.reference = reference
    }
}

/// A credit bureau. Throws `ProviderFailure` when it cannot complete a check.
public protocol CreditBureau: Sendable {
    func check(_ inquiry: CreditInquiry) async throws -> BureauReport
}

/// The sandbox bureau: score and DTI derived deterministically from the phone
/// number; a number ending in `9999` makes the bureau fail, `9998` makes it never answer
/// (the call runs into its deadline), `9997` makes it answer after one second.
public struct SandboxCreditBureau: CreditBureau {
    public static let failingLastFour = "9999"

    public init() {}

    public func check(_ inquiry: CreditInquiry) async throws -> BureauReport {
        let phone = inquiry.phone
        if phone.lastFourDigits == Self.failingLastFour {
            throw ProviderFailure("the credit bureau could not complete the check")
        }
        try await SandboxFault(phone.lastFourDigits, slow: "9997", silent: "9998", error: Self.failingLastFour).play("the credit bureau")
        let seed = Self.fnv1a(phone.e164)
        let score = 300 + Int(seed % 551)
        let dti = 5 + Int((seed / 551) % 56)
        return BureauReport(creditScore: score, dtiPercent: inquiry.kind == .dti ? dti : nil)
    }

    /// FNV-1a: stable across runs and platforms, unlike `Hasher`.
    static func fnv1a(_ text: String) -> UInt64 {
        text.utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}
