import Foundation
import TallyCore

/// A field of a request that is wrong, and why.
public struct FieldError: Sendable, Hashable, Codable {
    public var field: String
    public var reason: String

    public init(_ field: String, _ reason: String) {
        self.field = field
        self.reason = reason
    }

    /// The field and its reason as one sentence: `credits is too large`; a reason that is
    /// a sentence of its own follows a colon (`phone: A phone number has at most …`).
    public var sentence: String {
        guard let first = reason.first, first.isUppercase else { return "\(field) \(reason)" }
        return "\(field): \(reason)"
    }
}

/// Every error a caller of Tally can see. Each maps to one problem+json answer.
public enum TallyError: Error, Sendable, Hashable {
    /// 422: one or more fields are wrong.
    case invalid([FieldError])
    /// 400: the request cannot be read at all.
    case badRequest(String)
    /// 401: no valid credentials.
    case unauthenticated
    /// 403: the caller's role may not do this.
    case forbidden(String)
    /// 404: no such resource, or not the caller's.
    case notFound(String)
    /// 409: the request conflicts with the resource's state.
    case conflict(String)
    /// 409: the idempotency key was used for a different request.
    case idempotencyKeyReused
    /// 402: not enough available credits.
    case insufficientCredits(available: Credits, required: Credits)
    /// 402: the charge would take a feature's spending in a Pacific day or month past the
    /// cap its owner set; nothing was charged.
    case spendCapReached(SpendCapReached)
    /// 402: the payment gateway declined the payment.
    case paymentDeclined(code: String, reason: String)
    /// 413: the body is larger than Tally accepts.
    case payloadTooLarge(limitBytes: Int)
    /// 502: the card processor did not confirm a payment; Tally settles it by itself.
    case paymentUnsettled(PurchaseID)
    /// 429: too many attempts; try again later.
    case rateLimited(String)
    /// 429: this email's logins are locked after too many wrong passwords.
    case loginLocked(retryAfterSeconds: Int)
    /// 429: Tally is doing as much of this work as it allows at once.
    case busy(String, retryAfterSeconds: Int)
    /// 401: a login with a wrong email or password (which one is not said).
    case wrongCredentials
    /// 502: a provider could not answer; nothing was charged.
    case providerFailed(String)
    /// 402: the payment gateway refused a refund; its credits went back to the wallet.
    case refundDeclined(code: String, reason: String)
    /// 502: the card processor did not confirm a refund; its credits stay out of the wallet
    /// and Tally settles it by itself.
    case refundUnsettled(RefundID)
    /// 502: a message may be with the carrier but its charge is not settled yet; Tally
    /// settles it by itself, and its key is kept so a retry never sends it again.
    case messageUnsettled(String)

    public static func invalid(_ field: String, _ reason: String) -> TallyError {
        .invalid([FieldError(field, reason)])
    }

    /// Whether this error is the request's final answer, kept for its idempotent replays.
    /// An unsettled payment is not: a retry with the same key must learn the outcome.
    public var isFinalAnswer: Bool {
        switch self {
        case .paymentUnsettled, .busy, .messageUnsettled, .refundUnsettled: false
        default: true
        }
    }

    /// Whether the request's `Idempotency-Key` stays claimed after this error: the work
    /// it guards may have reached a provider, and its answer is stored by a reconciler.
    public var keepsClaim: Bool {
        if case .messageUnsettled = self { return true }
        return false
    }

    public var status: Int {
        switch self {
        case .invalid: 422
        case .badRequest: 400
        case .unauthenticated, .wrongCredentials: 401
        case .forbidden: 403
        case .notFound: 404
        case .conflict, .idempotencyKeyReused: 409
        case .insufficientCredits, .spendCapReached, .paymentDeclined, .refundDeclined: 402
        case .payloadTooLarge: 413
        case .providerFailed, .paymentUnsettled, .messageUnsettled, .refundUnsettled: 502
        case .rateLimited, .loginLocked, .busy: 429
        }
    }

    /// Seconds a client should wait before trying again (`Retry-After`), for a 429.
    public var retryAfterSeconds: Int? {
        switch self {
        case .loginLocked(let seconds), .busy(_, let seconds): seconds
        default: nil
        }
    }

    /// The RFC 9457 problem details of this error.
    public var problem: Problem {
        switch self {
        case .invalid(let errors):
            Problem(
                type: "invalid-request",
                title: "The request has invalid fields",
                status: status,
                detail: errors.map(\.sentence).joined(separator: "; "),
                errors: errors
            )
        case .badRequest(let detail):
            Problem(type: "bad-request", title: "The request cannot be read", status: status, detail: detail)
        case .unauthenticated:
            Problem(
                type: "unauthenticated",
                title: "Authentication required",
                status: status,
                detail: "send Authorization: Bearer <token> with a valid session token, API key or operator token"
            )
        case .forbidden(let detail):
            Problem(type: "forbidden", title: "Not allowed for this role", status: status, detail: detail)
        case .notFound(let detail):
            Problem(type: "not-found", title: "Not found", status: status, detail: detail)
        case .conflict(let detail):
            Problem(type: "conflict", title: "Conflict", status: status, detail: detail)
        case .idempotencyKeyReused:
            Problem(
                type: "idempotency-key-reused",
                title: "Idempotency key reused",
                status: status,
                detail: "this Idempotency-Key was already used for a different request"
            )
        case .insufficientCredits(let available, let required):
            Problem(
                type: "insufficient-credits",
                title: "Insufficient credits",
                status: status,
                detail: "this needs \(required) credits and \(available) are available; nothing was charged",
                available: available,
                required: required
            )
        case .spendCapReached(let reached):
            Problem(
                type: "spend-cap-reached",
                title: "Spend cap reached",
                status: status,
                detail: SpendCapWords.refusal(reached),
                feature: reached.cap.feature.rawValue,
                period: reached.cap.period.rawValue,
                resetsAt: reached.resetsAt
            )
        case .paymentDeclined(let code, let reason):
            Problem(
                type: "payment-declined",
                title: "Payment declined",
                status: status,
                detail: "\(reason); no credits were added",
                declineCode: code
            )
        case .paymentUnsettled(let id):
            Problem(
                type: "payment-unsettled",
                title: "Payment not confirmed yet",
                status: status,
                detail: "the card processor did not confirm purchase \(id); Tally settles it by itself: the credits are "
                    + "added if the payment went through, and the card is never charged twice. Retrying with the same "
                    + "Idempotency-Key answers the outcome"
            )
        case .refundDeclined(let code, let reason):
            Problem(
                type: "refund-declined",
                title: "Refund declined",
                status: status,
                detail: "\(reason); the credits are back in the wallet",
                declineCode: code
            )
        case .refundUnsettled(let id):
            Problem(
                type: "refund-unsettled",
                title: "Refund not confirmed yet",
                status: status,
                detail: "the card processor did not confirm refund \(id); its credits stay out of the wallet and Tally "
                    + "settles it by itself: given back once if the processor refuses it, and never refunded twice. "
                    + "Retrying with the same Idempotency-Key answers the outcome"
            )
        case .rateLimited(let detail), .busy(let detail, _):
            Problem(type: "rate-limited", title: "Too many requests", status: status, detail: detail)
        case .loginLocked(let seconds):
            Problem(
                type: "login-locked",
                title: "Too many wrong passwords",
                status: status,
                detail: "too many wrong passwords for this email; try again in \((seconds + 59) / 60) minutes"
            )
        case .wrongCredentials:
            Problem(type: "wrong-credentials", title: "Wrong email or password", status: status, detail: "wrong email or password")
        case .messageUnsettled(let id):
            Problem(
                type: "message-unsettled",
                title: "Message not settled yet",
                status: status,
                detail: "message \(id) may be with the carrier, but its charge could not be recorded yet; Tally "
                    + "settles it by itself: charged once if the carrier took it, nothing otherwise, and it is never "
                    + "sent again for this Idempotency-Key. Retrying with the same key answers the outcome"
            )
        case .providerFailed(let reason):
            Problem(
                type: "provider-failed",
                title: "A provider could not answer",
                status: status,
                detail: "\(reason); nothing was charged"
            )
        case .payloadTooLarge(let limit):
            Problem(
                type: "payload-too-large",
                title: "Request body too large",
                status: status,
                detail: "the body must be at most \(limit) bytes"
            )
        }
    }
}

/// An RFC 9457 problem details document.
public struct Problem: Sendable, Hashable, Codable {
    public static let typePrefix = "urn:tally:problem:"

    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    public var errors: [FieldError]?
    public var available: Credits?
    public var required: Credits?
    public var declineCode: String?
    /// A spend cap's refusal: the feature, its period (`day` or `month`) and when it resets.
    public var feature: String?
    public var period: String?
    public var resetsAt: Date?

    init(
        type: String,
        title: String,
        status: Int,
        detail: String,
        errors: [FieldError]? = nil,
        available: Credits? = nil,
        required: Credits? = nil,
        declineCode: String? = nil,
        feature: String? = nil,
        period: String? = nil,
        resetsAt: Date? = nil
    ) {
        self.type = Self.typePrefix + type
        self.title = title
        self.status = status
        self.detail = detail
        self.errors = errors
        self.available = available
        self.required = required
        self.declineCode = declineCode
        self.feature = feature
        self.period = period
        self.resetsAt = resetsAt
    }
}

/// How a spend cap's refusal reads, in the answer and in the log line.
public enum SpendCapWords {
    public static func name(_ feature: Feature) -> String {
        switch feature {
        case .emailValidation: "email validation"
        case .phoneValidation: "phone validation"
        case .creditScore: "credit score checks"
        case .dti: "DTI checks"
        case .sms: "SMS"
        }
    }

    public static func refusal(_ reached: SpendCapReached) -> String {
        let period = reached.cap.period == .day ? "Pacific day" : "Pacific month"
        return "the spend cap of \(reached.cap.credits) credits per \(period) on \(name(reached.cap.feature)) is reached "
            + "(\(reached.spent) spent); it resets at \(PacificDay.timestamp(reached.resetsAt)); nothing was charged"
    }
}
