/// The Integrations page.
enum IntegrationsTemplates {
    static let integrations = #"""
        <div class="page-head"><div>
          <p class="eyebrow">Settings</p>
          <h1>Integrations</h1>
          <p class="muted">The providers behind each feature, and where to read what they did. Every log is also under Logs.</p>
        </div></div>
        {{#testMode}}<div class="banner warning" role="note"><span>Payments run in <strong>test mode</strong>: no card is charged and no money moves.</span></div>{{/testMode}}
        <section class="card">
          <ul class="rows integrations">
          {{#rows}}
            <li class="row integration" data-test="integration-row" id="{{test}}">
              <div class="grow">
                <p class="integration-title"><strong>{{role}}</strong> <span class="pill mode-{{modeClass}}" data-test="integration-mode">{{mode}}</span></p>
                <p class="muted small">{{what}}</p>
                <p class="small">Provider: <strong data-test="integration-provider">{{provider}}</strong></p>
                {{#note}}<p class="muted small">{{note}}</p>{{/note}}
              </div>
              <a class="button small" href="{{logHref}}" data-test="integration-log">{{logLabel}} →</a>
            </li>
          {{/rows}}
          </ul>
        </section>
        """#
}
