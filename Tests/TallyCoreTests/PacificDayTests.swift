import Foundation
import TallyCore
import Testing

@Suite("Pacific days")
struct PacificDayTests {
    @Test(arguments: [
        // 2026-11-25T07:59:59Z is still the 24th in Los Angeles (PST, UTC-8).
        (Int64(1_795_593_599), "2026-11-24"), (1_795_593_600, "2026-11-25"),
        // Summer time: 2026-07-01T06:59:59Z is June 30th (PDT, UTC-7).
        (1_782_889_199, "2026-06-30"), (1_782_889_200, "2026-07-01"),
    ])
    func usageCountsOnThePacificCalendarDay(seconds: Int64, day: String) {
        #expect(PacificDay.of(Date(timeIntervalSince1970: TimeInterval(seconds))) == day)
    }
}
