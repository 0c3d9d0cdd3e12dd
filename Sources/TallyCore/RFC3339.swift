import Foundation

/// Times as RFC 3339 writes them (section 5.6, `date-time`), read strictly: what a
/// client sends is either exactly the instant it wrote or refused — never a nearby one.
///
/// `YYYY-MM-DDTHH:MM:SS`, an optional fraction of a second (`.` and 1 to 9 digits), then
/// `Z` or an offset `±HH:MM`. `T` and `Z` may be lower case (the RFC's grammar is case
/// blind); nothing else is accepted: no space for `T`, no missing seconds or offset, no
/// year of more than four digits, no day a month does not have (`2027-02-30`), no hour 24,
/// and no leap second (`:60`), which a `Date` cannot hold.
public enum RFC3339 {
    /// A time written the way the API reads it, for messages.
    public static let example = "2027-01-31T08:00:00Z"

    /// Why a text is not an RFC 3339 time.
    public enum Problem: Error, Sendable, Hashable {
        /// Not `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
        case malformed
        /// A day its month does not have, or a month that is not one.
        case noSuchDay
        /// An hour, minute or second out of range.
        case noSuchTime
        /// An offset over 23:59.
        case noSuchOffset

        /// What a 422 says of the field.
        public var reason: String {
            switch self {
            case .malformed: "must be an RFC 3339 time such as \(RFC3339.example)"
            case .noSuchDay: "must be a real date: that month has no such day"
            case .noSuchTime: "must be a real time of day, from 00:00:00 to 23:59:59"
            case .noSuchOffset: "must have an offset from -23:59 to +23:59, or Z"
            }
        }
    }

    /// The instant `text` names, or why it names none.
    public static func parse(_ text: String) -> Result<Date, Problem> {
        var reader = Reader(bytes: Array(text.utf8))
        guard let year = reader.digits(4), reader.skip("-"), let month = reader.digits(2), reader.skip("-"),
            let day = reader.digits(2), reader.skip("T", or: "t"), let hour = reader.digits(2), reader.skip(":"),
            let minute = reader.digits(2), reader.skip(":"), let second = reader.digits(2)
        else { return .failure(.malformed) }
        var nanoseconds = 0
        if reader.skip(".") {
            guard let fraction = reader.fraction() else { return .failure(.malformed) }
            nanoseconds = fraction
        }
        var offsetSeconds = 0
        if !reader.skip("Z", or: "z") {
            let sign: Int
            if reader.skip("+") {
                sign = 1
            } else if reader.skip("-") {
                sign = -1
            } else {
                return .failure(.malformed)
            }
            guard let hours = reader.digits(2), reader.skip(":"), let minutes = reader.digits(2) else {
                return .failure(.malformed)
            }
            guard hours <= 23, minutes <= 59 else { return .failure(.noSuchOffset) }
            offsetSeconds = sign * (hours * 3_600 + minutes * 60)
        }
        guard reader.atEnd else { return .failure(.malformed) }
        guard (1...12).contains(month), (1...PacificDate.daysIn(month: month, year: year)).contains(day) else {
            return .failure(.noSuchDay)
        }
        guard hour <= 23, minute <= 59, second <= 59 else { return .failure(.noSuchTime) }
        let seconds =
            daysSince1970(year: year, month: month, day: day) * 86_400 + hour * 3_600 + minute * 60 + second
            - offsetSeconds
        return .success(Date(timeIntervalSince1970: TimeInterval(seconds) + TimeInterval(nanoseconds) / 1_000_000_000))
    }

    /// Days from 1970-01-01 to a day of the proleptic Gregorian calendar (negative before).
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let shifted = month <= 2 ? year - 1 : year  // years counted from March
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Reads a text's bytes from the left.
    private struct Reader {
        let bytes: [UInt8]
        var at = 0

        var atEnd: Bool { at == bytes.count }

        /// Exactly `count` ASCII digits as a number.
        mutating func digits(_ count: Int) -> Int? {
            guard bytes.count - at >= count else { return nil }
            var value = 0
            for byte in bytes[at..<at + count] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            at += count
            return value
        }

        /// 1 to 9 digits after the point, as nanoseconds.
        mutating func fraction() -> Int? {
            var value = 0
            var count = 0
            while !atEnd, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[at]) {
                guard count < 9 else { return nil }
                value = value * 10 + Int(bytes[at] - UInt8(ascii: "0"))
                count += 1
                at += 1
            }
            guard count > 0 else { return nil }
            for _ in count..<9 { value *= 10 }
            return value
        }

        mutating func skip(_ character: Unicode.Scalar, or other: Unicode.Scalar? = nil) -> Bool {
            guard !atEnd, bytes[at] == UInt8(ascii: character) || other.map({ bytes[at] == UInt8(ascii: $0) }) == true
            else { return false }
            at += 1
            return true
        }
    }
}
