import Foundation

/// One of an account's balance alerts: a threshold in credits, armed until available
/// credits fall below it, then fired until they are back at or above it.
public struct BalanceAlert: Sendable, Hashable {
    public var threshold: Credits
    /// When it last fired; nil while armed.
    public var firedAt: Date?

    public init(threshold: Credits, firedAt: Date? = nil) {
        self.threshold = threshold
        self.firedAt = firedAt
    }

    public var isFired: Bool { firedAt != nil }
}

/// What a move of available credits does to the balance alerts.
public struct BalanceAlertChanges: Sendable, Hashable {
    /// Armed thresholds that available fell below: each fires `balance_below` once.
    public var fired: [Credits] = []
    /// Fired thresholds available is back at or above: each re-arms with `balance_recovered`.
    public var recovered: [Credits] = []

    public init(fired: [Credits] = [], recovered: [Credits] = []) {
        self.fired = fired
        self.recovered = recovered
    }

    public var isEmpty: Bool { fired.isEmpty && recovered.isEmpty }
}

/// The balance alerts' rule: pure, decided in the transaction that moves the credits
/// (which holds the wallet), so of concurrent charges crossing one threshold exactly one
/// finds it armed.
public enum BalanceAlertRule {
    /// At most this many thresholds per account.
    public static let maximumThresholds = 10

    /// What leaving available at `available` does: an armed threshold above it fires, a
    /// fired one at or below it re-arms. Decided on the state, not on the move, so a
    /// threshold set while the balance is already below it fires at once, and one
    /// crossed twice by one transaction (a hold placed and released) stays as it ends.
    public static func changes(_ alerts: [BalanceAlert], available: Credits) -> BalanceAlertChanges {
        var changes = BalanceAlertChanges()
        for alert in alerts.sorted(by: { $0.threshold > $1.threshold }) {
            if !alert.isFired, available < alert.threshold {
                changes.fired.append(alert.threshold)
            } else if alert.isFired, available >= alert.threshold {
                changes.recovered.append(alert.threshold)
            }
        }
        return changes
    }

    /// The alerts after an owner's new thresholds replace `existing`: a threshold kept
    /// keeps its state, a new one starts armed, and then the rule runs on `available` now
    /// (a new threshold the balance is already below fires at once). Answers the alerts
    /// as they are to be written, highest first, and the changes to tell.
    public static func replacing(
        _ existing: [BalanceAlert],
        with thresholds: [Credits],
        available: Credits,
        at: Date
    ) -> (alerts: [BalanceAlert], changes: BalanceAlertChanges) {
        let kept = thresholds.sorted(by: >).map { threshold in
            existing.first { $0.threshold == threshold } ?? BalanceAlert(threshold: threshold)
        }
        let changes = changes(kept, available: available)
        return (applying(changes, to: kept, at: at), changes)
    }

    /// `alerts` with `changes` made at `at`.
    public static func applying(_ changes: BalanceAlertChanges, to alerts: [BalanceAlert], at: Date) -> [BalanceAlert] {
        alerts.map { alert in
            var alert = alert
            if changes.fired.contains(alert.threshold) { alert.firedAt = at }
            if changes.recovered.contains(alert.threshold) { alert.firedAt = nil }
            return alert
        }
    }

    /// The thresholds an owner asks for, checked: at most ten, each more than zero and
    /// at most the largest purchase, none twice. Answers them highest first, or why not.
    public static func check(_ thresholds: [Credits]) -> Result<[Credits], BalanceAlertProblem> {
        guard thresholds.count <= maximumThresholds else {
            return .failure(BalanceAlertProblem("at most \(maximumThresholds) thresholds"))
        }
        if let bad = thresholds.first(where: { !$0.isPositive }) {
            return .failure(BalanceAlertProblem("each threshold must be more than zero (\(bad) is not)"))
        }
        if let big = thresholds.first(where: { $0 > Catalog.maximumPurchase }) {
            return .failure(BalanceAlertProblem("each threshold must be at most \(Catalog.maximumPurchase) (\(big) is not)"))
        }
        var seen = Set<Credits>()
        if let twice = thresholds.first(where: { !seen.insert($0).inserted }) {
            return .failure(BalanceAlertProblem("\(twice) is given twice"))
        }
        return .success(thresholds.sorted(by: >))
    }
}

/// Why thresholds were refused.
public struct BalanceAlertProblem: Error, Sendable, Hashable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// A notification a move of the balance sets off, as the super admins read it: its id
/// (derived from the transaction, so stable when written again), kind, words and details.
public struct BalanceNotice: Sendable, Hashable {
    public var id: String
    public var kind: NotificationKind
    public var message: String
    /// A JSON object.
    public var data: String

    /// Available fell below the auto-recharge threshold.
    public static func lowBalance(
        origin: String,
        available: Credits,
        threshold: Credits,
        recharge: Credits,
        rechargeDue: Bool,
        rechargeOwed: Bool
    ) -> BalanceNotice {
        let action =
            rechargeDue
            ? " An automatic recharge of \(recharge) credits is on its way."
            : rechargeOwed
                ? " An automatic recharge of \(recharge) credits will be bought with the next use of a feature."
                : ""
        return BalanceNotice(
            id: "ntf_low_" + origin,
            kind: .lowBalance,
            message: "Available credits fell to \(available), below the threshold of \(threshold).\(action)",
            data: #"{"available":"\#(available)","thresholdCredits":"\#(threshold)"}"#
        )
    }

    /// Less is left than the cheapest use of any feature.
    public static func depleted(origin: String, available: Credits) -> BalanceNotice {
        BalanceNotice(
            id: "ntf_depleted_" + origin,
            kind: .balanceDepleted,
            message: "No credits are available: every metered feature is stopped until credits are added.",
            data: #"{"available":"\#(available)"}"#
        )
    }

    /// A balance alert fired.
    public static func below(_ threshold: Credits, origin: String, available: Credits) -> BalanceNotice {
        BalanceNotice(
            id: "ntf_below_\(threshold.thousandths)_" + origin,
            kind: .balanceBelow,
            message: "Available credits fell to \(available), below your alert at \(threshold) credits.",
            data: #"{"threshold":"\#(threshold)","available":"\#(available)"}"#
        )
    }

    /// A fired balance alert re-armed.
    public static func recovered(_ threshold: Credits, origin: String, available: Credits) -> BalanceNotice {
        BalanceNotice(
            id: "ntf_recovered_\(threshold.thousandths)_" + origin,
            kind: .balanceRecovered,
            message: "Available credits are back at \(available), at or above your alert at \(threshold) credits; it is armed again.",
            data: #"{"threshold":"\#(threshold)","available":"\#(available)"}"#
        )
    }

    /// The notices of the balance alerts' changes, highest threshold first.
    public static func of(_ changes: BalanceAlertChanges, origin: String, available: Credits) -> [BalanceNotice] {
        changes.fired.map { below($0, origin: origin, available: available) }
            + changes.recovered.map { recovered($0, origin: origin, available: available) }
    }
}
