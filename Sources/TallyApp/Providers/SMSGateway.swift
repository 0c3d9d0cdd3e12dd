import Foundation
import Synchronization
import TallyCore

/// What a carrier did with a message.
public enum SMSDelivery: Sendable, Hashable {
    case sent(carrierID: String)
    /// The carrier accepted the message (or, asked about it, cannot say yet what became of
    /// it): it reports later whether it was sent. `carrierID` is its id once known.
    case queued(carrierID: String?, segments: Int?)
    case failed(reason: String)
}

/// One message as Tally hands it to a carrier, and asks about it afterwards.
public struct SMSAttempt: Sendable, Hashable {
    /// Tally's id of the message (its API answer's and log line's `id`): the carrier's
    /// status reports name it.
    public var messageID: String
    /// Tally's reference for the hand-over: the message's hold.
    public var reference: String
    public var to: PhoneNumber
    /// The text, when handing it over; Tally does not keep it, so asking about the message
    /// later has only its digest.
    public var body: String?
    /// The SHA-256 (hex) of the text.
    public var bodyDigest: String
    /// The carrier's id, once it accepted the message.
    public var carrierID: String?
    /// When Tally handed it over.
    public var startedAt: Date

    /// A message about to be handed over.
    public init(messageID: String, reference: String, to: PhoneNumber, body: String, startedAt: Date) {
        self.messageID = messageID
        self.reference = reference
        self.to = to
        self.body = body
        self.bodyDigest = body.sha256Hex
        self.startedAt = startedAt
    }

    /// A message handed over before, as Tally recorded it.
    public init(messageID: String, reference: String, to: PhoneNumber, bodyDigest: String, carrierID: String?, startedAt: Date) {
        self.messageID = messageID
        self.reference = reference
        self.to = to
        self.bodyDigest = bodyDigest
        self.carrierID = carrierID
        self.startedAt = startedAt
    }
}

/// An SMS carrier. It is never asked to send the same attempt twice.
public protocol SMSGateway: Sendable {
    /// Hands a message to the carrier.
    func send(_ attempt: SMSAttempt) async throws -> SMSDelivery
    /// What became of a message: asked when the answer to `send` was lost, or when a queued
    /// message's report is late. `nil` when the carrier surely never got it.
    func delivery(of attempt: SMSAttempt) async throws -> SMSDelivery?
}

/// The sandbox carrier, deterministic by the destination's last four digits:
///
/// - `0000`: the carrier cannot deliver (`failed`, nothing charged);
/// - `9990`: sent, but the answer is lost (the call fails); asked what became of it, the
///   carrier says sent — Tally charges it once;
/// - `9991`: sent, answered after one second;
/// - `9992`: the carrier never answers and never gets the message (the call runs into
///   its deadline; asked, the carrier knows no such message — nothing charged);
/// - anything else: sent at once.
///
/// Asked what became of a message, it answers from the messages it was handed while the
/// process runs; one it was not handed (or from before a restart) it does not know.
public final class SandboxSMSGateway: SMSGateway {
    public static let failingLastFour = "0000"
    public static let lostAnswerLastFour = "9990"
    public static let slowLastFour = "9991"
    public static let silentLastFour = "9992"

    /// What became of each message handed over, by reference.
    private let handed = Mutex([String: SMSDelivery]())

    public init() {}

    public func send(_ attempt: SMSAttempt) async throws -> SMSDelivery {
        let (to, reference) = (attempt.to, attempt.reference)
        switch to.lastFourDigits {
        case Self.failingLastFour:
            return remember(reference, .failed(reason: "the carrier could not deliver to \(to.e164)"))
        case Self.lostAnswerLastFour:
            _ = remember(reference, Self.sent(reference))
            throw ProviderFailure("the carrier's answer was lost")
        case Self.slowLastFour:
            try await Task.sleep(for: .seconds(1))
        case Self.silentLastFour:
            try await Task.sleep(for: .seconds(86_400))
            throw ProviderFailure("the carrier did not answer")
        default:
            break
        }
        return remember(reference, Self.sent(reference))
    }

    public func delivery(of attempt: SMSAttempt) async throws -> SMSDelivery? {
        handed.withLock { $0[attempt.reference] }
    }

    private func remember(_ reference: String, _ delivery: SMSDelivery) -> SMSDelivery {
        handed.withLock { $0[reference] = delivery }
        return delivery
    }

    /// The carrier's id of a message, the same every time it is asked.
    static func sent(_ reference: String) -> SMSDelivery {
        .sent(carrierID: "sms_sandbox_" + String(reference.sha256Hex.prefix(20)))
    }
}
