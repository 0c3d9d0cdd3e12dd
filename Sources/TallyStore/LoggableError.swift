import GRDB
import PostgresNIO

/// What of an unexpected error may be written to a log: the database's error code and
/// message, never the statement's bound values or the rows a database error may quote.
public enum LoggableError {
    public static func describe(_ error: any Error) -> String {
        switch error {
        case let error as PSQLError:
            let state = error.serverInfo?[.sqlState] ?? "-"
            let message = error.serverInfo?[.message] ?? "\(error.code)"
            return "PostgreSQL error \(state): \(message)"
        case let error as PostgresTransactionError:
            return describe(error.closureError ?? error.commitError ?? error.beginError ?? error.rollbackError ?? StoreError.conflict("transaction"))
        case let error as DatabaseError:
            return "SQLite error \(error.extendedResultCode.rawValue): \(error.message ?? "-")"
        case let error as StoreError:
            return "\(error)"
        default:
            return "\(type(of: error))"
        }
    }
}
