import Foundation
import Hummingbird
import TallyApp
import TallyCore
import TallyStore

/// One ledger entry explained (`/app/ledger/{id}`), opened from Recent activity and from
/// each log line (`/app/logs/{log}/{line}`, which finds the entry that charged the line).
extension WebRoutes {
    func addExplanation(to router: Router<TallyRequestContext>) {
        router.get(
            "/app/ledger/{id}",
            use: page { request, visit, context in
                let reader = try visit.principal.reportReader(of: visit.manager.accountID)
                let view: Wallets.ExplanationView
                do {
                    view = try await tally.wallets.explanation(of: reader, entry: try context.parameters.require("id"))
                } catch TallyError.notFound {
                    return try await notFound(request)
                }
                let model = ExplanationModel(view)
                return WebResponse.html(views.page("explanation", model, title: "Ledger entry", section: .billing, visit: visit))
            }
        )
        router.get(
            "/app/logs/{log}/{line}",
            use: page { request, visit, context in
                _ = try Reports.log(named: try context.parameters.require("log"))
                let line = try context.parameters.require("line")
                guard let entry = try await tally.store.ledgerEntryID(reference: line, account: visit.manager.accountID) else {
                    let model = MessageModel(
                        heading: "Nothing was charged for this line",
                        text: "No ledger entry names this log line: it was refused, skipped or blocked before any credit moved.",
                        test: "not-charged",
                        link: "/app/logs/\(try context.parameters.require("log"))",
                        linkLabel: "Back to the log"
                    )
                    return WebResponse.html(views.page("message", model, title: "Not charged", section: .logs, visit: visit), status: .notFound)
                }
                return WebResponse.redirect("/app/ledger/\(WebSession.percentEncoded(entry.rawValue))")
            }
        )
    }
}

/// A ledger entry and why, in the page's words. Every text is escaped by the template.
struct ExplanationModel {
    struct Lot {
        let lot: String
        let credits: String
        let held: String
    }

    struct Field {
        let label: String
        let value: String
    }

    let id: String
    let kind: String
    let explanation: String
    let credits: String
    let balanceBefore: String
    let balanceAfter: String
    let date: String
    let reference: String
    let feature: Text
    let idempotencyKey: Text
    let hold: [Field]
    let hasHold: Bool
    let lots: [Lot]
    let hasLots: Bool
    let logLine: [Field]
    let hasLogLine: Bool
    let logHref: String

    init(_ view: Wallets.ExplanationView) {
        let entry = view.entry
        id = entry.id.rawValue
        kind = entry.kind.rawValue
        explanation = view.explanation
        credits = (entry.credits.isPositive ? "+" : "") + entry.credits.description
        balanceBefore = view.balanceBefore.description
        balanceAfter = entry.balanceAfter.description
        date = WebFormat.pacific(entry.createdAt)
        reference = entry.reference
        feature = Text(view.feature ?? "")
        idempotencyKey = Text(view.idempotencyKey ?? "")
        hold =
            view.hold.map {
                [
                    Field(label: "Hold", value: $0.id.rawValue), Field(label: "Feature", value: $0.feature),
                    Field(label: "Held", value: $0.credits.description), Field(label: "Captured", value: $0.capturedCredits.description),
                    Field(label: "Status", value: $0.status.rawValue), Field(label: "Reference", value: $0.reference),
                ]
            } ?? []
        hasHold = view.hold != nil
        lots = entry.lots.map { Lot(lot: $0.lot.rawValue, credits: $0.credits.description, held: $0.held.description) }
        hasLots = !lots.isEmpty
        if let line = view.logLine {
            logLine =
                zip(LogModel.columns(line.log), LogModel.cells(line.item)).map { Field(label: $0.0, value: $1.text) }
            logHref = "/app/logs/\(line.log.rawValue)"
        } else {
            logLine = []
            logHref = ""
        }
        hasLogLine = view.logLine != nil
    }
}

/// The ledger entry page.
enum ExplanationTemplates {
    static let explanation = #"""
        <div class="page-head"><div>
          <p class="eyebrow"><a href="/app/billing#activity">Recent activity</a></p>
          <h1>Ledger entry <span class="muted small" data-test="explanation-id">{{id}}</span></h1>
          <p class="lead" data-test="explanation">{{explanation}}</p>
        </div></div>
        <section class="card">
          <dl class="facts">
            <dt>Kind</dt><dd data-test="explanation-kind">{{kind}}</dd>
            <dt>When</dt><dd>{{date}}</dd>
            <dt>Balance before</dt><dd class="num" data-test="balance-before">{{balanceBefore}}</dd>
            <dt>Change</dt><dd class="num" data-test="explanation-credits">{{credits}}</dd>
            <dt>Balance after</dt><dd class="num" data-test="balance-after">{{balanceAfter}}</dd>
            {{#feature}}<dt>Feature</dt><dd data-test="explanation-feature">{{feature}}</dd>{{/feature}}
            <dt>Reference</dt><dd>{{reference}}</dd>
            {{#idempotencyKey}}<dt>Idempotency-Key</dt><dd data-test="idempotency-key"><code>{{idempotencyKey}}</code></dd>{{/idempotencyKey}}
          </dl>
        </section>
        {{#hasLots}}<section class="card">
          <h2>Credit lots</h2>
          <div class="table-wrap"><table>
            <thead><tr><th>Lot</th><th class="num">Credits</th><th class="num">Held</th></tr></thead>
            <tbody>
            {{#lots}}<tr data-test="explanation-lot"><td>{{lot}}</td><td class="num">{{credits}}</td><td class="num">{{held}}</td></tr>{{/lots}}
            </tbody>
          </table></div>
        </section>{{/hasLots}}
        {{#hasHold}}<section class="card" data-test="explanation-hold">
          <h2>The hold it came from</h2>
          <dl class="facts">{{#hold}}<dt>{{label}}</dt><dd>{{value}}</dd>{{/hold}}</dl>
        </section>{{/hasHold}}
        {{#hasLogLine}}<section class="card" data-test="explanation-log-line">
          <h2>The log line</h2>
          <dl class="facts">{{#logLine}}<dt>{{label}}</dt><dd>{{value}}</dd>{{/logLine}}</dl>
          <p><a href="{{logHref}}">Open the log →</a></p>
        </section>{{/hasLogLine}}
        """#
}
