// The page's eta templates, kept as TypeScript strings so the package ships no template files.
// `<%= %>` (escaped) for every value; `<%~ %>` (raw) only for markup the renderer built from numbers and
// escaped names (charts), for free text run through `it.nb` (keepWhole: escaped, numbers and codes kept on one
// line), and for JSON already escaped for <script>.
import { CHART_FONT_SIZE } from './svg-charts.js';

/**
 * Inline stylesheet: readable at 1280 px and at phone width, no external fonts or images. Nothing may make the
 * page wider than the viewport: long unbroken names wrap anywhere, or scroll inside a .table-wrap.
 */
export const PAGE_STYLE = `
:root{--fg:#111827;--muted:#6b7280;--line:#e5e7eb;--card:#f9fafb;--ok:#15803d;--rej:#b45309;--err:#b91c1c;--accent:#2563eb}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:#fff}
header{padding:16px 24px;border-bottom:1px solid var(--line);background:#0f172a;color:#f8fafc}
header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;color:#cbd5e1}
header code.path{overflow-wrap:anywhere}
header code{color:#f8fafc}
header a{color:#bfdbfe}
header .fleet-link{margin:0 0 4px;font-size:13px}
main{max-width:1240px;margin:0 auto;padding:8px 24px 32px;overflow-wrap:break-word}
section{margin-top:24px}
h2{font-size:17px;margin:0 0 10px;padding-bottom:4px;border-bottom:2px solid var(--line)}
h3{font-size:14px;margin:14px 0 6px;color:var(--muted)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px;min-width:0}
.card .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em;overflow-wrap:break-word}
.cards.book .label{text-transform:none;letter-spacing:0;font-size:13px}
.cards.book{grid-template-columns:repeat(auto-fit,minmax(190px,1fr))}
.card.pos .value{color:var(--ok)}.card.neg .value{color:var(--err)}
.card .value{font-size:24px;font-weight:600;font-variant-numeric:tabular-nums;white-space:nowrap}
.card.ok .value{color:var(--ok)}.card.rejected .value{color:var(--rej)}.card.error .value{color:var(--err)}
.meta{color:var(--muted);margin:6px 0 0}
.table-wrap{overflow-x:auto;border:1px solid var(--line);border-radius:8px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:var(--card);font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right;white-space:nowrap}
td.text,th.text{overflow-wrap:break-word;min-width:14ch;max-width:48ch}
td.code,th.code{white-space:nowrap;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:13px}
tbody th{font-weight:600;background:none;text-align:left}
.example+.example{margin-top:4px}
tr:last-child td{border-bottom:0}
.outcome{display:inline-block;padding:0 6px;border-radius:4px;font-size:12px;font-weight:600}
.outcome{white-space:nowrap}.outcome.ok{background:#dcfce7;color:#166534}.outcome.rejected{background:#fef3c7;color:#92400e}.outcome.error{background:#fee2e2;color:#991b1b}
.chart{width:100%;height:auto;display:block;max-width:960px}
.chart text{font-size:${CHART_FONT_SIZE.wide}px;fill:#374151}
.chart .grid{stroke:#e5e7eb;stroke-width:1}
.legend{list-style:none;padding:0;margin:6px 0 0;display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px}
.legend li{overflow-wrap:break-word;min-width:0;max-width:100%}
.swatch.block{width:12px;height:12px;border:0}
.swatch-svg{display:inline-block;vertical-align:middle;margin-right:6px}
.chart .band{fill:transparent}.chart .band:hover{fill:#1f29370f}
.chart .axis{stroke:#6b7280}
.alt{font-size:12px;color:var(--muted);margin:4px 0 0}
.multiples{grid-template-columns:repeat(auto-fit,minmax(min(440px,100%),1fr))}
.side{font-weight:600}.side.buy::before{content:"▲ "}.side.sell::before{content:"▼ "}
.swatch{display:inline-block;width:18px;height:0;border-top:3px solid;margin-right:6px;vertical-align:middle}
.swatch.dashed{border-top-style:dashed}
figure{margin:0 0 12px}figcaption{font-weight:600;margin-bottom:4px;overflow-wrap:break-word}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(320px,100%),1fr));gap:16px}
.charts figure{min-width:0;container-type:inline-size}
@container (max-width:800px){.chart text{font-size:15px}}
@container (max-width:560px){.chart text{font-size:${CHART_FONT_SIZE.phone}px}}
.note{background:#fffbeb;border:1px solid #fcd34d;border-radius:8px;padding:8px 12px;margin:8px 0;overflow-wrap:break-word}
.empty{background:var(--card);border:1px dashed var(--muted);border-radius:8px;padding:24px;text-align:center}
.muted{color:var(--muted)}
.attr{white-space:nowrap}
#loop-live-status{font-weight:600}
#loop-live-status[data-state=reconnecting],#loop-live-status[data-state=stale]{color:#fde68a}
.filters{display:flex;flex-wrap:wrap;align-items:center;gap:6px 16px;margin:0 0 8px}
.filters select{font:inherit;margin-left:4px;padding:2px 4px}
details{margin-top:10px}
.settings{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(240px,100%),1fr));gap:0 16px;margin:0}
.settings div{display:flex;justify-content:space-between;gap:12px;padding:4px 2px;border-bottom:1px solid var(--line)}
.settings dt{color:var(--muted);overflow-wrap:break-word;flex:0 1 auto;max-width:50%;min-width:0}
.settings dd{margin:0;min-width:0;font-weight:600;text-align:right;overflow-wrap:break-word;font-variant-numeric:tabular-nums}
.headline{display:flex;flex-wrap:wrap;align-items:center;gap:8px 14px}
.badge{display:inline-block;margin:0;padding:4px 12px;border-radius:999px;font-weight:700;font-size:16px;border:2px solid}
.tone-good{background:#dcfce7;color:#14532d;border-color:#166534}.tone-done{background:#e0e7ff;color:#312e81;border-color:#3730a3}
.tone-warn{background:#fef3c7;color:#78350f;border-color:#92400e}.tone-bad{background:#fee2e2;color:#7f1d1d;border-color:#991b1b}
.tone-none{background:#f3f4f6;color:#1f2937;border-color:#4b5563}
.why{margin:0;font-weight:600;overflow-wrap:break-word;word-break:normal}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(260px,100%),1fr));gap:0 16px;margin:10px 0 0}
.facts div{padding:4px 2px;border-bottom:1px solid var(--line);min-width:0}
.facts dt{color:#4b5563;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.facts dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums;overflow-wrap:break-word}
.code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-weight:500;word-break:keep-all}
td.nowrap,.nowrap{white-space:nowrap}
.timeline .run{fill:#93c5fd;stroke:#1d4ed8}.timeline .run.live{fill:#86efac;stroke:#15803d}
.timeline .restart{stroke:#b91c1c;stroke-width:2}.timeline .axis{stroke:#6b7280}
.chart.timeline text{font-size:12px}
@media (max-width:640px){.chart.timeline text{font-size:26px}.chart.timeline .odd{display:none}}
summary{cursor:pointer;color:var(--muted);font-weight:600;margin-bottom:6px}
@media (max-width:640px){
 header{padding:12px 14px}main{padding:4px 12px 24px}
 .cards{grid-template-columns:repeat(2,minmax(0,1fr))}
 .card .value{font-size:20px}
 .cards.book{grid-template-columns:1fr 1fr}
 .cards.book .value{font-size:17px}
 .cards.book .card.wide{grid-column:1/-1}
 th,td{padding:5px 6px}
 .charts{grid-template-columns:1fr}
 .chart text{font-size:${CHART_FONT_SIZE.phone}px}
}
`;

/**
 * The opening of every Loop page up to `</head>`: charset, viewport, the page's CSP (`it.csp`), no referrer,
 * `<title>` as `titlePrefix · it.title` (or `titlePrefix it.title` when the prefix ends with a colon), the
 * inline style (`it.style`). `titlePrefix` is a constant of ours.
 */
export function documentHead(titlePrefix: string): string {
  const separator = titlePrefix.endsWith(':') ? ' ' : ' · ';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="<%= it.csp %>">
<meta name="referrer" content="no-referrer">
<title>${titlePrefix}${separator}<%= it.title %></title>
<style><%~ it.style %></style>
</head>
`;
}

/**
 * A live page's status in its header, after the mode text: connected or reconnecting (`aria-live`) and when the
 * page last changed; nothing on a static page. The ids are what live-client.ts looks for.
 */
export const LIVE_STATUS_TEMPLATE = `<% if (it.live) { %> · <span id="loop-live-status" role="status" aria-live="polite" data-state="connecting">connecting…</span> · updated <span id="loop-live-updated"><%= it.live.updated %></span><% } %>`;

/** The end of every page: on a live page, the client's config and its nonce'd script first. */
export const DOCUMENT_END_TEMPLATE = `<% if (it.live) { %>
<script type="application/json" id="loop-live-config"><%~ it.live.configJson %></script>
<script nonce="<%= it.live.nonce %>"><%~ it.live.script %></script>
<% } %>
</body>
</html>
`;

/** The whole document. */
export const PAGE_TEMPLATE = `${documentHead('Loop dashboard')}<body>
<header>
<% if (it.fleet) { %><p class="fleet-link"><a href="<%= it.fleet.href %>" id="loop-fleet-link">← Fleet: <bdi><%= it.fleet.title %></bdi></a></p>
<% } %><h1>Loop dashboard</h1>
<p>Run dir <code class="path"><bdi><%= it.runDir %></bdi></code> · <%= it.modeText %>${LIVE_STATUS_TEMPLATE}</p>
</header>
<main id="loop-main">
<%~ include('@body', it.body) %>
</main>
${DOCUMENT_END_TEMPLATE}`;

/** Everything inside <main>; rendered alone for live updates. */
export const BODY_TEMPLATE = `<% if (it.empty) { %>
<section class="empty" id="no-metrics">
<h2>No metrics yet</h2>
<p><% if (it.empty.hasFiles) { %>The NDJSON files of this run dir hold no events, and it has no<% } else { %>This run dir has no <code>metrics.ndjson</code> and no<% } %><% if (it.empty.summaryUnusable) { %> usable<% } %> <code>metrics_summary.json</code> yet<% if (it.empty.summaryUnusable) { %> (see the note below)<% } %>. Start the loop with <code>loop run --enable-metrics</code>; in live mode this page fills in by itself.</p>
</section>
<% } %>
<% if (it.health) { const h = it.health; %>
<section id="health" aria-labelledby="health-title">
<h2 id="health-title">Health</h2>
<div class="headline">
<p class="badge tone-<%= h.tone %>" data-status="<%= h.status %>"><span aria-hidden="true"><%= h.symbol %></span> <%= h.word %></p>
<p class="why"><bdi><%~ it.nb(h.reason) %></bdi></p>
</div>
<dl class="facts">
<% h.facts.forEach(function (f) { %><div data-fact="<%= f.key %>"><dt><%= f.label %></dt><dd><span class="nowrap"><%= f.value %></span><% if (f.user) { %><% if (f.value) { %> · <% } %><bdi class="code"><%~ it.nb(f.user) %></bdi><% } %></dd></div>
<% }) %></dl>
</section>
<% if (h.timeline || h.supervisor || h.lifetimes.length > 1) { %>
<section id="restarts" aria-labelledby="restarts-title">
<h2 id="restarts-title">Supervisor &amp; restarts</h2>
<% if (h.supervisor) { %><p class="meta">Supervisor <strong><%= h.supervisor.status %></strong>, <%= h.supervisor.restarts %> restarts (at most <%= h.supervisor.maxRestarts %> in a row), running <code><bdi><%= h.supervisor.command %></bdi></code>.</p><% } %>
<% if (h.timeline) { %><figure><figcaption>Runs over time (UTC); a vertical line marks each restart</figcaption><%~ h.timeline %><p class="meta"><%= h.timelineText.runs %> runs from <span class="nowrap"><%= h.timelineText.from %></span> to <span class="nowrap"><%= h.timelineText.to %></span> with <%= h.timelineText.restarts %> restarts.</p></figure><% } %>
<% if (h.exits.length > 0) { %><h3>Exits (the last <%= h.exits.length %>)</h3>
<div class="table-wrap" tabindex="0"><table><thead><tr><th scope="col">pid</th><th scope="col">started (UTC)</th><th scope="col">ended (UTC)</th><th scope="col">exit</th><th scope="col" class="num">uptime</th><th scope="col" class="num">delay before next start</th></tr></thead><tbody>
<% h.exits.forEach(function (e) { %><tr><td class="num"><%= e.pid %></td><td class="nowrap"><%= e.started %></td><td class="nowrap"><%= e.ended %></td><td><%= e.exit %></td><td class="num"><%= e.uptime %></td><td class="num"><%= e.delay %></td></tr>
<% }) %></tbody></table></div><% } %>
<% if (h.lifetimes.length > 1) { %><h3>Process lifetimes in the NDJSON files<% if (h.lifetimesDropped > 0) { %> (the last <%= h.lifetimes.length %>; <%= h.lifetimesDropped %> older ones are counted in the totals)<% } %></h3>
<div class="table-wrap" tabindex="0"><table><thead><tr><th scope="col" class="num">#</th><th scope="col">first event (UTC)</th><th scope="col">last event (UTC)</th><th scope="col" class="num">steps</th><th scope="col" class="num">errors</th><th scope="col" class="num">rejections</th><th scope="col">starts at</th></tr></thead><tbody>
<% h.lifetimes.forEach(function (l) { %><tr><td class="num"><%= l.number %></td><td class="nowrap"><%= l.start %></td><td class="nowrap"><%= l.last %></td><td class="num"><%= l.steps %></td><td class="num"><%= l.errors %></td><td class="num"><%= l.rejections %></td><td class="nowrap"><bdi><%= l.source %></bdi></td></tr>
<% }) %></tbody></table></div><% } %>
</section>
<% } %>
<% } %>
<% it.notes.forEach(function (note) { %><p class="note"><bdi><%~ it.nb(note) %></bdi></p>
<% }) %>
<section id="overview">
<h2>Overview</h2>
<div class="cards">
<% it.overviewCards.forEach(function (c) { %><div class="card <%= c.kind %>" data-metric="<%= c.key %>"><div class="label"><%= c.label %></div><div class="value"><%= c.value %></div></div>
<% }) %></div>
<p class="meta"><%~ it.nb(it.overviewMeta) %></p>
<% if (it.customCounters.length > 0) { %><h3 id="custom-counters-title">The bot's own counters (metrics_summary.json)</h3>
<div class="table-wrap" tabindex="0" id="custom-counters"><table aria-labelledby="custom-counters-title">
<thead><tr><th scope="col">Counter</th><th scope="col" class="num">Value</th></tr></thead>
<tbody>
<% it.customCounters.forEach(function (c) { %><tr data-counter="<%= c.name %>"><th scope="row" class="code"><bdi><%= c.name %></bdi></th><td class="num"><%= c.value %></td></tr>
<% }) %></tbody></table></div><% } %>
</section>
<% const x = it.sections; %>
<section id="rates" aria-labelledby="rates-title">
<h2 id="rates-title">Rates over time</h2>
<% if (x.rates.length === 0) { %><p class="muted">No events in the NDJSON files.</p><% } else { %>
<p class="meta">Per bucket of <%= x.axis.bucket %>; time axis in UTC (<%= x.axis.unit %>) from <span class="nowrap"><%= x.axis.from %></span> to <span class="nowrap"><%= x.axis.to %></span><% if (x.axis.restarts > 0) { %>; a dashed red line marks each of the <%= x.axis.restarts %> restarts (R1, R2, …) and no line joins two process lifetimes<% } %><% if (x.axis.shifted) { %>; the clock started again at each restart, so each lifetime is drawn after the one before<% } %>. Hover a bar for its figures.</p>
<div class="charts">
<% x.rates.forEach(function (c) { %><figure data-chart="rate-<%= c.key %>"><figcaption><%= c.title %></figcaption><%~ c.svg %><%~ c.legend %><p class="alt"><%~ it.nb(c.summary) %>.</p></figure>
<% }) %></div>
<% } %>
</section>
<section id="latency" aria-labelledby="latency-title">
<h2 id="latency-title">Latency</h2>
<div class="cards">
<% it.latencyCards.forEach(function (c) { %><div class="card" data-metric="<%= c.key %>"><div class="label"><%= c.label %></div><div class="value"><%= c.value %></div></div>
<% }) %></div>
<p class="meta"><%~ it.nb(it.latencyMeta) %></p>
<% if (x.latency.length > 0) { %><h3>Per stage over time, ms (one chart a stage; hover for a bucket's values)</h3>
<%~ x.percentileLegend %>
<div class="charts multiples">
<% x.latency.forEach(function (c) { %><figure data-chart="latency" data-stage="<%= c.stage %>"><figcaption><bdi class="code"><%= c.stage %></bdi></figcaption><%~ c.svg %><p class="alt"><%~ it.nb(c.summary) %>.</p></figure>
<% }) %></div><% } %>
</section>
<section id="stages">
<h2>Stages</h2>
<% if (it.stages.length === 0) { %><p class="muted">No stage events yet.</p><% } else { %>
<div class="table-wrap" tabindex="0"><table>
<thead><tr><th scope="col">Stage</th><th scope="col" class="num">Count</th><th scope="col" class="num">p50 ms</th><th scope="col" class="num">p95 ms</th><th scope="col" class="num">p99 ms</th><th scope="col" class="num">max ms</th><th scope="col" class="num">mean ms</th><th scope="col" class="num">ok</th><th scope="col" class="num">rejected</th><th scope="col" class="num">error</th></tr></thead>
<tbody>
<% it.stages.forEach(function (s) { %><tr data-stage="<%= s.stage %>"><th scope="row" class="code"><bdi><%= s.stage %></bdi></th><td class="num"><%= s.count %></td><td class="num"><%= s.p50 %></td><td class="num"><%= s.p95 %></td><% if (s.slowest) { %><td class="num"><a href="<%= s.slowest %>" title="the slowest events of this stage"><%= s.p99 %></a></td><td class="num"><a href="<%= s.slowest %>" title="the slowest events of this stage"><%= s.max %></a></td><% } else { %><td class="num"><%= s.p99 %></td><td class="num"><%= s.max %></td><% } %><td class="num"><%= s.mean %></td><td class="num"><%= s.ok %></td><td class="num"><%= s.rejected %></td><td class="num"><%= s.error %></td></tr>
<% }) %></tbody></table></div>
<h3>Outcomes per stage</h3>
<%~ it.outcomesChart %>
<% } %>
</section>
<% if (it.slowest) { const w = it.slowest; %>
<section id="slowest" aria-labelledby="slowest-title">
<h2 id="slowest-title">Slowest events</h2>
<p class="meta"><%= w.meta %> A stage's p99 and max in the Stages table link here.</p>
<% w.stages.forEach(function (s) { %><h3 id="<%= s.id %>"><bdi class="code"><%= s.stage %></bdi>: the <%= s.events.length %> slowest</h3>
<div class="table-wrap" tabindex="0"><table aria-labelledby="<%= s.id %>" data-slowest-stage="<%= s.stage %>">
<thead><tr><th scope="col" class="num">#</th><th scope="col" class="num">ms</th><th scope="col">Outcome</th><th scope="col">Time (UTC)</th><th scope="col" class="num">Lifetime</th><th scope="col" class="num">Step</th><th scope="col">The step's lines (stage, outcome, ms, reason, source)</th></tr></thead>
<tbody>
<% s.events.forEach(function (e) { %><tr data-slow-step="<%= e.step %>"><td class="num"><%= e.rank %></td><td class="num"><strong><%= e.latency %></strong></td><td><span class="outcome <%= e.outcome %>"><span aria-hidden="true"><%= e.symbol %></span> <%= e.outcome %></span><% if (e.reason) { %> <bdi class="code"><%= e.reason %></bdi><% } %></td><td class="nowrap"><%= e.time %></td><td class="num"><%= e.lifetime %></td><td class="num"><%= e.step %></td><td class="text"><% e.lines.forEach(function (l) { %><div class="example" data-line="<%= l.source %>"<% if (l.self) { %> data-self="true"<% } %>><% if (l.self) { %><strong><% } %><bdi class="code"><%= l.stage %></bdi> <span class="outcome <%= l.outcome %>"><span aria-hidden="true"><%= l.symbol %></span> <%= l.outcome %></span> <%= l.latency %> ms<% if (l.reason) { %> <bdi class="code"><%= l.reason %></bdi><% } %><% if (l.self) { %></strong><% } %> <span class="muted nowrap">(<bdi><%= l.source %></bdi>)</span></div><% }) %><% if (e.note) { %><div class="muted"><%= e.note %></div><% } %></td></tr>
<% }) %></tbody></table></div>
<% }) %></section>
<% } %>
<section id="reasons" aria-labelledby="reasons-title">
<h2 id="reasons-title">Errors &amp; Rejections by reason</h2>
<% if (x.reasons.length === 0) { %><p class="muted">No rejections or errors with a reason.</p><% } else { %>
<p class="meta"><% if (x.reasonsFromFiles) { %>From the NDJSON files, across every process lifetime; share = of the stage's events; the first and the last event of each reason as examples.<% } else { %>From metrics_summary.json (the running process only): the NDJSON files hold no events, so there are no examples.<% } %></p>
<div class="table-wrap" tabindex="0"><table>
<thead><tr><th scope="col">Stage</th><th scope="col">Outcome</th><th scope="col">Reason</th><th scope="col" class="num">Count</th><th scope="col" class="num">Share</th><th scope="col">First seen (UTC)</th><th scope="col">Last seen (UTC)</th><th scope="col">Example detail</th></tr></thead>
<tbody>
<% x.reasons.forEach(function (r) { %><tr data-reason="<%= r.reason %>"><td class="code"><bdi><%= r.stage %></bdi></td><td><span class="outcome <%= r.outcome %>"><span aria-hidden="true"><%= r.symbol %></span> <%= r.outcome %></span></td><th scope="row" class="code"><bdi><%= r.reason %></bdi></th><td class="num"><%= r.count %></td><td class="num"><%= r.share %></td><td class="nowrap"><%= r.first %></td><td class="nowrap"><%= r.last %></td><td class="text"><% r.examples.forEach(function (e) { %><div class="example" data-example="<%= e.which %>"><span class="muted"><%= e.which %>:</span> <bdi><%~ it.nb(e.detail) %></bdi> <span class="muted nowrap">(<bdi><%= e.source %></bdi>)</span></div><% }) %></td></tr>
<% }) %></tbody></table></div>
<% } %>
<% [['recent-rejections', 'The last rejections', x.recentRejections], ['recent-errors', 'The last errors', x.recentErrors]].forEach(function (t) { if (t[2].length === 0) return; %>
<h3 id="<%= t[0] %>-title"><%= t[1] %> (<%= t[2].length %>, newest last)</h3>
<div class="table-wrap" tabindex="0" id="<%= t[0] %>"><table aria-labelledby="<%= t[0] %>-title">
<thead><tr><th scope="col">Time (UTC)</th><th scope="col" class="num">Step</th><th scope="col">Stage</th><th scope="col">Reason</th><th scope="col">Detail</th><th scope="col">Source</th></tr></thead>
<tbody>
<% t[2].forEach(function (e) { %><tr><td class="nowrap"><%= e.time %></td><td class="num"><%= e.step %></td><td class="code"><bdi><%= e.stage %></bdi></td><td class="code"><bdi><%= e.reason %></bdi></td><td class="text"><bdi><%~ it.nb(e.detail) %></bdi></td><td class="muted nowrap"><bdi><%= e.source %></bdi></td></tr>
<% }) %></tbody></table></div>
<% }) %>
</section>
<section id="position" aria-labelledby="position-title">
<h2 id="position-title">Position &amp; PnL</h2>
<% const b = x.book; %>
<% if (!b || (b.cards.length === 0 && b.charts.length === 0)) { %><p class="muted">No position, equity or PnL recorded.</p><% } else { %>
<p class="meta"><%~ it.nb(b.currencyText) %> <%~ it.nb(b.totalsSource) %></p>
<div class="cards book">
<% b.cards.forEach(function (c) { %><div class="card <%= c.tone %><%= c.value.length > 11 ? ' wide' : '' %>" data-book="<%= c.key %>"><div class="label"><%= c.label %></div><div class="value"><%= c.value %></div></div>
<% }) %></div>
<% if (b.charts.length > 0) { %><div class="charts">
<% b.charts.forEach(function (c) { %><figure data-chart="<%= c.key %>"><figcaption><%= c.title %></figcaption><%~ c.svg %><p class="alt"><%~ it.nb(c.summary) %>.</p></figure>
<% }) %></div><% } %>
<% if (b.changes.length > 0) { %><h3 id="fills-title">Recent fills: the last <%= b.changes.length %> of <%= b.changesTotal %> position changes</h3>
<p class="meta">Seen on the position events; the NDJSON lines carry no fill price, so the price is the step's mark.</p>
<div class="table-wrap" tabindex="0" id="fills"><table aria-labelledby="fills-title">
<thead><tr><th scope="col">Time (UTC)</th><th scope="col" class="num">Step</th><th scope="col" class="num">Lifetime</th><th scope="col">Side</th><th scope="col" class="num">Change</th><th scope="col" class="num">Position after</th><th scope="col" class="num">Mark price</th><th scope="col" class="num">Equity after</th><th scope="col">Source</th></tr></thead>
<tbody>
<% b.changes.forEach(function (c) { %><tr><td class="nowrap"><%= c.time %></td><td class="num"><%= c.step %></td><td class="num"><%= c.lifetime %></td><td><span class="side <%= c.side %>"><%= c.side %></span></td><td class="num"><%= c.change %></td><td class="num"><%= c.position %></td><td class="num"><%= c.price %></td><td class="num"><%= c.equity %></td><td class="muted nowrap"><bdi><%= c.source %></bdi></td></tr>
<% }) %></tbody></table></div><% } %>
<% } %>
</section>
<section id="recent">
<h2>Recent events</h2>
<% if (it.tail.length === 0) { %><p class="muted">No events.</p><% } else { %>
<p class="meta">The last <%= it.tail.length %> events of the NDJSON files, newest last.</p>
<div class="table-wrap" tabindex="0"><table>
<thead><tr><th scope="col">Time (UTC)</th><th scope="col" class="num">Step</th><th scope="col">Stage</th><th scope="col">Outcome</th><th scope="col" class="num">ms</th><th scope="col">Reason</th><th scope="col">Detail</th><th scope="col">Attributes</th><th scope="col">Source</th></tr></thead>
<tbody>
<% it.tail.forEach(function (e) { %><tr data-stage="<%= e.stage %>" data-outcome="<%= e.outcome %>"><td class="nowrap"><%= e.time %></td><td class="num"><%= e.step %></td><td class="code"><bdi><%= e.stage %></bdi></td><td><span class="outcome <%= e.outcome %>"><span aria-hidden="true"><%= e.symbol %></span> <%= e.outcome %></span></td><td class="num"><%= e.latency %></td><td class="code"><bdi><%= e.reason %></bdi></td><td class="text"><bdi><%~ it.nb(e.detail) %></bdi></td><td class="text"><% e.attrs.forEach(function (a) { %><bdi class="attr"><%= a %></bdi> <% }) %></td><td class="muted nowrap"><bdi><%= e.source %></bdi></td></tr>
<% }) %></tbody></table></div>
<% } %>
</section>
<section id="settings">
<h2>Run settings</h2>
<% if (it.settings === null) { %><p class="muted">No run.json in this run dir.</p><% } else { %>
<dl class="settings">
<% it.settings.forEach(function (s) { %><div><dt><bdi><%= s.key %></bdi></dt><dd><bdi><%~ it.nb(s.value) %></bdi></dd></div>
<% }) %></dl>
<% if (it.runRecord.length > 0) { %><details><summary>The rest of run.json (status, versions, final figures)</summary>
<div class="table-wrap" tabindex="0"><table>
<tbody>
<% it.runRecord.forEach(function (s) { %><tr><th scope="row" class="text"><bdi><%= s.key %></bdi></th><td class="text"><bdi><%~ it.nb(s.value) %></bdi></td></tr>
<% }) %></tbody></table></div></details><% } %>
<% } %>
</section>
<section id="data-quality">
<h2>Data quality</h2>
<div class="cards">
<% it.qualityCards.forEach(function (c) { %><div class="card" data-metric="<%= c.key %>"><div class="label"><%= c.label %></div><div class="value"><%= c.value %></div></div>
<% }) %></div>
<% if (it.files.length > 0) { %><h3>NDJSON files, oldest first</h3>
<div class="table-wrap" tabindex="0"><table>
<thead><tr><th scope="col">File</th><th scope="col" class="num">Lines</th><th scope="col" class="num">Size</th></tr></thead>
<tbody>
<% it.files.forEach(function (f) { %><tr><td class="text"><bdi><%= f.name %></bdi></td><td class="num"><%= f.lines %></td><td class="num"><%= f.bytes %></td></tr>
<% }) %><tr><th scope="row"><%= it.filesTotal.count %> files</th><td class="num"><strong><%= it.filesTotal.lines %></strong></td><td class="num"><strong><%= it.filesTotal.bytes %></strong></td></tr>
</tbody></table></div><% } %>
<% if (it.skipped.length > 0) { %><h3>Skipped lines<% if (it.skippedMore > 0) { %> (first <%= it.skipped.length %>; <%= it.skippedMore %> more not listed)<% } %></h3>
<div class="table-wrap" tabindex="0"><table>
<thead><tr><th scope="col">File</th><th scope="col" class="num">Line</th><th scope="col">Why</th></tr></thead>
<tbody>
<% it.skipped.forEach(function (s) { %><tr data-skipped="<%= s.file %>:<%= s.line %>"><td class="text"><bdi><%= s.file %></bdi></td><td class="num"><%= s.line %></td><td class="text"><bdi><%~ it.nb(s.reason) %></bdi></td></tr>
<% }) %></tbody></table></div><% } %>
<% if (it.skippedFiles.length > 0) { %><h3>Skipped files</h3>
<div class="table-wrap" tabindex="0"><table>
<thead><tr><th scope="col">Entry</th><th scope="col">Why</th></tr></thead>
<tbody>
<% it.skippedFiles.forEach(function (f) { %><tr data-skipped-file="<%= f.name %>"><td class="text"><bdi><%= f.name %></bdi></td><td class="text"><bdi><%= f.what %></bdi></td></tr>
<% }) %></tbody></table></div><% } %>
<% if (it.invalidInput.length > 0) { %><h3 id="invalid-input-title">Invalid input the bot recorded, by kind (metrics_summary.json)</h3>
<p class="meta">Recorded as well as possible and warned about once per kind; <code>strict: true</code> makes each a thrown error.</p>
<div class="table-wrap" tabindex="0" id="invalid-input"><table aria-labelledby="invalid-input-title">
<thead><tr><th scope="col">Kind</th><th scope="col" class="num">Count</th></tr></thead>
<tbody>
<% it.invalidInput.forEach(function (k) { %><tr data-invalid-input="<%= k.kind %>"><th scope="row" class="code"><bdi><%= k.kind %></bdi></th><td class="num"><%= k.count %></td></tr>
<% }) %></tbody></table></div><% } %>
<% it.qualityNotes.forEach(function (note) { %><p class="note"><bdi><%~ it.nb(note) %></bdi></p>
<% }) %>
</section>
`;
