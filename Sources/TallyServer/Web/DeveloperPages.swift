import Foundation
import Hummingbird
import TallyApp
import TallyCore

/// Developers: API keys for the platform's backend and webhook endpoints.
extension WebRoutes {
    /// A new API key or webhook secret is shown once, in the answer to the POST that
    /// made it: it never travels in a cookie or a URL, and is never stored anywhere a
    /// later page could read it. (Every other action redirects to a GET page.)
    func addDevelopers(to router: Router<TallyRequestContext>) {
        router.get("/app/developers", use: page { _, visit, _ in try await developersPage(visit, keyForm: nil, hookForm: nil) })
        router.post(
            "/app/developers/api-keys",
            use: action { form, visit, _ in
                do {
                    let key = try await tally.accounts.createAPIKey(name: form["name"] ?? "", by: visit.manager)
                    return try await developersPage(
                        visit.showing(flash: "Created the API key “\(key.name)”.", secret: key.key),
                        keyForm: nil,
                        hookForm: nil
                    )
                } catch TallyError.invalid(let errors) {
                    return try await developersPage(visit, keyForm: FormState(values: form.values, errors: FormErrors(errors)), hookForm: nil)
                }
            }
        )
        router.post(
            "/app/developers/api-keys/{id}/revoke",
            use: action { _, visit, context in
                try await tally.accounts.revokeAPIKey(APIKeyID(try context.parameters.require("id")), by: visit.manager)
                return WebResponse.done("/app/developers", flash: "The API key was revoked; it stops working at once.", settings: settings)
            }
        )
        router.post(
            "/app/developers/webhooks",
            use: action { form, visit, _ in
                var json = JSONFields()
                json.string("url", form["url"] ?? "")
                do {
                    let request = try JSONBody<Webhooks.NewWebhook>.decode(Webhooks.NewWebhook.self, from: json.bytes)
                    let created = try await tally.webhooks.add(request, by: visit.manager)
                    return try await developersPage(
                        visit.showing(
                            flash: "Added the webhook \(created.url). Use its signing secret to check each delivery.",
                            secret: created.secret
                        ),
                        keyForm: nil,
                        hookForm: nil
                    )
                } catch TallyError.invalid(let errors) {
                    return try await developersPage(visit, keyForm: nil, hookForm: FormState(values: form.values, errors: FormErrors(errors)))
                }
            }
        )
        router.post(
            "/app/developers/webhooks/{id}/delete",
            use: action { _, visit, context in
                try await tally.webhooks.delete(try context.parameters.require("id"), by: visit.manager)
                return WebResponse.done("/app/developers", flash: "The webhook was removed.", settings: settings)
            }
        )
    }

    func developersPage(_ visit: Visit, keyForm: FormState?, hookForm: FormState?) async throws -> Response {
        let keys = try await tally.accounts.apiKeys(of: visit.manager).map {
            APIKeyRow(id: $0.id.rawValue, name: $0.name, created: WebFormat.pacific($0.createdAt))
        }
        var hooks = [WebhookRow]()
        for hook in try await tally.webhooks.list(of: visit.manager) {
            let deliveries = try await tally.webhooks.deliveries(of: hook.id, by: visit.manager).prefix(10).map { delivery in
                DeliveryRow(
                    notification: delivery.notificationId,
                    status: delivery.status.rawValue.capitalized,
                    tone: delivery.status == .delivered ? "on" : delivery.status == .failed ? "bad" : "",
                    attempts: String(delivery.attempts),
                    code: delivery.lastStatusCode.map(String.init) ?? "—",
                    when: WebFormat.pacific(delivery.deliveredAt ?? delivery.nextAttemptAt)
                )
            }
            hooks.append(
                WebhookRow(id: hook.id, url: hook.url, created: WebFormat.pacific(hook.createdAt), deliveries: Array(deliveries))
            )
        }
        let model = DevelopersModel(
            keys: keys,
            webhooks: hooks,
            csrf: visit.csrf,
            keyValues: keyForm?.values ?? [:],
            keyErrors: keyForm?.errors.byField.texts ?? [:],
            hookValues: hookForm?.values ?? [:],
            hookErrors: hookForm?.errors.byField.texts ?? [:],
            accountID: visit.manager.accountID.rawValue
        )
        let status: HTTPResponse.Status = keyForm == nil && hookForm == nil ? .ok : .unprocessableContent
        return WebResponse.html(views.page("developers", model, title: "Developers", section: .developers, visit: visit), status: status)
    }
}

struct APIKeyRow {
    let id: String
    let name: String
    let created: String
}

struct DeliveryRow {
    let notification: String
    let status: String
    let tone: String
    let attempts: String
    let code: String
    let when: String
}

struct WebhookRow {
    let id: String
    let url: String
    let created: String
    let deliveries: [DeliveryRow]
}

struct DevelopersModel {
    let keys: [APIKeyRow]
    let webhooks: [WebhookRow]
    let csrf: String
    let keyValues: [String: String]
    let keyErrors: [String: Text]
    let hookValues: [String: String]
    let hookErrors: [String: Text]
    let accountID: String
}
