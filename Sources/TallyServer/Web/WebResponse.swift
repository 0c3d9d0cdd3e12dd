import Foundation
import Hummingbird
import TallyCore

/// HTML answers and redirects of the web app.
enum WebResponse {
    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8",
                .cacheControl: "no-store",
                .init("X-Frame-Options")!: "DENY",
                .init("Referrer-Policy")!: "same-origin",
            ],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }

    /// 303 See Other: after a POST the browser GETs the next page.
    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// A successful action: back to a page that shows `flash` once.
    static func done(_ location: String, flash: String, settings: WebSettings) -> Response {
        var response = redirect(location)
        response.setCookie(WebSession.cookie(WebSession.flashCookie, WebSession.percentEncoded(flash), settings: settings, path: "/app", maxAge: 120))
        return response
    }
}

/// How the pages write times, credits and money.
enum WebFormat {
    /// `Nov 29, 2026, 3:35 PM PST`: Pacific time with the zone named.
    static func pacific(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = PacificDay.timeZone
        formatter.dateFormat = "MMM d, yyyy, h:mm a zzz"
        return formatter.string(from: date)
    }

    static func pacific(_ date: Date?) -> String {
        date.map { pacific($0) } ?? ""
    }

    /// `Nov 3, 2026` for the Pacific day `2026-11-03`.
    static func day(_ text: String) -> String {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]) else { return text }
        return "\(monthNames[parts[1] - 1]) \(parts[2]), \(parts[0])"
    }

    /// `Nov 3` for the Pacific day `2026-11-03`.
    static func shortDay(_ text: String) -> String {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]) else { return text }
        return "\(monthNames[parts[1] - 1]) \(parts[2])"
    }

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `12,345`.
    static func count(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.reversed().enumerated() {
            if index > 0 && index % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + String(grouped.reversed())
    }

    /// `$1,234.50`.
    static func dollars(_ money: Money) -> String {
        let text = money.description
        let parts = text.split(separator: ".")
        var whole = String(parts[0])
        let negative = whole.hasPrefix("-")
        if negative { whole.removeFirst() }
        var grouped = ""
        for (index, digit) in whole.reversed().enumerated() {
            if index > 0 && index % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return (negative ? "-" : "") + "$" + String(grouped.reversed()) + "." + (parts.count > 1 ? String(parts[1]) : "00")
    }

    /// A whole-credit amount without decimals when it has none: `500`, `0.5`.
    static func shortCredits(_ credits: Credits) -> String {
        var text = credits.description
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
