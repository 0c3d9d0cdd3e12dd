/// The layout every page shares, the login page and the one-message pages.
enum LayoutTemplates {
    static let layout = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Tally</title>
        <link rel="stylesheet" href="/app/assets/tally.css">
        <script src="/app/assets/tally.js" defer></script>
        </head>
        <body>
        <header class="topbar{{#testMode}} in-test-mode{{/testMode}}">
          {{#testMode}}<div class="test-mode" data-test="test-mode" role="note"><span title="Payments go to the sandbox or a Stripe test key: no card is charged.">Test mode</span></div>{{/testMode}}
          <div class="topbar-inner">
            <a class="brand" href="/app/billing"><span class="brand-mark" aria-hidden="true">T</span>Tally</a>
            {{#signedIn}}
            <div class="who">
              <span class="account-name" data-test="account-name">{{accountName}}</span>
              <span class="user-name" title="{{userEmail}}">{{userName}}</span>
              <form method="post" action="/app/logout" class="inline">
                <input type="hidden" name="csrf" value="{{csrf}}">
                <button type="submit" class="button ghost small" data-test="logout">Log out</button>
              </form>
            </div>
            {{/signedIn}}
          </div>
          {{#signedIn}}
          <nav class="nav" data-test="nav" aria-label="Main">
            <div class="nav-inner">
            {{#nav}}<a href="{{href}}"{{#active}} class="active" aria-current="page"{{/active}}>{{label}}</a>{{/nav}}
            </div>
          </nav>
          {{/signedIn}}
        </header>
        <main class="main">
        {{#flash}}<div class="flash{{#flashTone}} {{flashTone}}{{/flashTone}}" role="status" data-test="flash">{{flash}}</div>{{/flash}}
        {{#secret}}<div class="secret" role="status">
          <p><strong>Copy it now:</strong> it is shown only this once.</p>
          <code data-test="secret">{{secret}}</code>
        </div>{{/secret}}
        {{{body}}}
        </main>
        <footer class="footer">Tally · prepaid credits, updated in real time</footer>
        </body>
        </html>
        """#

    static let login = #"""
        <section class="login card">
          <h1>Sign in to Tally</h1>
          <p class="muted">Manage your account's credits, usage and billing.</p>
          {{#error}}<div class="alert error" role="alert" data-test="login-error">{{error}}</div>{{/error}}
          <form method="post" action="/app/login" class="stack">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <input type="hidden" name="next" value="{{next}}">
            <label for="email">Email</label>
            <input id="email" name="email" type="email" autocomplete="username" required value="{{email}}" autofocus>
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required>
            <button type="submit" class="button primary wide" data-test="login-submit">Sign in</button>
          </form>
        </section>
        """#

    static let message = #"""
        <section class="card message" data-test="{{test}}">
          <h1>{{heading}}</h1>
          <p>{{text}}</p>
          {{#link}}<p><a class="button" href="{{link}}">{{linkLabel}}</a></p>{{/link}}
          {{#csrf}}<form method="post" action="/app/logout">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <button type="submit" class="button" data-test="logout">Log out</button>
          </form>{{/csrf}}
        </section>
        """#
}
