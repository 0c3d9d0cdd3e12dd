/// The usage guard and notifications pages.
enum AccountTemplates {
    static let usageGuard = #"""
        <div class="page-head"><div>
          <p class="eyebrow">Protection</p>
          <h1>Usage guard &amp; caps</h1>
          <p class="muted">Stops a runaway integration: when credit checks exceed the limit in the window, Tally blocks the request that crossed it and pauses checks until someone here resumes them.</p>
        </div></div>
        {{#paused}}
        <div class="banner danger" role="alert" data-test="guard-paused">
          <div><strong>Credit checks are paused</strong> since {{pausedAt}}: the limit was exceeded. No credit check runs or is charged until you resume.</div>
          <form method="post" action="/app/usage-guard/resume" class="inline">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <button type="submit" class="button primary" data-test="resume">Resume credit checks</button>
          </form>
        </div>
        {{/paused}}
        <section class="card narrow">
          <h2>Limit</h2>
          <p class="muted" data-test="guard-summary">{{summary}}</p>
          <form method="post" action="/app/usage-guard" class="form-grid" data-test="usage-guard-form">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <div class="field full"><label class="check"><input type="checkbox" name="enabled" id="guard-enabled"{{#checked}} checked{{/checked}}> Limit credit checks</label></div>
            <div class="field">
              <label for="guard-max">At most</label>
              <div class="suffix"><input id="guard-max" name="maxRequests" inputmode="numeric" value="{{values.maxRequests}}"><span>requests</span></div>
              {{#errors.maxRequests}}<p class="field-error" data-test="field-error">{{.}}</p>{{/errors.maxRequests}}
            </div>
            <div class="field">
              <label for="guard-window">Per window of</label>
              <div class="suffix"><input id="guard-window" name="windowSeconds" inputmode="numeric" value="{{values.windowSeconds}}" list="guard-windows"><span>seconds</span></div>
              <datalist id="guard-windows">{{#windows}}<option value="{{seconds}}">{{label}}</option>{{/windows}}</datalist>
              <p class="muted small">3600 is an hour, 86400 a day; at most 30 days.</p>
              {{#errors.windowSeconds}}<p class="field-error" data-test="field-error">{{.}}</p>{{/errors.windowSeconds}}
            </div>
            <div class="field full"><button type="submit" class="button primary" data-test="save-usage-guard">Save</button></div>
          </form>
        </section>
        <section class="card narrow" id="caps">
          <h2>Spend caps</h2>
          <p class="muted">At most so many credits of a feature per Pacific day or month. A use that would pass its cap is refused and costs nothing; your super admins are told once per period. Leave a field empty for no cap.</p>
          <form method="post" action="/app/usage-guard/caps" data-test="spend-caps-form">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <div class="table-wrap">
            <table class="table" data-test="spend-caps">
              <thead><tr><th>Feature</th><th>Per day</th><th>Per month</th></tr></thead>
              <tbody>
              {{#caps}}
                <tr data-test="cap-row">
                  <td><strong>{{name}}</strong></td>
                  <td><div class="suffix"><input name="{{feature}}.day" inputmode="decimal" value="{{day}}" aria-label="{{name}} per day"><span>credits</span></div>{{#dayNote}}<p class="muted small" data-test="cap-spent">{{dayNote}}</p>{{/dayNote}}</td>
                  <td><div class="suffix"><input name="{{feature}}.month" inputmode="decimal" value="{{month}}" aria-label="{{name}} per month"><span>credits</span></div>{{#monthNote}}<p class="muted small" data-test="cap-spent">{{monthNote}}</p>{{/monthNote}}</td>
                </tr>
              {{/caps}}
              </tbody>
            </table>
            </div>
            {{#capsError}}<p class="field-error" data-test="field-error">{{capsError}}</p>{{/capsError}}
            <div class="field full"><button type="submit" class="button primary" data-test="save-spend-caps">Save caps</button></div>
          </form>
        </section>
        """#

    static let notifications = #"""
        <div class="page-head"><div>
          <p class="eyebrow">Account</p>
          <h1>Notifications</h1>
          <p class="muted">What Tally told your super admins, newest first. Webhooks receive the same messages.</p>
        </div></div>
        <section class="card">
          <ul class="rows">
          {{#items}}
            <li class="row notification" data-test="notification-row">
              <span class="dot {{tone}}" aria-hidden="true"></span>
              <div class="grow"><strong>{{kind}}</strong><p>{{message}}</p></div>
              <span class="muted small nowrap">{{date}}</span>
            </li>
          {{/items}}
          {{^items}}<li class="muted">No notifications yet.</li>{{/items}}
          </ul>
        </section>
        """#
}
