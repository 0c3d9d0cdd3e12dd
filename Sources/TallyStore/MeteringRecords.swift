import Foundation
import TallyCore

/// Where a hold is in its life.
public enum HoldStatus: String, Sendable, Hashable, Codable {
    case active, captured, released, expired
}

/// Credits reserved for an action in flight, captured on success or released.
public struct Hold: Sendable, Hashable {
    public var id: HoldID
    public var accountID: AccountID
    /// The metered action it is for: a feature id or the platform's own action name.
    public var feature: String
    public var credits: Credits
    public var reference: String
    public var status: HoldStatus
    public var capturedCredits: Credits
    public var createdAt: Date
    /// An active hold is released by the sweeper after this, so a crash never strands credits.
    public var expiresAt: Date

    public init(
        id: HoldID,
        accountID: AccountID,
        feature: String,
        credits: Credits,
        reference: String,
        status: HoldStatus = .active,
        capturedCredits: Credits = .zero,
        createdAt: Date,
        expiresAt: Date
    ) {
        self.id = id
        self.accountID = accountID
        self.feature = feature
        self.credits = credits
        self.reference = reference
        self.status = status
        self.capturedCredits = capturedCredits
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// One line of a feature's usage log: every attempt, charged or refused, with why.
public struct UsageLogEntry: Sendable, Hashable {
    public var id: String
    public var accountID: AccountID
    public var feature: Feature
    /// `valid`, `invalid`, `completed`, `skipped`, `blocked`, `failed`, `sent`, `refused`.
    public var status: String
    /// What this line charged.
    public var credits: Credits
    /// The Pacific calendar day (`YYYY-MM-DD`) the usage counts for in reports.
    public var day: String
    public var createdAt: Date
    public var contactName: String?
    public var contactEmail: String?
    public var phone: String?
    public var email: String?
    public var iso: String?
    public var segments: Int?
    public var encoding: String?
    public var event: String?
    public var creditScore: Int?
    public var dtiPercent: Int?
    public var reason: String?

    public init(
        id: String,
        accountID: AccountID,
        feature: Feature,
        status: String,
        credits: Credits,
        day: String,
        createdAt: Date,
        contactName: String? = nil,
        contactEmail: String? = nil,
        phone: String? = nil,
        email: String? = nil,
        iso: String? = nil,
        segments: Int? = nil,
        encoding: String? = nil,
        event: String? = nil,
        creditScore: Int? = nil,
        dtiPercent: Int? = nil,
        reason: String? = nil
    ) {
        self.id = id
        self.accountID = accountID
        self.feature = feature
        self.status = status
        self.credits = credits
        self.day = day
        self.createdAt = createdAt
        self.contactName = contactName
        self.contactEmail = contactEmail
        self.phone = phone
        self.email = email
        self.iso = iso
        self.segments = segments
        self.encoding = encoding
        self.event = event
        self.creditScore = creditScore
        self.dtiPercent = dtiPercent
        self.reason = reason
    }
}

/// Something the account's super admins are told, and its webhooks receive.
public struct Notification: Sendable, Hashable {
    public var id: String
    public var accountID: AccountID
    public var kind: String
    public var message: String
    /// JSON object with the details.
    public var data: String
    public var createdAt: Date

    public init(id: String, accountID: AccountID, kind: String, message: String, data: String = "{}", createdAt: Date) {
        self.id = id
        self.accountID = accountID
        self.kind = kind
        self.message = message
        self.data = data
        self.createdAt = createdAt
    }
}

/// A limit of credit-check requests per sliding window.
public struct UsageGuardSettings: Sendable, Hashable {
    public var enabled: Bool
    public var maxRequests: Int
    public var windowSeconds: Int
    public var paused: Bool
    public var pausedAt: Date?

    public init(enabled: Bool, maxRequests: Int, windowSeconds: Int, paused: Bool = false, pausedAt: Date? = nil) {
        self.enabled = enabled
        self.maxRequests = maxRequests
        self.windowSeconds = windowSeconds
        self.paused = paused
        self.pausedAt = pausedAt
    }

    public static let off = UsageGuardSettings(enabled: false, maxRequests: 0, windowSeconds: 0)
}

/// Why the usage guard stopped a credit check.
public enum UsageGuardRefusal: Error, Sendable, Hashable {
    /// Checks are paused until a super admin resumes them.
    case paused
    /// This request would exceed the limit: it is blocked and checks pause.
    case limitReached
}

/// Uses and credits of one feature over a range of days.
public struct FeatureUsage: Sendable, Hashable {
    public var feature: Feature
    public var uses: Int64
    public var credits: Credits

    public init(feature: Feature, uses: Int64, credits: Credits) {
        self.feature = feature
        self.uses = uses
        self.credits = credits
    }
}
