import Foundation
import TallyCore
import TallyStore

/// Reading a wallet and its ledger.
public struct Wallets: Sendable {
    let store: any Store

    public struct AutoRechargeView: Sendable, Codable, Equatable {
        public var enabled: Bool
        public var thresholdCredits: Credits?
        public var rechargeCredits: Credits?
        public var paymentMethodId: PaymentMethodID?
        public var status: String
        public var lastResult: String?
        public var lastReason: String?
        public var lastResultAt: Date?
        public var maxRechargesPerDay: Int?
        public var maxSpendPerMonth: String?

        // Unset settings are explicit nulls, so a reader sees every field.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(enabled, forKey: .enabled)
            try container.encode(thresholdCredits, forKey: .thresholdCredits)
            try container.encode(rechargeCredits, forKey: .rechargeCredits)
            try container.encode(paymentMethodId, forKey: .paymentMethodId)
            try container.encode(status, forKey: .status)
            try container.encode(lastResult, forKey: .lastResult)
            try container.encode(lastReason, forKey: .lastReason)
            try container.encode(lastResultAt, forKey: .lastResultAt)
            try container.encode(maxRechargesPerDay, forKey: .maxRechargesPerDay)
            try container.encode(maxSpendPerMonth, forKey: .maxSpendPerMonth)
        }
    }

    public struct WalletView: Sendable, Codable, Equatable {
        public var account: AccountID
        public var available: Credits
        public var held: Credits
        public var used: Credits
        public var total: Credits
        public var autoRecharge: AutoRechargeView
    }

    public struct LedgerEntryView: Sendable, Codable, Equatable {
        public var id: LedgerEntryID
        public var kind: LedgerKind
        /// The change to available credits: all entries add up to `available`.
        public var credits: Credits
        public var held: Credits
        public var used: Credits
        public var total: Credits
        public var balanceAfter: Credits
        public var reference: String
        public var createdAt: Date
    }

    public struct LedgerPage: Sendable, Codable, Equatable {
        public var items: [LedgerEntryView]
        public var nextCursor: String?

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(items, forKey: .items)
            try container.encode(nextCursor, forKey: .nextCursor)
        }
    }

    public static let maximumPageSize = 500

    public func wallet(of caller: FeatureCaller) async throws -> WalletView {
        guard let balance = try await store.wallet(account: caller.accountID) else {
            throw TallyError.notFound("no account \(caller.accountID)")
        }
        return WalletView(
            account: caller.accountID,
            available: balance.available,
            held: balance.held,
            used: balance.used,
            total: balance.total,
            autoRecharge: Self.view(try await store.autoRecharge(account: caller.accountID))
        )
    }

    /// The auto-recharge part of the wallet view.
    static func view(_ state: AutoRechargeState?) -> AutoRechargeView {
        guard let state else {
            return AutoRechargeView(
                enabled: false,
                thresholdCredits: nil,
                rechargeCredits: nil,
                paymentMethodId: nil,
                status: "off",
                lastResult: nil
            )
        }
        let settings = state.settings
        return AutoRechargeView(
            enabled: settings.enabled,
            thresholdCredits: settings.thresholdCredits,
            rechargeCredits: settings.rechargeCredits,
            paymentMethodId: PaymentMethodID(settings.paymentMethodID),
            status: settings.enabled ? "on" : "off",
            lastResult: state.lastResult,
            lastReason: state.lastReason,
            lastResultAt: state.lastResultAt,
            maxRechargesPerDay: settings.maxRechargesPerDay,
            maxSpendPerMonth: settings.maxSpendPerMonth.description
        )
    }

    /// The ledger newest first, `limit` entries a page; `cursor` comes from the previous page.
    public func ledger(of manager: CreditManager, limit: Int?, cursor: String?) async throws -> LedgerPage {
        let size = limit ?? 100
        guard (1...Self.maximumPageSize).contains(size) else {
            throw TallyError.invalid("limit", "must be from 1 to \(Self.maximumPageSize)")
        }
        var before: Int64?
        if let cursor {
            guard let sequence = Int64(cursor), sequence > 0 else {
                throw TallyError.invalid("cursor", "is not a cursor this API gave")
            }
            before = sequence
        }
        let entries = try await store.ledger(account: manager.accountID, limit: size + 1, before: before)
        let page = entries.prefix(size)
        return LedgerPage(
            items: page.map {
                LedgerEntryView(
                    id: $0.id,
                    kind: $0.kind,
                    credits: $0.change.available,
                    held: $0.change.held,
                    used: $0.change.used,
                    total: $0.change.total,
                    balanceAfter: $0.availableAfter,
                    reference: $0.reference,
                    createdAt: $0.createdAt
                )
            },
            nextCursor: entries.count > size ? page.last.map { String($0.sequence) } : nil
        )
    }
}

/// The public price list.
public enum Pricing {
    public struct BundleView: Sendable, Codable, Equatable {
        public var credits: Credits
        public var price: String
    }

    public struct FeatureView: Sendable, Codable, Equatable {
        public var feature: Feature
        public var credits: Credits?
        public var charged: String
    }

    public struct SMSRateView: Sendable, Codable, Equatable {
        public var iso: String
        public var country: String
        public var callingCode: String
        public var creditsPerSegment: Credits
    }

    public struct PriceList: Sendable, Codable, Equatable {
        public var creditPrice: String
        public var currency: String
        public var minimumPurchase: Int64
        public var bundles: [BundleView]
        public var features: [FeatureView]
        public var sms: [SMSRateView]
    }

    public static var priceList: PriceList {
        PriceList(
            creditPrice: Money(cents: Catalog.centsPerCredit).description,
            currency: Money.currency,
            minimumPurchase: Catalog.minimumPurchase.thousandths / 1000,
            bundles: Catalog.bundles.map { BundleView(credits: $0.credits, price: $0.price.description) },
            features: Feature.allCases.map {
                FeatureView(feature: $0, credits: Catalog.price(of: $0), charged: Catalog.chargedWhen($0))
            },
            sms: Catalog.smsRates.map {
                SMSRateView(
                    iso: $0.iso,
                    country: $0.country,
                    callingCode: "+\($0.callingCode)",
                    creditsPerSegment: $0.creditsPerSegment
                )
            }
        )
    }
}
