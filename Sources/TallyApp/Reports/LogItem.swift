import Foundation
import TallyCore
import TallyStore

/// One line of a feature log as the API and the CSV show it; each log has its own columns.
public enum LogItem: Sendable, Encodable, Hashable {
    case sms(SMSLine)
    case emailValidation(EmailValidationLine)
    case phoneValidation(PhoneValidationLine)
    case creditCheck(CreditCheckLine)

    public struct SMSLine: Sendable, Codable, Hashable {
        public var id: String
        @Nullable public var email: String?
        @Nullable public var phone: String?
        @Nullable public var iso: String?
        @Nullable public var country: String?
        /// The segments Tally quoted and charged.
        @Nullable public var segments: Int?
        /// The carrier's own count, when it differs from `segments`.
        @Nullable public var carrierSegments: Int?
        public var credits: Credits
        @Nullable public var event: String?
        /// `sent`, `failed`, or `refused` (not enough credits).
        public var status: UsageResult
        /// When the carrier reported the message sent; for a message not sent, when it was tried.
        public var sentAt: Date
    }

    public struct EmailValidationLine: Sendable, Codable, Hashable {
        public var id: String
        @Nullable public var contactName: String?
        @Nullable public var email: String?
        /// `valid`, `invalid`, or `refused` (not enough credits).
        public var result: UsageResult
        public var credits: Credits
        public var createdAt: Date
    }

    public struct PhoneValidationLine: Sendable, Codable, Hashable {
        public var id: String
        @Nullable public var contactName: String?
        @Nullable public var phone: String?
        @Nullable public var iso: String?
        public var result: UsageResult
        /// The line's type as the phone provider named it (`mobile`, `landline`, …); null from the sandbox.
        @Nullable public var lineType: String?
        public var credits: Credits
        public var createdAt: Date
    }

    public struct CreditCheckLine: Sendable, Codable, Hashable {
        public var id: String
        @Nullable public var contactName: String?
        @Nullable public var phone: String?
        /// `credit_score` or `dti`.
        public var kind: Feature
        @Nullable public var creditScore: Int?
        @Nullable public var dtiPercent: Int?
        /// `completed`, `skipped`, `blocked`, `failed`, or `refused` (not enough credits).
        public var status: UsageResult
        /// The same as `status`: the value the log's `result` filter matches.
        public var result: UsageResult
        @Nullable public var reason: String?
        /// The check's own price: 15 or 24 when it completed, else 0.
        public var credits: Credits
        /// With the validations it required (they also appear in their own logs).
        public var totalCredits: Credits
        public var createdAt: Date
    }

    public init(_ entry: UsageLogEntry) {
        switch entry.log {
        case .sms:
            self = .sms(
                SMSLine(
                    id: entry.id,
                    email: entry.contactEmail,
                    phone: entry.phone,
                    iso: entry.iso,
                    country: entry.iso.flatMap(Catalog.smsRate(iso:))?.country,
                    segments: entry.segments,
                    carrierSegments: entry.carrierSegments,
                    credits: entry.credits,
                    event: entry.event,
                    status: entry.status,
                    sentAt: entry.sentAt ?? entry.createdAt
                )
            )
        case .emailValidation:
            self = .emailValidation(
                EmailValidationLine(
                    id: entry.id,
                    contactName: entry.contactName,
                    email: entry.email,
                    result: entry.status,
                    credits: entry.credits,
                    createdAt: entry.createdAt
                )
            )
        case .phoneValidation:
            self = .phoneValidation(
                PhoneValidationLine(
                    id: entry.id,
                    contactName: entry.contactName,
                    phone: entry.phone,
                    iso: entry.iso,
                    result: entry.status,
                    lineType: entry.lineType,
                    credits: entry.credits,
                    createdAt: entry.createdAt
                )
            )
        case .creditChecks:
            self = .creditCheck(
                CreditCheckLine(
                    id: entry.id,
                    contactName: entry.contactName,
                    phone: entry.phone,
                    kind: entry.feature,
                    creditScore: entry.creditScore,
                    dtiPercent: entry.dtiPercent,
                    status: entry.status,
                    result: entry.status,
                    reason: entry.reason,
                    credits: entry.credits,
                    totalCredits: entry.totalCredits ?? entry.credits,
                    createdAt: entry.createdAt
                )
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .sms(let line): try line.encode(to: encoder)
        case .emailValidation(let line): try line.encode(to: encoder)
        case .phoneValidation(let line): try line.encode(to: encoder)
        case .creditCheck(let line): try line.encode(to: encoder)
        }
    }

    // MARK: CSV

    /// The header row of a log's CSV export.
    public static func csvHeader(_ log: FeatureLog) -> [String] {
        switch log {
        case .sms: ["Sent at", "Email", "Phone", "Country", "Segments", "Credits", "Event", "Status", "ID"]
        case .emailValidation: ["Time", "Contact", "Email", "Result", "Credits", "ID"]
        case .phoneValidation: ["Time", "Contact", "Phone", "Country", "Result", "Credits", "ID"]
        case .creditChecks:
            ["Triggered on", "Contact", "Phone", "Check", "Credit score", "DTI %", "Result", "Credits", "Total credits", "ID"]
        }
    }

    /// This line's cells under `csvHeader`, times in Pacific time with the zone.
    public var csvFields: [String] {
        switch self {
        case .sms(let line):
            [
                PacificDay.timestamp(line.sentAt), line.email ?? "", line.phone ?? "", line.country ?? line.iso ?? "",
                line.segments.map(String.init) ?? "", line.credits.description, line.event ?? "", line.status.rawValue, line.id,
            ]
        case .emailValidation(let line):
            [
                PacificDay.timestamp(line.createdAt), line.contactName ?? "", line.email ?? "", line.result.rawValue,
                line.credits.description, line.id,
            ]
        case .phoneValidation(let line):
            [
                PacificDay.timestamp(line.createdAt), line.contactName ?? "", line.phone ?? "",
                line.iso.flatMap(Catalog.smsRate(iso:))?.country ?? line.iso ?? "", line.result.rawValue,
                line.credits.description, line.id,
            ]
        case .creditCheck(let line):
            [
                PacificDay.timestamp(line.createdAt), line.contactName ?? "", line.phone ?? "",
                line.kind == .dti ? "DTI" : "Credit score", line.creditScore.map(String.init) ?? "",
                line.dtiPercent.map(String.init) ?? "", line.result.rawValue, line.credits.description,
                line.totalCredits.description, line.id,
            ]
        }
    }
}
