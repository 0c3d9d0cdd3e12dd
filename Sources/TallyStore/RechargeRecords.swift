import Foundation
import TallyCore

/// An account's auto-recharge settings and the outcome of its last recharge.
public struct AutoRechargeState: Sendable, Hashable {
    public var settings: AutoRechargeSettings
    /// Nil before the first recharge.
    public var lastResult: RechargeResult?
    public var lastReason: String?
    public var lastResultAt: Date?
    /// A recharge is owed to the account's next spending: a refund, an adjustment, a
    /// dispute or an expiry took available below the threshold (`BalanceEffects.rechargeArmed`).
    /// Read by the next debit, which finds it stale if available is back at or above the threshold.
    public var rechargeArmed: Bool

    public init(
        settings: AutoRechargeSettings,
        lastResult: RechargeResult? = nil,
        lastReason: String? = nil,
        lastResultAt: Date? = nil,
        rechargeArmed: Bool = false
    ) {
        self.settings = settings
        self.lastResult = lastResult
        self.lastReason = lastReason
        self.lastResultAt = lastResultAt
        self.rechargeArmed = rechargeArmed
    }
}

/// How an account's last automatic recharge ended, as its wallet shows it.
public enum RechargeResult: String, Sendable, Hashable, Codable {
    case succeeded
    case failed
    /// Not bought: a daily or monthly limit was reached.
    case capped
    /// Not bought: auto-recharge was off, or was switched off after failed payments.
    case disabled
}

/// Where a recharge is: at most one per wallet is `pending` at a time.
public enum RechargeStatus: String, Sendable, Hashable, Codable {
    case pending, succeeded, failed, capped
}

/// One automatic purchase of credits, due when available fell below the threshold.
public struct Recharge: Sendable, Hashable {
    public var id: String
    public var accountID: AccountID
    public var status: RechargeStatus
    public var credits: Credits
    public var attempts: Int
    public var nextAttemptAt: Date
    public var reason: String?
    public var createdAt: Date

    public init(
        id: String,
        accountID: AccountID,
        status: RechargeStatus = .pending,
        credits: Credits,
        attempts: Int = 0,
        nextAttemptAt: Date,
        reason: String? = nil,
        createdAt: Date
    ) {
        self.id = id
        self.accountID = accountID
        self.status = status
        self.credits = credits
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.reason = reason
        self.createdAt = createdAt
    }
}

/// How a recharge attempt ended, written with its notification in one transaction.
public struct RechargeUpdate: Sendable, Hashable {
    public var rechargeID: String
    public var status: RechargeStatus
    public var attempts: Int
    public var nextAttemptAt: Date
    public var reason: String?
    /// The Pacific day (`YYYY-MM-DD`) a successful recharge counts for in the caps.
    public var settledDay: String?
    public var amount: Money?
    /// The result shown in the wallet.
    public var lastResult: RechargeResult
    /// Switches auto-recharge off (attempts exhausted).
    public var disable: Bool

    public init(
        rechargeID: String,
        status: RechargeStatus,
        attempts: Int,
        nextAttemptAt: Date,
        reason: String?,
        settledDay: String? = nil,
        amount: Money? = nil,
        lastResult: RechargeResult,
        disable: Bool = false
    ) {
        self.rechargeID = rechargeID
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.reason = reason
        self.settledDay = settledDay
        self.amount = amount
        self.lastResult = lastResult
        self.disable = disable
    }
}

/// Recharges already bought, for the caps.
public struct RechargeSpend: Sendable, Hashable {
    public var rechargesToday: Int
    public var spentThisMonth: Money

    public init(rechargesToday: Int, spentThisMonth: Money) {
        self.rechargesToday = rechargesToday
        self.spentThisMonth = spentThisMonth
    }
}

/// An endpoint that receives the account's notifications.
public struct Webhook: Sendable, Hashable {
    public var id: String
    public var accountID: AccountID
    public var url: String
    /// Signs every delivery (HMAC-SHA256); shown once.
    public var secret: String
    public var createdAt: Date

    public init(id: String, accountID: AccountID, url: String, secret: String, createdAt: Date) {
        self.id = id
        self.accountID = accountID
        self.url = url
        self.secret = secret
        self.createdAt = createdAt
    }
}

/// Where a webhook delivery is.
public enum DeliveryStatus: String, Sendable, Hashable, Codable {
    case pending, delivered, failed
}

/// One notification to one endpoint: the outbox row.
public struct WebhookDelivery: Sendable, Hashable {
    public var id: String
    public var webhookID: String
    public var notificationID: String
    public var status: DeliveryStatus
    public var attempts: Int
    public var lastStatusCode: Int?
    public var nextAttemptAt: Date?
    public var deliveredAt: Date?
}

/// A delivery due now, with what it needs to be sent.
public struct DeliveryJob: Sendable, Hashable {
    public var delivery: WebhookDelivery
    public var url: String
    public var secret: String
    public var notification: Notification
}

/// The notifications a lowered balance sets off (worded by `BalanceNotice`).
enum BalanceNotifications {
    static func make(
        _ effects: BalanceEffects,
        origin: String,
        account: AccountID,
        available: Credits,
        state: AutoRechargeState?,
        at: Date
    ) -> [Notification] {
        var notices = [BalanceNotice]()
        if effects.lowBalance, let settings = state?.settings {
            notices.append(
                .lowBalance(
                    origin: origin,
                    available: available,
                    threshold: settings.thresholdCredits,
                    recharge: settings.rechargeCredits,
                    rechargeDue: effects.recharge,
                    rechargeOwed: effects.rechargeArmed
                )
            )
        }
        if effects.depleted { notices.append(.depleted(origin: origin, available: available)) }
        return notices.map { Notification($0, account: account, at: at) }
    }
}

extension Notification {
    init(_ notice: BalanceNotice, account: AccountID, at: Date) {
        self.init(id: notice.id, accountID: account, kind: notice.kind, message: notice.message, data: notice.data, createdAt: at)
    }
}
