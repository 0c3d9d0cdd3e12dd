/// Credit usage and the feature logs.
enum UsageTemplates {
    static let usage = #"""
        <div class="page-head"><div>
          <p class="eyebrow">Reports</p>
          <h1>Credit usage</h1>
          <p class="muted">Your credits right now, then which feature spent what, {{rangeLabel}} (Pacific days). Click a feature to read its log.</p>
        </div>
        <a class="button primary" href="/app/billing?buy=1" data-test="buy-credits" data-open-dialog="buy-dialog">Buy credits</a></div>
        {{#wallet}}
        {{#depleted}}
        <div class="banner danger" role="alert" data-test="depleted-banner">
          <span><strong>You are out of credits.</strong> Every usage-based feature is stopped until you add credits.</span>
          <a href="/app/billing?buy=1" data-open-dialog="buy-dialog">Buy credits now</a>
        </div>
        {{/depleted}}
        {{> buy}}
        <section class="balance-grid three" aria-label="Wallet">
          <div class="card balance-main">
            <p class="label">Available credits</p>
            <p class="big"><span data-test="available">{{availableCredits}}</span></p>
            <p class="money">worth {{availableMoney}} at list price · updated in real time</p>
            <div class="auto-status" data-test="auto-recharge-status">
              <span class="pill {{#autoRechargeOn}}on{{/autoRechargeOn}}">Auto-recharge {{autoRechargeStatus}}</span>
              {{#autoRechargeLast}}<span class="muted small">{{autoRechargeLast}}</span>{{/autoRechargeLast}}
              <a class="small" href="/app/billing#auto-recharge">Settings</a>
            </div>
          </div>
          {{#summaryFigures}}{{> figure}}{{/summaryFigures}}
        </section>
        {{/wallet}}
        <section class="card">
          <div class="range-bar">
            <nav class="presets" aria-label="Date range">
              {{#presets}}<a href="{{href}}" data-test="{{test}}" class="preset{{#active}} active{{/active}}"{{#active}} aria-current="true"{{/active}}>{{label}}</a>{{/presets}}
            </nav>
            <form method="get" action="/app/usage" class="range-form" data-test="range-form">
              <div><label for="usage-from">From</label><input type="date" id="usage-from" name="from" value="{{values.from}}">
                {{#errors.from}}<p class="field-error" data-test="field-error">{{.}}</p>{{/errors.from}}</div>
              <div><label for="usage-to">To</label><input type="date" id="usage-to" name="to" value="{{values.to}}">
                {{#errors.to}}<p class="field-error" data-test="field-error">{{.}}</p>{{/errors.to}}</div>
              <button type="submit" class="button" data-test="apply-range">Apply</button>
            </form>
          </div>
          <div class="chart-wrap">{{{chart}}}</div>
          <ul class="legend">{{#legend}}<li><span class="swatch {{swatch}}"></span>{{label}}</li>{{/legend}}</ul>
          <p class="muted small" data-test="burn-rate">{{forecast}}</p>
        </section>
        <section class="card">
          <div class="table-wrap"><table>
            <thead><tr><th>Feature</th><th class="num wide-only">Cost per use</th><th class="num">Uses</th><th class="num">Credits</th><th class="num wide-only">Value</th></tr></thead>
            <tbody>
            {{#rows}}<tr data-test="usage-row">
              <td class="usage-name"><span class="swatch {{swatch}}"></span>{{#href}}<a href="{{href}}" data-test="usage-feature">{{feature}}</a>{{/href}}{{^href}}<span data-test="usage-feature">{{feature}}</span>{{/href}}{{#note}} <span class="muted small">{{note}}</span>{{/note}}</td>
              <td class="num wide-only" data-test="usage-cost">{{cost}}</td><td class="num" data-test="usage-uses">{{uses}}</td>
              <td class="num" data-test="usage-credits">{{credits}}</td><td class="num muted wide-only">{{money}}</td></tr>{{/rows}}
            </tbody>
            <tfoot><tr><th>Total</th><th class="wide-only"></th><th></th><th class="num" data-test="usage-total">{{total}}</th><th class="num wide-only">{{totalMoney}}</th></tr></tfoot>
          </table></div>
        </section>
        """#

    static let log = #"""
        <div class="page-head"><div>
          <p class="eyebrow">Logs</p>
          <h1>{{title}}</h1>
          {{#isSMS}}{{#sentTotal}}<p class="stat"><strong data-test="sms-total-sent">{{sentTotal}}</strong> SMS sent in this range</p>{{/sentTotal}}{{/isSMS}}
        </div>
        <a class="button" href="{{csvHref}}" data-test="csv-download" download>Download CSV</a></div>
        <nav class="tabs" aria-label="Logs">{{#tabs}}<a href="{{href}}"{{#active}} class="active" aria-current="page"{{/active}}>{{label}}</a>{{/tabs}}</nav>
        <section class="card">
          <form method="get" action="/app/logs/{{log}}" class="filters" data-test="log-filters">
            <div><label for="log-from">From</label><input type="date" id="log-from" name="from" value="{{from}}">
              {{#errors.from}}<p class="field-error" data-test="field-error">{{.}}</p>{{/errors.from}}</div>
            <div><label for="log-to">To</label><input type="date" id="log-to" name="to" value="{{to}}">
              {{#errors.to}}<p class="field-error" data-test="field-error">{{.}}</p>{{/errors.to}}</div>
            <div><label for="log-result">Result</label><select id="log-result" name="result">{{#results}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/results}}</select>
              {{#errors.result}}<p class="field-error" data-test="field-error">{{.}}</p>{{/errors.result}}</div>
            <div class="grow"><label for="log-q">Search</label><input id="log-q" name="q" value="{{q}}" placeholder="Name, email or phone">
              {{#errors.q}}<p class="field-error" data-test="field-error">{{.}}</p>{{/errors.q}}</div>
            <button type="submit" class="button primary" data-test="apply-filters">Filter</button>
          </form>
          {{#showTable}}
          <p class="muted" data-test="log-total">{{total}}</p>
          <div class="table-wrap"><table>
            <thead><tr>{{#columns}}<th class="{{className}}">{{text}}</th>{{/columns}}<th><span class="sr-only">Explanation</span></th></tr></thead>
            <tbody>
            {{#rows}}<tr data-test="log-row">{{#cells}}<td class="{{className}}">{{text}}</td>{{/cells}}<td><a href="{{href}}" data-test="log-explain">Why?</a></td></tr>{{/rows}}
            {{^hasRows}}<tr><td colspan="8" class="muted">Nothing in this range.</td></tr>{{/hasRows}}
            </tbody>
          </table></div>
          {{#nextHref}}<p class="pager"><a class="button" href="{{nextHref}}" data-test="next-page">Next page →</a></p>{{/nextHref}}
          {{/showTable}}
        </section>
        """#
}
