/// The billing page and its Buy credits dialog.
enum BillingTemplates {
    static let billing = #"""
        <div class="page-head">
          <div>
            <p class="eyebrow">Settings</p>
            <h1>Billing</h1>
            <p class="muted">Your prepaid credits, updated in real time: every charge shows here the moment it happens.</p>
          </div>
          <a class="button primary" href="/app/billing?buy=1" data-test="buy-credits" data-open-dialog="buy-dialog">Buy credits</a>
        </div>

        {{#depleted}}
        <div class="banner danger" role="alert" data-test="depleted-banner">
          <strong>You are out of credits.</strong> Every usage-based feature — validations, credit checks and SMS — is stopped until you add credits.
          <a href="/app/billing?buy=1" data-open-dialog="buy-dialog">Buy credits now</a>
        </div>
        {{/depleted}}
        {{#lowBalance}}
        <div class="banner warning" role="status" data-test="low-balance-banner">
          <strong>Credits are running low:</strong> fewer than {{thresholdCredits}} available, your auto-recharge threshold.
        </div>
        {{/lowBalance}}

        {{> buy}}

        <section class="balance-grid" aria-label="Wallet">
          <div class="card balance-main">
            <p class="label">Available credits</p>
            <p class="big"><span data-test="available">{{availableCredits}}</span></p>
            <p class="money">worth {{availableMoney}} at list price</p>
            {{#nextExpiry}}<p class="small" data-test="next-expiry">{{nextExpiry}}</p>{{/nextExpiry}}
            {{#forecast}}<p class="muted small" data-test="burn-rate">{{forecast}} <a href="/app/usage">See usage</a></p>{{/forecast}}
            <div class="auto-status" data-test="auto-recharge-status">
              <span class="pill {{#autoRechargeOn}}on{{/autoRechargeOn}}">Auto-recharge {{autoRechargeStatus}}</span>
              {{#autoRechargeLast}}<span class="muted small">{{autoRechargeLast}}</span>{{/autoRechargeLast}}
            </div>
          </div>
          {{#figures}}{{> figure}}{{/figures}}
        </section>

        <div class="columns">
        <div>
        <section class="card" id="auto-recharge">
          <h2>Auto-recharge</h2>
          <p class="muted">Buy credits automatically when available credits fall below a threshold, so features never stop.</p>
          <form method="post" action="/app/billing/auto-recharge" data-test="auto-recharge-form" class="form-grid">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <div class="field full">
              <label class="check"><input type="checkbox" name="enabled" id="ar-enabled"{{#autoEnabled}} checked{{/autoEnabled}}> Recharge automatically</label>
            </div>
            <div class="field">
              <label for="ar-threshold">When available falls below</label>
              <div class="suffix"><input id="ar-threshold" name="thresholdCredits" inputmode="decimal" value="{{autoValues.thresholdCredits}}"><span>credits</span></div>
              {{#autoErrors.thresholdCredits}}<p class="field-error" data-test="field-error">{{.}}</p>{{/autoErrors.thresholdCredits}}
            </div>
            <div class="field">
              <label for="ar-credits">Buy</label>
              <div class="suffix"><input id="ar-credits" name="rechargeCredits" inputmode="numeric" value="{{autoValues.rechargeCredits}}"><span>credits</span></div>
              {{#autoErrors.rechargeCredits}}<p class="field-error" data-test="field-error">{{.}}</p>{{/autoErrors.rechargeCredits}}
            </div>
            <div class="field full">
              <label for="ar-card">Charge</label>
              <select id="ar-card" name="paymentMethodId">
                {{^hasCards}}<option value="">Save a card first</option>{{/hasCards}}
                {{#autoCards}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{label}} (exp. {{expires}})</option>{{/autoCards}}
              </select>
              {{#autoErrors.paymentMethodId}}<p class="field-error" data-test="field-error">{{.}}</p>{{/autoErrors.paymentMethodId}}
            </div>
            <div class="field">
              <label for="ar-per-day">At most, per day</label>
              <div class="suffix"><input id="ar-per-day" name="maxRechargesPerDay" inputmode="numeric" value="{{autoValues.maxRechargesPerDay}}"><span>recharges</span></div>
              {{#autoErrors.maxRechargesPerDay}}<p class="field-error" data-test="field-error">{{.}}</p>{{/autoErrors.maxRechargesPerDay}}
            </div>
            <div class="field">
              <label for="ar-per-month">At most, per month</label>
              <div class="prefix"><span>$</span><input id="ar-per-month" name="maxSpendPerMonth" inputmode="decimal" value="{{autoValues.maxSpendPerMonth}}"></div>
              {{#autoErrors.maxSpendPerMonth}}<p class="field-error" data-test="field-error">{{.}}</p>{{/autoErrors.maxSpendPerMonth}}
            </div>
            <div class="field full"><button type="submit" class="button primary" data-test="save-auto-recharge">Save auto-recharge</button></div>
          </form>
        </section>

        <section class="card" id="alerts">
          <h2>Balance alerts</h2>
          <p class="muted">Be told once when available credits fall below a level, and again when they are back above it.</p>
          {{#hasAlerts}}
          <ul class="rows" data-test="alert-list">
          {{#alerts}}
            <li class="row" data-test="alert-row">
              <div><strong>Below {{credits}} {{unit}}</strong></div>
              <div>{{#fired}}<span class="pill bad" data-test="alert-state">Fired</span> <span class="muted small">{{firedAt}}</span>{{/fired}}{{^fired}}<span class="pill on" data-test="alert-state">Armed</span>{{/fired}}</div>
            </li>
          {{/alerts}}
          </ul>
          {{/hasAlerts}}
          <form method="post" action="/app/billing/alerts" data-test="alerts-form" class="form-grid">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <div class="field full">
              <label for="alert-thresholds">Alert me below (credits, up to 10, separated by commas)</label>
              <input id="alert-thresholds" name="thresholds" inputmode="decimal" placeholder="500, 100" value="{{alertValue}}" data-test="alert-thresholds">
              {{#alertError}}<p class="field-error" data-test="field-error">{{alertError}}</p>{{/alertError}}
            </div>
            <div class="field full"><button type="submit" class="button primary" data-test="save-alerts">Save alerts</button></div>
          </form>
        </section>
        </div>

        <section class="card" id="cards">
          <h2>Saved cards</h2>
          {{^hasCards}}<p class="muted">No saved card yet. A card you pay with is saved for next time{{#onStripe}} when you tick “Save the new card”{{/onStripe}}.</p>{{/hasCards}}
          <ul class="rows">
          {{#cards}}
            <li class="row" data-test="card-row">
              <div><strong>{{label}}</strong><br><span class="muted small">Expires {{expires}} · added {{added}}</span></div>
              <form method="post" action="/app/billing/cards/{{id}}/delete" class="inline">
                <input type="hidden" name="csrf" value="{{csrf}}">
                <button type="submit" class="button ghost small danger-text" data-test="remove-card">Remove</button>
              </form>
            </li>
          {{/cards}}
          </ul>
          <h3>Add a card</h3>
          {{#onStripe}}
          <form method="post" action="/app/billing/cards" class="stack" data-test="add-card-form">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <input type="hidden" name="idempotencyKey" value="{{addCardKey}}">
            <p class="muted small">You type the card on Stripe's secure page; Tally keeps only its brand, last 4 digits and expiry.</p>
            {{#cardErrors.card}}<p class="field-error" data-test="field-error">{{.}}</p>{{/cardErrors.card}}
            <div><button type="submit" class="button" data-test="add-card">Add a card on Stripe</button></div>
          </form>
          {{/onStripe}}
          {{^onStripe}}
          <form method="post" action="/app/billing/cards" class="form-grid" data-test="add-card-form">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <div class="field full">
              <label for="add-number">Card number</label>
              <input id="add-number" name="cardNumber" inputmode="numeric" autocomplete="cc-number" value="{{cardValues.cardNumber}}">
              {{#cardErrors.cardNumber}}<p class="field-error" data-test="field-error">{{.}}</p>{{/cardErrors.cardNumber}}
            </div>
            <div class="field third">
              <label for="add-month">Month</label>
              <input id="add-month" name="expMonth" inputmode="numeric" placeholder="MM" autocomplete="cc-exp-month" value="{{cardValues.expMonth}}">
              {{#cardErrors.expMonth}}<p class="field-error" data-test="field-error">{{.}}</p>{{/cardErrors.expMonth}}
            </div>
            <div class="field third">
              <label for="add-year">Year</label>
              <input id="add-year" name="expYear" inputmode="numeric" placeholder="YYYY" autocomplete="cc-exp-year" value="{{cardValues.expYear}}">
              {{#cardErrors.expYear}}<p class="field-error" data-test="field-error">{{.}}</p>{{/cardErrors.expYear}}
            </div>
            <div class="field third">
              <label for="add-cvc">CVC</label>
              <input id="add-cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" value="{{cardValues.cvc}}">
              {{#cardErrors.cvc}}<p class="field-error" data-test="field-error">{{.}}</p>{{/cardErrors.cvc}}
            </div>
            <div class="field full"><button type="submit" class="button" data-test="add-card">Save card</button></div>
          </form>
          {{/onStripe}}
        </section>
        </div>

        <section class="card" id="activity">
          <div class="section-head">
            <h2>Recent activity</h2>
            <a class="button small" href="/app/billing/ledger.csv" data-test="ledger-csv" download>Download the full ledger (CSV)</a>
          </div>
          <ul class="entries">
          {{#activity}}<li class="entry" data-test="activity-row">
            <div class="entry-line"><span class="entry-what" data-test="activity-what"><a href="{{href}}" data-test="activity-explain"><strong>{{title}}</strong></a>{{#detail}} · {{detail}}{{/detail}}</span>
              <span class="entry-change{{#positive}} positive{{/positive}}" data-test="activity-change">{{change}}</span></div>
            <div class="entry-line entry-meta"><span>{{date}}</span><span class="entry-after">{{balanceAfter}} available after</span></div>
          </li>{{/activity}}
          {{^activity}}<li class="entry muted">Nothing yet.</li>{{/activity}}
          </ul>
        </section>

        <section class="card" id="purchases">
          <h2>Purchase history</h2>
          <ul class="entries">
          {{#purchases}}<li class="entry" data-test="purchase-row">
            <div class="entry-line"><span class="entry-what"><strong>{{credits}} credits</strong> · {{amount}}</span>
              <span class="pill {{#succeeded}}on{{/succeeded}}{{^succeeded}}bad{{/succeeded}}" data-test="purchase-status">{{status}}</span></div>
            <div class="entry-detail">{{origin}}{{#card}} · {{card}}{{/card}}{{#reason}} · {{reason}}{{/reason}}</div>
            <div class="entry-line entry-meta"><span>{{date}}</span></div>
          </li>{{/purchases}}
          {{^purchases}}<li class="entry muted">No purchases yet.</li>{{/purchases}}
          </ul>
        </section>
        """#

    /// One wallet figure (Used, Held, Total) as a card: Billing's and Credit usage's.
    static let figure = #"""
          <div class="card figure">
            <p class="label">{{label}}</p>
            <p class="mid"><span data-test="{{test}}">{{credits}}</span></p>
            <p class="money">{{money}}</p>
            <p class="muted small hint-text">{{hint}}</p>
          </div>
        """#

    static let buyDialog = #"""
        <dialog id="buy-dialog" class="dialog" aria-labelledby="buy-title"{{#buyOpen}} open data-open-on-load{{/buyOpen}}>
          <form method="post" action="/app/billing/purchases" id="buy-form" data-cents-per-credit="{{centsPerCredit}}">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <input type="hidden" name="idempotencyKey" value="{{idempotencyKey}}">
            {{#returnTo}}<input type="hidden" name="returnTo" value="{{returnTo}}">{{/returnTo}}
            <div class="dialog-head">
              <h2 id="buy-title">Buy credits</h2>
              <a href="/app/billing" class="close" data-close-dialog aria-label="Close">×</a>
            </div>
            {{#purchaseError}}<div class="alert error" role="alert" data-test="purchase-error">{{purchaseError}}</div>{{/purchaseError}}
            <fieldset>
              <legend>Choose a bundle</legend>
              <div class="bundles">
              {{#bundles}}<button type="button" class="bundle{{#selected}} selected{{/selected}}" data-test="{{test}}" data-credits="{{credits}}" aria-pressed="{{#selected}}true{{/selected}}{{^selected}}false{{/selected}}"><strong>{{credits}}</strong><span>credits</span><em>{{price}}</em></button>{{/bundles}}
              </div>
            </fieldset>
            <div class="field">
              <label for="buy-credits-input">Or any amount (at least {{minimumCredits}})</label>
              <div class="suffix"><input id="buy-credits-input" name="credits" inputmode="numeric" value="{{buyValues.credits}}" aria-describedby="buy-price-line"><span>credits</span></div>
              {{#buyErrors.credits}}<p class="field-error" data-test="field-error">{{.}}</p>{{/buyErrors.credits}}
              <p class="price-line" id="buy-price-line">Price: <output data-test="price" id="buy-price" for="buy-credits-input">{{buyPrice}}</output> <span class="muted small">USD, $0.20 a credit</span></p>
            </div>
            <fieldset>
              <legend>Pay with</legend>
              {{#hasCards}}
              <div class="field">
                <label for="buy-method">Card</label>
                <select id="buy-method" name="paymentMethodId">
                  {{#cards}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{label}} (exp. {{expires}})</option>{{/cards}}
                  <option value="new"{{#buyNewCard}} selected{{/buyNewCard}}>A new card{{#onStripe}}, on Stripe's secure page{{/onStripe}}</option>
                </select>
                {{#buyErrors.paymentMethodId}}<p class="field-error" data-test="field-error">{{.}}</p>{{/buyErrors.paymentMethodId}}
              </div>
              {{^onStripe}}<button type="button" class="link-button" data-test="new-card" data-reveal="new-card-fields">Use a new card</button>{{/onStripe}}
              {{/hasCards}}
              {{#onStripe}}
              <div class="stripe-card">
                <p class="muted small">{{#hasCards}}Or pay with a new card: you{{/hasCards}}{{^hasCards}}You{{/hasCards}} type it on Stripe's secure page, and its number never reaches Tally.</p>
                <label class="check"><input type="checkbox" name="saveCard" data-test="save-card" checked> Save the new card for next time</label>
                {{#hasCards}}<button type="submit" class="button" formaction="/app/billing/checkout" data-test="new-card">Pay with a new card on Stripe</button>{{/hasCards}}
              </div>
              {{/onStripe}}
              {{^onStripe}}
              <div id="new-card-fields" class="form-grid new-card{{^buyNewCard}} js-hidden{{/buyNewCard}}">
                <div class="field full">
                  <label for="buy-number">Card number</label>
                  <input id="buy-number" name="cardNumber" inputmode="numeric" autocomplete="cc-number" value="{{buyValues.cardNumber}}">
                  {{#buyErrors.cardNumber}}<p class="field-error" data-test="field-error">{{.}}</p>{{/buyErrors.cardNumber}}
                </div>
                <div class="field third">
                  <label for="buy-month">Month</label>
                  <input id="buy-month" name="expMonth" inputmode="numeric" placeholder="MM" value="{{buyValues.expMonth}}">
                  {{#buyErrors.expMonth}}<p class="field-error" data-test="field-error">{{.}}</p>{{/buyErrors.expMonth}}
                </div>
                <div class="field third">
                  <label for="buy-year">Year</label>
                  <input id="buy-year" name="expYear" inputmode="numeric" placeholder="YYYY" value="{{buyValues.expYear}}">
                  {{#buyErrors.expYear}}<p class="field-error" data-test="field-error">{{.}}</p>{{/buyErrors.expYear}}
                </div>
                <div class="field third">
                  <label for="buy-cvc">CVC</label>
                  <input id="buy-cvc" name="cvc" inputmode="numeric" value="{{buyValues.cvc}}">
                  {{#buyErrors.cvc}}<p class="field-error" data-test="field-error">{{.}}</p>{{/buyErrors.cvc}}
                </div>
                <p class="muted small full">The card is saved for your next purchase.</p>
              </div>
              {{/onStripe}}
            </fieldset>
            <div class="dialog-actions">
              <a href="/app/billing" class="button ghost" data-close-dialog>Cancel</a>
              <button type="submit" class="button primary" data-test="confirm-buy">Pay <span data-price-copy>{{buyPrice}}</span>{{#onStripe}}{{^hasCards}} on Stripe{{/hasCards}}{{/onStripe}}</button>
            </div>
          </form>
        </dialog>
        """#
}
