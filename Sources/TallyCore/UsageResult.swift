/// What became of one metered request, as its usage log line keeps it: the word the logs
/// show, their `result` filter matches and the per-day counts are kept by.
public enum UsageResult: String, Sendable, Hashable, Codable, CaseIterable {
    /// Not known yet: an SMS line as its message's record keeps it until the carrier answers.
    case pending = ""
    /// An SMS the carrier sent (charged).
    case sent
    /// An SMS the carrier did not send, or a credit check the bureau could not complete.
    case failed
    /// An email or phone number found valid.
    case valid
    /// An email or phone number found invalid.
    case invalid
    /// A credit check the bureau answered.
    case completed
    /// A credit check that may not run: the account is not a verified US business, or the
    /// phone is not a US number. Free.
    case skipped
    /// A credit check the usage guard or a spend cap stopped.
    case blocked
    /// A request refused for want of credits or by a spend cap: nothing was charged.
    case refused
}
