import Foundation
import GRDB
import PostgresNIO

/// A statement of the store, written once for both engines.
///
/// Its text names each value (`WHERE hold_id = :hold`) and is rendered once, when the
/// statement is made, into each engine's placeholders: numbered `?NNN` for SQLite and
/// `$n` for PostgreSQL, a name used twice taking one number. A few tokens say what the
/// engines write differently (``Statement/dialect``). The rendered texts are static, so
/// SQLite's statement cache and PostgreSQL's plans see the same text on every call.
/// `Statements.all` lists every statement, and a contract test runs `EXPLAIN` on each
/// on both engines.
public struct Statement: Sendable, CustomStringConvertible {
    /// What the statement is for, in failure messages (`messages.recordOutcome`).
    public let name: String
    /// The text as written, with named values.
    public let text: String
    /// The values' names, in the order of their numbers.
    public let values: [String]
    /// The text with SQLite's placeholders, `?1`, `?2`, ….
    public let sqlite: String
    /// The text with PostgreSQL's placeholders, `$1`, `$2`, ….
    public let postgres: String

    /// What the engines write differently, as (SQLite, PostgreSQL):
    /// - `{bytewise}` after a text column orders it by its bytes (`COLLATE "C"` on
    ///   PostgreSQL, whatever the database's locale; SQLite's own order already);
    /// - `{lockRow}` at the end of a read in a transaction locks the rows it read until
    ///   the transaction ends (`FOR UPDATE`; SQLite has one writer, which is the lock);
    /// - `{insertionOrder}` orders a table's rows as they were written (SQLite's `rowid`;
    ///   PostgreSQL's tables that need it carry a `sequence`);
    /// - `{skipLocked}` at the end of a worker's pick locks the rows it picked and passes
    ///   over those another process's worker holds (`FOR UPDATE SKIP LOCKED`; SQLite's one
    ///   writer is the lock).
    static let dialect: [(token: String, sqlite: String, postgres: String)] = [
        ("{bytewise}", "", #"COLLATE "C""#),
        ("{lockRow}", "", "FOR UPDATE"),
        ("{skipLocked}", "", "FOR UPDATE SKIP LOCKED"),
        ("{insertionOrder}", "rowid", "sequence"),
    ]

    public init(_ name: String, _ text: String) {
        self.name = name
        self.text = text
        var sqlite = text
        var postgres = text
        for (token, sqliteForm, postgresForm) in Self.dialect {
            sqlite = sqlite.replacingOccurrences(of: token, with: sqliteForm)
            postgres = postgres.replacingOccurrences(of: token, with: postgresForm)
        }
        (values, self.sqlite) = Self.numbered(sqlite, prefix: "?")
        self.postgres = Self.numbered(postgres, prefix: "$").text
    }

    /// `text` with each `:name` replaced by `prefix` and its number, a name used twice
    /// taking one number; and the names in the order of their numbers.
    private static func numbered(_ text: String, prefix: String) -> (values: [String], text: String) {
        var values: [String] = []
        var rendered = ""
        var characters = text[...]
        var inLiteral = false
        while let character = characters.first {
            characters = characters.dropFirst()
            if character == "'" { inLiteral.toggle() }
            // `:name`, not PostgreSQL's `::type` cast.
            guard !inLiteral, character == ":", let first = characters.first, first.isLetter, rendered.last != ":" else {
                rendered.append(character)
                continue
            }
            let value = String(characters.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
            characters = characters.dropFirst(value.count)
            let number = (values.firstIndex(of: value) ?? values.count) + 1
            if number > values.count { values.append(value) }
            rendered += prefix + String(number)
        }
        return (values, rendered)
    }

    public var description: String { name }

    /// The values in the order of their numbers; every name must be given, and no other.
    /// A statement takes a dozen values at most: looking each up in turn makes no table.
    func ordered(_ given: KeyValuePairs<String, SQLValue>) -> [SQLValue] {
        precondition(given.count == values.count, "\(name) takes \(values), was given \(given.map(\.key))")
        return values.map { wanted in
            guard let value = given.first(where: { $0.key == wanted })?.value else {
                preconditionFailure("\(name) takes \(values), was given \(given.map(\.key))")
            }
            return value
        }
    }

    /// The values as SQLite binds them. (GRDB's initializer for a sequence of one concrete
    /// type maps it through a key path it makes anew on every call; the one for optional
    /// existentials maps with a closure.)
    func sqliteArguments(_ given: KeyValuePairs<String, SQLValue>) -> StatementArguments {
        StatementArguments(ordered(given).map { $0.databaseValue as (any DatabaseValueConvertible)? })
    }

    /// The text and values as PostgreSQL runs them.
    func postgresQuery(_ given: KeyValuePairs<String, SQLValue>) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: values.count)
        for value in ordered(given) { value.append(to: &bindings) }
        return PostgresQuery(unsafeSQL: postgres, binds: bindings)
    }
}

/// A value a statement binds: text, a whole number or bytes, any of which may be missing
/// (`NULL`, of that type), or a flag.
public enum SQLValue: Sendable {
    case text(String?)
    case integer(Int64?)
    case bytes([UInt8]?)
    case boolean(Bool)

    public static func integer(_ value: Int?) -> SQLValue { .integer(value.map(Int64.init)) }

    var databaseValue: DatabaseValue {
        switch self {
        case .text(let text): text?.databaseValue ?? .null
        case .integer(let number): number?.databaseValue ?? .null
        case .bytes(let bytes): bytes.map { Data($0).databaseValue } ?? .null
        case .boolean(let flag): flag.databaseValue
        }
    }

    func append(to bindings: inout PostgresBindings) {
        switch self {
        case .text(let text): bindings.append(text)
        case .integer(let number): bindings.append(number)
        case .bytes(let bytes): bindings.append(bytes.map { ByteBuffer(bytes: $0) })
        case .boolean(let flag): bindings.append(flag)
        }
    }
}
