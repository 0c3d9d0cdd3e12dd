import Foundation
import TallyCore

/// A credit bureau reached through the platform's bureau bridge: a small HTTP service the
/// platform runs in front of its bureau (Experian, Equifax, TransUnion, a soft-pull
/// reseller), since bureaus share no API. The wire format is `BureauBridgeWire`.
///
/// Every way the bridge can fail — down, silent past the deadline, a 5xx, an answer that
/// cannot be read, a signature it refuses — is a `ProviderFailure`, so the check ends
/// `failed` and is not charged, exactly as the sandbox bureau's failures do; so is a
/// 422, with the bridge's reason.
public struct BureauBridge: CreditBureau {
    /// Where the bridge is and the secret Tally signs its requests with.
    public struct Settings: Sendable, Hashable, CustomStringConvertible, CustomReflectable {
        public var url: URL
        public var secret: String

        public init(url: URL, secret: String) {
            self.url = url
            self.secret = secret
        }

        /// The secret is never printed, logged or dumped.
        public var description: String { "bureau bridge at \(url.absoluteString)" }
        public var customMirror: Mirror { Mirror(self, children: ["url": url, "secret": "***"]) }
    }

    public let settings: Settings
    /// Unix seconds now, for the signature's timestamp: the bridge compares it with its own clock.
    let now: @Sendable () -> Int64

    public init(_ settings: Settings) {
        self.init(settings, now: { Int64(Date().timeIntervalSince1970) })
    }

    init(_ settings: Settings, now: @escaping @Sendable () -> Int64) {
        self.settings = settings
        self.now = now
    }

    public func check(_ inquiry: CreditInquiry) async throws -> BureauReport {
        let body = BureauBridgeWire.body(inquiry)
        let answer: ProviderHTTP.Answer
        do {
            answer = try await ProviderHTTP.send(
                .POST,
                settings.url,
                headers: BureauBridgeWire.headers(body: body, secret: settings.secret, timestamp: now(), idempotencyKey: inquiry.reference),
                body: body,
                maximumAnswerBytes: BureauBridgeWire.maximumAnswerBytes
            )
        } catch is ProviderHTTP.Unreachable {
            // How it failed stays in `tally providers check`; the account is told what matters.
            throw ProviderFailure("the credit bureau could not be reached")
        }
        return try BureauBridgeWire.report(status: answer.status, body: answer.body, kind: inquiry.kind)
    }

    /// `GET` the bridge, signed over an empty body: any 2xx is healthy.
    public func health() async throws {
        let answer: ProviderHTTP.Answer
        do {
            answer = try await ProviderHTTP.send(
                .GET,
                settings.url,
                headers: BureauBridgeWire.headers(body: [], secret: settings.secret, timestamp: now(), idempotencyKey: nil),
                maximumAnswerBytes: BureauBridgeWire.maximumAnswerBytes
            )
        } catch let unreachable as ProviderHTTP.Unreachable {
            throw ProviderFailure("the bridge could not be reached: \(unreachable.detail)")
        }
        switch answer.status {
        case 200..<300: return
        case 401, 403: throw ProviderFailure("the bridge refused Tally's signature (HTTP \(answer.status)): check TALLY_BUREAU_SECRET")
        default: throw ProviderFailure("the bridge answered HTTP \(answer.status)")
        }
    }
}
