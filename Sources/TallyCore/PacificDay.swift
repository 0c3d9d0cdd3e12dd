import Foundation

/// Reports and logs count days in Pacific time, where the platform's customers work.
public enum PacificDay {
    public static let timeZone = TimeZone(identifier: "America/Los_Angeles")!

    /// The Pacific calendar day of an instant, as `YYYY-MM-DD`.
    public static func of(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        let year = parts.year ?? 1970
        let month = parts.month ?? 1
        let day = parts.day ?? 1
        return "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
    }
}
