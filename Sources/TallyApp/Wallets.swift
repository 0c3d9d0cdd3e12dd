import Foundation
import TallyCore
import TallyStore

/// Reading a wallet and its ledger.
public struct Wallets: Sendable {
    let store: any Store
    let time: any TimeSource

    public struct AutoRechargeView: Sendable, Codable, Equatable {
        public var enabled: Bool
        @Nullable public var thresholdCredits: Credits?
        @Nullable public var rechargeCredits: Credits?
        @Nullable public var paymentMethodId: PaymentMethodID?
        public var status: String
        @Nullable public var lastResult: RechargeResult?
        @Nullable public var lastReason: String?
        @Nullable public var lastResultAt: Date?
        @Nullable public var maxRechargesPerDay: Int?
        @Nullable public var maxSpendPerMonth: String?
    }

    public struct WalletView: Sendable, Codable, Equatable {
        public var account: AccountID
        public var available: Credits
        public var held: Credits
        public var used: Credits
        public var total: Credits
        public var autoRecharge: AutoRechargeView
        /// The soonest credits to expire, or null.
        @Nullable public var nextExpiry: ExpiryView?
        /// The pace of the 30 Pacific days before today and where it leads (``Forecast``);
        /// null when nothing was spent.
        @Nullable public var forecast: ForecastView?
    }

    public struct ForecastView: Sendable, Codable, Equatable {
        public var creditsPerDay: Credits
        /// `YYYY-MM-DD`, the Pacific day available credits reach zero; null with auto-recharge
        /// on, or when that day is more than ``Forecast/horizonDays`` away.
        @Nullable public var runsOutOn: String?
        /// With auto-recharge on, the days one recharge lasts; null otherwise.
        @Nullable public var rechargesEveryDays: Int64?
    }

    public struct ExpiryView: Sendable, Codable, Equatable {
        public var credits: Credits
        public var at: Date
    }

    /// What a ledger entry did to one lot.
    public struct LotMovementView: Sendable, Codable, Equatable {
        public var lot: LotID
        /// The change to the lot's spendable credits.
        public var credits: Credits
        /// The change to the lot's held credits.
        public var held: Credits
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
        /// The lots it drew from or added to.
        public var lots: [LotMovementView]
    }

    public struct LedgerPage: Sendable, Codable, Equatable {
        public var items: [LedgerEntryView]
        @Nullable public var nextCursor: String?
    }

    public static let maximumPageSize = 500

    public func wallet(of caller: FeatureCaller) async throws -> WalletView {
        guard let balance = try await store.wallet(account: caller.accountID) else {
            throw TallyError.notFound("no account \(caller.accountID)")
        }
        let autoRecharge = Self.view(try await store.autoRecharge(account: caller.accountID))
        return WalletView(
            account: caller.accountID,
            available: balance.available,
            held: balance.held,
            used: balance.used,
            total: balance.total,
            autoRecharge: autoRecharge,
            nextExpiry: try await store.nextExpiry(account: caller.accountID).map { ExpiryView(credits: $0.credits, at: $0.at) },
            forecast: try await forecast(of: caller.accountID, available: balance.available, autoRecharge: autoRecharge)
        )
    }

    /// The wallet's ``Forecast``: the window's use in one read of the daily rollups (30 rows
    /// per feature at most, whatever the size of the log), the captures of the platform's
    /// own holds included, as the usage report counts them.
    func forecast(of account: AccountID, available: Credits, autoRecharge: AutoRechargeView) async throws -> ForecastView? {
        let today = PacificDate(containing: time.now())
        let rows = try await store.usageByDay(account: account, range: Forecast.window(today: today))
        let spent = Credits(thousandths: rows.reduce(0) { $0 + $1.credits.thousandths })
        let rechargeCredits = autoRecharge.enabled ? autoRecharge.rechargeCredits : nil
        guard let forecast = Forecast.of(spent: spent, available: available, rechargeCredits: rechargeCredits, today: today) else {
            return nil
        }
        return ForecastView(
            creditsPerDay: forecast.creditsPerDay,
            runsOutOn: forecast.runsOutOn?.description,
            rechargesEveryDays: forecast.rechargesEveryDays
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
        try await ledger(of: ReportReader(manager), limit: limit, cursor: cursor, window: nil)
    }

    /// The ledger newest first, `limit` entries a page, entries created within `window` only when given.
    public func ledger(of reader: ReportReader, limit: Int?, cursor: String?, window: Range<Date>?) async throws -> LedgerPage {
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
        let entries = try await store.ledger(account: reader.accountID, limit: size + 1, before: before, window: window)
        let page = entries.prefix(size)
        return LedgerPage(
            items: page.map(Self.view),
            nextCursor: entries.count > size ? page.last.map { String($0.sequence) } : nil
        )
    }

    /// Every ledger entry created within `window` (all when nil), newest first, handed to
    /// `write` a page at a time.
    public func exportLedger(
        of reader: ReportReader,
        window: Range<Date>?,
        write: ([LedgerEntryView]) async throws -> Void
    ) async throws {
        var before: Int64?
        while true {
            let entries = try await store.ledger(account: reader.accountID, limit: 1_000, before: before, window: window)
            guard !entries.isEmpty else { return }
            try await write(entries.map(Self.view))
            guard entries.count == 1_000 else { return }
            before = entries.last?.sequence
        }
    }

    static func view(_ entry: LedgerEntry) -> LedgerEntryView {
        LedgerEntryView(
            id: entry.id,
            kind: entry.kind,
            credits: entry.change.available,
            held: entry.change.held,
            used: entry.change.used,
            total: entry.change.total,
            balanceAfter: entry.availableAfter,
            reference: entry.reference,
            createdAt: entry.createdAt,
            lots: entry.lots.map { LotMovementView(lot: $0.lot, credits: $0.available, held: $0.held) }
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
