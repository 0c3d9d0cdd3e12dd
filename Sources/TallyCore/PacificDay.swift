import Foundation

/// Reports and logs count days in Pacific time, where the platform's customers work.
public enum PacificDay {
    public static let timeZone = TimeZone(identifier: "America/Los_Angeles")!

    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }()

    /// The Pacific calendar day of an instant, as `YYYY-MM-DD`.
    public static func of(_ date: Date) -> String {
        PacificDate(containing: date).description
    }

    /// An instant as a person in Los Angeles reads it, with the zone named:
    /// `2026-11-25 09:14:03 PST`.
    public static func timestamp(_ date: Date) -> String {
        let (local, offset) = localSeconds(date)
        let day = PacificDate(ordinal: Int(local.floorDivided(by: 86_400)))
        let second = Int(local - Int64(day.ordinal) * 86_400)
        // Named by hand: Foundation on Linux abbreviates the zone as "GMT-8".
        let zone = offset == -7 * 3_600 ? "PDT" : "PST"
        // Written byte by byte: exports call this for every line.
        return String(unsafeUninitializedCapacity: 23) { buffer in
            var at = buffer.write(" ", at: day.write(to: buffer))
            at = buffer.write(":", at: buffer.writeDigits(second / 3_600, count: 2, at: at))
            at = buffer.write(":", at: buffer.writeDigits(second / 60 % 60, count: 2, at: at))
            at = buffer.write(" ", at: buffer.writeDigits(second % 60, count: 2, at: at))
            return buffer.write(zone, at: at)
        }
    }

    /// Whole seconds since 1970 on the Los Angeles wall clock, and the zone's offset then.
    /// Plain arithmetic on the zone's offset: reports and exports call this per line.
    static func localSeconds(_ date: Date) -> (local: Int64, offset: Int) {
        let utc = Int64(date.timeIntervalSince1970.rounded(.down))
        let offset = offsetSeconds(utc: utc) ?? timeZone.secondsFromGMT(for: date)
        return (utc + Int64(offset), offset)
    }

    /// Los Angeles' offset from UTC by the US rule in force since 2007: daylight time
    /// from the second Sunday of March, 02:00 PST, to the first Sunday of November,
    /// 02:00 PDT. Plain arithmetic, since exports read it for every line; nil before
    /// 2007, where the zone database answers instead.
    static func offsetSeconds(utc: Int64) -> Int? {
        let year = PacificDate(ordinal: Int((utc - 8 * 3_600).floorDivided(by: 86_400))).year
        guard year >= 2007 else { return nil }
        func sunday(onOrAfter day: PacificDate) -> Int64 {
            let ordinal = day.ordinal
            let weekday = ((ordinal + 4) % 7 + 7) % 7  // 1970-01-01 was a Thursday; 0 is Sunday.
            return Int64(ordinal + (7 - weekday) % 7)
        }
        let springForward = (sunday(onOrAfter: PacificDate(year: year, month: 3, day: 8))) * 86_400 + 10 * 3_600
        let fallBack = (sunday(onOrAfter: PacificDate(year: year, month: 11, day: 1))) * 86_400 + 9 * 3_600
        return utc >= springForward && utc < fallBack ? -7 * 3_600 : -8 * 3_600
    }

}

extension UnsafeMutableBufferPointer<UInt8> {
    /// Writes `value` as exactly `count` decimal digits (leading zeros) at `at`; answers
    /// the position after them.
    func writeDigits(_ value: Int, count: Int, at: Int) -> Int {
        var rest = value
        for position in (at..<at + count).reversed() {
            self[position] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        return at + count
    }

    /// Writes `text`'s bytes at `at`; answers the position after them.
    func write(_ text: String, at: Int) -> Int {
        var position = at
        for byte in text.utf8 {
            self[position] = byte
            position += 1
        }
        return position
    }
}

extension Int64 {
    /// Division rounding towards minus infinity, for instants before 1970.
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}

/// A Pacific calendar day. Always a real date: `2026-02-30` does not parse.
public struct PacificDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Characters in `YYYY-MM-DD`.
    public static let textLength = 10

    /// Parses `YYYY-MM-DD` exactly (four-digit year from 1970, two-digit month and day);
    /// nil for anything else, an impossible day included.
    public init?(_ text: String) { self.init(utf8: text.utf8) }

    public init?(_ text: Substring) { self.init(utf8: text.utf8) }

    /// Byte by byte, with no copy, and specialised for each text type above: reports
    /// parse a day for every rollup they read.
    private init?(utf8: some Sequence<UInt8>) {
        var fields = (year: 0, month: 0, day: 0)
        var count = 0
        for byte in utf8 {
            switch count {
            case 4, 7:
                guard byte == UInt8(ascii: "-") else { return nil }
            case 0..<Self.textLength:
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                let digit = Int(byte - UInt8(ascii: "0"))
                if count < 4 {
                    fields.year = fields.year * 10 + digit
                } else if count < 7 {
                    fields.month = fields.month * 10 + digit
                } else {
                    fields.day = fields.day * 10 + digit
                }
            default:
                return nil
            }
            count += 1
        }
        let (year, month, day) = fields
        guard count == Self.textLength, (1970...9999).contains(year), (1...12).contains(month),
            (1...Self.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The Pacific day an instant falls on.
    public init(containing date: Date) {
        self.init(ordinal: Int(PacificDay.localSeconds(date).local.floorDivided(by: 86_400)))
    }

    init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public var description: String {
        String(unsafeUninitializedCapacity: Self.textLength) { write(to: $0) }
    }

    /// Writes `YYYY-MM-DD` at the start of `buffer` and answers the bytes written.
    func write(to buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var at = buffer.writeDigits(year, count: 4, at: 0)
        at = buffer.write("-", at: at)
        at = buffer.writeDigits(month, count: 2, at: at)
        at = buffer.write("-", at: at)
        return buffer.writeDigits(day, count: 2, at: at)
    }

    /// The instant this day starts in Los Angeles (midnight PST or PDT).
    public var start: Date {
        PacificDay.calendar.date(from: DateComponents(year: year, month: month, day: day))!
    }

    /// Days since 1970-01-01 on the proleptic Gregorian calendar: exact day arithmetic
    /// whatever daylight saving does to the length of a day.
    var ordinal: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    init(ordinal: Int) {
        let z = ordinal + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (month <= 2 ? 1 : 0), month: month, day: day)
    }

    public func adding(days: Int) -> PacificDate { PacificDate(ordinal: ordinal + days) }

    /// Whole days from `self` to `other` (negative when `other` is earlier).
    public func days(to other: PacificDate) -> Int { other.ordinal - ordinal }

    /// The same day `years` later; February 29th becomes the 28th in a common year.
    public func adding(years: Int) -> PacificDate {
        let target = year + years
        return PacificDate(year: target, month: month, day: min(day, Self.daysIn(month: month, year: target)))
    }

    public static func < (lhs: PacificDate, rhs: PacificDate) -> Bool { lhs.ordinal < rhs.ordinal }
}

/// An inclusive range of Pacific days, as reports and logs take it.
public struct PacificDateRange: Sendable, Hashable {
    public let from: PacificDate
    public let to: PacificDate

    /// A query covers at most five years.
    public static let maximumYears = 5
    /// The range when none is asked for: the last 30 days, today included.
    public static let defaultDays = 30

    public enum Problem: Error, Sendable, Hashable {
        /// The parameter (`from` or `to`) is not a real `YYYY-MM-DD` date.
        case malformed(String)
        case reversed
        case tooLong
    }

    /// The range `from...to` of the query; either end defaults around `today`.
    /// A missing `from` is 29 days before `to`; a missing `to` is today (or, when
    /// only `from` is given and lies in the past, today as well).
    public static func parse(from: String?, to: String?, today: PacificDate) -> Result<PacificDateRange, Problem> {
        var end = today
        if let to {
            guard let day = PacificDate(to) else { return .failure(.malformed("to")) }
            end = day
        }
        var start = end.adding(days: -(defaultDays - 1))
        if let from {
            guard let day = PacificDate(from) else { return .failure(.malformed("from")) }
            start = day
        }
        guard start <= end else { return .failure(.reversed) }
        guard end <= start.adding(years: maximumYears) else { return .failure(.tooLong) }
        return .success(PacificDateRange(from: start, to: end))
    }

    public init(from: PacificDate, to: PacificDate) {
        precondition(from <= to, "a range starts before it ends")
        self.from = from
        self.to = to
    }

    /// Every day of the range, in order.
    public var days: [PacificDate] {
        (0...from.days(to: to)).map { from.adding(days: $0) }
    }

    /// The first instant of the range.
    public var start: Date { from.start }
    /// The first instant after the range.
    public var end: Date { to.adding(days: 1).start }
}
