import Foundation
import TallyApp
import TallyCore

/// One feature log page: tabs, filters, the lines with the product's columns, totals and paging.
struct LogModel {
    struct Tab {
        let label: String
        let href: String
        let active: Bool
    }

    struct Choice {
        let value: String
        let label: String
        let selected: Bool
    }

    struct Cell {
        let text: String
        let className: String
    }

    struct Row {
        let cells: [Cell]
        /// Opens the explanation of the entry that charged the line.
        let href: String
    }

    let log: String
    let title: String
    let tabs: [Tab]
    let from: String
    let to: String
    let q: String
    let results: [Choice]
    let columns: [Cell]
    let rows: [Row]
    let hasRows: Bool
    let showTable: Bool
    let total: String
    let sentTotal: Text
    let isSMS: Bool
    let nextHref: Text
    let csvHref: String
    let errors: [String: Text]

    static func title(_ log: FeatureLog) -> String {
        switch log {
        case .sms: "SMS log"
        case .emailValidation: "Email validation log"
        case .phoneValidation: "Phone validation log"
        case .creditChecks: "Credit check log"
        }
    }

    init(log: FeatureLog, page: Reports.LogPage?, request: Reports.LogRequest, errors: [String: String]) {
        self.log = log.rawValue
        title = Self.title(log)
        from = page?.from ?? request.from ?? ""
        to = page?.to ?? request.to ?? ""
        q = request.q ?? ""
        var filters = [(String, String)]()
        if !from.isEmpty { filters.append(("from", from)) }
        if !to.isEmpty { filters.append(("to", to)) }
        if let result = request.result { filters.append(("result", result)) }
        if let q = request.q { filters.append(("q", q)) }
        func query(_ pairs: [(String, String)]) -> String {
            pairs.isEmpty ? "" : "?" + pairs.map { "\($0.0)=\(WebSession.percentEncoded($0.1))" }.joined(separator: "&")
        }
        let range = filters.filter { $0.0 == "from" || $0.0 == "to" }
        tabs = FeatureLog.allCases.map {
            Tab(
                label: $0 == .creditChecks ? "Credit checks" : Self.title($0).replacingOccurrences(of: " log", with: ""),
                href: "/app/logs/\($0.rawValue)" + query(range),
                active: $0 == log
            )
        }
        results =
            [Choice(value: "", label: "All results", selected: request.result == nil)]
            + log.results.map { Choice(value: $0.rawValue, label: $0.rawValue.capitalized, selected: request.result == $0.rawValue) }
        columns = Self.columns(log).map { Cell(text: $0.0, className: $0.1) }
        rows = (page?.items ?? []).map {
            Row(cells: Self.cells($0), href: "/app/logs/\(log.rawValue)/\(WebSession.percentEncoded(Self.id(of: $0)))")
        }
        hasRows = !rows.isEmpty
        showTable = page != nil
        if let page {
            total = "\(WebFormat.count(page.total)) \(page.total == 1 ? "line" : "lines") · \(page.totalCredits) credits"
            sentTotal = Text(page.totalSent.map { WebFormat.count($0) } ?? "")
            nextHref = Text(page.nextCursor.map { "/app/logs/\(log.rawValue)" + query(filters + [("cursor", $0)]) } ?? "")
        } else {
            total = ""
            sentTotal = ""
            nextHref = ""
        }
        isSMS = log == .sms
        csvHref = "/app/logs/\(log.rawValue).csv" + query(filters)
        self.errors = errors.texts
    }

    static func columns(_ log: FeatureLog) -> [(String, String)] {
        switch log {
        case .sms: [("Email", ""), ("Phone", ""), ("Credits", "num"), ("Event", ""), ("Sent", ""), ("Country", ""), ("Status", "")]
        case .emailValidation: [("Contact", ""), ("Email address", ""), ("Result", ""), ("Credits", "num"), ("Time", "")]
        case .phoneValidation:
            [("Contact", ""), ("Phone number", ""), ("Result", ""), ("Line type", ""), ("Credits", "num"), ("Time", "")]
        case .creditChecks:
            [("Contact", ""), ("Phone", ""), ("Score", "num"), ("DTI %", "num"), ("Result", ""), ("Credits", "num"), ("Triggered on", "")]
        }
    }

    /// Twilio Lookup's line type in words: `nonFixedVoip` reads "Non-fixed VoIP".
    static func lineTypeLabel(_ type: String) -> String {
        switch type {
        case "mobile": "Mobile"
        case "landline": "Landline"
        case "fixedVoip": "Fixed VoIP"
        case "nonFixedVoip": "Non-fixed VoIP"
        case "tollFree": "Toll-free"
        case "sharedCost": "Shared cost"
        case "uan": "UAN"
        default: type.prefix(1).uppercased() + type.dropFirst()
        }
    }

    static func id(of item: LogItem) -> String {
        switch item {
        case .sms(let line): line.id
        case .emailValidation(let line): line.id
        case .phoneValidation(let line): line.id
        case .creditCheck(let line): line.id
        }
    }

    static func cells(_ item: LogItem) -> [Cell] {
        func text(_ value: String?) -> Cell { Cell(text: value ?? "—", className: "") }
        func num(_ value: String) -> Cell { Cell(text: value, className: "num") }
        func result(_ value: UsageResult) -> Cell { Cell(text: value.rawValue, className: "result \(value.rawValue)") }
        func time(_ date: Date) -> Cell { Cell(text: WebFormat.pacific(date), className: "nowrap") }
        switch item {
        case .sms(let line):
            return [
                text(line.email), text(line.phone), num(line.credits.description), text(line.event), time(line.sentAt),
                text(line.country ?? line.iso), result(line.status),
            ]
        case .emailValidation(let line):
            return [text(line.contactName), text(line.email), result(line.result), num(line.credits.description), time(line.createdAt)]
        case .phoneValidation(let line):
            return [
                text(line.contactName), text(line.phone), result(line.result), text(line.lineType.map(Self.lineTypeLabel)),
                num(line.credits.description), time(line.createdAt),
            ]
        case .creditCheck(let line):
            return [
                text(line.contactName), text(line.phone), num(line.creditScore.map(String.init) ?? "—"),
                num(line.dtiPercent.map(String.init) ?? "—"), result(line.result), num(line.totalCredits.description),
                time(line.createdAt),
            ]
        }
    }
}
