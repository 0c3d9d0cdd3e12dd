import Dispatch
import GRDB
import Synchronization
import TallyCore

/// The one serial writer of SQLite, with group commit.
///
/// Writes that arrive while a commit is running wait, then go together into the
/// next database transaction, each inside its own savepoint: one request's failure
/// (insufficient credits, a settled hold, a duplicate) rolls back only its
/// savepoint, and every caller is answered only after the commit that holds its
/// change. With `synchronous=FULL` that is one fsync for the whole group — an
/// idempotency claim and the charges beside it share it.
final class SQLiteWriter: Sendable {
    /// The most writes one commit carries.
    static let maximumBatch = 64

    /// One caller's write: `apply` runs it in its savepoint and answers how to tell the
    /// caller once the group is committed; `fail` tells it the commit failed.
    private struct Job: Sendable {
        let apply: @Sendable (Database) -> @Sendable () -> Void
        let fail: @Sendable (any Error) -> Void
    }

    private struct Queue {
        var waiting: [Job] = []
        var draining = false
    }

    private let pool: DatabasePool
    /// The writer's own thread, for the writes that arrive while a commit is running:
    /// it commits them in groups with GRDB's synchronous write. A write that finds the
    /// writer idle is committed on its caller's thread, with no hand-over at all.
    private let thread = DispatchQueue(label: "tally.sqlite.writer")
    private let queue = Mutex(Queue())

    init(pool: DatabasePool) {
        self.pool = pool
    }

    /// Runs `body` in the next group's transaction, in its own savepoint; answers once
    /// that transaction is committed. A unique-constraint failure is `StoreError.duplicate`.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let job = Job(
                apply: { db in
                    var result: Result<T, any Error> = .failure(StoreError.conflict("not applied"))
                    do {
                        try db.inSavepoint {
                            do {
                                result = .success(try body(db))
                                return .commit
                            } catch {
                                result = .failure(SQLiteStore.storeError(error))
                                return .rollback
                            }
                        }
                    } catch {
                        result = .failure(SQLiteStore.storeError(error))
                    }
                    return { [result] in continuation.resume(with: result) }
                },
                fail: { continuation.resume(throwing: $0) }
            )
            let start = queue.withLock { queue in
                queue.waiting.append(job)
                defer { queue.draining = true }
                return !queue.draining
            }
            // An idle writer: this caller commits its own write (and any that join it)
            // on its own thread, with no hand-over; the writer's thread takes what comes
            // after, so a caller never stays on to serve others.
            if start, commitNext() { thread.async { self.drain() } }
        }
    }

    private func drain() {
        while commitNext() {}
    }

    /// Commits the next group of waiting writes (the draining one's turn); answers
    /// whether more are waiting, or marks the writer idle and answers false.
    private func commitNext() -> Bool {
        let batch = queue.withLock { queue in
            let batch = Array(queue.waiting.prefix(Self.maximumBatch))
            queue.waiting.removeFirst(batch.count)
            return batch
        }
        do {
            let answers = try pool.write { db in batch.map { $0.apply(db) } }
            for answer in answers { answer() }
        } catch {
            // The commit itself failed: nothing of the group was written.
            let error = SQLiteStore.storeError(error)
            for job in batch { job.fail(error) }
        }
        return queue.withLock { queue in
            if queue.waiting.isEmpty { queue.draining = false }
            return queue.draining
        }
    }
}
