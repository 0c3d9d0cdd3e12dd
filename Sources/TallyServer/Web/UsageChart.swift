import TallyApp
import TallyCore

/// The daily usage chart: an inline SVG drawn on the server, one bar a day stacked by feature.
///
/// Geometry is in whole viewBox units computed with integer arithmetic on thousandths of a credit.
enum UsageChart {
    static let width: Int64 = 1000
    static let height: Int64 = 260
    static let left: Int64 = 64
    static let right: Int64 = 12
    static let top: Int64 = 12
    static let bottom: Int64 = 30

    static func svg(_ report: Reports.UsageReport) -> String {
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let days = report.days
        let count = Int64(max(days.count, 1))
        let maxThousandths = niceCeiling(days.map(\.credits.thousandths).max() ?? 0)
        let slot = plotWidth * 100 / count  // hundredths of a unit, so long ranges keep their bars
        let bar = max(slot * 7 / 10, 100)
        var parts: [String] = []
        let title = "Credits used per day by feature, \(WebFormat.day(report.from)) to \(WebFormat.day(report.to))"
        parts.append(
            #"<svg class="chart" data-test="usage-chart" role="img" aria-labelledby="usage-chart-title" viewBox="0 0 \#(width) \#(height)" preserveAspectRatio="none">"#
        )
        parts.append(#"<title id="usage-chart-title">\#(escape(title))</title>"#)
        // Y axis: 0, half and the top, labelled in credits.
        for step in 0...2 {
            let value = maxThousandths * Int64(step) / 2
            let y = top + plotHeight - plotHeight * Int64(step) / 2
            parts.append(#"<line x1="\#(left)" x2="\#(width - right)" y1="\#(y)" y2="\#(y)" class="grid"/>"#)
            parts.append(
                #"<text x="\#(left - 8)" y="\#(y + 4)" text-anchor="end" class="axis">\#(WebFormat.shortCredits(Credits(thousandths: value)))</text>"#
            )
        }
        for (index, day) in days.enumerated() {
            let x = left * 100 + slot * Int64(index) + (slot - bar) / 2
            var base = top + plotHeight
            for feature in Feature.allCases {
                let spent = day.features[feature].thousandths
                guard spent > 0, maxThousandths > 0 else { continue }
                let h = max(plotHeight * spent / maxThousandths, 1)
                base -= h
                parts.append(
                    #"<rect x="\#(decimal(x))" y="\#(base)" width="\#(decimal(bar))" height="\#(h)" fill="\#(FeatureStyle.color(feature))"><title>\#(escape("\(WebFormat.day(day.date)): \(FeatureStyle.label(feature)) \(Credits(thousandths: spent)) credits"))</title></rect>"#
                )
            }
            // The platform's own holds, captured that day, on top.
            if day.holds.thousandths > 0, maxThousandths > 0 {
                let h = max(plotHeight * day.holds.thousandths / maxThousandths, 1)
                base -= h
                parts.append(
                    #"<rect x="\#(decimal(x))" y="\#(base)" width="\#(decimal(bar))" height="\#(h)" fill="\#(FeatureStyle.holdsColor)"><title>\#(escape("\(WebFormat.day(day.date)): your platform's holds \(day.holds) credits"))</title></rect>"#
                )
            }
        }
        // X axis: about six dates.
        let every = max(days.count / 6, 1)
        for (index, day) in days.enumerated() where index % every == 0 || index == days.count - 1 {
            let x = left * 100 + slot * Int64(index) + slot / 2
            parts.append(
                #"<text x="\#(decimal(x))" y="\#(height - 8)" text-anchor="middle" class="axis">\#(escape(WebFormat.shortDay(day.date)))</text>"#
            )
        }
        parts.append("</svg>")
        return parts.joined()
    }

    /// A round top for the axis: 1, 2 or 5 times a power of ten, in thousandths (at least one credit).
    static func niceCeiling(_ thousandths: Int64) -> Int64 {
        var unit: Int64 = 1000
        while true {
            for factor: Int64 in [1, 2, 5] where unit * factor >= thousandths {
                return unit * factor
            }
            unit *= 10
        }
    }

    /// Hundredths of a unit as `123.45`.
    static func decimal(_ hundredths: Int64) -> String {
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
