import Foundation
import Hummingbird
import TallyApp
import TallyCore

/// Scheduler events: the list, and an editor for each event's data intelligence.
extension WebRoutes {
    func addEvents(to router: Router<TallyRequestContext>) {
        router.get(
            "/app/events",
            use: page { request, visit, _ in
                if let new = request.uri.queryParameters.get("new"), !new.isEmpty {
                    return WebResponse.redirect("/app/events/" + WebSession.percentEncoded(new.trimmingCharacters(in: .whitespaces)))
                }
                let events = try await tally.events.list(of: visit.manager).map(EventRow.init)
                let model = EventListModel(events: events, hasEvents: !events.isEmpty)
                return WebResponse.html(views.page("events", model, title: "Events", section: .events, visit: visit))
            }
        )
        router.get(
            "/app/events/{event}",
            use: page { _, visit, context in
                let id = try context.parameters.require("event")
                let stored = try await tally.events.configurationIfAny(id, of: visit.manager)
                let model = EventEditorModel(id: id, config: stored ?? EventConfig(name: id), isNew: stored == nil, form: nil, csrf: visit.csrf)
                return WebResponse.html(views.page("event", model, title: "Event \(id)", section: .events, visit: visit))
            }
        )
        router.post(
            "/app/events/{event}",
            use: action { form, visit, context in
                let id = try context.parameters.require("event")
                do {
                    let config = try JSONBody<EventConfig>.decode(EventConfig.self, from: Self.eventJSON(form).bytes)
                    let saved = try await tally.events.configure(id, config, by: visit.manager)
                    return WebResponse.done(
                        "/app/events/" + WebSession.percentEncoded(id),
                        flash: "Saved \(saved.name)." + (saved.creditCheck != .none ? " A credit check runs both validations too." : ""),
                        settings: settings
                    )
                } catch TallyError.invalid(let errors) {
                    let renamed = FormErrors(errors.map(Self.eventField))
                    let model = EventEditorModel(id: id, config: nil, isNew: false, form: (form, renamed), csrf: visit.csrf)
                    return WebResponse.html(
                        views.page("event", model, title: "Event \(id)", section: .events, visit: visit),
                        status: .unprocessableContent
                    )
                }
            }
        )
    }

    /// The event form as the API's JSON; blank route rows are left out.
    static func eventJSON(_ form: WebForm) -> JSONFields {
        var json = JSONFields()
        json.string("name", form["name"] ?? "")
        json.bool("emailValidation", form.checked("emailValidation"))
        json.bool("phoneValidation", form.checked("phoneValidation"))
        json.string("creditCheck", form["creditCheck"] ?? "none")
        var rules = JSONFields()
        rules.bool("invalidEmail", form.checked("invalidEmail"))
        rules.bool("invalidPhone", form.checked("invalidPhone"))
        rules.number("minCreditScore", form["minCreditScore"])
        rules.number("maxDtiPercent", form["maxDtiPercent"])
        json.raw("disqualify", rules.json)
        var routes = [String]()
        for row in routeRows(form) where !row.allSatisfy(\.isEmpty) {
            var route = JSONFields()
            route.string("name", row[0].isEmpty ? " " : row[0])
            route.number("minCreditScore", row[1])
            route.number("maxCreditScore", row[2])
            route.number("maxDtiPercent", row[3])
            routes.append(route.json)
        }
        json.raw("routes", "[" + routes.joined(separator: ",") + "]")
        json.string("defaultRoute", form["defaultRoute"])
        return json
    }

    /// The route table's rows: name, min score, max score, max DTI.
    static func routeRows(_ form: WebForm) -> [[String]] {
        let names = form.all("routeName")
        let mins = form.all("routeMinCreditScore")
        let maxes = form.all("routeMaxCreditScore")
        let dtis = form.all("routeMaxDtiPercent")
        return names.indices.map { index in
            [
                names[index], mins.indices.contains(index) ? mins[index] : "", maxes.indices.contains(index) ? maxes[index] : "",
                dtis.indices.contains(index) ? dtis[index] : "",
            ]
        }
    }

    /// The API's field path as the form's field: `disqualify.minCreditScore` is `minCreditScore`;
    /// every route problem shows beside the route table.
    static func eventField(_ error: FieldError) -> FieldError {
        if error.field.hasPrefix("disqualify.") { return FieldError(String(error.field.dropFirst("disqualify.".count)), error.reason) }
        if error.field.hasPrefix("routes[") {
            let text = error.field.replacingOccurrences(of: "routes[", with: "Route ").replacingOccurrences(of: "].", with: " ")
            return FieldError("routes", "\(text) \(error.reason)")
        }
        return error
    }
}

struct EventRow {
    let id: String
    let href: String
    let name: String
    let checks: String
    let routes: String
    let updated: String

    init(_ summary: Events.Summary) {
        id = summary.id
        href = "/app/events/" + WebSession.percentEncoded(summary.id)
        name = summary.config.name
        var checks = [String]()
        if summary.config.emailValidation { checks.append("Email validation") }
        if summary.config.phoneValidation { checks.append("Phone validation") }
        switch summary.config.creditCheck {
        case .creditScore: checks.append("Credit score")
        case .dti: checks.append("DTI")
        case .none: break
        }
        self.checks = checks.isEmpty ? "No checks" : checks.joined(separator: " · ")
        routes = summary.config.routes.isEmpty ? "—" : summary.config.routes.map(\.name).joined(separator: ", ")
        updated = WebFormat.pacific(summary.updatedAt)
    }
}

struct EventListModel {
    let events: [EventRow]
    let hasEvents: Bool
}
