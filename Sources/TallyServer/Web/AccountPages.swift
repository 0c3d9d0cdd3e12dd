import Foundation
import Hummingbird
import TallyApp
import TallyCore

/// The usage guard and spend caps page, and the notifications page.
extension WebRoutes {
    func addAccountPages(to router: Router<TallyRequestContext>) {
        router.get("/app/usage-guard", use: page { _, visit, _ in try await usageGuardPage(visit, form: nil) })
        router.post(
            "/app/usage-guard",
            use: action { form, visit, _ in
                var json = JSONFields()
                json.bool("enabled", form.checked("enabled"))
                json.number("maxRequests", form["maxRequests"])
                json.number("windowSeconds", form["windowSeconds"])
                do {
                    let request = try JSONBody<UsageGuard.Settings>.decode(UsageGuard.Settings.self, from: json.bytes)
                    let saved = try await tally.usageGuard.update(request, by: visit.manager)
                    let flash =
                        saved.enabled
                        ? "The usage guard is on: at most \(saved.maxRequests) \(Self.checks(saved.maxRequests)) per \(Self.window(saved.windowSeconds))."
                        : "The usage guard is off."
                    return WebResponse.done("/app/usage-guard", flash: flash, settings: settings)
                } catch TallyError.invalid(let errors) {
                    var values = form.values
                    values["enabled"] = form.checked("enabled") ? "on" : ""
                    return try await usageGuardPage(visit, form: WebRoutes.FormState(values: values, errors: FormErrors(errors)))
                }
            }
        )
        router.post("/app/usage-guard/caps", use: action { form, visit, _ in try await configureCaps(form, visit) })
        router.post(
            "/app/usage-guard/resume",
            use: action { _, visit, _ in
                _ = try await tally.usageGuard.resume(by: visit.manager)
                return WebResponse.done("/app/usage-guard", flash: "Credit checks are running again.", settings: settings)
            }
        )
        router.get(
            "/app/notifications",
            use: page { _, visit, _ in
                let items = try await tally.notifications.list(of: visit.manager).map { item in
                    NotificationRow(
                        date: WebFormat.pacific(item.createdAt),
                        kind: item.kind.rawValue.replacingOccurrences(of: "_", with: " ").capitalized,
                        message: item.message,
                        tone: Self.tone(of: item.kind.rawValue)
                    )
                }
                let model = NotificationsModel(items: items)
                return WebResponse.html(views.page("notifications", model, title: "Notifications", section: .notifications, visit: visit))
            }
        )
    }

    func usageGuardPage(_ visit: Visit, form: FormState?, capsForm: FormState? = nil) async throws -> Response {
        let current = try await tally.usageGuard.settings(of: try visit.featureCaller)
        let caps = try await tally.spendCaps.caps(of: ReportReader(visit.manager))
        let saved: [String: String] = [
            "enabled": current.enabled ? "on" : "",
            "maxRequests": String(current.maxRequests),
            "windowSeconds": String(current.windowSeconds),
        ]
        let values = form?.values ?? saved
        var model = UsageGuardModel(
            enabled: current.enabled,
            summary: current.enabled
                ? "At most \(current.maxRequests) \(Self.checks(current.maxRequests)) per \(Self.window(current.windowSeconds))."
                : "Off: credit checks are not limited.",
            paused: current.paused,
            pausedAt: WebFormat.pacific(current.pausedAt),
            values: values,
            checked: values["enabled"] == "on",
            errors: form?.errors.byField.texts ?? [:],
            csrf: visit.csrf,
            windows: [("60", "1 minute"), ("3600", "1 hour"), ("86400", "1 day"), ("604800", "7 days"), ("2592000", "30 days")].map {
                WindowChoice(seconds: $0.0, label: $0.1)
            }
        )
        model.caps = Feature.allCases.map { feature in
            func standing(_ period: SpendPeriod) -> (value: String, note: String) {
                let typed = capsForm?.values["\(feature.rawValue).\(period.rawValue)"]
                guard let cap = caps.caps.first(where: { $0.feature == feature.rawValue && $0.period == period.rawValue }) else {
                    return (typed ?? "", "")
                }
                let when = period == .day ? "today" : "this month"
                return (
                    typed ?? WebFormat.shortCredits(cap.credits),
                    "\(RecentActivity.grouped(cap.spent)) of \(RecentActivity.grouped(cap.credits)) spent \(when); resets \(WebFormat.pacific(cap.resetsAt))"
                )
            }
            let (day, month) = (standing(.day), standing(.month))
            return CapRow(
                feature: feature.rawValue,
                name: SpendCapWords.name(feature).prefix(1).uppercased() + SpendCapWords.name(feature).dropFirst(),
                day: day.value,
                dayNote: Text(day.note),
                month: month.value,
                monthNote: Text(month.note)
            )
        }
        model.capsError = Text(capsForm?.errors.byField.values.sorted().joined(separator: "; ") ?? "")
        let status: HTTPResponse.Status = form == nil && capsForm == nil ? .ok : .unprocessableContent
        return WebResponse.html(
            views.page("usage-guard", model, title: "Usage guard & caps", section: .usageGuard, visit: visit),
            status: status
        )
    }

    /// Saves the spend caps as typed: one field per feature and period, empty for none.
    func configureCaps(_ form: WebForm, _ visit: Visit) async throws -> Response {
        var caps: [String] = []
        for feature in Feature.allCases {
            for period in SpendPeriod.allCases {
                let typed = (form["\(feature.rawValue).\(period.rawValue)"] ?? "").trimmingCharacters(in: .whitespaces)
                guard !typed.isEmpty else { continue }
                var cap = JSONFields()
                cap.string("feature", feature.rawValue)
                cap.string("period", period.rawValue)
                cap.number("credits", typed.replacingOccurrences(of: ",", with: ""))
                caps.append(cap.json)
            }
        }
        var json = JSONFields()
        json.raw("caps", "[" + caps.joined(separator: ",") + "]")
        do {
            let settings = try JSONBody<SpendCaps.Settings>.decode(SpendCaps.Settings.self, from: json.bytes)
            let saved = try await tally.spendCaps.configure(settings, by: visit.manager)
            let flash = saved.caps.isEmpty ? "No spend caps are set." : "Spend caps saved: \(saved.caps.count) in force."
            return WebResponse.done("/app/usage-guard#caps", flash: flash, settings: self.settings)
        } catch TallyError.invalid(let errors) {
            return try await usageGuardPage(visit, form: nil, capsForm: WebRoutes.FormState(values: form.values, errors: FormErrors(errors)))
        }
    }

    /// `1 hour`, `90 seconds`, `7 days`.
    static func window(_ seconds: Int) -> String {
        let units: [(Int, String)] = [(86_400, "day"), (3_600, "hour"), (60, "minute"), (1, "second")]
        for (size, name) in units where seconds % size == 0 {
            let count = seconds / size
            return count == 1 ? "\(name)" : "\(count) \(name)s"
        }
        return "\(seconds) seconds"
    }

    static func checks(_ count: Int) -> String {
        count == 1 ? "credit check" : "credit checks"
    }

    static func tone(of kind: String) -> String {
        if kind.contains("fail") || kind.contains("declin") || kind.contains("paused") || kind.contains("depleted") { return "bad" }
        if kind.contains("low") || kind.contains("limit") { return "warn" }
        return "ok"
    }
}

struct UsageGuardModel {
    let enabled: Bool
    let summary: String
    let paused: Bool
    let pausedAt: String
    let values: [String: String]
    let checked: Bool
    let errors: [String: Text]
    let csrf: String
    let windows: [WindowChoice]
    /// The spend caps, a row per feature.
    var caps: [CapRow] = []
    var capsError: Text = ""
}

struct CapRow {
    let feature: String
    let name: String
    let day: String
    let dayNote: Text
    let month: String
    let monthNote: Text
}

struct WindowChoice {
    let seconds: String
    let label: String
}

struct NotificationRow {
    let date: String
    let kind: String
    let message: String
    let tone: String
}

struct NotificationsModel {
    let items: [NotificationRow]
}
