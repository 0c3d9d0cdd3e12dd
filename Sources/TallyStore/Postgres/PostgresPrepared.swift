import Logging
import PostgresNIO

/// A statement of the charge path, which every connection parses and plans once and then
/// only binds and runs. Parsing and planning a statement sent as text cost the server more
/// than running it: on an email validation they were most of PostgreSQL's time.
///
/// Its SQL names its values `$1`, `$2`, … in the order `bindings` appends them, and
/// `bindingDataTypes` gives their types: the server keeps the types the statement was
/// prepared with, and a value that is missing (`NULL`) carries none of its own.
protocol PreparedStatement: PostgresPreparedStatement where Row == PostgresRow {
    var bindings: PostgresBindings { get }
}

extension PreparedStatement {
    func makeBindings() -> PostgresBindings { bindings }

    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}

/// A prepared statement of one text value: an account's rows, a key by its hash.
protocol OneValueStatement: PreparedStatement {
    init(bindings: PostgresBindings)
}

extension OneValueStatement {
    static var bindingDataTypes: [PostgresDataType] { [.text] }

    init(_ value: String) {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(value)
        self.init(bindings: bindings)
    }
}

extension PostgresConnection {
    /// Runs a prepared statement on this connection and collects its rows (a few at most).
    func rows<Statement: PreparedStatement>(_ statement: Statement, _ logger: Logger) async throws -> [PostgresRow] {
        var rows: [PostgresRow] = []
        for try await row in try await execute(statement, logger: logger) {
            rows.append(row)
        }
        return rows
    }
}

extension PostgresStore {
    /// Runs one prepared statement on a pooled connection and collects its rows.
    func rows<Statement: PreparedStatement>(_ statement: Statement) async throws -> [PostgresRow] {
        try await pooled { connection in try await connection.rows(statement, logger) }
    }
}
