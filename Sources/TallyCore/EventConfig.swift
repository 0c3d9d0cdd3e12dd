import Foundation

/// Which credit check an event runs: none, or one of the two alternatives.
///
/// Credit score and DTI never run together (SPEC "Priced features"): a DTI check
/// already returns the credit score, so an event picks one.
public enum CreditCheckChoice: String, Sendable, Codable, CaseIterable {
    case none
    case creditScore = "credit_score"
    case dti

    /// Whether the check measures a credit score; both alternatives do.
    public var measuresCreditScore: Bool { self != .none }

    /// Whether the check measures a debt-to-income ratio; only DTI does.
    public var measuresDTI: Bool { self == .dti }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let choice = CreditCheckChoice(rawValue: text) else {
            // The API shows this text to whoever sent the config, so it lists every accepted value.
            let accepted = Self.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "must be one of: \(accepted)"
            )
        }
        self = choice
    }
}

/// The rules that disqualify a lead; a `nil` threshold or a `false` flag means "rule off".
public struct DisqualificationRules: Sendable, Hashable, Codable {
    /// Disqualify a lead whose email validated as invalid.
    public var invalidEmail: Bool
    /// Disqualify a lead whose phone validated as invalid.
    public var invalidPhone: Bool
    /// Disqualify a lead whose credit score is below this (300...850).
    public var minCreditScore: Int?
    /// Disqualify a lead whose debt-to-income ratio is above this percentage (0...100).
    public var maxDtiPercent: Int?

    /// All rules off unless given.
    public init(
        invalidEmail: Bool = false,
        invalidPhone: Bool = false,
        minCreditScore: Int? = nil,
        maxDtiPercent: Int? = nil
    ) {
        self.invalidEmail = invalidEmail
        self.invalidPhone = invalidPhone
        self.minCreditScore = minCreditScore
        self.maxDtiPercent = maxDtiPercent
    }

    private enum CodingKeys: String, CodingKey {
        case invalidEmail, invalidPhone, minCreditScore, maxDtiPercent
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // A client that omits a rule means the rule is off.
        invalidEmail = try container.decodeIfPresent(Bool.self, forKey: .invalidEmail) ?? false
        invalidPhone = try container.decodeIfPresent(Bool.self, forKey: .invalidPhone) ?? false
        minCreditScore = try container.decodeIfPresent(Int.self, forKey: .minCreditScore)
        maxDtiPercent = try container.decodeIfPresent(Int.self, forKey: .maxDtiPercent)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(invalidEmail, forKey: .invalidEmail)
        try container.encode(invalidPhone, forKey: .invalidPhone)
        try container.encodeOrNull(minCreditScore, forKey: .minCreditScore)
        try container.encodeOrNull(maxDtiPercent, forKey: .maxDtiPercent)
    }
}

/// A named route chosen by credit score / DTI band; a `nil` bound is open.
///
/// A route with no bound at all is a catch-all: it matches every qualified lead.
public struct LeadRoute: Sendable, Hashable, Codable {
    /// The route's name, 1...100 characters after trimming, unique within an event.
    public var name: String
    /// Lowest credit score the route takes, inclusive (300...850).
    public var minCreditScore: Int?
    /// Highest credit score the route takes, inclusive (300...850, at least `minCreditScore`).
    public var maxCreditScore: Int?
    /// Highest debt-to-income percentage the route takes, inclusive (0...100).
    public var maxDtiPercent: Int?

    public init(
        name: String,
        minCreditScore: Int? = nil,
        maxCreditScore: Int? = nil,
        maxDtiPercent: Int? = nil
    ) {
        self.name = name
        self.minCreditScore = minCreditScore
        self.maxCreditScore = maxCreditScore
        self.maxDtiPercent = maxDtiPercent
    }

    /// Whether any bound needs a credit score to be judged.
    public var hasCreditScoreBound: Bool { minCreditScore != nil || maxCreditScore != nil }

    private enum CodingKeys: String, CodingKey {
        case name, minCreditScore, maxCreditScore, maxDtiPercent
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        minCreditScore = try container.decodeIfPresent(Int.self, forKey: .minCreditScore)
        maxCreditScore = try container.decodeIfPresent(Int.self, forKey: .maxCreditScore)
        maxDtiPercent = try container.decodeIfPresent(Int.self, forKey: .maxDtiPercent)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encodeOrNull(minCreditScore, forKey: .minCreditScore)
        try container.encodeOrNull(maxCreditScore, forKey: .maxCreditScore)
        try container.encodeOrNull(maxDtiPercent, forKey: .maxDtiPercent)
    }
}

/// An event's data intelligence configuration, as PUT by the API
/// (`PUT /v1/accounts/{account}/events/{event}`; property names are the API's JSON names).
///
/// Decoding is lenient about what a client may leave out (flags off, no credit check,
/// no rules, no routes) but strict about what it says; `validated()` then checks
/// every limit and applies SPEC's coupling of credit checks to validations.
public struct EventConfig: Sendable, Hashable, Codable {
    /// The event's display name, 1...200 characters after trimming.
    public var name: String
    /// Whether each lead's email is validated (0.5 credits per attempt).
    public var emailValidation: Bool
    /// Whether each lead's phone is validated (1.5 credits per attempt).
    public var phoneValidation: Bool
    /// Which credit check each lead gets, if any.
    public var creditCheck: CreditCheckChoice
    /// The rules that disqualify a lead.
    public var disqualify: DisqualificationRules
    /// Routes tried in order for a qualified lead; the first that matches wins.
    public var routes: [LeadRoute]
    /// The route of a qualified lead no route matched; `nil` leaves it unrouted.
    public var defaultRoute: String?

    public init(
        name: String,
        emailValidation: Bool = false,
        phoneValidation: Bool = false,
        creditCheck: CreditCheckChoice = .none,
        disqualify: DisqualificationRules = .init(),
        routes: [LeadRoute] = [],
        defaultRoute: String? = nil
    ) {
        self.name = name
        self.emailValidation = emailValidation
        self.phoneValidation = phoneValidation
        self.creditCheck = creditCheck
        self.disqualify = disqualify
        self.routes = routes
        self.defaultRoute = defaultRoute
    }

    private enum CodingKeys: String, CodingKey {
        case name, emailValidation, phoneValidation, creditCheck, disqualify, routes, defaultRoute
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        emailValidation = try container.decodeIfPresent(Bool.self, forKey: .emailValidation) ?? false
        phoneValidation = try container.decodeIfPresent(Bool.self, forKey: .phoneValidation) ?? false
        creditCheck = try container.decodeIfPresent(CreditCheckChoice.self, forKey: .creditCheck) ?? .none
        disqualify =
            try container.decodeIfPresent(DisqualificationRules.self, forKey: .disqualify) ?? .init()
        routes = try container.decodeIfPresent([LeadRoute].self, forKey: .routes) ?? []
        defaultRoute = try container.decodeIfPresent(String.self, forKey: .defaultRoute)
    }

    /// Writes every key, with explicit nulls, so the stored config a client reads back
    /// shows each rule it could set rather than leaving it to guess what is absent.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(emailValidation, forKey: .emailValidation)
        try container.encode(phoneValidation, forKey: .phoneValidation)
        try container.encode(creditCheck, forKey: .creditCheck)
        try container.encode(disqualify, forKey: .disqualify)
        try container.encode(routes, forKey: .routes)
        try container.encodeOrNull(defaultRoute, forKey: .defaultRoute)
    }
}

extension KeyedEncodingContainer {
    /// Encodes `value`, or an explicit null where the synthesized code would drop the key.
    fileprivate mutating func encodeOrNull<Value: Encodable>(_ value: Value?, forKey key: Key) throws {
        if let value {
            try encode(value, forKey: key)
        } else {
            try encodeNil(forKey: key)
        }
    }
}
