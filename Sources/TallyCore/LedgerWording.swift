/// How a ledger entry is told in words: the price rule of what it charged and why it
/// moved credits, from the facts stored when it was written (a log line's country,
/// encoding and segments, what a hold held) — never from today's prices, which may have
/// changed since.
public enum LedgerWording {
    /// One priced part of what a charge or a hold was for.
    public enum Part: Sendable, Hashable {
        /// A message: its destination, encoding, segments and what it cost in all.
        case sms(iso: String, encoding: SMSEncoding?, segments: Int, credits: Credits)
        /// A feature at the price it was charged.
        case feature(Feature, Credits)
        /// A platform's own hold, under the name the platform gave its feature.
        case named(String, Credits)

        /// What this part cost.
        public var credits: Credits {
            switch self {
            case .sms(_, _, _, let credits), .feature(_, let credits), .named(_, let credits): credits
            }
        }
    }

    /// What an entry did, with the facts its words need.
    public enum Facts: Sendable, Hashable {
        /// A feature charged at once (a validation).
        case charge([Part])
        /// Credits held for an action in flight; `parts` is what the whole hold was for.
        case hold([Part])
        /// Part of a hold charged; `whole` is what the hold was for, when it was for more.
        case capture(Part, whole: [Part])
        /// Held credits given back, and why, when a log line says.
        case release([Part], reason: String?)
        /// Credits bought; `recharge` when auto-recharge bought them; `card` as `Visa 4242`.
        case purchase(credits: Credits, amount: Money, recharge: Bool, card: String?)
        case grant(credits: Credits, reason: String?, expiresOn: String?)
        case adjustment(credits: Credits, reason: String?)
        /// A purchase's unused credits refunded; `failed` when the gateway refused and they came back.
        case refund(credits: Credits, purchase: String?, amount: Money?, failed: Bool)
        case expiry(credits: Credits, lot: String, expiresOn: String?)
        /// Credits a dispute took back, or gave back when it was won.
        case dispute(credits: Credits, purchase: String?, won: Bool)
    }

    /// The feature as the product names it in a sentence.
    public static func name(_ feature: Feature) -> String {
        switch feature {
        case .emailValidation: "email validation"
        case .phoneValidation: "phone validation"
        case .creditScore: "credit score"
        case .dti: "DTI"
        case .sms: "SMS"
        }
    }

    /// `SMS to GB, UCS-2, 2 segments × 0.250`; `email validation 0.500`. A message's price
    /// per segment is what it cost divided by its segments, as it was quoted.
    public static func describe(_ part: Part) -> String {
        switch part {
        case .sms(let iso, let encoding, let segments, let credits):
            var words = "SMS to \(iso)"
            if let encoding { words += ", \(encoding.rawValue)" }
            guard segments > 0 else { return words + ", \(credits)" }
            let unit = segments == 1 ? "segment" : "segments"
            guard credits.thousandths % Int64(segments) == 0 else { return words + ", \(segments) \(unit), \(credits)" }
            return words + ", \(segments) \(unit) × \(Credits(thousandths: credits.thousandths / Int64(segments)))"
        case .feature(let feature, let credits):
            return "\(name(feature)) \(credits)"
        case .named(let name, let credits):
            return "\(name) \(credits)"
        }
    }

    /// The parts added up: `credit score 15.000 + email validation 0.500 + phone validation 1.500`.
    public static func rule(_ parts: [Part]) -> String {
        parts.map(describe).joined(separator: " + ")
    }

    /// The entry in one sentence, beginning with its price rule where it has one.
    public static func sentence(_ facts: Facts) -> String {
        switch facts {
        case .charge(let parts):
            return rule(parts)
        case .hold(let parts):
            return "\(rule(parts)), held until the action completes"
        case .capture(let part, let whole):
            guard whole.count > 1 else { return describe(part) }
            return "\(describe(part)), one part of \(rule(whole))"
        case .release(let parts, let reason):
            let released = "\(rule(parts)) released, not charged"
            return reason.map { "\(released): \($0)" } ?? released
        case .purchase(let credits, let amount, let recharge, let card):
            let bought = "\(credits) credits bought for \(Money.currency) \(amount)"
            let paid = card.map { "\(bought) with \($0)" } ?? bought
            return recharge ? "Auto-recharge: \(paid)" : paid
        case .grant(let credits, let reason, let expiresOn):
            var words = "\(credits) credits granted"
            if let reason { words += ": \(reason)" }
            if let expiresOn { words += " (expiring \(expiresOn))" }
            return words
        case .adjustment(let credits, let reason):
            let signed = credits.isPositive ? "+\(credits)" : "\(credits)"
            return reason.map { "Adjustment of \(signed) credits: \($0)" } ?? "Adjustment of \(signed) credits"
        case .refund(let credits, let purchase, let amount, let failed):
            let of = purchase.map { " of purchase \($0)" } ?? ""
            if failed { return "Refund\(of) failed at the payment gateway: \(credits) credits back" }
            let money = amount.map { ", \(Money.currency) \($0) back to the card" } ?? ""
            return "\(unsigned(credits)) unused credits\(of) refunded\(money)"
        case .expiry(let credits, let lot, let expiresOn):
            let when = expiresOn.map { " on \($0)" } ?? ""
            return "\(unsigned(credits)) credits of lot \(lot) expired\(when)"
        case .dispute(let credits, let purchase, let won):
            let of = purchase.map { " of purchase \($0)" } ?? ""
            return won
                ? "Dispute\(of) won: \(unsigned(credits)) credits back"
                : "Dispute\(of): the bank took the payment back, and \(unsigned(credits)) credits with it"
        }
    }

    /// An amount without its sign: the sentence says which way it went.
    static func unsigned(_ credits: Credits) -> Credits { credits < .zero ? -credits : credits }
}
