import Foundation
import Synchronization
import TallyCore

/// What a carrier did with a message.
public enum SMSDelivery: Sendable, Hashable {
    case sent(carrierID: String)
    case failed(reason: String)
}

/// An SMS carrier.
public protocol SMSGateway: Sendable {
    /// Hands a message to the carrier under Tally's `reference` for it (the message's hold).
    func send(to: PhoneNumber, body: String, reference: String) async throws -> SMSDelivery
    /// What became of the message sent under `reference`: asked when the answer to `send`
    /// was lost. `nil` when the carrier never got it.
    func delivery(reference: String, to: PhoneNumber) async throws -> SMSDelivery?
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

    public func send(to: PhoneNumber, body: String, reference: String) async throws -> SMSDelivery {
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

    public func delivery(reference: String, to: PhoneNumber) async throws -> SMSDelivery? {
        handed.withLock { $0[reference] }
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
