import Foundation
import TallyApp
import TallyStore
import Testing

/// API.md "Conventions": times are RFC 3339. A time in a request body is read as exactly
/// the instant it names or refused with 422 naming its field — never the whole body, and
/// never moved to a nearby instant.
@Suite("Times in requests")
struct TimeFieldTests {
    static let start = Date(timeIntervalSince1970: 1_790_000_000)  // 2026-09-21

    @Test(arguments: [
        "tomorrow",
        "2027-02-30T00:00:00Z",
        "2027-13-01T00:00:00Z",
        "10000-01-01T00:00:00Z",
        "2027-01-31T24:00:00Z",
        "2027-01-31T08:00Z",
        "2027-01-31 08:00:00Z",
        "2027-01-31",
        "2027-01-31T08:00:00+25:00",
    ])
    func aGrantWithAnImpossibleExpiryIsRefusedNamingIt(expiresAt: String) async throws {
        try await Harness.run(time: ManualTime(Self.start)) { harness in
            let account = try await harness.makeAccount()
            let body = #"{"credits":10,"reason":"promotion","expiresAt":"\#(expiresAt)"}"#
            let reply = try await account.post("/grants", body, token: Harness.operatorToken)
            #expect(reply.status == 422, "\(expiresAt): \(reply)")
            #expect(try reply.errorFields() == ["expiresAt"], "\(expiresAt): \(reply)")
            #expect(try await account.get("/lots").items().isEmpty)
        }
    }

    /// Any offset, a fraction and lower-case letters name the instant they say.
    @Test(arguments: [
        ("2027-01-31T08:00:00Z", "2027-01-31T08:00:00Z"),
        ("2027-01-31T00:00:00-08:00", "2027-01-31T08:00:00Z"),
        ("2027-01-31t13:30:00+05:30", "2027-01-31T08:00:00Z"),
        ("2027-01-31T08:00:00.000z", "2027-01-31T08:00:00Z"),
        ("2028-02-29T08:00:00Z", "2028-02-29T08:00:00Z"),
    ])
    func aGrantsExpiryIsTheInstantItNames(expiresAt: String, answered: String) async throws {
        try await Harness.run(time: ManualTime(Self.start)) { harness in
            let account = try await harness.makeAccount()
            let body = #"{"credits":10,"reason":"promotion","expiresAt":"\#(expiresAt)"}"#
            let reply = try await account.post("/grants", body, token: Harness.operatorToken)
            #expect(reply.status == 201, "\(expiresAt): \(reply)")
            #expect(try reply.object["expiresAt"] as? String == answered)
        }
    }
}

/// The machine's clock stamps whole milliseconds: what an answer says of an instant is what
/// its record reads back (a balance alert fired 0.4 ms before a second was answered with
/// that second and stored as the next).
@Suite struct SystemTimeTests {
    @Test func everyInstantIsStoredAsItself() {
        for _ in 0..<1_000 {
            let now = SystemTime().now()
            #expect(Date(storedMilliseconds: now.storedMilliseconds) == now)
        }
    }
}
