import Foundation

/// The logs a customer reads on Credit usage: one per feature, credit score and DTI together.
public enum FeatureLog: String, Sendable, Hashable, CaseIterable {
    case sms
    case emailValidation = "email_validation"
    case phoneValidation = "phone_validation"
    case creditChecks = "credit_checks"

    /// The log a feature's lines are written to.
    public init(of feature: Feature) {
        switch feature {
        case .sms: self = .sms
        case .emailValidation: self = .emailValidation
        case .phoneValidation: self = .phoneValidation
        case .creditScore, .dti: self = .creditChecks
        }
    }

    public var features: [Feature] {
        switch self {
        case .sms: [.sms]
        case .emailValidation: [.emailValidation]
        case .phoneValidation: [.phoneValidation]
        case .creditChecks: [.creditScore, .dti]
        }
    }

    /// The results a reader may filter this log by.
    public var results: [String] {
        switch self {
        case .sms: ["sent", "failed"]
        case .emailValidation, .phoneValidation: ["valid", "invalid"]
        case .creditChecks: ["completed", "skipped", "blocked", "failed"]
        }
    }

    /// The result that counts as "sent" at the top of the SMS log.
    public static let sentResult = "sent"
}

/// What a log search matches: contact name, email or phone, case-insensitively.
public struct LogSearch: Sendable, Hashable {
    /// The text as typed, trimmed.
    public let text: String
    /// The digits of the text when it reads as a phone number (`+1 (415) 555-01`), so a
    /// number matches however it is punctuated; nil otherwise.
    public let digits: String?

    public static let maximumLength = 100

    public init?(_ query: String?) {
        guard let trimmed = query?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else {
            return nil
        }
        text = String(trimmed.prefix(Self.maximumLength))
        let phoneCharacters = Set("+0123456789 -().")
        let digitsOnly = text.filter(\.isNumber)
        digits = text.allSatisfy(phoneCharacters.contains) && digitsOnly.count >= 3 ? digitsOnly : nil
    }

    /// A `LIKE` pattern containing `value` anywhere, with `\` escaping `%`, `_` and itself.
    public static func containsPattern(_ value: String) -> String {
        var pattern = "%"
        for character in value {
            if character == "%" || character == "_" || character == "\\" { pattern.append("\\") }
            pattern.append(character)
        }
        pattern.append("%")
        return pattern
    }
}
