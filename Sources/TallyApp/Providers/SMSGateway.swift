import TallyCore

/// What a carrier did with a message.
public enum SMSDelivery: Sendable, Hashable {
    case sent(carrierID: String)
    case failed(reason: String)
}

/// An SMS carrier.
public protocol SMSGateway: Sendable {
    func send(to: PhoneNumber, body: String) async throws -> SMSDelivery
}

/// The sandbox carrier: a destination whose last four digits are `0000` fails; every other one is sent.
public struct SandboxSMSGateway: SMSGateway {
    public static let failingLastFour = "0000"

    public init() {}

    public func send(to: PhoneNumber, body: String) async throws -> SMSDelivery {
        if to.lastFourDigits == Self.failingLastFour {
            return .failed(reason: "the carrier could not deliver to \(to.e164)")
        }
        return .sent(carrierID: "sms_sandbox_" + Secrets.base32(byteCount: 10))
    }
}
