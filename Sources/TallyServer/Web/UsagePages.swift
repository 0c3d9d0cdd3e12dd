import Foundation
import Hummingbird
import TallyApp
import TallyCore

/// Credit usage (per feature, with a daily chart) and the feature logs, with their CSV download.
extension WebRoutes {
    func addUsage(to router: Router<TallyRequestContext>) {
        router.get(
            "/app/usage",
            use: page { request, visit, _ in
                let query = request.uri.queryParameters
                let from = query.get("from").flatMap { $0.isEmpty ? nil : $0 }
                let to = query.get("to").flatMap { $0.isEmpty ? nil : $0 }
                let reader = try visit.principal.reportReader(of: visit.manager.accountID)
                let wallet = try await tally.wallets.wallet(of: try visit.featureCaller)
                let cards = try await tally.purchases.paymentMethods(of: visit.manager)
                var summary = BillingModel(wallet: wallet, cards: cards, purchases: [], state: BillingState(), csrf: visit.csrf)
                summary.onStripe = paysOnStripe
                summary.returnTo = "/app/usage"
                do {
                    let report = try await tally.reports.usage(of: reader, from: from, to: to)
                    let model = UsageModel(
                        report: report,
                        wallet: summary,
                        forecast: ForecastSentence.of(wallet, today: today),
                        today: today,
                        values: [:],
                        errors: [:]
                    )
                    return WebResponse.html(views.page("usage", model, title: "Credit usage", section: .usage, visit: visit))
                } catch TallyError.invalid(let errors) {
                    let report = try await tally.reports.usage(of: reader, from: nil, to: nil)
                    let model = UsageModel(
                        report: report,
                        wallet: summary,
                        forecast: ForecastSentence.of(wallet, today: today),
                        today: today,
                        values: ["from": from ?? "", "to": to ?? ""],
                        errors: FormErrors(errors).byField
                    )
                    return WebResponse.html(
                        views.page("usage", model, title: "Credit usage", section: .usage, visit: visit),
                        status: .unprocessableContent
                    )
                }
            }
        )
        router.get("/app/logs") { _, _ in WebResponse.redirect("/app/logs/sms") }
        router.get(
            "/app/logs/{log}",
            use: page { request, visit, context in
                var name = try context.parameters.require("log")
                let csv = name.hasSuffix(".csv")
                if csv { name.removeLast(".csv".count) }
                let log = try Reports.log(named: name)
                let reader = try visit.principal.reportReader(of: visit.manager.accountID)
                let logRequest = Self.webLogRequest(request)
                if csv {
                    let export = try tally.reports.export(log, of: reader, logRequest)
                    return ReportRoutes.csv(fileName: export.fileName) { write in try await export.run(write: write) }
                }
                do {
                    let page = try await tally.reports.page(log, of: reader, logRequest)
                    let model = LogModel(log: log, page: page, request: logRequest, errors: [:])
                    return WebResponse.html(views.page("log", model, title: LogModel.title(log), section: .logs, visit: visit))
                } catch TallyError.invalid(let errors) {
                    let model = LogModel(log: log, page: nil, request: logRequest, errors: FormErrors(errors).byField)
                    return WebResponse.html(
                        views.page("log", model, title: LogModel.title(log), section: .logs, visit: visit),
                        status: .unprocessableContent
                    )
                }
            }
        )
    }

    /// The Pacific calendar day now.
    var today: PacificDate { PacificDate(containing: tally.time.now()) }

    /// The log filters of a page's query; empty fields are "not given".
    static func webLogRequest(_ request: Request) -> Reports.LogRequest {
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? {
            guard let text = query.get(name)?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        return Reports.LogRequest(
            from: value("from"),
            to: value("to"),
            result: value("result"),
            q: value("q"),
            limit: value("limit"),
            cursor: value("cursor")
        )
    }
}
