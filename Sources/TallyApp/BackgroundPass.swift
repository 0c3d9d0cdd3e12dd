import Synchronization
import TallyStore

/// One row a background pass could not settle, set aside with its error so the pass
/// goes on with the others. It is tried again on the next pass; the worker logs it.
public struct RowFailure: Sendable {
    /// What kind of row and which: `sms send hold_…`, `payment pur_…`.
    public var row: String
    /// The error's kind and code only (a database error may quote the row's values).
    public var error: String
}

/// A background pass over rows — messages to settle, payments to ask about, lots to
/// expire: one bad row (a value the database refuses, a provider that throws on it)
/// never stops the rest, of this account or any other.
public enum BackgroundPass {
    /// Where the rows that failed during this pass are collected (set by `BackgroundWorker`).
    @TaskLocal public static var failures: FailureLog?

    /// Runs `body` for each row; a row that throws is recorded, named by its `kind` and
    /// `id` (`refund re_…`), and skipped. Returns how many rows `body` reported as done.
    public static func each<Row, ID>(
        _ rows: [Row],
        kind: String,
        id: KeyPath<Row, ID>,
        _ body: (Row) async throws -> Bool
    ) async -> Int {
        var done = 0
        for row in rows {
            do {
                if try await body(row) { done += 1 }
            } catch {
                failures?.record(RowFailure(row: "\(kind) \(row[keyPath: id])", error: LoggableError.describe(error)))
            }
        }
        return done
    }

    /// The failures of one pass, written from the pass's task and read when it ends.
    public final class FailureLog: Sendable {
        private let recorded = Mutex([RowFailure]())

        public init() {}

        func record(_ failure: RowFailure) {
            recorded.withLock { $0.append(failure) }
        }

        public var all: [RowFailure] { recorded.withLock { $0 } }
    }
}
