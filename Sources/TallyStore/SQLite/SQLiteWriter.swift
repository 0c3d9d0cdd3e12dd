import GRDB
import TallyCore

/// The one serial writer of money transactions on SQLite, with group commit.
///
/// Wallet transactions that arrive while a commit is running wait, then go
/// together into the next database transaction, each inside its own savepoint:
/// one request's failure (insufficient credits, a settled hold) rolls back only
/// its savepoint, and every caller is answered only after the commit that holds
/// its change. With `synchronous=FULL` that is one fsync for the whole group.
actor SQLiteWriter {
    /// The most transactions one commit carries.
    static let maximumBatch = 64

    private let pool: DatabasePool
    private var waiting: [(WalletTransaction, CheckedContinuation<WalletBalance, any Error>)] = []
    private var draining = false

    init(pool: DatabasePool) {
        self.pool = pool
    }

    func commit(_ transaction: WalletTransaction) async throws -> WalletBalance {
        try await withCheckedThrowingContinuation { continuation in
            waiting.append((transaction, continuation))
            if !draining {
                draining = true
                Task { await drain() }
            }
        }
    }

    private func drain() async {
        while !waiting.isEmpty {
            let batch = Array(waiting.prefix(Self.maximumBatch))
            waiting.removeFirst(batch.count)
            let transactions = batch.map(\.0)
            do {
                let results = try await pool.write { db in
                    transactions.map { transaction in
                        var result: Result<WalletBalance, any Error> = .failure(StoreError.conflict("not applied"))
                        do {
                            try db.inSavepoint {
                                do {
                                    result = .success(try SQLiteStore.apply(transaction, db))
                                    return .commit
                                } catch {
                                    result = .failure(SQLiteStore.storeError(error))
                                    return .rollback
                                }
                            }
                        } catch {
                            result = .failure(SQLiteStore.storeError(error))
                        }
                        return result
                    }
                }
                for ((_, continuation), result) in zip(batch, results) {
                    continuation.resume(with: result)
                }
            } catch {
                // The commit itself failed: nothing of the group was written.
                for (_, continuation) in batch { continuation.resume(throwing: SQLiteStore.storeError(error)) }
            }
        }
        draining = false
    }
}
