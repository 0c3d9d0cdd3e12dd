import Foundation
import TallyApp
import TallyCore
import Testing

/// API.md "Usage and logs" with "Metered features": a hold names its feature, and what
/// its capture takes is usage of that feature. The usage report's total equals what the
/// ledger moved to `used` over the range.
@Suite("Usage of the platform's own holds")
struct HeldUsageTests {
    @Test func aCapturedHoldIsUsageOfTheFeatureItNamed() async throws {
        try await Harness.run { harness in
            let account = try await harness.makeAccount()
            #expect(try await account.buy(100).status == 201)
            #expect(try await account.send(EmailValidationRequest(email: "lee@example.com")).status == 200)
            for (feature, held, captured) in [("calls", 30, 20), ("calls", 10, 10), ("sms", 5, 4), ("calls", 8, 0)] {
                let hold = try await account.send(HoldRequest(feature: feature, credits: held))
                try #require(hold.status == 201, "\(hold)")
                let capture = try await account.send(CaptureRequest(hold: try hold.string("id"), credits: captured))
                #expect(capture.status == 200, "\(capture)")
            }
            let released = try await account.send(HoldRequest(feature: "calls", credits: 3))
            #expect(try await account.post("/holds/\(try released.string("id"))/release", "").status == 200)

            let today = PacificDate(containing: Date()).description
            let reply = try await account.get("/usage?from=\(today)&to=\(today)")
            #expect(reply.status == 200, "\(reply)")
            let report = try reply.decode(UsageAnswer.self)
            let holds = try #require(report.holds, "\(reply)")
            #expect(holds.map(\.feature) == ["calls", "sms"])
            #expect(holds.map(\.uses) == [2, 1])
            #expect(holds.map(\.credits) == ["30.000", "4.000"])
            let sms = try #require(report.features.first { $0.feature == "sms" })
            #expect(sms.uses == 0)
            let used = try await account.figures()[2]
            #expect(used == "34.500")
            #expect(report.totalCredits == used)
            let day = try #require(report.days.first)
            #expect(day.credits == used)
            #expect(day.holds == "34.000")
        }
    }
}
