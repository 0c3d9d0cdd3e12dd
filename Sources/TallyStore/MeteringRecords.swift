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
public struct UsageLogEntry: Sendable, Hashable, Codable {
    public var id: String
    public var accountID: AccountID
    public var feature: Feature
    /// What became of the request: `valid`, `sent`, `refused`, … (see `UsageResult`).
    public var status: UsageResult
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
    /// A credit check's price with the validations it required (its own `credits` count only the check).
    public var totalCredits: Credits?
    /// When the carrier reported a message sent (an SMS line; nil when it was not sent).
    public var sentAt: Date?
    /// The carrier's own count of a message's segments, kept when it differs from the
    /// segments Tally quoted and charged.
    public var carrierSegments: Int?
    /// The line's type as the phone provider named it (`mobile`, `landline`, `nonFixedVoip`, …).
    public var lineType: String?

    public init(
        id: String,
        accountID: AccountID,
        feature: Feature,
        status: UsageResult,
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
        reason: String? = nil,
        totalCredits: Credits? = nil,
        sentAt: Date? = nil,
        carrierSegments: Int? = nil,
        lineType: String? = nil
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
        self.totalCredits = totalCredits
        self.sentAt = sentAt
        self.carrierSegments = carrierSegments
        self.lineType = lineType
    }

    /// The log this line belongs to.
    public var log: FeatureLog { FeatureLog(of: feature) }

    /// The position just after this line, for the next page of its log.
    public var cursor: LogCursor { LogCursor(createdAtMilliseconds: createdAt.storedMilliseconds, id: id) }
}

extension UsageLogEntry {
    /// The text the line is searched by: its contact (see the stores' `usage_log_contacts`).
    var contactText: String? {
        LogSearch.indexedText(contactName: contactName, contactEmail: contactEmail, email: email, phone: phone)
    }
}

/// Something the account's super admins are told, and its webhooks receive.
public struct Notification: Sendable, Hashable {
    public var id: String
    public var accountID: AccountID
    public var kind: NotificationKind
    public var message: String
    /// JSON object with the details.
    public var data: String
    public var createdAt: Date

    public init(id: String, accountID: AccountID, kind: NotificationKind, message: String, data: String = "{}", createdAt: Date) {
        self.id = id
        self.accountID = accountID
        self.kind = kind
        self.message = message
        self.data = data
        self.createdAt = createdAt
    }
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

/// What the usage rollups count: a feature of the catalog, or the captures of the
/// platform's own holds (`POST …/holds`) by the feature each hold named.
public enum UsageFeature: Sendable, Hashable {
    case catalog(Feature)
    case held(String)

    /// As a rollup row keeps it: the feature's id, or `hold:` and the hold's feature. A
    /// hold's feature has no `:`, so the two never meet.
    public var stored: String {
        switch self {
        case .catalog(let feature): feature.rawValue
        case .held(let name): Self.heldPrefix + name
        }
    }

    public init?(stored: String) {
        if stored.hasPrefix(Self.heldPrefix) {
            self = .held(String(stored.dropFirst(Self.heldPrefix.count)))
        } else if let feature = Feature(rawValue: stored) {
            self = .catalog(feature)
        } else {
            return nil
        }
    }

    static let heldPrefix = "hold:"
}

/// A capture of the platform's own hold: one use of the feature the hold named, on the
/// Pacific day of the capture, added to that day's usage rollup.
public struct HeldUsage: Sendable, Hashable {
    /// The feature the hold named.
    public var feature: String
    /// `YYYY-MM-DD`, the Pacific day of the capture.
    public var day: String
    public var credits: Credits

    public init(feature: String, day: String, credits: Credits) {
        self.feature = feature
        self.day = day
        self.credits = credits
    }
}

/// Uses and credits of one feature on one Pacific day, from the rollups.
public struct DayUsage: Sendable, Hashable {
    /// `YYYY-MM-DD`.
    public var day: String
    public var feature: UsageFeature
    public var uses: Int64
    public var credits: Credits

    public init(day: String, feature: UsageFeature, uses: Int64, credits: Credits) {
        self.day = day
        self.feature = feature
        self.uses = uses
        self.credits = credits
    }

    /// A catalog feature's.
    public init(day: String, feature: Feature, uses: Int64, credits: Credits) {
        self.init(day: day, feature: .catalog(feature), uses: uses, credits: credits)
    }
}

/// Which lines of a log to read: a range of Pacific days, optionally one result and a
/// search, starting after a cursor, newest first.
public struct LogQuery: Sendable, Hashable {
    public var log: FeatureLog
    public var range: PacificDateRange
    public var result: UsageResult?
    /// The phone validation log's line type (`mobile`, `landline`, …).
    public var lineType: String?
    public var search: LogSearch?
    public var after: LogCursor?
    public var limit: Int

    /// Whether the log's per-day counts can answer its totals: only the range and the result filter them.
    public var isCountedByDay: Bool { search == nil && lineType == nil }

    /// A search matching at most this many contacts reads their lines by key, through the
    /// contacts' trigram index; one matching more reads the log's range, `LIKE` on each line.
    public static let searchContactBudget = 5_000

    public init(
        log: FeatureLog,
        range: PacificDateRange,
        result: UsageResult? = nil,
        lineType: String? = nil,
        search: LogSearch? = nil,
        after: LogCursor? = nil,
        limit: Int
    ) {
        self.log = log
        self.range = range
        self.result = result
        self.lineType = lineType
        self.search = search
        self.after = after
        self.limit = limit
    }
}

/// The figures at the top of a filtered log.
public struct LogSummary: Sendable, Hashable {
    public var lines: Int64
    public var credits: Credits
    /// Lines whose result is `sent` (the SMS log's total sent).
    public var sent: Int64

    public init(lines: Int64, credits: Credits, sent: Int64) {
        self.lines = lines
        self.credits = credits
        self.sent = sent
    }
}

/// What the carrier did with a message, once it answered.
public enum SMSOutcome: Sendable, Hashable {
    case sent
    case failed(reason: String)

    /// The stored form: `sent` or `failed`.
    public var name: String {
        switch self {
        case .sent: "sent"
        case .failed: "failed"
        }
    }

    public var reason: String? {
        if case .failed(let reason) = self { return reason }
        return nil
    }
}

/// A message on its way to the carrier, written in the same transaction as its hold,
/// before the carrier is asked; the carrier's answer is written to it as soon as it
/// comes. The hold is settled from this record — by the request, or by the reconciler
/// when the request could not (a crash, a failed commit) — so a message the carrier
/// accepted is charged exactly once and never sent again for the same key.
public struct SMSSend: Sendable, Hashable {
    public var holdID: HoldID
    public var accountID: AccountID
    /// The request's `Idempotency-Key`: one message per key, whatever happens.
    public var idempotencyKey: String?
    /// The log line as it stands before the carrier answers (its result is filled in then).
    public var line: UsageLogEntry
    /// Nil until the carrier answered.
    public var outcome: SMSOutcome?
    /// The carrier's id of the message once it accepted it (Twilio's `SM…`): a message the
    /// carrier queued has this and no outcome until the carrier reports it sent or failed.
    public var carrierID: String?
    /// The carrier's count of the message's segments, when it gave one.
    public var carrierSegments: Int?
    /// The SHA-256 (hex) of the message's text: how the message is found in the carrier's
    /// list when the answer to its hand-over was lost. The text itself is not kept.
    public var bodyDigest: String?
    public var createdAt: Date
    /// When the outcome was written: for a message sent, when the carrier reported it sent.
    public var answeredAt: Date?
    public var settledAt: Date?

    public init(
        holdID: HoldID,
        accountID: AccountID,
        idempotencyKey: String?,
        line: UsageLogEntry,
        outcome: SMSOutcome? = nil,
        carrierID: String? = nil,
        carrierSegments: Int? = nil,
        bodyDigest: String? = nil,
        createdAt: Date,
        answeredAt: Date? = nil,
        settledAt: Date? = nil
    ) {
        self.holdID = holdID
        self.accountID = accountID
        self.idempotencyKey = idempotencyKey
        self.line = line
        self.outcome = outcome
        self.carrierID = carrierID
        self.carrierSegments = carrierSegments
        self.bodyDigest = bodyDigest
        self.createdAt = createdAt
        self.answeredAt = answeredAt
        self.settledAt = settledAt
    }

    /// Reads the stored form back.
    public static func outcome(name: String?, reason: String?) -> SMSOutcome? {
        switch name {
        case "sent": .sent
        case "failed": .failed(reason: reason ?? "the carrier could not deliver it")
        default: nil
        }
    }
}
