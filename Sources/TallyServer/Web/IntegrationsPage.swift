import Hummingbird
import TallyApp

/// Integrations: each provider role, its provider and mode, and a link to its log.
extension WebRoutes {
    func addIntegrations(to router: Router<TallyRequestContext>) {
        router.get(
            "/app/integrations",
            use: page { _, visit, _ in
                let model = IntegrationsModel(tally.providerChoices)
                return WebResponse.html(views.page("integrations", model, title: "Integrations", section: .integrations, visit: visit))
            }
        )
    }
}
