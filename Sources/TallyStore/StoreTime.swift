import Foundation

extension Date {
    /// Milliseconds since 1970, the way both databases store times.
    public var storedMilliseconds: Int64 {
        Int64((timeIntervalSince1970 * 1000).rounded())
    }

    public init(storedMilliseconds: Int64) {
        self.init(timeIntervalSince1970: TimeInterval(storedMilliseconds) / 1000)
    }
}
