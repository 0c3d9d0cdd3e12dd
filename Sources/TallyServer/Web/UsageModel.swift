import Foundation
import TallyApp
import TallyCore

/// How the pages name and color each feature.
enum FeatureStyle {
    static func label(_ feature: Feature) -> String {
        switch feature {
        case .emailValidation: "Email validation"
        case .phoneValidation: "Phone validation"
        case .creditScore: "Credit score"
        case .dti: "DTI"
        case .sms: "SMS"
        }
    }

    static func color(_ feature: Feature) -> String {
        switch feature {
        case .emailValidation: "#6366f1"
        case .phoneValidation: "#06b6d4"
        case .creditScore: "#f59e0b"
        case .dti: "#ef4444"
        case .sms: "#10b981"
        }
    }

    /// The class that colors a feature's swatch: the pages carry no inline style
    /// (the Content-Security-Policy allows only the stylesheet), so each color is a rule.
    static func swatchClass(_ feature: Feature) -> String {
        "swatch-" + feature.rawValue.replacingOccurrences(of: "_", with: "-")
    }

    /// The color of credits captured from the platform's own holds.
    static let holdsColor = "#94a3b8"
    static let holdsSwatchClass = "swatch-holds"

    /// The stylesheet's rules for `swatchClass`, one per feature, and the holds'.
    static var swatchRules: String {
        Feature.allCases.map { ".swatch.\(swatchClass($0)) { background: \(color($0)); }\n" }.joined()
            + ".swatch.\(holdsSwatchClass) { background: \(holdsColor); }\n"
    }
}

/// The Credit usage page: range presets, the per-feature table, the chart and the wallet's forecast.
struct UsageModel {
    struct Preset {
        let test: String
        let label: String
        let href: String
        let active: Bool
    }

    struct Row {
        let feature: String
        let swatch: String
        let cost: String
        let uses: String
        let credits: String
        let money: String
        /// The row's log with the same range; empty for the platform's own holds, which have none.
        let href: Text
        let note: Text
    }

    struct Legend {
        let label: String
        let swatch: String
    }

    let presets: [Preset]
    let from: String
    let to: String
    let rangeLabel: String
    let rows: [Row]
    let total: String
    let totalMoney: String
    let chart: String
    let legend: [Legend]
    /// The wallet's forecast in words (``ForecastSentence``), whatever range is shown.
    let forecast: String
    let values: [String: String]
    let errors: [String: Text]
    /// The wallet summary at the top, and the Buy credits dialog it opens.
    let wallet: BillingModel

    init(
        report: Reports.UsageReport,
        wallet: BillingModel,
        forecast: String,
        today: PacificDate,
        values: [String: String],
        errors: [String: String]
    ) {
        self.wallet = wallet
        from = report.from
        to = report.to
        presets = [7, 30, 90, 365].map { days in
            let start = today.adding(days: -(days - 1)).description
            return Preset(
                test: "range-\(days)",
                label: days == 365 ? "12 months" : "\(days) days",
                href: "/app/usage?from=\(start)&to=\(today)",
                active: report.from == start && report.to == today.description
            )
        }
        rangeLabel = "\(WebFormat.day(report.from)) – \(WebFormat.day(report.to))"
        let features = report.features.map { line in
            Row(
                feature: FeatureStyle.label(line.feature),
                swatch: FeatureStyle.swatchClass(line.feature),
                cost: line.costPerUse.map { $0.description } ?? "by country, per segment",
                uses: WebFormat.count(line.uses),
                credits: line.credits.description,
                money: WebFormat.dollars(Catalog.value(of: line.credits)),
                href: "/app/logs/\(FeatureLog(of: line.feature).rawValue)?from=\(report.from)&to=\(report.to)",
                note: ""
            )
        }
        // The platform's own holds, captured, after the catalog's features: the rows add up to the total.
        let holds = report.holds.map { line in
            Row(
                feature: line.feature,
                swatch: FeatureStyle.holdsSwatchClass,
                cost: "as captured",
                uses: WebFormat.count(line.uses),
                credits: line.credits.description,
                money: WebFormat.dollars(Catalog.value(of: line.credits)),
                href: "",
                note: "your platform's holds"
            )
        }
        rows = features + holds
        total = report.totalCredits.description
        totalMoney = WebFormat.dollars(Catalog.value(of: report.totalCredits))
        chart = UsageChart.svg(report)
        legend =
            Feature.allCases.map { Legend(label: FeatureStyle.label($0), swatch: FeatureStyle.swatchClass($0)) }
            + (report.holds.isEmpty ? [] : [Legend(label: "Your platform's holds", swatch: FeatureStyle.holdsSwatchClass)])
        self.forecast = forecast
        self.values = values.isEmpty ? ["from": report.from, "to": report.to] : values
        self.errors = errors.texts
    }
}
