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

/// A shared statement (``Statement``) that PostgreSQL prepares once per connection: the
/// charge path's statements written once for both engines keep their named prepared form.
/// A shape names the statement and the type of each of its values.
protocol PreparedShape: Sendable {
    static var statement: Statement { get }
    /// The type of each named value (a missing value carries none of its own).
    static var types: [String: PostgresDataType] { get }
}

/// A ``PreparedShape``'s statement with its values, as PostgreSQL runs a prepared statement;
/// named after the statement, so each is prepared once per connection.
struct Prepared<Shape: PreparedShape>: PreparedStatement {
    /// The statement's own name (`tally.idempotency.claim`): short, and one per shape.
    static var name: String { "tally." + Shape.statement.name }
    static var sql: String { Shape.statement.postgres }
    static var bindingDataTypes: [PostgresDataType] { Shape.statement.values.map { Shape.types[$0]! } }
    let bindings: PostgresBindings

    init(_ values: KeyValuePairs<String, SQLValue>) {
        var bindings = PostgresBindings(capacity: values.count)
        for value in Shape.statement.ordered(values) { value.append(to: &bindings) }
        self.bindings = bindings
    }
}
