import Foundation
import Synchronization
import TallyCore
import TallyStore

/// A real store with a database fault injected on chosen commits: for proving what
/// Tally does when the commit after a provider call fails — the card was charged, the
/// message sent, the check run, and then the wallet transaction never lands.
///
/// Only the writes a fault can hit are written here: the ledger's (wallet transactions,
/// purchases, payment intents), the stored answers of requests that moved nothing, and
/// the carrier's answers to messages. Everything else, and every write no armed fault
/// matches, goes to the real store unchanged through `ForwardingStore`. A refused write
/// throws before it reaches the database, so nothing of it is written.
final class FaultyStore: ForwardingStore {
    /// What a refused commit throws unless told otherwise.
    struct InjectedFault: Error, CustomStringConvertible {
        var description: String { "an injected database fault" }
    }

    /// Commits still to refuse, with what to throw.
    private struct Fault {
        var remaining: Int
        let error: any Error
        let matches: @Sendable (WalletTransaction) -> Bool
    }

    private struct State {
        var faults: [Fault] = []
        var failedCommits = 0
        /// Writes to let through before the next one fails, when armed.
        var writesBeforeFault: Int?
        var thrownWriteFaults = 0
        /// Carrier ids still to refuse to write (the process dies as the carrier answers).
        var carrierRecordFaults = 0
    }

    let base: any Store
    private let state = Mutex(State())

    init(_ base: any Store) {
        self.base = base
    }

    /// How many commits were refused so far.
    var failedCommits: Int {
        state.withLock { $0.failedCommits }
    }

    /// Fails the next `count` commits whose transaction `matches`, with `error`, before they
    /// reach the database (so nothing of them is written), then forwards again.
    func failCommits(
        _ count: Int = 1,
        with error: any Error = FaultyStore.InjectedFault(),
        where matches: @escaping @Sendable (WalletTransaction) -> Bool
    ) {
        precondition(count > 0, "a fault refuses at least one commit")
        state.withLock { $0.faults.append(Fault(remaining: count, error: error, matches: matches)) }
    }

    /// Lets `count` writes through (commits, stored answers, payment intents, carrier
    /// answers, purchases), then fails the next one before it reaches the database.
    func failWrite(after count: Int) {
        state.withLock { $0.writesBeforeFault = count }
    }

    /// Fails the next `count` writes of a carrier's id for a message it accepted: the
    /// carrier has the message, and Tally's record of its answer never lands.
    func failCarrierRecords(_ count: Int = 1) {
        state.withLock { $0.carrierRecordFaults = count }
    }

    /// Disarms `failWrite`.
    func disarmWriteFault() {
        state.withLock { $0.writesBeforeFault = nil }
    }

    /// How many faults `failWrite` threw so far.
    var thrownWriteFaults: Int {
        state.withLock { $0.thrownWriteFaults }
    }

    /// Throws when this write is the one `failWrite` chose.
    private func write() throws {
        let fails = state.withLock { state -> Bool in
            guard let left = state.writesBeforeFault else { return false }
            guard left > 0 else {
                state.writesBeforeFault = nil
                state.thrownWriteFaults += 1
                return true
            }
            state.writesBeforeFault = left - 1
            return false
        }
        if fails { throw InjectedFault() }
    }

    /// True when the transaction ends a hold (a capture or a release).
    static func holdsSettlement(_ transaction: WalletTransaction) -> Bool {
        transaction.records.contains { record in
            if case .settleHold = record { return true }
            return false
        }
    }

    /// The error to refuse `transaction` with, counting the refusal; nil to let it through.
    /// The oldest matching fault wins.
    private func fault(for transaction: WalletTransaction) -> (any Error)? {
        state.withLock { state in
            guard let index = state.faults.firstIndex(where: { $0.matches(transaction) }) else { return nil }
            let error = state.faults[index].error
            state.faults[index].remaining -= 1
            if state.faults[index].remaining == 0 { state.faults.remove(at: index) }
            state.failedCommits += 1
            return error
        }
    }

    // MARK: Faulted writes: the ledger

    func commit(_ transaction: WalletTransaction) async throws -> WalletBalance {
        try write()
        if let error = fault(for: transaction) { throw error }
        return try await base.commit(transaction)
    }

    func recordPurchase(_ purchase: Purchase) async throws {
        try write()
        try await base.recordPurchase(purchase)
    }

    func recordPaymentIntent(_ intent: PaymentIntent) async throws {
        try write()
        try await base.recordPaymentIntent(intent)
    }

    // MARK: Faulted writes: stored answers and the carrier's answers

    func completeIdempotencyKey(_ response: IdempotentResponse, account: AccountID, at: Date) async throws {
        try write()
        try await base.completeIdempotencyKey(response, account: account, at: at)
    }

    func recordSMSOutcome(_ outcome: SMSOutcome, hold: HoldID, account: AccountID, at: Date) async throws -> Bool {
        try write()
        return try await base.recordSMSOutcome(outcome, hold: hold, account: account, at: at)
    }

    func recordSMSCarrier(_ carrierID: String, segments: Int?, hold: HoldID, account: AccountID) async throws -> Bool {
        try write()
        let fails = state.withLock { state -> Bool in
            guard state.carrierRecordFaults > 0 else { return false }
            state.carrierRecordFaults -= 1
            return true
        }
        if fails { throw InjectedFault() }
        return try await base.recordSMSCarrier(carrierID, segments: segments, hold: hold, account: account)
    }
}
