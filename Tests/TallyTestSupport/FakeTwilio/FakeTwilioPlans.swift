import Foundation

/// What the fake Twilio does with a message to one number (`FakeTwilio.plan`): the
/// statuses the carrier reports, how its callbacks go, or a refusal.
public struct DeliveryPlan: Sendable, Hashable {
    /// The statuses reported after the send is accepted, in this order (any order: a
    /// test may put `delivered` before `sent`, as carriers sometimes do).
    public var statuses: [String]
    /// Each status is posted this many times (Twilio may repeat a callback).
    public var repeats: Int
    /// False: the statuses still happen (a GET or a list sees them), nothing is posted.
    public var callbacks: Bool
    /// Statuses that happen (a GET or a list sees them) whose callback never arrives, as
    /// one posted while Tally was down: Twilio does not post it again.
    public var lostCallbacks: Set<String>
    /// Callbacks are signed with another token: Tally must refuse them.
    public var forgeSignature: Bool
    /// The message is made and its callbacks follow, but the answer to the send never
    /// arrives (held back past any client's deadline).
    public var loseAnswer: Bool
    /// Twilio's `num_segments` for these messages instead of the counted one.
    public var numSegments: Int?
    /// Twilio refuses the send with this error; nothing is made.
    public var refusal: Refusal?

    /// A refused send: Twilio's `code`, `message` and HTTP `status`.
    public struct Refusal: Sendable, Hashable {
        public var code: Int
        public var message: String
        public var status: Int
    }

    public init(
        statuses: [String] = ["sent", "delivered"],
        repeats: Int = 1,
        callbacks: Bool = true,
        forgeSignature: Bool = false,
        loseAnswer: Bool = false,
        numSegments: Int? = nil,
        lostCallbacks: Set<String> = []
    ) {
        self.statuses = statuses
        self.repeats = max(1, repeats)
        self.callbacks = callbacks
        self.forgeSignature = forgeSignature
        self.loseAnswer = loseAnswer
        self.numSegments = numSegments
        self.lostCallbacks = lostCallbacks
    }

    /// `sent` then `delivered`, each posted once.
    public static let `default` = DeliveryPlan()
    /// Sent, and no callback ever comes.
    public static let silent = DeliveryPlan(statuses: ["sent"], callbacks: false)

    /// Twilio refuses the send: e.g. 21610 (the number replied STOP), 21614 (not a mobile
    /// number), 21408 (no permission for the region).
    public static func refuse(code: Int, message: String, status: Int = 400) -> DeliveryPlan {
        var plan = DeliveryPlan()
        plan.refusal = Refusal(code: code, message: message, status: status)
        return plan
    }
}

/// What the fake's Lookup answers for one number (`FakeTwilio.lookupPlan`).
public enum LookupPlan: String, Sendable, Hashable, CaseIterable {
    /// Valid, `line_type_intelligence.type` `mobile` (the default).
    case mobile
    /// Valid, `landline`.
    case landline
    /// Valid, `nonFixedVoip`.
    case voip
    /// `valid: false`, `validation_errors: ["TOO_SHORT"]`, no line type.
    case invalid
    /// 404 with Twilio's error body (20404).
    case notFound
    /// 500 with Twilio's error body.
    case failing
    /// No answer for a minute.
    case silent
}

/// One status callback the fake posted (or holds).
public struct FakeTwilioCallback: Sendable {
    /// The `StatusCallback` URL, as Twilio signs it.
    public var url: String
    public var messageSid: String
    /// `MessageStatus`.
    public var status: String
    /// The form posted, in order.
    public var parameters: [(String, String)]
    /// `X-Twilio-Signature`.
    public var signature: String
    /// What the endpoint answered: 0 when unreachable, nil while held.
    public var httpStatus: Int?
}

/// One API request the fake received.
public struct FakeTwilioRequest: Sendable {
    public var method: String
    public var path: String
    /// The form body (POST) or the query (GET), decoded, in order.
    public var parameters: [(String, String)]
}

/// A message as the fake keeps it.
public struct FakeTwilioMessage: Sendable, Hashable {
    public var sid: String
    public var to: String
    public var from: String?
    public var messagingServiceSid: String?
    public var body: String
    public var status: String
    public var numSegments: Int
    public var statusCallback: String?
    public var errorCode: Int?
    public var errorMessage: String?
    public var dateCreated: Date
    public var dateUpdated: Date
    /// Set when it first becomes `sent` or `delivered`: a message that went `undelivered`
    /// without being sent has none.
    public var dateSent: Date?
}
