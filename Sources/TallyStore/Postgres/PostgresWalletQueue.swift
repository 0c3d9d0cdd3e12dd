import Synchronization
import TallyCore

/// Wallet transactions of one account that arrive while another of its transactions is
/// being committed, in this process: they wait here, and the next of them commits every
/// one then waiting in one database transaction, each in its own savepoint.
///
/// On a busy wallet every transaction otherwise holds the wallet's row lock for its own
/// round trips and its own commit, one after another. Committed together they take the
/// lock once and sync the log once. Each is still isolated (a refusal or error rolls back
/// its savepoint only, and is its own caller's answer) and applied in arrival order, and
/// none is answered before the commit that holds it. A transaction that finds its wallet
/// idle commits alone at once, as before.
final class PostgresWalletQueue: Sendable {
    /// How many transactions at most one database transaction commits.
    static let batchLimit = 64

    /// A transaction waiting for its turn, and its caller.
    struct Waiting: Sendable {
        let transaction: WalletTransaction
        let turn: CheckedContinuation<Turn, any Error>
    }

    /// What a waiting caller is told: its transaction's result, or to commit it together
    /// with those waiting behind it.
    enum Turn: Sendable {
        case committed(WalletBalance)
        case lead(with: [Waiting])
    }

    /// The accounts with a commit under way, and what waits behind it.
    private let waiting = Mutex<[AccountID: [Waiting]]>([:])
    private let together = Atomic<Int>(0)

    /// How many transactions were committed together with others so far.
    var committedTogether: Int { together.load(ordering: .relaxed) }

    /// Commits `transaction` through `commit`, which applies transactions in one database
    /// transaction and answers each one's result in order.
    func commit(
        _ transaction: WalletTransaction,
        _ commit: @escaping @Sendable ([WalletTransaction]) async -> [Result<WalletBalance, any Error>]
    ) async throws -> WalletBalance {
        let account = transaction.accountID
        let idle = waiting.withLock { waiting in
            guard waiting[account] == nil else { return false }
            waiting[account] = []
            return true
        }
        var others: [Waiting] = []
        if !idle {
            let turn = try await withCheckedThrowingContinuation { (turn: CheckedContinuation<Turn, any Error>) in
                let queued = waiting.withLock { waiting in
                    guard waiting[account] != nil else {
                        waiting[account] = []
                        return false
                    }
                    waiting[account]!.append(Waiting(transaction: transaction, turn: turn))
                    return true
                }
                // The commit under way finished meanwhile: this one leads, alone.
                if !queued { turn.resume(returning: .lead(with: [])) }
            }
            switch turn {
            case .committed(let balance): return balance
            case .lead(let with): others = with
            }
        }
        let results: [Result<WalletBalance, any Error>]
        if others.isEmpty {
            results = await commit([transaction])
        } else {
            // Not cancelled with this caller's request: the batch answers the others too.
            let batch = [transaction] + others.map(\.transaction)
            results = await Task { await commit(batch) }.value
            precondition(results.count == batch.count, "every transaction of a batch has its result")
            together.add(batch.count, ordering: .relaxed)
            for (other, result) in zip(others, results.dropFirst()) {
                other.turn.resume(with: result.map(Turn.committed))
            }
        }
        handOver(account)
        return try results[0].get()
    }

    /// Gives the wallet to the first transaction waiting for it, with those behind it (up to
    /// the batch limit), or marks it idle.
    private func handOver(_ account: AccountID) {
        let next: [Waiting]? = waiting.withLock { waiting in
            guard let queue = waiting[account], !queue.isEmpty else {
                waiting[account] = nil
                return nil
            }
            let batch = Array(queue.prefix(Self.batchLimit))
            waiting[account] = Array(queue.dropFirst(batch.count))
            return batch
        }
        guard let next, let first = next.first else { return }
        first.turn.resume(returning: .lead(with: Array(next.dropFirst())))
    }
}
