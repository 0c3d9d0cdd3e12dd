import Foundation
import TallyCore
import TallyStore

/// Twilio's status callbacks (`POST /v1/providers/twilio/status/{id}`, PROVIDERS.md):
/// each checked by its `X-Twilio-Signature` before anything is read from it, stored by
/// (message, status) in the providers' inbox, then applied once — the first `sent` or
/// `delivered` charges the message, a `failed` or `undelivered` before it releases the
/// hold — an `undelivered` whose message Twilio lists as sent (its `sent` callback lost)
/// charges it. Repeated and out-of-order callbacks change nothing more.
public struct TwilioStatusReports: Sendable {
    let gateway: TwilioSMSGateway
    let store: any Store
    let time: any TimeSource
    let sms: SMSMessages

    static let provider = "twilio"

    public init(gateway: TwilioSMSGateway, store: any Store, time: any TimeSource, sms: SMSMessages) {
        self.gateway = gateway
        self.store = store
        self.time = time
        self.sms = sms
    }

    /// Receives one callback for Tally's message `messageID`, posted to `pathAndQuery` with
    /// the form `body`. Throws `TallyError.forbidden` for a bad signature and
    /// `TallyError.badRequest` for a body that is no status callback; nothing is stored then.
    public func receive(messageID: String, pathAndQuery: String, body: [UInt8], signature: String?) async throws {
        guard let form = String(validating: body, as: UTF8.self), let parameters = TwilioSignature.formPairs(form) else {
            throw TallyError.badRequest("the body is not a form")
        }
        let url = gateway.address(of: pathAndQuery)
        guard TwilioSignature.isValid(signature, url: url, parameters: parameters, authToken: gateway.client.settings.authToken) else {
            throw TallyError.forbidden("X-Twilio-Signature does not match this request")
        }
        let fields = Dictionary(parameters, uniquingKeysWith: { first, _ in first })
        guard let sid = fields["MessageSid"] ?? fields["SmsSid"], Self.isMessageSID(sid),
            let status = fields["MessageStatus"] ?? fields["SmsStatus"], !status.isEmpty, status.count <= 32,
            status.allSatisfy({ $0.isASCII && $0.isLetter })
        else {
            throw TallyError.badRequest("the body is not a Twilio status callback (MessageSid and MessageStatus)")
        }
        let id = sid + ":" + status
        let received = ProviderEvent(provider: Self.provider, id: id, type: status, body: body, receivedAt: time.now())
        let stored: ProviderEvent
        do {
            stored = try await store.receiveProviderEvent(received)
        } catch StoreError.duplicate {
            // The same callback, delivered twice at once: the other copy stored it.
            stored = try await store.receiveProviderEvent(received)
        }
        guard stored.appliedAt == nil else { return }
        let segments = fields["NumSegments"].flatMap { Int($0) }.flatMap { (1...1_600).contains($0) ? $0 : nil }
        var report = Self.report(status: status, errorCode: fields["ErrorCode"].flatMap { Int($0) })
        if status == "undelivered" {
            // The callback does not say whether the message was sent before it went
            // undelivered, and a `sent` callback may have been lost (Twilio does not post
            // one again): the message itself says, by its sent date.
            do {
                if let message = try await gateway.client.message(sid: sid), message.dateSent != nil { report = .sent }
            } catch {
                // Left stored and unapplied: the reconciler asks Twilio about the message.
                return
            }
        }
        let settled = try await sms.report(
            report,
            messageID: messageID,
            carrierID: sid,
            carrierSegments: segments,
            mark: .providerEventApplied(provider: Self.provider, id: id)
        )
        if !settled { try await store.markProviderEventApplied(provider: Self.provider, id: id, at: time.now()) }
    }

    /// What a Twilio status means for a message not settled yet.
    static func report(status: String, errorCode: Int?) -> SMSMessages.CarrierReport {
        switch status {
        case "sent", "delivered", "read": .sent
        case "failed", "undelivered", "canceled": .failed(reason: TwilioSMSGateway.failureReason(status: status, code: errorCode))
        default: .inProgress
        }
    }

    /// `SM` or `MM` followed by 32 hexadecimal digits.
    static func isMessageSID(_ text: String) -> Bool {
        text.count == 34 && (text.hasPrefix("SM") || text.hasPrefix("MM")) && text.dropFirst(2).allSatisfy(\.isHexDigit)
    }
}
