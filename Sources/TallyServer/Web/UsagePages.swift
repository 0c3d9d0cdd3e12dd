import Foundation
import Hummingbird
import TallyApp
import TallyCore

/// Credit usage and the feature logs.
extension WebRoutes {
    static let logs = ["sms", "email_validation", "phone_validation", "credit_checks"]

    func addUsage(to router: Router<TallyRequestContext>) {
        router.get(
            "/app/usage",
            use: page { _, visit, _ in
                let model = MessageModel(
                    heading: "Credit usage is coming",
                    text:
                        "A per-feature breakdown and a daily chart of your credits will show here. Your balance and history are on the Billing page.",
                    test: "usage-coming",
                    link: "/app/billing",
                    linkLabel: "Go to Billing"
                )
                return WebResponse.html(views.page("message", model, title: "Credit usage", section: .usage, visit: visit))
            }
        )
        router.get(
            "/app/logs/{log}",
            use: page { _, visit, context in
                let log = try context.parameters.require("log")
                guard Self.logs.contains(log) else { throw TallyError.notFound("no log \(log)") }
                let model = MessageModel(
                    heading: "Logs are coming",
                    text: "Every SMS, validation and credit check, line by line, with filters and a CSV download, will show here.",
                    test: "logs-coming",
                    link: "/app/billing",
                    linkLabel: "Go to Billing"
                )
                return WebResponse.html(views.page("message", model, title: "Logs", section: .logs, visit: visit))
            }
        )
    }
}
