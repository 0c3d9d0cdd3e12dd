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
    /// one usage line of its own account and no other record, no usage guard to ask, and
    /// no spend cap but its line's feature's, counted in its line's day (the Pacific day
    /// of the transaction, as `SpendCapRule.window` counts).
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
            if !transaction.cappedFeatures.isEmpty {
                guard let line, transaction.cappedFeatures.allSatisfy({ $0 == line.feature }),
                    line.day == PacificDay.of(transaction.at)
                else { return nil }
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
        /// Nothing written: the transaction passes one of the account's spend caps, which
        /// the statement-by-statement path refuses with the cap's figures.
        case leftToStatements
        /// Nothing written: the debit fires or re-arms a balance alert, which only the
        /// statement-by-statement path tells of. Its next charges are called again.
        case leftForAlerts
        /// Nothing written: the debit may set off balance effects and the call was alone.
        case leftForEffects
        /// Nothing written: a settlement gives credits back to a lot whose expiry has come,
        /// or its hold's own lots do not hold its credits; the statements move them.
        case leftForLots
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
        try await call(.charge(charge), effectsAfter: effectsAfter, connection, logger)
    }

    /// Calls the function that writes `call` (`tally_charge`, `tally_hold`, `tally_settle`
    /// or `tally_credit`) on `connection`, as `call(_:effectsAfter:…)` of a charge does.
    static func call(
        _ call: OneCall,
        effectsAfter: Bool,
        _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> ChargeOutcome {
        let rows =
            switch call {
            case .charge(let charge): try await connection.rows(ChargeCall(charge, effectsAfter: effectsAfter), logger)
            case .hold(let hold): try await connection.rows(try HoldCall(hold, effectsAfter: effectsAfter), logger)
            case .settle(let settle): try await connection.rows(SettleCall(settle), logger)
            case .credit(let credit): try await connection.rows(CreditCall(credit), logger)
            }
        guard let row = rows.first?.makeRandomAccess() else {
            throw StoreError.conflict("\(call.function) answered no row")
        }
        return try outcome(of: call.transaction, row)
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
        let rows = try await connection.rows(ChargeEach(charges), logger)
        var outcomes = [ChargeOutcome?](repeating: nil, count: charges.count)
        for row in rows {
            let row = row.makeRandomAccess()
            let index = Int(try row["call"].decode(Int32.self)) - 1
            guard outcomes.indices.contains(index), outcomes[index] == nil else {
                throw StoreError.conflict("tally_charge answered call \(index + 1) of \(charges.count) out of turn")
            }
            outcomes[index] = try outcome(of: charges[index].transaction, row)
        }
        return try outcomes.map { outcome in
            guard let outcome else { throw StoreError.conflict("tally_charge answered fewer rows than calls") }
            return outcome
        }
    }

    /// What one row of a wallet function (`ChargeFunction.answerColumns`) says of `transaction`.
    private static func outcome(of transaction: WalletTransaction, _ row: PostgresRandomAccessRow) throws -> ChargeOutcome {
        let account = transaction.accountID
        if let refusal = try row["refusal"].decode(String?.self) {
            let credits = Credits(thousandths: try row["refused_credits"].decode(Int64?.self) ?? 0)
            switch refusal {
            case "missing": return .refused(StoreError.notFound("wallet of account \(account)"))
            case "insufficient": return .refused(StoreError.insufficientCredits(available: credits))
            case "conflict":
                let kind = transaction.postings.first?.kind.rawValue ?? "posting"
                return .refused(StoreError.conflict("the \(kind) would take held or used credits below zero"))
            case "lot":
                let movement = LotMovement(lot: LotID(try row["refused_lot"].decode(String.self)), available: -credits, held: .zero)
                return .refused(StoreError.conflict("lot \(movement.lot) cannot move \(movement.available) and \(movement.held)"))
            case "hold":
                let hold = transaction.postings.first?.hold?.rawValue ?? ""
                return .refused(StoreError.conflict("hold \(hold) is no longer active"))
            case "message":
                let hold = transaction.postings.first?.hold?.rawValue ?? ""
                return .refused(StoreError.conflict("message \(hold) is settled already"))
            case "intent":
                let purchase = transaction.postings.first?.reference ?? ""
                return .refused(StoreError.conflict("payment \(purchase) is settled already"))
            case "taken": return .refused(StoreError.idempotencyKeyTaken)
            case "fenced":
                let key = transaction.idempotency?.key ?? ""
                return .refused(StoreError.conflict("idempotency key \(key) is not claimed by this request or already answered"))
            case "controls": return .leftToStatements
            case "alerts": return .leftForAlerts
            case "effects": return .leftForEffects
            case "lots": return .leftForLots
            default: throw StoreError.conflict("a wallet function refused for a reason Tally does not know: \(refusal)")
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

    /// Commits one transaction that waited on no other. A charge, hold, settlement or
    /// purchase's credit step a function writes whole (`OneCall`) is one statement on its
    /// own (autocommit): one round trip. One that may set off balance effects calls it
    /// inside a transaction and applies them after it; one that passes a spend cap, fires
    /// or re-arms a balance alert, or moves lots only the statements move, is applied
    /// statement by statement, as is every other transaction. An account's last charges
    /// say which to try first (`ChargeRoutes`); a settlement or a credit step, which sets
    /// off no effects, is always called alone first.
    func commitAlone(_ transaction: WalletTransaction) async throws -> WalletBalance {
        guard let call = OneCall(transaction) else {
            return try await self.transaction { connection in try await Self.apply(transaction, connection, logger) }
        }
        let account = transaction.accountID
        var route = call.setsOffNoEffects ? nil : chargeRoutes.next(account)
        if route == nil {
            switch try await pooled({ connection in try await Self.call(call, effectsAfter: false, connection, logger) }) {
            case .charged(let balance, _, _): return balance
            case .refused(let error): throw error
            case .leftToStatements:
                chargeRoutes.remember(account, .statementByStatement)
                route = .statementByStatement
            case .leftForAlerts, .leftForLots: route = .statementByStatement
            case .leftForEffects: route = .withEffects
            }
        }
        return try await self.transaction { [route] connection in
            if route == .withEffects {
                switch try await Self.call(call, effectsAfter: true, connection, logger) {
                case .charged(let balance, let before, let effects):
                    chargeRoutes.remember(account, effects ? .withEffects : nil)
                    if effects {
                        try await Self.applyBalanceEffects(transaction, before: before, after: balance.available, connection, logger)
                    }
                    return balance
                case .refused(let error): throw error
                case .leftToStatements, .leftForEffects: chargeRoutes.remember(account, .statementByStatement)
                case .leftForAlerts, .leftForLots: break
                }
            }
            return try await Self.apply(transaction, connection, logger)
        }
    }

    /// `SELECT * FROM tally_charge(…)`, prepared once per connection.
    struct ChargeCall: PreparedStatement {
        static let sql = "SELECT * FROM tally_charge(" + (1...42).map { "$\($0)" }.joined(separator: ", ") + ")"
        static let bindingDataTypes: [PostgresDataType] =
            [.text, .int8, .text, .text, .int8, .int8, .int8, .text, .text] + LineValues.dataTypes + KeyValues.dataTypes
            + [.bool, .bool, .int8]
        var bindings = PostgresBindings(capacity: 42)

        init(_ charge: OneCallCharge, effectsAfter: Bool) {
            Self.append(charge, effectsAfter: effectsAfter, to: &bindings)
        }

        /// Appends the values of `charge`'s call, in the order of the function's parameters.
        static func append(_ charge: OneCallCharge, effectsAfter: Bool, to values: inout some ChargeValues) {
            let transaction = charge.transaction
            let posting = charge.posting
            values.add(transaction.accountID.rawValue)
            values.add(transaction.at.storedMilliseconds)
            values.add(posting.id.rawValue)
            values.add(posting.kind.rawValue)
            values.add(posting.change.available.thousandths)
            values.add(posting.change.used.thousandths)
            values.add(posting.change.total.thousandths)
            values.add(posting.reference)
            values.add(transaction.requestKey)
            LineValues.append(charge.line, to: &values)
            KeyValues.append(transaction, to: &values)
            values.add(!transaction.cappedFeatures.isEmpty)
            values.add(effectsAfter)
            values.add(Catalog.cheapestUse.thousandths)
        }
    }

    /// `tally_charge` called once for each charge of a batch, in their order, by one
    /// statement prepared once per connection: each of the function's parameters is sent
    /// as an array holding every call's value, and the calls are joined to the rows of
    /// `unnest`. The rows of `unnest … WITH ORDINALITY` come in their order, and the call
    /// depends on its row (`LATERAL`), so it runs once for each row, in that order, and
    /// sees the writes of the calls before it. Every row is marked with its call's place
    /// (`call`, from 1).
    ///
    /// One statement text for every batch size: the server parses and plans it once,
    /// where a `UNION ALL` of one call per charge was parsed and planned again for every
    /// batch (1.8 ms for 38 calls, on the busy wallet's one line of work).
    struct ChargeEach: PreparedStatement {
        static let sql: String = {
            let count = ChargeCall.bindingDataTypes.count
            let types = ChargeCall.bindingDataTypes.map {
                $0 == .int8 ? "BIGINT" : $0 == .bool ? "BOOLEAN" : $0 == .bytea ? "BYTEA" : "TEXT"
            }
            let arrays = types.enumerated().map { "$\($0.offset + 1)::\($0.element)[]" }.joined(separator: ", ")
            let names = (1...count).map { "v\($0)" }
            return """
                SELECT a.call::INTEGER AS call, c.* FROM unnest(\(arrays)) WITH ORDINALITY AS a(\(names.joined(separator: ", ")), call)
                CROSS JOIN LATERAL tally_charge(\(names.map { "a.\($0)" }.joined(separator: ", "))) AS c
                """
        }()
        static let bindingDataTypes = ChargeCall.bindingDataTypes.map(ValueArray.arrayType)
        let bindings: PostgresBindings

        init(_ charges: [OneCallCharge]) {
            var columns = ChargeColumns(ChargeCall.bindingDataTypes)
            for charge in charges { ChargeCall.append(charge, effectsAfter: false, to: &columns) }
            var bindings = PostgresBindings(capacity: columns.arrays.count)
            for array in columns.arrays { bindings.append(array) }
            self.bindings = bindings
        }
    }
}

/// Where a call's values go, one after the other in the order of the function's
/// parameters: one call's bindings, or a batch's arrays.
protocol ChargeValues {
    mutating func add<Value: PostgresDynamicTypeEncodable>(_ value: Value?)
}

extension PostgresBindings: ChargeValues {
    mutating func add<Value: PostgresDynamicTypeEncodable>(_ value: Value?) { append(value) }
}

/// A batch's values: an array for each parameter, a call's value added to each in turn.
struct ChargeColumns: ChargeValues {
    private(set) var arrays: [ValueArray]
    private var next = 0

    init(_ elements: [PostgresDataType]) {
        arrays = elements.map(ValueArray.init)
    }

    mutating func add<Value: PostgresDynamicTypeEncodable>(_ value: Value?) {
        arrays[next].append(value)
        next = (next + 1) % arrays.count
    }
}

/// A one-dimensional PostgreSQL array of `element` values, some of them `NULL`, in the
/// binary form the server reads (`array_recv`): dimensions, whether any is `NULL`, the
/// element type, the length and first index, then each value with its length (-1: `NULL`).
struct ValueArray: PostgresDynamicTypeEncodable {
    let element: PostgresDataType
    private var count: Int32 = 0
    private var hasNull = false
    private var values = ByteBuffer()

    init(_ element: PostgresDataType) {
        self.element = element
    }

    var psqlType: PostgresDataType { Self.arrayType(of: element) }

    /// The array type of `element`, one of the types a charge's values have.
    static func arrayType(of element: PostgresDataType) -> PostgresDataType {
        switch element {
        case .int8: .int8Array
        case .bool: .boolArray
        case .bytea: .byteaArray
        default: .textArray
        }
    }
    var psqlFormat: PostgresFormat { .binary }

    mutating func append<Value: PostgresDynamicTypeEncodable>(_ value: Value?) {
        count += 1
        guard let value else {
            hasNull = true
            values.writeInteger(Int32(-1))
            return
        }
        assert(value.psqlType == element && value.psqlFormat == .binary, "a \(value.psqlType) in an array of \(element)")
        let start = values.writerIndex
        values.writeInteger(Int32(0))
        value.encode(into: &values, context: .default)
        values.setInteger(Int32(values.writerIndex - start - 4), at: start)
    }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        buffer.writeInteger(Int32(1))
        buffer.writeInteger(Int32(hasNull ? 1 : 0))
        buffer.writeInteger(element.rawValue)
        buffer.writeInteger(count)
        buffer.writeInteger(Int32(1))
        buffer.writeImmutableBuffer(values)
    }
}
