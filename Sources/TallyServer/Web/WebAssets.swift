import Hummingbird

/// The one stylesheet (and, in WebScript.swift, the one script) the pages load, served by Tally itself.
enum WebAssets {
    static func response(_ text: String, type: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: type, .cacheControl: "public, max-age=300"],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }

    /// The stylesheet: the layout and one rule per feature color (see `FeatureStyle.swatchRules`).
    static let stylesheet = layoutStylesheet + FeatureStyle.swatchRules

    static let layoutStylesheet = #"""
        :root {
          --ink: #0f172a; --ink-2: #334155; --muted: #64748b; --line: #e2e8f0; --bg: #f6f7fb; --card: #fff;
          --brand: #4f46e5; --brand-ink: #fff; --brand-soft: #eef2ff; --ok: #047857; --ok-soft: #ecfdf5;
          --warn: #b45309; --warn-soft: #fffbeb; --bad: #b91c1c; --bad-soft: #fef2f2; --radius: 12px;
          --shadow: 0 1px 2px rgba(15, 23, 42, .06), 0 1px 3px rgba(15, 23, 42, .08);
        }
        * { box-sizing: border-box; }
        html { -webkit-text-size-adjust: 100%; }
        body { margin: 0; background: var(--bg); color: var(--ink); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto,
          "Helvetica Neue", Arial, sans-serif; font-variant-numeric: tabular-nums; }
        a { color: var(--brand); text-decoration: none; }
        a:hover { text-decoration: underline; }
        h1 { font-size: 28px; line-height: 1.2; margin: 2px 0 6px; letter-spacing: -.01em; }
        h2 { font-size: 17px; margin: 0 0 10px; }
        h3 { font-size: 14px; margin: 18px 0 8px; color: var(--ink-2); }
        p { margin: 0 0 8px; }
        code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
        .muted { color: var(--muted); }
        .small { font-size: 13px; }
        .nowrap { white-space: nowrap; }
        .break { word-break: break-all; }
        .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
        .lead { font-size: 17px; margin: 6px 0 0; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 6px 18px; margin: 0; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; word-break: break-word; }
        .js .js-hidden { display: none !important; }

        .topbar { background: #fff; border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 10; }
        .topbar-inner, .nav-inner, .main { max-width: 1120px; margin: 0 auto; padding: 0 24px; }
        .topbar-inner { display: flex; align-items: center; justify-content: space-between; gap: 12px; height: 56px; }
        .brand { display: flex; align-items: center; gap: 8px; font-weight: 700; font-size: 18px; color: var(--ink); }
        .brand:hover { text-decoration: none; }
        .brand-mark { display: inline-grid; place-items: center; width: 28px; height: 28px; border-radius: 8px;
          background: linear-gradient(135deg, #6366f1, #4338ca); color: #fff; font-size: 15px; }
        .who { display: flex; align-items: center; gap: 12px; min-width: 0; }
        .account-name { font-weight: 600; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
        .user-name { color: var(--muted); white-space: nowrap; }
        .nav { border-top: 1px solid var(--line); }
        .nav-inner { display: flex; gap: 4px; overflow-x: auto; scrollbar-width: none; }
        .nav a { padding: 11px 12px; color: var(--ink-2); white-space: nowrap; border-bottom: 2px solid transparent; font-weight: 500; }
        .nav a:hover { color: var(--ink); text-decoration: none; }
        .nav a.active { color: var(--brand); border-bottom-color: var(--brand); }
        .main { padding-top: 28px; padding-bottom: 48px; }
        .footer { text-align: center; color: var(--muted); font-size: 13px; padding: 0 0 32px; }

        .page-head { display: flex; justify-content: space-between; align-items: flex-end; gap: 16px; margin-bottom: 20px; }
        .page-head .muted { max-width: 640px; }
        .eyebrow { text-transform: uppercase; letter-spacing: .06em; font-size: 12px; font-weight: 600; color: var(--muted); margin: 0; }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); box-shadow: var(--shadow);
          padding: 20px; margin-bottom: 20px; min-width: 0; }
        .card.narrow { max-width: 640px; }
        .columns { display: grid; grid-template-columns: 1fr 1fr; gap: 20px; align-items: start; }
        .columns > .card { margin-bottom: 0; }
        .columns { margin-bottom: 20px; }

        .balance-grid { display: grid; grid-template-columns: 2fr 1fr 1fr 1fr; gap: 16px; margin-bottom: 20px; }
        .balance-grid .card { margin: 0; }
        .balance-grid.three { grid-template-columns: 2fr 1fr 1fr; }
        .label { color: var(--muted); font-size: 13px; font-weight: 600; margin: 0 0 4px; }
        .big { font-size: 40px; font-weight: 700; letter-spacing: -.02em; line-height: 1.1; margin: 0; }
        .mid { font-size: 24px; font-weight: 650; margin: 0; }
        .money { color: var(--ink-2); margin: 2px 0 6px; }
        .balance-main { background: linear-gradient(160deg, #fff 40%, var(--brand-soft)); }
        .auto-status { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin-top: 10px; }
        .pill { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 12px; font-weight: 600;
          background: #f1f5f9; color: var(--ink-2); }
        .pill.on { background: var(--ok-soft); color: var(--ok); }
        .pill.bad { background: var(--bad-soft); color: var(--bad); }

        .banner, .alert, .flash, .secret { border-radius: 10px; padding: 12px 16px; margin-bottom: 16px; border: 1px solid; }
        .banner { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: 12px; }
        .banner.danger, .alert.error { background: var(--bad-soft); border-color: #fecaca; color: #7f1d1d; }
        .banner.warning { background: var(--warn-soft); border-color: #fde68a; color: #78350f; }
        .flash { background: var(--ok-soft); border-color: #a7f3d0; color: #065f46; }
        .flash.waiting { background: var(--warn-soft); border-color: #fde68a; color: #78350f; }
        .flash.problem { background: var(--bad-soft); border-color: #fecaca; color: #7f1d1d; }
        .secret { background: #fff; border-color: var(--brand); }
        .secret code { display: block; padding: 8px 10px; background: var(--brand-soft); border-radius: 6px; word-break: break-all; }

        .button { display: inline-flex; align-items: center; justify-content: center; gap: 6px; padding: 9px 16px; border-radius: 8px;
          border: 1px solid var(--line); background: #fff; color: var(--ink); font: inherit; font-weight: 600; cursor: pointer;
          text-decoration: none; min-height: 40px; }
        .button:hover { text-decoration: none; border-color: #cbd5e1; }
        .button:focus-visible, input:focus-visible, select:focus-visible, .bundle:focus-visible, summary:focus-visible {
          outline: 3px solid rgba(79, 70, 229, .35); outline-offset: 1px; }
        .button.primary { background: var(--brand); border-color: var(--brand); color: var(--brand-ink); }
        .button.primary:hover { background: #4338ca; }
        .button.primary:disabled { opacity: .6; cursor: progress; }
        .button.ghost { background: transparent; border-color: transparent; }
        .button.small { padding: 5px 10px; min-height: 32px; font-size: 13px; }
        .button.wide { width: 100%; }
        .danger-text { color: var(--bad) !important; }
        .link-button { background: none; border: 0; padding: 4px 0; color: var(--brand); font: inherit; font-weight: 600; cursor: pointer; }
        form.inline { display: inline; margin: 0; }

        label { font-weight: 600; font-size: 13px; color: var(--ink-2); display: block; margin-bottom: 4px; }
        input, select { font: inherit; color: var(--ink); width: 100%; padding: 9px 11px; border: 1px solid #cbd5e1; border-radius: 8px;
          background: #fff; min-height: 40px; }
        input[type=checkbox] { width: 18px; height: 18px; min-height: 0; padding: 0; accent-color: var(--brand); flex: none; }
        label.check, label.toggle { display: flex; align-items: center; gap: 10px; font-size: 15px; color: var(--ink); margin: 0; }
        .toggles { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; margin-bottom: 14px; }
        label.toggle { border: 1px solid var(--line); border-radius: 10px; padding: 12px; font-weight: 500; transition: background .4s; }
        label.toggle.flash-on { background: var(--brand-soft); border-color: var(--brand); }
        .hint { margin-top: 8px; padding: 8px 12px; border-radius: 8px; background: var(--brand-soft); color: #3730a3; font-size: 13px; }
        .field { margin-bottom: 14px; min-width: 0; }
        .field-error { color: var(--bad); font-size: 13px; font-weight: 600; margin: 4px 0 0; }
        .form-grid { display: grid; grid-template-columns: repeat(6, 1fr); gap: 0 12px; }
        .form-grid .field { grid-column: span 3; }
        .form-grid .full { grid-column: 1 / -1; }
        .form-grid .third { grid-column: span 2; }
        .suffix, .prefix { display: flex; align-items: stretch; }
        .suffix input { border-radius: 8px 0 0 8px; }
        .prefix input { border-radius: 0 8px 8px 0; }
        .suffix span, .prefix span { display: flex; align-items: center; padding: 0 10px; border: 1px solid #cbd5e1; background: #f8fafc;
          color: var(--muted); font-size: 13px; white-space: nowrap; }
        .suffix span { border-left: 0; border-radius: 0 8px 8px 0; }
        .prefix span { border-right: 0; border-radius: 8px 0 0 8px; }
        .inline-form { display: flex; flex-wrap: wrap; align-items: flex-end; gap: 8px; margin-top: 14px; }
        .inline-form label { width: 100%; margin: 0; }
        .inline-form input { flex: 1 1 200px; width: auto; }
        .inline-form .field-error { width: 100%; }
        fieldset { border: 0; padding: 0; margin: 0 0 14px; min-width: 0; }
        legend { font-weight: 600; font-size: 13px; color: var(--ink-2); margin-bottom: 6px; padding: 0; }
        .actions { display: flex; gap: 8px; }

        .rows { list-style: none; margin: 0; padding: 0; }
        .row { display: flex; justify-content: space-between; align-items: center; gap: 12px; padding: 12px 0; border-bottom: 1px solid var(--line); }
        .row:last-child { border-bottom: 0; }
        .row.column { flex-direction: column; align-items: stretch; }
        .row-line { display: flex; justify-content: space-between; align-items: center; gap: 12px; }
        .row .grow { flex: 1; min-width: 0; }
        .row p { margin: 2px 0 0; color: var(--ink-2); }
        .dot { width: 10px; height: 10px; border-radius: 50%; background: var(--ok); flex: none; align-self: flex-start; margin-top: 6px; }
        .dot.bad { background: var(--bad); }
        .dot.warn { background: #f59e0b; }
        details summary { cursor: pointer; color: var(--brand); font-weight: 600; font-size: 13px; margin-top: 6px; }

        .table-wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; }
        table { width: 100%; border-collapse: collapse; font-size: 14px; }
        th { text-align: left; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); font-weight: 600;
          padding: 8px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
        td { padding: 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
        tbody tr:last-child td { border-bottom: 0; }
        tbody tr:hover td { background: #fafbff; }
        .num { text-align: right; white-space: nowrap; }
        td.positive { color: var(--ok); }
        table.routes input { min-width: 80px; }
        table.compact td { padding: 6px 8px; }

        .dialog { border: 0; border-radius: 16px; padding: 0; width: min(560px, calc(100vw - 24px)); max-height: calc(100vh - 24px);
          box-shadow: 0 24px 64px rgba(15, 23, 42, .3); color: var(--ink); }
        .dialog::backdrop { background: rgba(15, 23, 42, .45); }
        .dialog form { padding: 20px 22px; }
        .dialog[open]:not(:modal) { position: relative; margin: 0 auto 24px; }
        .dialog-head { display: flex; justify-content: space-between; align-items: center; margin-bottom: 12px; }
        .dialog-head h2 { margin: 0; font-size: 20px; }
        .close { font-size: 26px; line-height: 1; color: var(--muted); padding: 0 4px; }
        .close:hover { text-decoration: none; color: var(--ink); }
        .bundles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 8px; }
        .bundle { display: flex; flex-direction: column; align-items: center; gap: 0; padding: 10px 6px; border: 1px solid #cbd5e1;
          border-radius: 10px; background: #fff; font: inherit; cursor: pointer; color: var(--ink); }
        .bundle strong { font-size: 18px; }
        .bundle span { font-size: 12px; color: var(--muted); }
        .bundle em { font-style: normal; font-weight: 600; color: var(--ink-2); font-size: 13px; margin-top: 2px; }
        .bundle.selected { border-color: var(--brand); background: var(--brand-soft); box-shadow: inset 0 0 0 1px var(--brand); }
        .price-line { margin-top: 8px; font-size: 15px; }
        .price-line output { font-weight: 700; font-size: 18px; }
        .new-card { border-top: 1px dashed var(--line); padding-top: 12px; margin-top: 8px; }
        .stripe-card { display: grid; gap: 10px; justify-items: start; border-top: 1px dashed var(--line); padding-top: 12px; margin-top: 8px; }
        .stripe-card p { margin: 0; }
        .dialog-actions { display: flex; justify-content: flex-end; gap: 8px; border-top: 1px solid var(--line); padding-top: 14px; }

        .range-bar { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: flex-end; gap: 12px; margin-bottom: 16px; }
        .presets, .tabs { display: flex; flex-wrap: wrap; gap: 6px; }
        .preset { padding: 6px 12px; border: 1px solid var(--line); border-radius: 999px; color: var(--ink-2); font-weight: 600; font-size: 13px; }
        .preset.active { background: var(--brand); border-color: var(--brand); color: #fff; }
        .preset:hover { text-decoration: none; border-color: #cbd5e1; }
        .range-form, .filters { display: flex; flex-wrap: wrap; align-items: flex-end; gap: 8px; }
        .range-form input, .filters input, .filters select { width: auto; }
        .filters { margin-bottom: 14px; }
        .filters .grow { flex: 1 1 180px; }
        .filters .grow input { width: 100%; }
        .tabs { margin-bottom: 14px; border-bottom: 1px solid var(--line); }
        .tabs a { padding: 8px 12px; color: var(--ink-2); font-weight: 600; border-bottom: 2px solid transparent; margin-bottom: -1px; }
        .tabs a.active { color: var(--brand); border-bottom-color: var(--brand); }
        .tabs a:hover { text-decoration: none; }
        .chart-wrap { width: 100%; }
        svg.chart { width: 100%; height: 240px; display: block; }
        svg.chart .grid { stroke: var(--line); stroke-width: 1; }
        svg.chart .axis { fill: var(--muted); font-size: 13px; }
        .legend { list-style: none; display: flex; flex-wrap: wrap; gap: 14px; padding: 0; margin: 10px 0; font-size: 13px; color: var(--ink-2); }
        .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 3px; margin-right: 6px; vertical-align: middle; }
        tfoot th { color: var(--ink); font-size: 14px; text-transform: none; letter-spacing: 0; border-top: 1px solid var(--line); border-bottom: 0; }
        td.result { text-transform: capitalize; font-weight: 600; }
        td.result.valid, td.result.sent, td.result.completed { color: var(--ok); }
        td.result.invalid, td.result.failed, td.result.blocked, td.result.refused { color: var(--bad); }
        .stat { font-size: 15px; margin: 4px 0 0; }
        .stat strong { font-size: 22px; }
        .pager { margin: 14px 0 0; text-align: right; }

        .section-head { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: 8px 12px; margin-bottom: 6px; }
        .section-head h2 { margin: 0; }
        .entries { list-style: none; margin: 0; padding: 0; }
        .entry { padding: 10px 0; border-bottom: 1px solid var(--line); }
        .entry:last-child { border-bottom: 0; }
        .entry-line { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: baseline; gap: 2px 12px; }
        .entry-what { min-width: 0; flex: 1 1 12em; overflow-wrap: anywhere; }
        .entry-what strong { font-weight: 600; }
        .entry-detail { color: var(--ink-2); font-size: 14px; overflow-wrap: anywhere; }
        .entry-meta { color: var(--muted); font-size: 13px; margin-top: 2px; }
        .entry-after { margin-left: auto; }
        .entry-change { font-weight: 650; white-space: nowrap; margin-left: auto; }
        .entry-change.positive { color: var(--ok); }

        .test-mode { position: relative; z-index: 1; height: 3px; background: #f59e0b; }
        .test-mode span { position: absolute; top: 0; left: 50%; transform: translateX(-50%); padding: 0 9px 1px;
          border-radius: 0 0 6px 6px; background: #f59e0b; color: #451a03; font-size: 11px; line-height: 16px; font-weight: 700;
          letter-spacing: .06em; text-transform: uppercase; white-space: nowrap; }

        .integration-title { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin: 0 0 2px; font-size: 16px; }
        .row.integration { align-items: flex-start; }
        .row.integration .button { flex: none; }
        .pill.mode-sandbox, .pill.mode-test { background: var(--warn-soft); color: var(--warn); }
        .pill.mode-live { background: var(--ok-soft); color: var(--ok); }

        .login { max-width: 400px; margin: 48px auto; padding: 28px; }
        .login h1 { font-size: 24px; }
        .stack input { margin-bottom: 14px; }
        .message { max-width: 640px; margin: 32px auto; }
        .message h1 { font-size: 22px; }

        @media (max-width: 900px) {
          .balance-grid { grid-template-columns: 1fr 1fr 1fr; }
          .balance-main { grid-column: 1 / -1; }
          .balance-grid.three { grid-template-columns: 1fr 1fr; }
          .columns { grid-template-columns: 1fr; }
          .columns > .card { margin-bottom: 0; }
        }
        @media (max-width: 560px) {
          .topbar-inner, .nav-inner, .main { padding-left: 14px; padding-right: 14px; }
          .user-name { display: none; }
          .page-head { flex-direction: column; align-items: stretch; }
          .page-head .button { width: 100%; }
          h1 { font-size: 24px; }
          .big { font-size: 34px; }
          .mid { font-size: 16px; overflow-wrap: anywhere; }
          .card { padding: 16px; }
          .balance-grid { gap: 10px; }
          .balance-grid .figure { padding: 10px; }
          .balance-grid .figure .hint-text { display: none; }
          td { white-space: nowrap; }
          td.wrap { white-space: normal; min-width: 220px; }
          .toggles { grid-template-columns: 1fr; }
          .bundles { grid-template-columns: repeat(2, 1fr); }
          .form-grid .field { grid-column: 1 / -1; }
          .form-grid .third { grid-column: span 2; }
          .dialog form { padding: 16px; }
          .row.integration { flex-direction: column; align-items: stretch; }
          /* Credit usage on a phone: feature, uses and credits, whole; the cost and value are on the logs. */
          .wide-only { display: none; }
          td.usage-name { white-space: normal; }
        }
        """#
}
