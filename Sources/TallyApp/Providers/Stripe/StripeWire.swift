import Foundation

/// Stripe's wire format (PROVIDERS.md "Payments: Stripe"), written once: the form encoding
/// of what Tally sends, and the objects Tally reads back.
///
/// Requests are `application/x-www-form-urlencoded` with Stripe's bracket notation:
/// `metadata[tally_account]=acct_1`, `payment_method_types[0]=card`, nested as deep as a
/// parameter goes. Answers are JSON objects; Tally reads only the fields it uses, so a
/// field Stripe adds later changes nothing.
public enum StripeWire {
    /// Answers larger than this are not read (Stripe's objects are a few kilobytes).
    static let maximumAnswerBytes = 256 * 1_024
    /// Stripe refuses idempotency keys longer than this.
    static let maximumIdempotencyKeyLength = 255
    /// Stripe's messages are kept to this many characters in Tally's errors.
    static let maximumMessageLength = 300

    /// One parameter's value: a string, a number, a boolean, or a nested object or list.
    public indirect enum Value: Sendable, Hashable {
        case string(String)
        case integer(Int64)
        case boolean(Bool)
        case object([(String, Value)])
        case list([Value])

        public static func == (left: Value, right: Value) -> Bool {
            switch (left, right) {
            case (.string(let a), .string(let b)): a == b
            case (.integer(let a), .integer(let b)): a == b
            case (.boolean(let a), .boolean(let b)): a == b
            case (.object(let a), .object(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
            case (.list(let a), .list(let b)): a == b
            default: false
            }
        }

        public func hash(into hasher: inout Hasher) {
            switch self {
            case .string(let text): hasher.combine(text)
            case .integer(let number): hasher.combine(number)
            case .boolean(let flag): hasher.combine(flag)
            case .object(let fields):
                for (name, value) in fields {
                    hasher.combine(name)
                    hasher.combine(value)
                }
            case .list(let values): hasher.combine(values)
            }
        }
    }

    /// The form body of `parameters`, in their order: `a=1&metadata[k]=v&list[0]=x`.
    /// Keys keep their brackets literal; every other reserved character is percent-encoded,
    /// a space as `%20`. An empty object or list sends nothing.
    public static func form(_ parameters: [(String, Value)]) -> String {
        var pairs: [String] = []
        for (name, value) in parameters {
            append(value, key: escape(name), to: &pairs)
        }
        return pairs.joined(separator: "&")
    }

    private static func append(_ value: Value, key: String, to pairs: inout [String]) {
        switch value {
        case .string(let text): pairs.append(key + "=" + escape(text))
        case .integer(let number): pairs.append(key + "=" + String(number))
        case .boolean(let flag): pairs.append(key + "=" + (flag ? "true" : "false"))
        case .object(let fields):
            for (name, inner) in fields { append(inner, key: key + "[" + escape(name) + "]", to: &pairs) }
        case .list(let values):
            for (index, inner) in values.enumerated() { append(inner, key: key + "[\(index)]", to: &pairs) }
        }
    }

    /// RFC 3986's unreserved characters stay as they are; every other byte is `%XX`.
    public static func escape(_ text: String) -> String { ProviderHTTP.formEscape(text) }

    /// Decodes one of Stripe's JSON objects.
    static func decode<T: Decodable>(_ type: T.Type, from body: [UInt8]) throws -> T {
        try ProviderHTTP.decodeSnakeCase(type, from: body)
    }

    /// Stripe's text made safe for an error or a log line: one line, bounded, and any key
    /// or secret it quotes (`sk_…`, `rk_…`, `pk_…`, `whsec_…`) blanked out.
    public static func safe(_ text: String) -> String {
        let oneLine = String(String.UnicodeScalarView(text.unicodeScalars.map { CharacterSet.controlCharacters.contains($0) ? " " : $0 }))
        let words = oneLine.split(separator: " ", omittingEmptySubsequences: false).map { word -> String in
            for prefix in ["sk_", "rk_", "pk_", "whsec_"] where word.contains(prefix) {
                let start = word.range(of: prefix)!.lowerBound
                return String(word[..<start]) + prefix + "***"
            }
            return String(word)
        }
        return String(words.joined(separator: " ").trimmingCharacters(in: .whitespaces).prefix(maximumMessageLength))
    }
}

// MARK: - The objects Tally reads

/// A Stripe Customer: one per Tally account.
public struct StripeCustomer: Decodable, Sendable, Hashable {
    public var id: String
    public var metadata: [String: String]?
}

/// A Stripe PaymentMethod; Tally reads its card.
public struct StripePaymentMethod: Decodable, Sendable, Hashable {
    public struct Card: Decodable, Sendable, Hashable {
        public var brand: String
        public var last4: String
        public var expMonth: Int
        public var expYear: Int
        /// The same card number gives the same fingerprint: Tally never saves one twice.
        public var fingerprint: String?
    }

    public var id: String
    public var type: String
    /// The customer it is attached to, if any.
    public var customer: String?
    public var card: Card?
}

/// Stripe's error object (`{"error": {…}}`).
public struct StripeError: Decodable, Sendable, Hashable {
    /// `card_error`, `invalid_request_error`, `idempotency_error`, `api_error`.
    public var type: String
    public var code: String?
    /// The card's bank's reason, on a card error: `generic_decline`, `insufficient_funds`, …
    public var declineCode: String?
    public var message: String?
    /// The parameter Stripe refused, on an invalid request.
    public var param: String?
    /// The PaymentIntent the error is about, when there is one.
    public var paymentIntent: StripePaymentIntent?
}

/// A Stripe PaymentIntent: one payment, from creation to its outcome.
public struct StripePaymentIntent: Decodable, Sendable, Hashable {
    public struct NextAction: Decodable, Sendable, Hashable {
        public struct RedirectToURL: Decodable, Sendable, Hashable {
            public var url: String?
        }
        public var type: String
        public var redirectToUrl: RedirectToURL?
    }

    /// The statuses Stripe documents.
    public enum Status: String, Sendable {
        case requiresPaymentMethod = "requires_payment_method"
        case requiresConfirmation = "requires_confirmation"
        case requiresAction = "requires_action"
        case processing
        case requiresCapture = "requires_capture"
        case canceled
        case succeeded
    }

    public var id: String
    /// Stripe's status as it sent it; `knownStatus` reads it.
    public var status: String
    public var amount: Int64
    public var amountReceived: Int64?
    public var currency: String
    public var customer: String?
    public var paymentMethod: String?
    public var metadata: [String: String]?
    public var nextAction: NextAction?
    public var lastPaymentError: LastPaymentError?

    /// The error of the last attempt (a decline, an authentication that failed).
    public struct LastPaymentError: Decodable, Sendable, Hashable {
        public var type: String?
        public var code: String?
        public var declineCode: String?
        public var message: String?
    }

    public var knownStatus: Status? { Status(rawValue: status) }
    /// Where the cardholder goes to authenticate (3-D Secure), on `requires_action`.
    public var redirectURL: String? { nextAction?.redirectToUrl?.url }
}

/// A Stripe Refund.
public struct StripeRefund: Decodable, Sendable, Hashable {
    public var id: String
    /// `pending`, `requires_action`, `succeeded`, `failed` or `canceled`.
    public var status: String
    public var amount: Int64
    public var paymentIntent: String?
    public var failureReason: String?
}

/// The account's balance: read by `tally providers check` to prove the key works.
public struct StripeBalance: Decodable, Sendable, Hashable {
    public struct Funds: Decodable, Sendable, Hashable {
        public var amount: Int64
        public var currency: String
    }
    public var available: [Funds]
    public var livemode: Bool
}

/// A Stripe event, as posted to Tally's events endpoint. Its object stays raw JSON until
/// the handler of its type reads it as what it is.
public struct StripeEvent: Sendable, Hashable {
    public var id: String
    /// `payment_intent.succeeded`, `charge.dispute.created`, …
    public var type: String
    /// Unix seconds.
    public var created: Int64
    /// `data.object`'s `object` field: `payment_intent`, `refund`, `checkout.session`, …
    public var objectKind: String
    /// `data.object` as JSON.
    public var object: [UInt8]

    /// Reads an event; nil when it is not one.
    public static func read(_ body: [UInt8]) -> StripeEvent? {
        guard let root = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
            let id = root["id"] as? String, let type = root["type"] as? String,
            let created = (root["created"] as? NSNumber)?.int64Value,
            let data = root["data"] as? [String: Any], let object = data["object"] as? [String: Any],
            let objectJSON = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        else { return nil }
        return StripeEvent(id: id, type: type, created: created, objectKind: object["object"] as? String ?? "", object: Array(objectJSON))
    }

    /// The event's object read as `type` (a `StripePaymentIntent`, a `StripeRefund`, …).
    public func object<T: Decodable>(as type: T.Type) throws -> T {
        try StripeWire.decode(type, from: object)
    }
}

// MARK: - Checkout, setup, charges and disputes

/// A field Stripe sends as an object's id, or as the object itself when asked to expand it
/// (`expand[]=payment_intent`).
public enum StripeExpandable<Object: Decodable & Sendable & Hashable>: Decodable, Sendable, Hashable {
    case id(String)
    case object(Object)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let id = try? container.decode(String.self) {
            self = .id(id)
        } else {
            self = .object(try container.decode(Object.self))
        }
    }

    /// The object, when it was expanded.
    public var object: Object? {
        if case .object(let object) = self { return object }
        return nil
    }
}

extension StripeExpandable where Object == StripePaymentIntent {
    public var id: String {
        switch self {
        case .id(let id): id
        case .object(let object): object.id
        }
    }
}

extension StripeExpandable where Object == StripeSetupIntent {
    public var id: String {
        switch self {
        case .id(let id): id
        case .object(let object): object.id
        }
    }
}

extension StripeExpandable where Object == StripePaymentMethod {
    public var id: String {
        switch self {
        case .id(let id): id
        case .object(let object): object.id
        }
    }
}

/// A page of a Stripe list (`{"object": "list", "data": […], "has_more": …}`).
public struct StripeList<Item: Decodable & Sendable & Hashable>: Decodable, Sendable, Hashable {
    public var data: [Item]
    public var hasMore: Bool?
}

/// A Stripe Checkout Session: the hosted page a buyer saves a card or pays on.
public struct StripeCheckoutSession: Decodable, Sendable, Hashable {
    public enum Status: String, Sendable {
        case open, complete, expired
    }

    public enum PaymentStatus: String, Sendable {
        case paid, unpaid
        case noPaymentRequired = "no_payment_required"
    }

    public var id: String
    /// Where to send the browser; Stripe sends it only while the session is open.
    public var url: String?
    /// `payment` or `setup`.
    public var mode: String
    /// `open`, `complete` or `expired`; `knownStatus` reads it.
    public var status: String?
    /// `paid`, `unpaid` or `no_payment_required`; `knownPaymentStatus` reads it.
    public var paymentStatus: String
    public var customer: String?
    public var clientReferenceId: String?
    public var metadata: [String: String]?
    /// Set once the buyer paid (payment mode); the object when expanded.
    public var paymentIntent: StripeExpandable<StripePaymentIntent>?
    /// Set once the buyer saved a card (setup mode); the object when expanded.
    public var setupIntent: StripeExpandable<StripeSetupIntent>?
    /// In cents; nil in setup mode.
    public var amountTotal: Int64?
    public var currency: String?

    public var knownStatus: Status? { status.flatMap(Status.init(rawValue:)) }
    public var knownPaymentStatus: PaymentStatus? { PaymentStatus(rawValue: paymentStatus) }
}

/// A Stripe SetupIntent: a card saved for later payments.
public struct StripeSetupIntent: Decodable, Sendable, Hashable {
    public var id: String
    /// `succeeded`, `requires_payment_method`, `requires_action`, `processing`, `canceled`, …
    public var status: String
    public var customer: String?
    /// The card saved; the object when expanded (`expand[]=payment_method`).
    public var paymentMethod: StripeExpandable<StripePaymentMethod>?
    public var usage: String?
    public var metadata: [String: String]?
}

/// A Stripe Charge: the money a succeeded PaymentIntent moved.
public struct StripeCharge: Decodable, Sendable, Hashable {
    public var id: String
    public var paymentIntent: String?
    public var amount: Int64
    public var amountRefunded: Int64
    /// True once the whole amount was refunded.
    public var refunded: Bool
    public var currency: String?
    public var disputed: Bool?
    public var metadata: [String: String]?
    /// Only when asked for (`expand[]=refunds`): Stripe stopped sending it by default in
    /// 2022-11-15, in the API and in events.
    public var refunds: StripeList<StripeChargeRefund>?
}

/// A refund as listed on its charge (`StripeRefund` plus what tells whose it is).
public struct StripeChargeRefund: Decodable, Sendable, Hashable {
    public var id: String
    public var status: String
    public var amount: Int64
    public var paymentIntent: String?
    public var charge: String?
    /// Tally's own refunds carry `tally_refund`; one made in Stripe's dashboard has none.
    public var metadata: [String: String]?
}

/// A Stripe Dispute (a chargeback) on a charge.
public struct StripeDispute: Decodable, Sendable, Hashable {
    /// The statuses Stripe documents.
    public enum Status: String, Sendable {
        case warningNeedsResponse = "warning_needs_response"
        case warningUnderReview = "warning_under_review"
        case warningClosed = "warning_closed"
        case needsResponse = "needs_response"
        case underReview = "under_review"
        case won, lost
        case prevented
    }

    public var id: String
    /// The amount disputed, in cents.
    public var amount: Int64
    public var currency: String
    public var charge: String
    public var paymentIntent: String?
    /// `fraudulent`, `duplicate`, `product_not_received`, `general`, …
    public var reason: String
    public var status: String

    public var knownStatus: Status? { Status(rawValue: status) }
}
