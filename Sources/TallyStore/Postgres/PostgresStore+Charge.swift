import Foundation
import Logging
import NIOCore
import PostgresNIO
import TallyCore

/// The common charge in one round trip: a wallet transaction of one debit and at most one
/// usage line is written by one call of `tally_charge` (`ChargeFunction`) instead of a
/// statement per row. What it refuses is the same refusal, with the same figures, as the
/// statement-by-statement path (`apply`), which every other transaction still takes.
extension PostgresStore {
    /// A wallet transaction `tally_charge` can write: one posting that spends available
    /// credits from the lots in draw order (a charge; not a hold, not one lot's), at most
    /// one usage line of its own account and no other record, and no usage guard to ask.
    struct OneCallCharge {
        let transaction: WalletTransaction
        let posting: Posting
        let line: UsageLogEntry?

        init?(_ transaction: WalletTransaction) {
            guard !transaction.guardedRequest, transaction.postings.count == 1, let posting = transaction.postings.first,
                posting.drawsLots, posting.hold == nil, posting.change.held == .zero
            else { return nil }
            var line: UsageLogEntry?
            for record in transaction.records {
                guard case .usage(let entry) = record, line == nil, entry.accountID == transaction.accountID else { return nil }
                line = entry
            }
            self.transaction = transaction
            self.posting = posting
            self.line = line
        }
    }

    /// What one call of `tally_charge` did.
    enum ChargeOutcome {
        /// Written; when `effects`, the balance effects are to be applied after it, in the same
        /// transaction (only when the call was told it may be: `effectsAfter`).
        case charged(WalletBalance, before: Credits, effects: Bool)
        /// Refused, nothing written: the caller's answer.
        case refused(any Error)
        /// Nothing written: the account has balance alerts, or spend caps the transaction
        /// must stay within, which only the statement-by-statement path applies.
        case leftToStatements
        /// Nothing written: the debit may set off balance effects and the call was alone.
        case leftForEffects
    }

    /// Calls `tally_charge` for `charge` on `connection`: alone (autocommit) or inside the
    /// caller's transaction. `effectsAfter` says whether the caller applies balance effects
    /// after the call in the same transaction; when not, a debit that may set some off is
    /// not written (`.leftForEffects`).
    static func call(
        _ charge: OneCallCharge,
        effectsAfter: Bool,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> ChargeOutcome {
        let statement = ChargeCall(charge, effectsAfter: effectsAfter)
        guard let row = try await connection.rows(statement, logger).first?.makeRandomAccess() else {
            throw StoreError.conflict("tally_charge answered no row")
        }
        return try outcome(of: charge, row)
    }

    /// Calls `tally_charge` for each of `charges` in one statement, one after the other in
    /// their order, inside the caller's transaction: one round trip for a busy wallet's
    /// batch. Each call sees the writes of those before it, as separate calls would. None
    /// sets off balance effects: a debit that may is not written (`.leftForEffects`) and is
    /// the caller's to call again, after these.
    static func callEach(
        _ charges: [OneCallCharge],
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> [ChargeOutcome] {
        var bindings = PostgresBindings(capacity: charges.count * ChargeCall.bindingDataTypes.count)
        for charge in charges { ChargeCall.append(charge, effectsAfter: false, to: &bindings) }
        let rows = try await connection.rows(PostgresQuery(unsafeSQL: ChargeCall.sql(calls: charges.count), binds: bindings), logger)
        var outcomes = [ChargeOutcome?](repeating: nil, count: charges.count)
        for row in rows {
            let row = row.makeRandomAccess()
            let index = Int(try row["call"].decode(Int32.self)) - 1
            guard outcomes.indices.contains(index), outcomes[index] == nil else {
                throw StoreError.conflict("tally_charge answered call \(index + 1) of \(charges.count) out of turn")
            }
            outcomes[index] = try outcome(of: charges[index], row)
        }
        return try outcomes.map { outcome in
            guard let outcome else { throw StoreError.conflict("tally_charge answered fewer rows than calls") }
            return outcome
        }
    }

    /// What one row of `tally_charge` says of `charge`.
    private static func outcome(of charge: OneCallCharge, _ row: PostgresRandomAccessRow) throws -> ChargeOutcome {
        let account = charge.transaction.accountID
        if let refusal = try row["refusal"].decode(String?.self) {
            let credits = Credits(thousandths: try row["refused_credits"].decode(Int64?.self) ?? 0)
            switch refusal {
            case "missing": return .refused(StoreError.notFound("wallet of account \(account)"))
            case "insufficient": return .refused(StoreError.insufficientCredits(available: credits))
            case "conflict":
                return .refused(StoreError.conflict("the \(charge.posting.kind.rawValue) would take held or used credits below zero"))
            case "lot":
                let movement = LotMovement(lot: LotID(try row["refused_lot"].decode(String.self)), available: -credits, held: .zero)
                return .refused(StoreError.conflict("lot \(movement.lot) cannot move \(movement.available) and \(movement.held)"))
            case "taken": return .refused(StoreError.idempotencyKeyTaken)
            case "fenced":
                let key = charge.transaction.idempotency?.key ?? ""
                return .refused(StoreError.conflict("idempotency key \(key) is not claimed by this request or already answered"))
            case "controls": return .leftToStatements
            case "effects": return .leftForEffects
            default: throw StoreError.conflict("tally_charge refused for a reason Tally does not know: \(refusal)")
            }
        }
        let balance = WalletBalance(
            available: Credits(thousandths: try row["after_available"].decode(Int64.self)),
            held: Credits(thousandths: try row["after_held"].decode(Int64.self)),
            used: Credits(thousandths: try row["after_used"].decode(Int64.self)),
            total: Credits(thousandths: try row["after_total"].decode(Int64.self))
        )
        precondition(balance.isConsistent, "wallet invariant broken for account \(account)")
        return .charged(
            balance,
            before: Credits(thousandths: try row["available_before"].decode(Int64.self)),
            effects: try row["balance_effects"].decode(Bool.self)
        )
    }

    /// Commits one transaction that waited on no other. A charge `tally_charge` can write
    /// whole is one statement on its own (autocommit): one round trip. One that may set
    /// off balance effects calls it inside a transaction and applies them after it; one
    /// of an account with alerts or caps is applied statement by statement, as is every
    /// other transaction. An account's last charges say which to try first (`ChargeRoutes`).
    func commitAlone(_ transaction: WalletTransaction) async throws -> WalletBalance {
        guard let charge = OneCallCharge(transaction) else {
            return try await self.transaction { connection in try await Self.apply(transaction, connection, logger) }
        }
        let account = transaction.accountID
        var route = chargeRoutes.next(account)
        if route == nil {
            switch try await pooled({ connection in try await Self.call(charge, effectsAfter: false, connection, logger) }) {
            case .charged(let balance, _, _): return balance
            case .refused(let error): throw error
            case .leftToStatements:
                chargeRoutes.remember(account, .statementByStatement)
                route = .statementByStatement
            case .leftForEffects: route = .withEffects
            }
        }
        return try await self.transaction { [route] connection in
            if route == .withEffects {
                switch try await Self.call(charge, effectsAfter: true, connection, logger) {
                case .charged(let balance, let before, let effects):
                    chargeRoutes.remember(account, effects ? .withEffects : nil)
                    if effects {
                        try await Self.applyBalanceEffects(transaction, before: before, after: balance.available, connection, logger)
                    }
                    return balance
                case .refused(let error): throw error
                case .leftToStatements, .leftForEffects: chargeRoutes.remember(account, .statementByStatement)
                }
            }
            return try await Self.apply(transaction, connection, logger)
        }
    }

    /// `SELECT * FROM tally_charge(…)`, prepared once per connection.
    struct ChargeCall: PreparedStatement {
        static let sql = "SELECT * FROM tally_charge(" + (1...42).map { "$\($0)" }.joined(separator: ", ") + ")"
        static let bindingDataTypes: [PostgresDataType] = [
            .text, .int8, .text, .text, .int8, .int8, .int8, .text, .text,
            .text, .text, .text, .text, .int8, .int8, .text, .int8, .text, .text, .text, .text, .text, .int8, .text, .text,
            .int8, .int8, .text, .text, .int8, .int8, .text,
            .bool, .text, .text, .int8, .int8, .bytea, .int8,
            .bool, .bool, .int8,
        ]
        var bindings = PostgresBindings(capacity: 42)

        init(_ charge: OneCallCharge, effectsAfter: Bool) {
            Self.append(charge, effectsAfter: effectsAfter, to: &bindings)
        }

        /// `calls` calls of `tally_charge` as one statement, their values numbered on from
        /// one call to the next, each typed as the prepared call is; every row is marked
        /// with its call's place (`call`, from 1). A `UNION ALL` runs its parts in order.
        static func sql(calls: Int) -> String {
            let count = bindingDataTypes.count
            let types = bindingDataTypes.map { $0 == .int8 ? "BIGINT" : $0 == .bool ? "BOOLEAN" : $0 == .bytea ? "BYTEA" : "TEXT" }
            return (0..<calls).map { call in
                let values = types.enumerated().map { "$\(call * count + $0.offset + 1)::\($0.element)" }
                return "SELECT \(call + 1)::INTEGER AS call, * FROM tally_charge(\(values.joined(separator: ", ")))"
            }.joined(separator: " UNION ALL ")
        }

        /// Appends the values of `charge`'s call, in the order of the function's parameters.
        static func append(_ charge: OneCallCharge, effectsAfter: Bool, to bindings: inout PostgresBindings) {
            let transaction = charge.transaction
            let posting = charge.posting
            bindings.append(transaction.accountID.rawValue)
            bindings.append(transaction.at.storedMilliseconds)
            bindings.append(posting.id.rawValue)
            bindings.append(posting.kind.rawValue)
            bindings.append(posting.change.available.thousandths)
            bindings.append(posting.change.used.thousandths)
            bindings.append(posting.change.total.thousandths)
            bindings.append(posting.reference)
            bindings.append(transaction.requestKey)
            let line = charge.line
            bindings.append(line?.id)
            bindings.append(line?.feature.rawValue)
            bindings.append(line?.log.rawValue)
            bindings.append(line?.status.rawValue)
            bindings.append(line?.credits.thousandths)
            bindings.append(line?.totalCredits?.thousandths)
            bindings.append(line?.day)
            bindings.append(line?.createdAt.storedMilliseconds)
            bindings.append(line?.contactName)
            bindings.append(line?.contactEmail)
            bindings.append(line?.phone)
            bindings.append(line?.email)
            bindings.append(line?.iso)
            bindings.append(line?.segments)
            bindings.append(line?.encoding)
            bindings.append(line?.event)
            bindings.append(line?.creditScore)
            bindings.append(line?.dtiPercent)
            bindings.append(line?.reason)
            bindings.append(line?.contactText)
            bindings.append(line?.sentAt?.storedMilliseconds)
            bindings.append(line?.carrierSegments)
            bindings.append(line?.lineType)
            // The key: inserted by this write while unclaimed, else the claim answered.
            let claim = transaction.unclaimed
            let answer = transaction.idempotency
            bindings.append(claim != nil)
            bindings.append(claim?.key ?? answer?.key)
            bindings.append(claim?.requestHash)
            bindings.append(claim?.leaseUntil?.storedMilliseconds)
            bindings.append(answer.map { Int64($0.status) })
            bindings.append(answer.map { ByteBuffer(bytes: $0.body) })
            bindings.append(claim == nil ? answer?.claimToken : nil)
            bindings.append(!transaction.cappedFeatures.isEmpty)
            bindings.append(effectsAfter)
            bindings.append(Catalog.cheapestUse.thousandths)
        }
    }
}
