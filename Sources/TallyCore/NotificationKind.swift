/// What a notification is about: the `kind` the account's super admins read, its webhooks
/// receive and the `notifications` table keeps.
public enum NotificationKind: String, Sendable, Hashable, Codable, CaseIterable {
    // The balance (`BalanceNotice`).
    case lowBalance = "low_balance"
    case balanceDepleted = "balance_depleted"
    case balanceBelow = "balance_below"
    case balanceRecovered = "balance_recovered"
    // Automatic recharges.
    case rechargeSucceeded = "recharge_succeeded"
    case rechargeFailed = "recharge_failed"
    case rechargeCapped = "recharge_capped"
    case rechargeDisabled = "recharge_disabled"
    // Credit lots that expire.
    case creditsExpiring = "credits_expiring"
    case creditsExpired = "credits_expired"
    // Payments taken back outside Tally.
    case disputeOpened = "dispute_opened"
    case disputeWon = "dispute_won"
    case disputeLost = "dispute_lost"
    case refundOutside = "refund_outside"
    /// A payment the card processor says succeeded for other money than its purchase's.
    case paymentAmountMismatch = "payment_amount_mismatch"
    // Spending controls.
    case spendCapReached = "spend_cap_reached"
    case usageGuardPaused = "usage_guard_paused"
    case usageGuardResumed = "usage_guard_resumed"
    // Sign-in.
    case loginGuessing = "login_guessing"
}
