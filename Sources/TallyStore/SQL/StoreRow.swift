import Foundation
import GRDB
import PostgresNIO

/// A row as a record reads it, whichever engine it came from: each record has one
/// initializer from a `StoreRow`, not one mapper per engine.
protocol StoreRow {
    func text(_ column: String) throws -> String
    func optionalText(_ column: String) throws -> String?
    func integer(_ column: String) throws -> Int64
    func optionalInteger(_ column: String) throws -> Int64?
    func boolean(_ column: String) throws -> Bool
    /// A blob; NULL reads as no bytes.
    func bytes(_ column: String) throws -> [UInt8]
}

extension StoreRow {
    /// A time stored as milliseconds since 1970.
    func date(_ column: String) throws -> Date { Date(storedMilliseconds: try integer(column)) }

    func optionalDate(_ column: String) throws -> Date? {
        try optionalInteger(column).map(Date.init(storedMilliseconds:))
    }

    func optionalInt(_ column: String) throws -> Int? { try optionalInteger(column).map(Int.init) }

    /// A column holding one of a closed set of words, read as its enum.
    func word<Word: RawRepresentable<String>>(_ column: String, as type: Word.Type = Word.self) throws -> Word {
        try Word(stored: try text(column), column: column)
    }
}

/// A stored word that is none of the values its column may hold: a row written by a newer
/// Tally, or by hand. Reading the row fails with this error, naming the column and the word,
/// rather than guessing a value.
public struct UnknownStoredWord: Error, Sendable, Hashable, CustomStringConvertible {
    public var column: String
    public var word: String

    public init(column: String, word: String) {
        self.column = column
        self.word = word
    }

    public var description: String { "\(column) holds \"\(word)\", which is none of the values Tally writes there" }
}

extension RawRepresentable<String> {
    /// The value `text` stands for, as `column` stores it.
    init(stored text: String, column: String) throws(UnknownStoredWord) {
        guard let value = Self(rawValue: text) else { throw UnknownStoredWord(column: column, word: text) }
        self = value
    }
}

/// SQLite's rows, through GRDB.
extension Row: StoreRow {
    func text(_ column: String) throws -> String { try decode(String.self, forColumn: column) }
    func optionalText(_ column: String) throws -> String? { try decode(String?.self, forColumn: column) }
    func integer(_ column: String) throws -> Int64 { try decode(Int64.self, forColumn: column) }
    func optionalInteger(_ column: String) throws -> Int64? { try decode(Int64?.self, forColumn: column) }
    func boolean(_ column: String) throws -> Bool { try decode(Bool.self, forColumn: column) }
    func bytes(_ column: String) throws -> [UInt8] { [UInt8](try decode(Data?.self, forColumn: column) ?? Data()) }
}

/// PostgreSQL's rows, read by column name.
extension PostgresRandomAccessRow: StoreRow {
    func text(_ column: String) throws -> String { try self[column].decode(String.self) }
    func optionalText(_ column: String) throws -> String? { try self[column].decode(String?.self) }
    func integer(_ column: String) throws -> Int64 { try self[column].decode(Int64.self) }
    func optionalInteger(_ column: String) throws -> Int64? { try self[column].decode(Int64?.self) }
    func boolean(_ column: String) throws -> Bool { try self[column].decode(Bool.self) }
    func bytes(_ column: String) throws -> [UInt8] { (try self[column].decode(ByteBuffer?.self)).map { Array($0.readableBytesView) } ?? [] }
}
