import Foundation
import TallyCore

/// The bureau bridge's wire format (PROVIDERS.md "Credit checks: the bureau bridge"),
/// written once: what Tally sends, how it signs it, and how it reads the answer.
///
/// - `POST {TALLY_BUREAU_URL}`, JSON `{kind, name, email, phone, reference}`, with
///   `Idempotency-Key: <the check's id>` and `Tally-Signature: t=<unix>,v1=<hex
///   HMAC-SHA256(secret, "<t>.<body>")>` — the signature of Tally's own webhooks.
/// - 200 `{creditScore, dtiPercent}` → the report; 422 `{reason}` → the bureau could not
///   check this person, for that reason; anything else → the bureau failed.
/// - `GET {TALLY_BUREAU_URL}`, signed over an empty body, is the health check.
enum BureauBridgeWire {
    /// Answers larger than this are not read.
    static let maximumAnswerBytes = 64 * 1_024
    /// A 422's reason is kept to this many characters.
    static let maximumReasonLength = 300
    static let scores = 300...850
    /// Debt-to-income above 100% is real (debts larger than income); past this it is a bug.
    static let dtiPercents = 0...1_000

    struct Inquiry: Encodable {
        var kind: String
        var name: String
        var email: String
        /// E.164, `+14155550123`.
        var phone: String
        var reference: String
    }

    /// The exact bytes posted (and signed).
    static func body(_ inquiry: CreditInquiry) -> [UInt8] {
        let wire = Inquiry(
            kind: inquiry.kind.rawValue,
            name: inquiry.name,
            email: inquiry.email,
            phone: inquiry.phone.e164,
            reference: inquiry.reference
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings and nothing else: encoding cannot fail.
        return Array(try! encoder.encode(wire))
    }

    /// The headers of a request carrying `body`, signed at `timestamp` (Unix seconds).
    static func headers(body: [UInt8], secret: String, timestamp: Int64, idempotencyKey: String?) -> [(String, String)] {
        var headers = [
            ("Tally-Signature", Webhooks.signature(body: body, secret: secret, timestamp: timestamp)),
            ("Accept", "application/json"),
            ("User-Agent", "Tally"),
        ]
        if !body.isEmpty { headers.append(("Content-Type", "application/json")) }
        if let idempotencyKey { headers.append(("Idempotency-Key", idempotencyKey)) }
        return headers
    }

    /// 200's body. `dtiPercent` is null (or left out) for a `credit_score` check.
    struct Report: Decodable {
        var creditScore: Int
        var dtiPercent: Int?
    }

    /// 422's body.
    struct Refusal: Decodable {
        var reason: String?
    }

    /// The bridge's answer to a check: the report, or `ProviderFailure` saying why there is none.
    static func report(status: Int, body: [UInt8], kind: CreditCheckKind) throws(ProviderFailure) -> BureauReport {
        switch status {
        case 200:
            guard let report = try? JSONDecoder().decode(Report.self, from: Data(body)) else {
                throw ProviderFailure("the credit bureau's answer could not be read")
            }
            guard scores.contains(report.creditScore) else {
                throw ProviderFailure("the credit bureau answered a score outside \(scores.lowerBound)–\(scores.upperBound)")
            }
            guard kind == .dti else { return BureauReport(creditScore: report.creditScore, dtiPercent: nil) }
            guard let dti = report.dtiPercent, dtiPercents.contains(dti) else {
                throw ProviderFailure("the credit bureau's answer has no debt-to-income percentage")
            }
            return BureauReport(creditScore: report.creditScore, dtiPercent: dti)
        case 422:
            let refusal = try? JSONDecoder().decode(Refusal.self, from: Data(body))
            throw ProviderFailure(reason(refusal?.reason) ?? "the credit bureau could not check this person")
        case 401, 403:
            throw ProviderFailure("the credit bureau refused the request's signature (HTTP \(status))")
        default:
            throw ProviderFailure("the credit bureau failed (HTTP \(status))")
        }
    }

    /// The bridge's reason as a log line may hold it: one line, trimmed, bounded.
    static func reason(_ text: String?) -> String? {
        guard let text else { return nil }
        let oneLine = String(String.UnicodeScalarView(text.unicodeScalars.map { CharacterSet.controlCharacters.contains($0) ? " " : $0 }))
            .trimmingCharacters(in: .whitespaces)
        guard !oneLine.isEmpty else { return nil }
        return String(oneLine.prefix(maximumReasonLength))
    }
}
