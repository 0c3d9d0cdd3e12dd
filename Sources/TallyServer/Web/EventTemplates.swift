/// The events list and the event editor.
enum EventTemplates {
    static let list = #"""
        <div class="page-head"><div>
          <p class="eyebrow">Data intelligence</p>
          <h1>Events</h1>
          <p class="muted">Each scheduler event decides which checks its leads get, who is disqualified, and where qualified leads go.</p>
        </div></div>
        <section class="card">
          <div class="table-wrap"><table>
            <thead><tr><th>Event</th><th>Checks</th><th>Routes</th><th>Updated</th></tr></thead>
            <tbody>
            {{#events}}<tr data-test="event-row"><td><a href="{{href}}"><strong>{{name}}</strong></a><br><span class="muted small mono">{{id}}</span></td><td>{{checks}}</td><td>{{routes}}</td><td class="nowrap">{{updated}}</td></tr>{{/events}}
            {{^hasEvents}}<tr><td colspan="4" class="muted">No event is configured yet. Events you configure through the API show here too.</td></tr>{{/hasEvents}}
            </tbody>
          </table></div>
          <form method="get" action="/app/events" class="inline-form">
            <label for="new-event">New event id</label>
            <input id="new-event" name="new" placeholder="e.g. spring-open-house" pattern="[A-Za-z0-9_.\-]{1,64}">
            <button type="submit" class="button">Configure</button>
          </form>
        </section>
        """#

    static let editor = #"""
        <div class="page-head"><div>
          <p class="eyebrow"><a href="/app/events">Events</a> / <span class="mono">{{id}}</span></p>
          <h1>{{name}}{{^name}}{{id}}{{/name}}</h1>
          {{#isNew}}<p class="muted">This event is not configured yet: save to create it.</p>{{/isNew}}
        </div></div>
        <form method="post" action="{{action}}" class="event-form" data-test="event-form">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <section class="card">
            <h2>Event</h2>
            <div class="field">
              <label for="event-name">Display name</label>
              <input id="event-name" name="name" value="{{name}}">
              {{#errors.name}}<p class="field-error" data-test="field-error">{{.}}</p>{{/errors.name}}
            </div>
          </section>
          <section class="card">
            <h2>Checks on every lead</h2>
            <div class="toggles">
              <label class="toggle"><input type="checkbox" name="emailValidation" id="emailValidation"{{#emailValidation}} checked{{/emailValidation}}>
                <span><strong>Email validation</strong><br><span class="muted small">{{emailPrice}} per attempt</span></span></label>
              <label class="toggle"><input type="checkbox" name="phoneValidation" id="phoneValidation"{{#phoneValidation}} checked{{/phoneValidation}}>
                <span><strong>Phone validation</strong><br><span class="muted small">{{phonePrice}} per attempt</span></span></label>
            </div>
            <div class="field">
              <label for="creditCheck">Credit check</label>
              <select id="creditCheck" name="creditCheck" data-couples-validations>
                {{#creditChecks}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}{{#price}} — {{price}}, only when completed{{/price}}</option>{{/creditChecks}}
              </select>
              <p class="hint{{^creditCheckOn}} js-hidden{{/creditCheckOn}}" id="coupling-note" data-test="coupling-note">A credit check needs a valid email and phone, so both validations are turned on with it.</p>
              {{#errors.creditCheck}}<p class="field-error" data-test="field-error">{{.}}</p>{{/errors.creditCheck}}
            </div>
          </section>
          <section class="card">
            <h2>Disqualify a lead when</h2>
            <div class="toggles">
              <label class="toggle"><input type="checkbox" name="invalidEmail"{{#invalidEmail}} checked{{/invalidEmail}}> <span>the email is invalid</span></label>
              <label class="toggle"><input type="checkbox" name="invalidPhone"{{#invalidPhone}} checked{{/invalidPhone}}> <span>the phone is invalid</span></label>
            </div>
            <div class="form-grid">
              <div class="field">
                <label for="minCreditScore">Credit score below</label>
                <input id="minCreditScore" name="minCreditScore" inputmode="numeric" placeholder="300–850" value="{{minCreditScore}}">
                {{#errors.minCreditScore}}<p class="field-error" data-test="field-error">{{.}}</p>{{/errors.minCreditScore}}
              </div>
              <div class="field">
                <label for="maxDtiPercent">Debt-to-income above (%)</label>
                <input id="maxDtiPercent" name="maxDtiPercent" inputmode="numeric" placeholder="0–100" value="{{maxDtiPercent}}">
                {{#errors.maxDtiPercent}}<p class="field-error" data-test="field-error">{{.}}</p>{{/errors.maxDtiPercent}}
              </div>
            </div>
          </section>
          <section class="card">
            <h2>Routes</h2>
            <p class="muted">Tried in order; the first route whose bounds fit a qualified lead wins. Leave bounds empty for open ends.</p>
            {{#errors.routes}}<p class="field-error" data-test="field-error">{{.}}</p>{{/errors.routes}}
            <div class="table-wrap"><table class="routes" data-test="routes">
              <thead><tr><th>#</th><th>Route name</th><th>Min score</th><th>Max score</th><th>Max DTI %</th></tr></thead>
              <tbody>
              {{#routes}}<tr data-test="route-row"><td class="muted">{{number}}</td>
                <td><label class="sr-only" for="route-name-{{number}}">Route {{number}} name</label><input id="route-name-{{number}}" name="routeName" value="{{name}}"></td>
                <td><label class="sr-only" for="route-min-{{number}}">Route {{number}} minimum score</label><input id="route-min-{{number}}" name="routeMinCreditScore" inputmode="numeric" value="{{minCreditScore}}"></td>
                <td><label class="sr-only" for="route-max-{{number}}">Route {{number}} maximum score</label><input id="route-max-{{number}}" name="routeMaxCreditScore" inputmode="numeric" value="{{maxCreditScore}}"></td>
                <td><label class="sr-only" for="route-dti-{{number}}">Route {{number}} maximum DTI</label><input id="route-dti-{{number}}" name="routeMaxDtiPercent" inputmode="numeric" value="{{maxDtiPercent}}"></td></tr>{{/routes}}
              </tbody>
            </table></div>
            <div class="field">
              <label for="defaultRoute">Default route (when none matches)</label>
              <input id="defaultRoute" name="defaultRoute" value="{{defaultRoute}}">
              {{#errors.defaultRoute}}<p class="field-error" data-test="field-error">{{.}}</p>{{/errors.defaultRoute}}
            </div>
          </section>
          <div class="actions"><button type="submit" class="button primary" data-test="save-event">Save event</button> <a class="button ghost" href="/app/events">Cancel</a></div>
        </form>
        """#
}
