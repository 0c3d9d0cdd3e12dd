import Foundation

/// A JSON body for one of the account's operations (API.md), with where it is posted:
/// `account.send(GrantRequest(credits: 50, reason: "welcome"), token: Harness.operatorToken)`.
/// Absent optionals are left out of the body, as a client leaves them out. Bodies a test
/// means to be wrong (a bad field, a number written as text) stay JSON text.
protocol AccountRequest: Encodable, Sendable {
    /// The path under `/v1/accounts/{account}`.
    var path: String { get }
}

extension AccountRequest {
    /// The body as sent: keys sorted and slashes unescaped, so it reads as the JSON written by hand did.
    var json: String {
        get throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        }
    }
}

/// Who a metered request is about.
struct ContactBody: Encodable, Sendable {
    var name: String?
    var email: String?
    var phone: String?
}

/// A card typed in with a purchase (the sandbox's good card by default).
struct CardBody: Encodable, Sendable {
    var number = "4242424242424242"
    var expMonth = 12
    var expYear = 2035
    var cvc = "123"
}

/// `POST …/purchases`: with a saved card (`paymentMethodId`) or a card typed in.
struct PurchaseRequest: AccountRequest {
    var credits: Int
    var paymentMethodId: String?
    var card: CardBody?
    var path: String { "/purchases" }
    private enum CodingKeys: String, CodingKey { case credits, paymentMethodId, card }
}

/// `POST …/validations/email`.
struct EmailValidationRequest: AccountRequest {
    var email: String
    var contact: ContactBody?
    var path: String { "/validations/email" }
    private enum CodingKeys: String, CodingKey { case email, contact }
}

/// `POST …/validations/phone`.
struct PhoneValidationRequest: AccountRequest {
    var phone: String
    var contact: ContactBody?
    var path: String { "/validations/phone" }
    private enum CodingKeys: String, CodingKey { case phone, contact }
}

/// `POST …/credit-checks`: `credit_score` or `dti`, for a contact with an email and a phone.
struct CreditCheckRequest: AccountRequest {
    var kind: String
    var contact: ContactBody
    var path: String { "/credit-checks" }
    private enum CodingKeys: String, CodingKey { case kind, contact }
}

/// `POST …/sms`.
struct SMSRequest: AccountRequest {
    var to: String
    var body: String
    var contact: ContactBody?
    var event: String?
    var path: String { "/sms" }
    private enum CodingKeys: String, CodingKey { case to, body, contact, event }
}

/// `POST …/holds`: credits held for a feature of the platform's own.
struct HoldRequest: AccountRequest {
    var feature: String
    var credits: Int
    var ttlSeconds: Int?
    var reference: String?
    var path: String { "/holds" }
    private enum CodingKeys: String, CodingKey { case feature, credits, ttlSeconds, reference }
}

/// `POST …/holds/{hold}/capture`: all of the hold, or `credits` of it.
struct CaptureRequest: AccountRequest {
    var hold: String
    var credits: Int?
    var path: String { "/holds/\(hold)/capture" }
    private enum CodingKeys: String, CodingKey { case credits }
}

/// `POST …/grants` (the operator's): a lot of free credits.
struct GrantRequest: AccountRequest {
    var credits: Int
    var reason: String
    /// As the API writes a time (see `iso`).
    var expiresAt: String?
    var priority: Int?
    var path: String { "/grants" }
    private enum CodingKeys: String, CodingKey { case credits, reason, expiresAt, priority }
}

/// `POST …/adjustments` (the operator's): credits added or removed, with a reason.
struct AdjustmentRequest: AccountRequest {
    var credits: Int
    var reason: String
    var path: String { "/adjustments" }
    private enum CodingKeys: String, CodingKey { case credits, reason }
}

/// `POST …/purchases/{purchase}/refunds`.
struct RefundRequest: AccountRequest {
    var purchase: String
    var credits: Int
    var path: String { "/purchases/\(purchase)/refunds" }
    private enum CodingKeys: String, CodingKey { case credits }
}

extension TestAccount {
    /// Posts `request` to its path in the account, with the owner's session unless `token`
    /// says otherwise, and `key` as its `Idempotency-Key`.
    func send(_ request: some AccountRequest, token: String? = nil, key: String? = nil) async throws -> Reply {
        try await post(request.path, try request.json, token: token, key: key)
    }
}

/// How API answers write a time (whole seconds, UTC).
func iso(_ date: Date) -> String {
    ISO8601DateFormatter().string(from: date)
}
