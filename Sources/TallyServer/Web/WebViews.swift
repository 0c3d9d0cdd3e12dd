import Mustache

/// The page templates, compiled once, and the layout every page shares.
struct WebViews: Sendable {
    let library: MustacheLibrary
    /// Payments are the sandbox or a test key: every page wears the Test mode ribbon.
    let testMode: Bool

    init(testMode: Bool = true) {
        self.testMode = testMode
        var library = MustacheLibrary()
        let templates: [String: String] = [
            "layout": LayoutTemplates.layout,
            "login": LayoutTemplates.login,
            "message": LayoutTemplates.message,
            "billing": BillingTemplates.billing,
            "buy": BillingTemplates.buyDialog,
            "figure": BillingTemplates.figure,
            "usage-guard": AccountTemplates.usageGuard,
            "notifications": AccountTemplates.notifications,
            "events": EventTemplates.list,
            "event": EventTemplates.editor,
            "developers": DeveloperTemplates.developers,
            "usage": UsageTemplates.usage,
            "log": UsageTemplates.log,
            "integrations": IntegrationsTemplates.integrations,
            "explanation": ExplanationTemplates.explanation,
        ]
        for (name, text) in templates {
            do {
                try library.register(text, named: name)
            } catch {
                preconditionFailure("template \(name) does not parse: \(error)")
            }
        }
        self.library = library
    }

    /// Renders one registered template. A name with no template stops a debug build at
    /// once (a test reaching that page fails loudly); a release build serves the page without it.
    private func render(_ model: Any, _ template: String) -> String {
        guard let text = library.render(model, withTemplate: template) else {
            assertionFailure("no template named \(template)")
            return ""
        }
        return text
    }

    /// Renders `template` with `model` inside the layout, for `visit`.
    func page(_ template: String, _ model: Any, title: String, section: WebSection?, visit: Visit) -> String {
        let body = render(model, template)
        let layout = LayoutModel(
            title: title,
            body: body,
            nav: WebSection.allCases.map { NavItem(label: $0.label, href: $0.href, active: $0 == section) },
            signedIn: true,
            accountName: visit.accountName,
            userName: visit.manager.user.name,
            userEmail: visit.manager.user.email,
            csrf: visit.csrf,
            flash: Text(visit.flash ?? ""),
            flashTone: Text(visit.flashTone.rawValue),
            secret: Text(visit.secret ?? ""),
            testMode: testMode
        )
        return render(layout, "layout")
    }

    /// A page outside a session (login, forbidden): the layout without the navigation.
    func bare(_ template: String, _ model: Any, title: String) -> String {
        let body = render(model, template)
        let layout = LayoutModel(
            title: title,
            body: body,
            nav: [],
            signedIn: false,
            accountName: "",
            userName: "",
            userEmail: "",
            csrf: "",
            flash: "",
            flashTone: "",
            secret: "",
            testMode: testMode
        )
        return render(layout, "layout")
    }
}

/// The sections of the navigation, in order.
enum WebSection: CaseIterable, Sendable {
    case billing, usage, logs, usageGuard, events, notifications, integrations, developers

    var label: String {
        switch self {
        case .billing: "Billing"
        case .usage: "Credit usage"
        case .logs: "Logs"
        case .usageGuard: "Usage guard"
        case .events: "Events"
        case .notifications: "Notifications"
        case .integrations: "Integrations"
        case .developers: "Developers"
        }
    }

    var href: String {
        switch self {
        case .billing: "/app/billing"
        case .usage: "/app/usage"
        case .logs: "/app/logs/sms"
        case .usageGuard: "/app/usage-guard"
        case .events: "/app/events"
        case .notifications: "/app/notifications"
        case .integrations: "/app/integrations"
        case .developers: "/app/developers"
        }
    }
}

struct NavItem {
    let label: String
    let href: String
    let active: Bool
}

struct LayoutModel {
    let title: String
    let body: String
    let nav: [NavItem]
    let signedIn: Bool
    let accountName: String
    let userName: String
    let userEmail: String
    let csrf: String
    let flash: Text
    /// `waiting` or `problem`: a class on the flash; empty when done.
    let flashTone: Text
    let secret: Text
    let testMode: Bool
}

/// A short page with a heading and a sentence: forbidden, not found, coming soon.
struct MessageModel {
    let heading: String
    let text: String
    let test: String
    let link: Text
    let linkLabel: String
    /// The session's token, for a Log out button on the forbidden page; empty elsewhere.
    var csrf: Text = ""
}
