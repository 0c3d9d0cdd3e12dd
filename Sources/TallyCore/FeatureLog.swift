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
    public var results: [UsageResult] {
        switch self {
        case .sms: [.sent, .failed]
        case .emailValidation, .phoneValidation: [.valid, .invalid]
        case .creditChecks: [.completed, .skipped, .blocked, .failed]
        }
    }

    /// The result that counts as "sent" at the top of the SMS log.
    public static let sentResult = UsageResult.sent
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

    /// `LIKE` patterns a trigram index can answer (no `ESCAPE` clause, so a `%` or `_`
    /// typed in the text stays a wildcard): they find a superset of the matching lines,
    /// which the exact, escaped comparison then narrows. Nil when the text has no three
    /// characters in a row outside the wildcards, for a trigram index cannot narrow that.
    public var indexPatterns: [String]? {
        let runs = text.split(whereSeparator: { $0 == "%" || $0 == "_" })
        guard runs.contains(where: { $0.count >= 3 }) else { return nil }
        return ["%" + text + "%"] + (digits.map { ["%" + $0 + "%"] } ?? [])
    }

    /// The three-character pieces (lowercased) a trigram index holds for each of
    /// `indexPatterns`, in order: a line matching a pattern holds every piece of it, so
    /// the lines holding the rarest few pieces are a superset of the matches that is
    /// cheap to find. Nil for text that is not all ASCII (whose case folding is the
    /// index's own) or has no three characters in a row outside the wildcards.
    public var trigrams: [[String]]? {
        guard text.allSatisfy(\.isASCII), indexPatterns != nil else { return nil }
        func pieces(_ value: String) -> [String] {
            var found = [String]()
            for run in value.lowercased().split(whereSeparator: { $0 == "%" || $0 == "_" }) {
                let characters = Array(run)
                guard characters.count >= 3 else { continue }
                for start in 0...(characters.count - 3) {
                    let piece = String(characters[start..<start + 3])
                    if !found.contains(piece) { found.append(piece) }
                }
            }
            return found
        }
        return [pieces(text)] + (digits.map { [pieces($0)] } ?? [])
    }

    /// The text a line is found by: its contact's name and email, the email or phone
    /// it checked. Nil when it has none of them.
    public static func indexedText(contactName: String?, contactEmail: String?, email: String?, phone: String?) -> String? {
        let fields = [contactName, contactEmail, email, phone].compactMap { $0 }.filter { !$0.isEmpty }
        return fields.isEmpty ? nil : fields.joined(separator: " ")
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
