import Foundation
import TallyApp
import Testing

@testable import TallyServer

/// API.md "Errors": a whole-number field of a request is read exactly, and a wrong number
/// is a 422 naming that field and why.
@Suite("Whole numbers")
struct WholeNumberTests {
    struct Body: Decodable, Sendable {
        var count: WholeNumber
        var limit: WholeNumber?
    }

    func decode(_ json: String) throws(TallyError) -> Body {
        try JSONBody<Body>.decode(Body.self, from: Array(json.utf8))
    }

    @Test(arguments: [
        (#"{"count":12}"#, 12), (#"{"count":12.0}"#, 12), (#"{"count":7e2}"#, 700), (#"{"count":-0}"#, 0),
        (#"{"count":9223372036854775807}"#, Int.max), (#"{"count":-9223372036854775808}"#, Int.min),
    ])
    func aWholeNumberIsReadHoweverItIsWritten(json: String, value: Int) throws {
        let body = try decode(json)
        #expect(body.count == WholeNumber(value))
        #expect(body.limit == nil)
    }

    @Test(arguments: [
        (#"{"count":100.5}"#, "count", "must be a whole number"),
        (#"{"count":1e-3}"#, "count", "must be a whole number"),
        (#"{"count":1e30}"#, "count", "is too large"),
        (#"{"count":9223372036854775808}"#, "count", "is too large"),
        (#"{"count":"5"}"#, "count", "must be an integer"),
        (#"{"count":true}"#, "count", "must be an integer"),
        (#"{"count":null}"#, "count", "must not be null"),
        (#"{}"#, "count", "is required"),
        (#"{"count":1,"limit":0.5}"#, "limit", "must be a whole number"),
    ])
    func aWrongNumberIsNamedWithItsReason(json: String, field: String, reason: String) {
        #expect(throws: TallyError.invalid([FieldError(field, reason)])) { try decode(json) }
    }

    @Test func aWholeNumberIsWrittenAsAPlainNumber() throws {
        let json = try JSONEncoder().encode(["count": WholeNumber(42)])
        #expect(String(decoding: json, as: UTF8.self) == #"{"count":42}"#)
        #expect("\(WholeNumber(42))" == "42")
    }
}
