import Foundation
import TallyCore

/// Messages through Twilio (PROVIDERS.md "SMS: Twilio"). Twilio answers a send `queued`;
/// whether the message was sent comes later, in a status callback to
/// `{TALLY_PUBLIC_URL}/v1/providers/twilio/status/{Tally's message id}`, or when Tally
/// asks. Twilio has no idempotency key, so a send is never repeated: a message whose
/// answer was lost is looked for in Twilio's list of messages to that number.
public struct TwilioSMSGateway: SMSGateway {
    public let client: TwilioClient
    /// `TALLY_PUBLIC_URL`: where Twilio reaches Tally.
    public let publicURL: URL

    public init(client: TwilioClient, publicURL: URL) {
        self.client = client
        self.publicURL = publicURL
    }

    /// The path of a message's status callbacks.
    public static func statusPath(of messageID: String) -> String { "/v1/providers/twilio/status/" + messageID }

    /// The full address Twilio posts a message's status to, and signs.
    public func statusCallback(of messageID: String) -> String { address(of: Self.statusPath(of: messageID)) }

    /// `path` (with its query, if any) at Tally's public address.
    public func address(of path: String) -> String {
        var base = publicURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }

    public func send(_ attempt: SMSAttempt) async throws -> SMSDelivery {
        guard let body = attempt.body else { throw ProviderFailure("a message is handed to Twilio with its text") }
        do {
            let message = try await client.send(to: attempt.to.e164, body: body, statusCallback: statusCallback(of: attempt.messageID))
            return Self.delivery(message)
        } catch .refused(let code, let message) {
            // Twilio took nothing: an invalid or unsubscribed number, one that cannot take SMS, …
            return .failed(reason: "Twilio refused the message: \(message)" + (code.map { " (error \($0))" } ?? ""))
        } catch .badCredentials(let message) {
            return .failed(reason: "Twilio refused Tally's credentials: \(message)")
        } catch .noAnswer(let detail) {
            throw ProviderFailure("Twilio gave no answer: \(detail)")
        }
    }

    /// What Twilio says became of a message: by its SID when Tally has it, else found in
    /// the list of messages to its number sent since the attempt, by its text's digest (the
    /// earliest one made after the attempt). Not found: `queued` — Twilio may not have sent
    /// it yet; the reconciler asks again until the message's hold expires.
    public func delivery(of attempt: SMSAttempt) async throws -> SMSDelivery? {
        do {
            if let sid = attempt.carrierID {
                guard let message = try await client.message(sid: sid) else { return .queued(carrierID: sid, segments: nil) }
                return Self.delivery(message)
            }
            let since = attempt.startedAt.addingTimeInterval(-Self.clockSlackSeconds)
            let listed = try await client.messages(to: attempt.to.e164, since: since)
            let match =
                listed
                .filter { message in
                    message.body.map { $0.sha256Hex == attempt.bodyDigest } ?? false && (message.dateCreated ?? .distantPast) >= since
                }
                .min { ($0.dateCreated ?? .distantPast) < ($1.dateCreated ?? .distantPast) }
            guard let match else { return .queued(carrierID: nil, segments: nil) }
            return Self.delivery(match)
        } catch {
            throw ProviderFailure("Twilio could not be asked about the message: \(error)")
        }
    }

    /// How far Twilio's clock (and its whole-second dates) may be behind Tally's.
    static let clockSlackSeconds: TimeInterval = 60

    /// What a Twilio message's status means for charging: `sent` or `delivered` (or an
    /// `undelivered` that had been sent) is sent; `failed`, `canceled` or an `undelivered`
    /// never sent is failed; anything else is still on its way.
    static func delivery(_ message: TwilioClient.Message) -> SMSDelivery {
        switch message.status {
        case "sent", "delivered", "read":
            return .sent(carrierID: message.sid)
        case "undelivered" where message.dateSent != nil:
            return .sent(carrierID: message.sid)
        case "failed", "undelivered", "canceled":
            return .failed(reason: failureReason(status: message.status, code: message.errorCode, message: message.errorMessage))
        default:
            return .queued(carrierID: message.sid, segments: message.numSegments)
        }
    }

    /// Why Twilio did not send a message, in words a platform can act on.
    static func failureReason(status: String, code: Int?, message: String? = nil) -> String {
        var reason = "Twilio reported the message \(status)"
        if let code {
            reason += " (error \(code)"
            if let known = message ?? knownErrors[code] { reason += ": \(known)" }
            reason += ")"
        }
        return reason
    }

    /// Twilio's delivery errors a status callback names by number only.
    static let knownErrors: [Int: String] = [
        30001: "queue overflow", 30002: "account suspended", 30003: "unreachable destination handset",
        30004: "message blocked", 30005: "unknown destination handset", 30006: "landline or unreachable carrier",
        30007: "filtered by the carrier", 30008: "unknown error", 30010: "message price exceeds max price",
        21610: "the recipient unsubscribed", 21614: "not a mobile number",
    ]
}

/// Phone validation through Twilio Lookup v2 with line type intelligence (PROVIDERS.md
/// "Phone validation: Twilio Lookup"): Twilio's `valid: false` or a 404 is invalid;
/// otherwise valid, with the line type Twilio names. Twilio failing or silent is a
/// provider failure (502, nothing charged).
public struct TwilioLookupVerifier: PhoneVerifier {
    public let client: TwilioClient

    public init(client: TwilioClient) {
        self.client = client
    }

    public func verify(_ number: PhoneNumber) async throws -> PhoneVerdict {
        let answer: TwilioClient.Lookup?
        do {
            answer = try await client.lookup(number.e164)
        } catch {
            throw ProviderFailure("Twilio Lookup: \(error)")
        }
        guard let answer else { return PhoneVerdict(valid: false, reason: "Twilio Lookup does not know this number") }
        guard answer.valid else {
            let why = answer.validationErrors.isEmpty ? "" : " (" + answer.validationErrors.joined(separator: ", ") + ")"
            return PhoneVerdict(valid: false, reason: "Twilio Lookup says the number is not valid" + why, lineType: answer.lineType)
        }
        return PhoneVerdict(valid: true, reason: nil, lineType: answer.lineType)
    }
}
