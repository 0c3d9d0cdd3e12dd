import Foundation
import Testing

/// The answers of API.md as tests read them: `reply.decode(LotAnswer.self)`. Fields the
/// API may leave null are optionals; a field of the wrong type fails the decoding, and
/// with it the test, naming the body. Whether a field is present but null (as opposed to
/// absent) is asked of the raw body with `Reply.isNull`.
struct AnswerNotDecoded: Error, CustomStringConvertible {
    var type: String
    var reason: String
    var body: String
    var description: String { "not a \(type) (\(reason)): \(body)" }
}

extension Reply {
    /// The body decoded as `T`.
    func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(body.utf8))
        } catch {
            throw AnswerNotDecoded(type: "\(T.self)", reason: "\(error)", body: body)
        }
    }

    /// True when the answer writes `key` and writes it as `null`.
    func isNull(_ key: String) throws -> Bool {
        try object[key] is NSNull
    }
}

/// One page of a list (`GET …/lots`, `…/ledger`, `…/purchases`, `…/notifications`,
/// `…/logs/{log}`): its items and, where the list is paged, the next page's cursor.
struct Page<Item: Decodable>: Decodable {
    var items: [Item]
    var nextCursor: String?
}

/// `GET …/wallet`.
struct WalletAnswer: Decodable {
    struct Expiry: Decodable, Equatable {
        var credits: String
        var at: String
    }

    struct Forecast: Decodable {
        var creditsPerDay: String?
        var runsOutOn: String?
        var rechargesEveryDays: Int?
    }

    var available: String
    var held: String
    var used: String
    var total: String
    var nextExpiry: Expiry?
    var forecast: Forecast?
    var autoRecharge: AutoRechargeAnswer?

    /// Available, held, used and total, as the API writes them.
    var figures: [String] { [available, held, used, total] }
}

/// A lot (`GET …/lots`), and the answer of a grant, which is its lot.
struct LotAnswer: Decodable {
    var id: String
    var source: String?
    var sourceId: String?
    var credits: String?
    var remaining: String?
    var held: String?
    var costCents: Int?
    var priority: Int?
    var expiresAt: String?
    var reason: String?
    var createdAt: String?
}

/// A ledger entry (`GET …/ledger`), with the lots it moved.
struct LedgerEntryAnswer: Decodable {
    /// What the entry did to one lot.
    struct Movement: Decodable {
        var lot: String?
        var credits: String?
        var held: String?
    }

    var id: String
    var kind: String?
    var credits: String?
    var held: String?
    var used: String?
    var total: String?
    var balanceAfter: String?
    var reference: String?
    var createdAt: String?
    var lots: [Movement]?

    /// What the entry did to each lot: lot id → [credits, held].
    var movements: [String: [String]] {
        var moved: [String: [String]] = [:]
        for movement in lots ?? [] {
            moved[movement.lot ?? "?"] = [movement.credits ?? "?", movement.held ?? "?"]
        }
        return moved
    }
}

/// A purchase (`GET …/purchases`, `POST …/purchases`).
struct PurchaseAnswer: Decodable {
    var id: String
    var status: String?
    var origin: String?
    var credits: String?
    var amount: String?
    var refundedCredits: String?
    var refundedAmount: String?
}

/// A refund (`POST …/purchases/{purchase}/refunds`).
struct RefundAnswer: Decodable {
    var id: String
    var purchaseId: String?
    var credits: String?
    var amount: String?
    var currency: String?
    var status: String?
}

/// A notification (`GET …/notifications`).
struct NotificationAnswer: Decodable {
    var id: String?
    var kind: String
    var message: String?
}

/// `GET …/usage`: uses and credits per feature, per day, and the platform's own holds.
struct UsageAnswer: Decodable {
    struct FeatureUse: Decodable {
        var feature: String
        var uses: Int?
        var credits: String?
        var costPerUse: String?
    }

    struct Day: Decodable {
        var day: String?
        var credits: String?
        var holds: String?
    }

    struct HeldUse: Decodable {
        var feature: String
        var uses: Int?
        var credits: String?
    }

    var totalCredits: String?
    var features: [FeatureUse]
    var days: [Day]
    var holds: [HeldUse]?
}

/// A page of a usage log (`GET …/logs/{log}`) with what it sums up.
struct LogPage: Decodable {
    /// One line of a log; which fields it has depends on the log.
    struct Line: Decodable {
        var id: String
        var kind: String?
        var status: String?
        var result: String?
        var credits: String?
        var totalCredits: String?
        var contactName: String?
        var creditScore: Int?
        var email: String?
        var country: String?
        var iso: String?
        var event: String?
        var segments: Int?
        var sentAt: String?
    }

    var items: [Line]
    var nextCursor: String?
    var total: Int?
    var totalCredits: String?
    var totalSent: Int?
}

extension TestAccount {
    /// The account's lots, in the order `GET …/lots` lists them.
    func lots(_ query: String = "", token: String? = nil) async throws -> [LotAnswer] {
        try await get("/lots" + query, token: token).decode(Page<LotAnswer>.self).items
    }

    /// The account's ledger, newest first.
    func ledger(_ query: String = "", token: String? = nil) async throws -> [LedgerEntryAnswer] {
        try await get("/ledger" + query, token: token).decode(Page<LedgerEntryAnswer>.self).items
    }

    /// The account's purchases, newest first.
    func purchases() async throws -> [PurchaseAnswer] {
        try await get("/purchases").decode(Page<PurchaseAnswer>.self).items
    }

    /// The account's notifications, newest first.
    func notifications(token: String? = nil) async throws -> [NotificationAnswer] {
        try await get("/notifications", token: token).decode(Page<NotificationAnswer>.self).items
    }

    /// The wallet as its owner (or `token`) reads it.
    func walletAnswer(token: String? = nil) async throws -> WalletAnswer {
        try await wallet(token: token).decode(WalletAnswer.self)
    }
}

/// The wallet's `autoRecharge`: its settings and how its last attempt went.
struct AutoRechargeAnswer: Decodable {
    var enabled: Bool
    var status: String?
    var lastResult: String?
    var lastReason: String?
}

/// An event's settings (`PUT`, `GET …/events/{event}`).
struct EventAnswer: Decodable {
    var emailValidation: Bool
    var phoneValidation: Bool
    var creditCheck: String
}

/// A lead's answer (`POST …/events/{event}/leads`): its checks, the decision, the credits.
struct LeadAnswer: Decodable {
    struct Check: Decodable {
        var status: String?
        var result: String?
        var creditScore: Int?
        var dtiPercent: Int?
    }

    struct Checks: Decodable {
        var email: Check?
        var phone: Check?
        var creditCheck: Check?
    }

    var qualified: Bool
    var disqualifiedBy: [String]
    var route: String?
    var checks: Checks
    var credits: String
}

/// The usage guard as it stands (`GET …/usage-guard`, `POST …/usage-guard/resume`).
struct UsageGuardAnswer: Decodable {
    var paused: Bool
}

/// `GET, PUT …/spend-caps`: each cap with what its period has spent and when it resets.
struct SpendCapsAnswer: Decodable {
    struct Cap: Decodable {
        var feature: String
        var period: String
        var spent: String?
        var resetsAt: String?
    }

    var caps: [Cap]
}

/// The problem of a charge a spend cap refused (402 `spend-cap-reached`).
struct SpendCapProblem: Decodable {
    var type: String
    var feature: String
    var period: String
    var resetsAt: String
}
