import Foundation
import NIOCore
import PostgresNIO
import TallyCore

/// Holds, messages and purchases in one round trip: a hold placed (the API's, or a
/// message's with its record) is one call of `tally_hold`, a hold captured, released or
/// expired (or a message settled) one call of `tally_settle`, and a purchase's credit step
/// one call of `tally_credit` (`HoldFunctions`), where the statements took a round trip
/// for each row. What they refuse is the statements' refusal.
extension PostgresStore {
    /// A wallet transaction one function call writes whole.
    enum OneCall {
        case charge(OneCallCharge)
        case hold(OneCallHold)
        case settle(OneCallSettle)
        case credit(OneCallCredit)

        init?(_ transaction: WalletTransaction) {
            if let charge = OneCallCharge(transaction) {
                self = .charge(charge)
            } else if let hold = OneCallHold(transaction) {
                self = .hold(hold)
            } else if let settle = OneCallSettle(transaction) {
                self = .settle(settle)
            } else if let credit = OneCallCredit(transaction) {
                self = .credit(credit)
            } else {
                return nil
            }
        }

        var transaction: WalletTransaction {
            switch self {
            case .charge(let charge): charge.transaction
            case .hold(let hold): hold.transaction
            case .settle(let settle): settle.transaction
            case .credit(let credit): credit.transaction
            }
        }

        /// A settlement or a purchase's credit step only raises available credits: it sets off
        /// no balance effects.
        var setsOffNoEffects: Bool {
            switch self {
            case .charge, .hold: false
            case .settle, .credit: true
            }
        }

        /// The function's name, for what it answers.
        var function: String {
            switch self {
            case .charge: "tally_charge"
            case .hold: "tally_hold"
            case .settle: "tally_settle"
            case .credit: "tally_credit"
            }
        }
    }

    /// A hold `tally_hold` can write: one `hold` posting of the hold its first record writes,
    /// active, of the posting's credits, in its own account, and at most a message's record
    /// under it; no usage guard to ask, and no spend cap but the hold's feature's. The
    /// holds of the API and a message's; a credit check's (guarded) goes by the statements.
    struct OneCallHold {
        let transaction: WalletTransaction
        let posting: Posting
        let hold: Hold
        let message: SMSSend?

        init?(_ transaction: WalletTransaction) {
            guard !transaction.guardedRequest, transaction.postings.count == 1, (1...2).contains(transaction.records.count),
                let posting = transaction.postings.first, posting.kind == .hold,
                posting.lot == nil, posting.fromLot == nil, posting.change.held.isPositive,
                posting.change == .hold(posting.change.held), case .hold(let hold)? = transaction.records.first,
                posting.hold == hold.id, hold.accountID == transaction.accountID, hold.status == .active,
                hold.capturedCredits == .zero, hold.credits == posting.change.held,
                transaction.cappedFeatures.allSatisfy({ $0.rawValue == hold.feature })
            else { return nil }
            var message: SMSSend?
            if transaction.records.count == 2 {
                guard case .smsSend(let send) = transaction.records[1], send.holdID == hold.id,
                    send.accountID == transaction.accountID, send.createdAt == hold.createdAt
                else { return nil }
                message = send
            }
            self.transaction = transaction
            self.posting = posting
            self.hold = hold
            self.message = message
        }
    }

    /// A settlement `tally_settle` can write: the capture and then the release of one hold
    /// (either may be absent, not both), its `settleHold` record ending it with what the
    /// capture takes, and then either the capture's `heldUsage` when it takes any (a hold
    /// of the API, captured or released, or the sweeper's expiry) or a message's log line
    /// and its `settleSMS` (a message sent or failed); no other record.
    struct OneCallSettle {
        let transaction: WalletTransaction
        let hold: HoldID
        let status: HoldStatus
        let reference: String
        let capture: Posting?
        let release: Posting?
        let usage: HeldUsage?
        let line: UsageLogEntry?

        init?(_ transaction: WalletTransaction) {
            guard !transaction.guardedRequest, transaction.cappedFeatures.isEmpty,
                (1...2).contains(transaction.postings.count), (1...3).contains(transaction.records.count),
                case .settleHold(let hold, let status, let captured)? = transaction.records.first, status != .active
            else { return nil }
            let reference = transaction.postings[0].reference
            var capture: Posting?
            var release: Posting?
            for posting in transaction.postings {
                guard posting.hold == hold, posting.reference == reference, posting.lot == nil, posting.fromLot == nil
                else { return nil }
                if posting.kind == .capture, capture == nil, release == nil, posting.change.used.isPositive,
                    posting.change == .capture(posting.change.used)
                {
                    capture = posting
                } else if posting.kind == .release, release == nil, posting.change.available.isPositive,
                    posting.change == .release(posting.change.available)
                {
                    release = posting
                } else {
                    return nil
                }
            }
            let taken = capture?.change.used ?? .zero
            guard taken == captured, (status == .captured) == taken.isPositive else { return nil }
            var usage: HeldUsage?
            var line: UsageLogEntry?
            switch transaction.records.count {
            case 1: break
            case 2:
                guard case .heldUsage(let held) = transaction.records[1], held.credits == taken, taken.isPositive else { return nil }
                usage = held
            default:
                guard case .usage(let entry) = transaction.records[1], entry.accountID == transaction.accountID,
                    case .settleSMS(let message) = transaction.records[2], message == hold
                else { return nil }
                line = entry
            }
            self.transaction = transaction
            self.hold = hold
            self.status = status
            self.reference = reference
            self.capture = capture
            self.release = release
            self.usage = usage
            self.line = line
        }
    }

    /// A purchase's credit step `tally_credit` can write: one `purchase` or `recharge`
    /// posting adding credits as the lot it names, the purchase it pays for (its reference)
    /// and, before it, that purchase's payment intent settled; no other record. A card
    /// saved with the purchase, a recharge's own records or a provider event's mark go by
    /// the statements.
    struct OneCallCredit {
        let transaction: WalletTransaction
        let posting: Posting
        let lot: NewLot
        let purchase: Purchase
        let settlesIntent: Bool

        init?(_ transaction: WalletTransaction) {
            guard !transaction.guardedRequest, transaction.cappedFeatures.isEmpty, transaction.postings.count == 1,
                let posting = transaction.postings.first, posting.kind == .purchase || posting.kind == .recharge,
                let lot = posting.lot, posting.fromLot == nil, posting.hold == nil, posting.change.available.isPositive,
                posting.change == .add(posting.change.available), case .purchase(let purchase)? = transaction.records.last,
                purchase.accountID == transaction.accountID, purchase.id.rawValue == posting.reference
            else { return nil }
            switch transaction.records.count {
            case 1: settlesIntent = false
            case 2:
                guard case .settlePaymentIntent(let intent) = transaction.records[0], intent == purchase.id else { return nil }
                settlesIntent = true
            default: return nil
            }
            self.transaction = transaction
            self.posting = posting
            self.lot = lot
            self.purchase = purchase
        }
    }

    /// `SELECT * FROM tally_credit(…)`, prepared once per connection.
    struct CreditCall: PreparedStatement {
        static let sql = "SELECT * FROM tally_credit(" + (1...33).map { "$\($0)" }.joined(separator: ", ") + ")"
        static let bindingDataTypes: [PostgresDataType] =
            [
                .text, .int8, .text, .text, .int8, .text, .text,
                .text, .text, .text, .int8, .int8, .int8, .text, .text,
                .bool,
                .text, .int8, .int8, .text, .text, .text, .text, .text, .text, .int8,
            ] + KeyValues.dataTypes
        var bindings = PostgresBindings(capacity: 33)

        init(_ call: OneCallCredit) {
            let transaction = call.transaction
            let purchase = call.purchase
            bindings.append(transaction.accountID.rawValue)
            bindings.append(transaction.at.storedMilliseconds)
            bindings.append(call.posting.id.rawValue)
            bindings.append(call.posting.kind.rawValue)
            bindings.append(call.posting.change.available.thousandths)
            bindings.append(call.posting.reference)
            bindings.append(transaction.requestKey)
            bindings.append(call.lot.id.rawValue)
            bindings.append(call.lot.source.rawValue)
            bindings.append(call.lot.sourceID)
            bindings.append(call.lot.costCents)
            bindings.append(call.lot.expiresAt?.storedMilliseconds)
            bindings.append(Int64(call.lot.priority))
            bindings.append(call.lot.reason)
            bindings.append(call.lot.createdBy)
            bindings.append(call.settlesIntent)
            bindings.append(purchase.id.rawValue)
            bindings.append(purchase.credits.thousandths)
            bindings.append(purchase.amount.cents)
            bindings.append(Money.currency)
            bindings.append(purchase.status.rawValue)
            bindings.append(purchase.origin.rawValue)
            bindings.append(purchase.paymentMethodID?.rawValue)
            bindings.append(purchase.paymentReference)
            bindings.append(purchase.failureReason)
            bindings.append(purchase.createdAt.storedMilliseconds)
            KeyValues.append(transaction, to: &bindings)
        }
    }

    /// `SELECT * FROM tally_hold(…)`, prepared once per connection.
    struct HoldCall: PreparedStatement {
        static let bindingDataTypes: [PostgresDataType] =
            [
                .text, .int8, .text, .int8, .text, .text,
                .text, .text, .text, .int8, .int8,
                .bool, .text,
                .text, .text, .text, .text,
            ] + KeyValues.dataTypes + [.bool, .int8]
        static let sql = "SELECT * FROM tally_hold(" + bindingDataTypes.indices.map { "$\($0 + 1)" }.joined(separator: ", ") + ")"
        var bindings = PostgresBindings(capacity: 26)

        init(_ call: OneCallHold, effectsAfter: Bool) throws {
            let transaction = call.transaction
            bindings.append(transaction.accountID.rawValue)
            bindings.append(transaction.at.storedMilliseconds)
            bindings.append(call.posting.id.rawValue)
            bindings.append(call.hold.credits.thousandths)
            bindings.append(call.posting.reference)
            bindings.append(transaction.requestKey)
            bindings.append(call.hold.id.rawValue)
            bindings.append(call.hold.feature)
            bindings.append(call.hold.reference)
            bindings.append(call.hold.createdAt.storedMilliseconds)
            bindings.append(call.hold.expiresAt.storedMilliseconds)
            bindings.append(!transaction.cappedFeatures.isEmpty)
            bindings.append(PacificDay.of(transaction.at))
            bindings.append(call.message?.line.id)
            bindings.append(call.message?.idempotencyKey)
            bindings.append(try call.message.map { String(decoding: try JSONEncoder().encode($0.line), as: UTF8.self) })
            bindings.append(call.message?.bodyDigest)
            KeyValues.append(transaction, to: &bindings)
            bindings.append(effectsAfter)
            bindings.append(Catalog.cheapestUse.thousandths)
        }
    }

    /// `SELECT * FROM tally_settle(…)`, prepared once per connection.
    struct SettleCall: PreparedStatement {
        static let bindingDataTypes: [PostgresDataType] =
            [.text, .int8, .text, .text, .text, .text, .text, .int8, .text, .int8, .text, .text] + LineValues.dataTypes
            + [.bool] + KeyValues.dataTypes
        static let sql = "SELECT * FROM tally_settle(" + bindingDataTypes.indices.map { "$\($0 + 1)" }.joined(separator: ", ") + ")"
        var bindings = PostgresBindings(capacity: 43)

        init(_ call: OneCallSettle) {
            let transaction = call.transaction
            bindings.append(transaction.accountID.rawValue)
            bindings.append(transaction.at.storedMilliseconds)
            bindings.append(call.hold.rawValue)
            bindings.append(call.status.rawValue)
            bindings.append(call.reference)
            bindings.append(transaction.requestKey)
            bindings.append(call.capture?.id.rawValue)
            bindings.append(call.capture?.change.used.thousandths ?? 0)
            bindings.append(call.release?.id.rawValue)
            bindings.append(call.release?.change.available.thousandths ?? 0)
            bindings.append(call.usage?.day)
            bindings.append(call.usage.map { UsageFeature.held($0.feature).stored })
            LineValues.append(call.line, to: &bindings)
            bindings.append(call.line != nil)
            KeyValues.append(transaction, to: &bindings)
        }
    }

    /// A usage line as the functions take it (`ChargeFunction.lineParameters`): every
    /// value `NULL` when there is none.
    enum LineValues {
        static let dataTypes: [PostgresDataType] = [
            .text, .text, .text, .text, .int8, .int8, .text, .int8, .text, .text, .text, .text, .text, .int8, .text, .text,
            .int8, .int8, .text, .text, .int8, .int8, .text,
        ]

        static func append(_ line: UsageLogEntry?, to values: inout some ChargeValues) {
            values.add(line?.id)
            values.add(line?.feature.rawValue)
            values.add(line?.log.rawValue)
            values.add(line?.status.rawValue)
            values.add(line?.credits.thousandths)
            values.add(line?.totalCredits?.thousandths)
            values.add(line?.day)
            values.add(line?.createdAt.storedMilliseconds)
            values.add(line?.contactName)
            values.add(line?.contactEmail)
            values.add(line?.phone)
            values.add(line?.email)
            values.add(line?.iso)
            values.add(line?.segments)
            values.add(line?.encoding)
            values.add(line?.event)
            values.add(line?.creditScore)
            values.add(line?.dtiPercent)
            values.add(line?.reason)
            values.add(line?.contactText)
            values.add(line?.sentAt?.storedMilliseconds)
            values.add(line?.carrierSegments)
            values.add(line?.lineType)
        }
    }

    /// The request's key as the functions take it: claimed by this write while unclaimed
    /// (answered when the answer rides with it), or the claim answered, fenced by its token.
    enum KeyValues {
        static let dataTypes: [PostgresDataType] = [.bool, .text, .text, .int8, .int8, .bytea, .int8]

        static func append(_ transaction: WalletTransaction, to values: inout some ChargeValues) {
            let claim = transaction.unclaimed
            let answer = transaction.idempotency
            values.add(claim != nil)
            values.add(claim?.key ?? answer?.key)
            values.add(claim?.requestHash)
            values.add(claim?.leaseUntil?.storedMilliseconds)
            values.add(answer.map { Int64($0.status) })
            values.add(answer.map { ByteBuffer(bytes: $0.body) })
            values.add(claim == nil ? answer?.claimToken : nil)
        }
    }
}
