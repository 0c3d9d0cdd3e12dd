/// The developers page: API keys and webhooks.
enum DeveloperTemplates {
    static let developers = #"""
        <div class="page-head"><div>
          <p class="eyebrow">Integration</p>
          <h1>Developers</h1>
          <p class="muted">Your account id is <code class="mono">{{accountID}}</code>. Your backend calls Tally's API with an API key; webhooks tell it what happened.</p>
        </div></div>
        <div class="columns">
        <section class="card">
          <h2>API keys</h2>
          <ul class="rows">
          {{#keys}}
            <li class="row" data-test="api-key-row">
              <div><strong>{{name}}</strong><br><span class="muted small"><span class="mono">{{id}}</span> · created {{created}}</span></div>
              <form method="post" action="/app/developers/api-keys/{{id}}/revoke" class="inline">
                <input type="hidden" name="csrf" value="{{csrf}}">
                <button type="submit" class="button ghost small danger-text" data-test="revoke-key">Revoke</button>
              </form>
            </li>
          {{/keys}}
          {{^keys}}<li class="muted">No API key yet.</li>{{/keys}}
          </ul>
          <form method="post" action="/app/developers/api-keys" class="inline-form" data-test="api-key-form">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <label for="key-name">Key name</label>
            <input id="key-name" name="name" placeholder="e.g. production backend" value="{{keyValues.name}}">
            <button type="submit" class="button primary" data-test="create-key">Create key</button>
            {{#keyErrors.name}}<p class="field-error" data-test="field-error">{{.}}</p>{{/keyErrors.name}}
          </form>
          <p class="muted small">The key is shown once, when it is created. Revoking a key stops it at once.</p>
        </section>
        <section class="card">
          <h2>Webhooks</h2>
          <ul class="rows">
          {{#webhooks}}
            <li class="row column" data-test="webhook-row">
              <div class="row-line">
                <div><strong class="break">{{url}}</strong><br><span class="muted small"><span class="mono">{{id}}</span> · added {{created}}</span></div>
                <form method="post" action="/app/developers/webhooks/{{id}}/delete" class="inline">
                  <input type="hidden" name="csrf" value="{{csrf}}">
                  <button type="submit" class="button ghost small danger-text" data-test="remove-webhook">Remove</button>
                </form>
              </div>
              <details>
                <summary>Recent deliveries</summary>
                <div class="table-wrap"><table class="compact">
                  <thead><tr><th>Notification</th><th>Status</th><th class="num">Attempts</th><th class="num">HTTP</th><th>When</th></tr></thead>
                  <tbody>
                  {{#deliveries}}<tr data-test="delivery-row"><td class="mono small">{{notification}}</td><td><span class="pill {{tone}}">{{status}}</span></td><td class="num">{{attempts}}</td><td class="num">{{code}}</td><td class="nowrap">{{when}}</td></tr>{{/deliveries}}
                  {{^deliveries}}<tr><td colspan="5" class="muted">Nothing sent yet.</td></tr>{{/deliveries}}
                  </tbody>
                </table></div>
              </details>
            </li>
          {{/webhooks}}
          {{^webhooks}}<li class="muted">No webhook yet.</li>{{/webhooks}}
          </ul>
          <form method="post" action="/app/developers/webhooks" class="inline-form" data-test="webhook-form">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <label for="hook-url">Endpoint URL</label>
            <input id="hook-url" name="url" type="url" placeholder="https://example.com/tally" value="{{hookValues.url}}">
            <button type="submit" class="button primary" data-test="add-webhook">Add webhook</button>
            {{#hookErrors.url}}<p class="field-error" data-test="field-error">{{.}}</p>{{/hookErrors.url}}
          </form>
          <p class="muted small">Each delivery is signed with the endpoint's secret, shown once when you add it.</p>
        </section>
        </div>
        """#
}
