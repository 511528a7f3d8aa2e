// The page's eta templates, kept as TypeScript strings so the package ships no template files.
// `<%= %>` (escaped) for every value; `<%~ %>` (raw) only for markup the renderer built from numbers and
// escaped names (charts), and for JSON already escaped for <script>.
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
header p{margin:4px 0 0;color:#cbd5e1;overflow-wrap:anywhere}
header code{color:#f8fafc}
main{max-width:1240px;margin:0 auto;padding:8px 24px 32px}
section{margin-top:24px}
h2{font-size:17px;margin:0 0 10px;padding-bottom:4px;border-bottom:2px solid var(--line)}
h3{font-size:14px;margin:14px 0 6px;color:var(--muted)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px;min-width:0}
.card .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em;overflow-wrap:anywhere}
.card .value{font-size:24px;font-weight:600;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.card.ok .value{color:var(--ok)}.card.rejected .value{color:var(--rej)}.card.error .value{color:var(--err)}
.meta{color:var(--muted);margin:6px 0 0}
.table-wrap{overflow-x:auto;border:1px solid var(--line);border-radius:8px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:var(--card);font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right;white-space:nowrap}
td.text{overflow-wrap:anywhere;min-width:12ch;max-width:40ch}
tr:last-child td{border-bottom:0}
.outcome{display:inline-block;padding:0 6px;border-radius:4px;font-size:12px;font-weight:600}
.outcome.ok{background:#dcfce7;color:#166534}.outcome.rejected{background:#fef3c7;color:#92400e}.outcome.error{background:#fee2e2;color:#991b1b}
.chart{width:100%;height:auto;display:block;max-width:960px}
.chart text{font-size:${CHART_FONT_SIZE.wide}px;fill:#374151}
.chart .grid{stroke:#e5e7eb;stroke-width:1}
.legend{list-style:none;padding:0;margin:6px 0 0;display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px}
.legend li{overflow-wrap:anywhere}
.swatch{display:inline-block;width:18px;height:0;border-top:3px solid;margin-right:6px;vertical-align:middle}
.swatch.dashed{border-top-style:dashed}
figure{margin:0 0 12px}figcaption{font-weight:600;margin-bottom:4px;overflow-wrap:anywhere}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(320px,100%),1fr));gap:16px}
.charts figure{min-width:0;container-type:inline-size}
@container (max-width:560px){.chart text{font-size:${CHART_FONT_SIZE.phone}px}}
.note{background:#fffbeb;border:1px solid #fcd34d;border-radius:8px;padding:8px 12px;margin:8px 0;overflow-wrap:anywhere}
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
.settings dt{color:var(--muted);overflow-wrap:anywhere;flex:0 0 auto;max-width:50%}
.settings dd{margin:0;min-width:0;font-weight:600;text-align:right;overflow-wrap:anywhere;font-variant-numeric:tabular-nums}
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
 th,td{padding:5px 6px}
 .charts{grid-template-columns:1fr}
 .chart text{font-size:${CHART_FONT_SIZE.phone}px}
}
`;

/** The whole document. */
export const PAGE_TEMPLATE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="<%= it.csp %>">
<meta name="referrer" content="no-referrer">
<title>Loop dashboard · <%= it.title %></title>
<style><%~ it.style %></style>
</head>
<body>
<header>
<h1>Loop dashboard</h1>
<p>Run dir <code><%= it.runDir %></code> · <%= it.modeText %><% if (it.live) { %> · <span id="loop-live-status" role="status" aria-live="polite" data-state="connecting">connecting…</span> · updated <span id="loop-live-updated"><%= it.live.updated %></span><% } %></p>
</header>
<main id="loop-main">
<%~ include('@body', it.body) %>
</main>
<% if (it.live) { %>
<script type="application/json" id="loop-live-config"><%~ it.live.configJson %></script>
<script nonce="<%= it.live.nonce %>"><%~ it.live.script %></script>
<% } %>
</body>
</html>
`;

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
<p class="why"><bdi><%= h.reason %></bdi></p>
</div>
<dl class="facts">
<% h.facts.forEach(function (f) { %><div data-fact="<%= f.key %>"><dt><%= f.label %></dt><dd><span class="nowrap"><%= f.value %></span><% if (f.user) { %><% if (f.value) { %> · <% } %><bdi class="code"><%= f.user %></bdi><% } %></dd></div>
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
<% it.notes.forEach(function (note) { %><p class="note"><%= note %></p>
<% }) %>
<section id="overview">
<h2>Overview</h2>
<div class="cards">
<% it.overviewCards.forEach(function (c) { %><div class="card <%= c.kind %>" data-metric="<%= c.key %>"><div class="label"><%= c.label %></div><div class="value"><%= c.value %></div></div>
<% }) %></div>
<p class="meta"><%= it.overviewMeta %></p>
</section>
<section id="latency">
<h2>Latency</h2>
<div class="cards">
<% it.latencyCards.forEach(function (c) { %><div class="card" data-metric="<%= c.key %>"><div class="label"><%= c.label %></div><div class="value"><%= c.value %></div></div>
<% }) %></div>
<p class="meta"><%= it.latencyMeta %></p>
<% if (it.latencyChart) { %><h3>Latency over time per stage, ms (p50 solid, p95 dashed) · buckets of <%= it.bucketText %></h3>
<%~ it.latencyChart %><% } %>
</section>
<section id="stages">
<h2>Stages</h2>
<% if (it.stages.length === 0) { %><p class="muted">No stage events yet.</p><% } else { %>
<div class="table-wrap" tabindex="0"><table>
<thead><tr><th>Stage</th><th class="num">Count</th><th class="num">p50 ms</th><th class="num">p95 ms</th><th class="num">p99 ms</th><th class="num">max ms</th><th class="num">mean ms</th><th class="num">ok</th><th class="num">rejected</th><th class="num">error</th></tr></thead>
<tbody>
<% it.stages.forEach(function (s) { %><tr data-stage="<%= s.stage %>"><td class="text"><%= s.stage %></td><td class="num"><%= s.count %></td><td class="num"><%= s.p50 %></td><td class="num"><%= s.p95 %></td><td class="num"><%= s.p99 %></td><td class="num"><%= s.max %></td><td class="num"><%= s.mean %></td><td class="num"><%= s.ok %></td><td class="num"><%= s.rejected %></td><td class="num"><%= s.error %></td></tr>
<% }) %></tbody></table></div>
<h3>Outcomes per stage</h3>
<%~ it.outcomesChart %>
<% } %>
</section>
<section id="reasons">
<h2>Errors &amp; Rejections by reason</h2>
<% if (it.reasons.length === 0) { %><p class="muted">No rejections or errors with a reason.</p><% } else { %>
<div class="table-wrap" tabindex="0"><table>
<thead><tr><th>Stage</th><th>Outcome</th><th>Reason</th><th class="num">Count</th></tr></thead>
<tbody>
<% it.reasons.forEach(function (r) { %><tr><td class="text"><%= r.stage %></td><td><span class="outcome <%= r.outcome %>"><%= r.outcome %></span></td><td class="text"><%= r.reason %></td><td class="num"><%= r.count %></td></tr>
<% }) %></tbody></table></div>
<% } %>
</section>
<section id="position">
<h2>Position &amp; PnL</h2>
<% if (it.gauges.length === 0) { %><p class="muted">No position, equity or PnL recorded.</p><% } else { %>
<div class="cards">
<% it.gauges.forEach(function (g) { %><div class="card" data-gauge="<%= g.key %>"><div class="label"><%= g.key %></div><div class="value"><%= g.value %></div></div>
<% }) %></div>
<% } %>
<% if (it.attrCharts) { %><div class="charts"><%~ it.attrCharts %></div><% } %>
</section>
<section id="recent">
<h2>Recent events</h2>
<% if (it.tail.length === 0) { %><p class="muted">No events.</p><% } else { %>
<p class="meta">The last <%= it.tail.length %> events of the NDJSON files, newest last.</p>
<div class="table-wrap" tabindex="0"><table>
<thead><tr><th>Time (UTC)</th><th class="num">Step</th><th>Stage</th><th>Outcome</th><th class="num">ms</th><th>Reason</th><th>Detail</th><th>Attributes</th><th>Source</th></tr></thead>
<tbody>
<% it.tail.forEach(function (e) { %><tr data-stage="<%= e.stage %>" data-outcome="<%= e.outcome %>"><td class="num"><%= e.time %></td><td class="num"><%= e.step %></td><td class="text"><%= e.stage %></td><td><span class="outcome <%= e.outcome %>"><%= e.outcome %></span></td><td class="num"><%= e.latency %></td><td class="text"><%= e.reason %></td><td class="text"><%= e.detail %></td><td class="text"><% e.attrs.forEach(function (a) { %><span class="attr"><%= a %></span> <% }) %></td><td class="muted"><%= e.source %></td></tr>
<% }) %></tbody></table></div>
<% } %>
</section>
<section id="settings">
<h2>Run settings</h2>
<% if (it.settings === null) { %><p class="muted">No run.json in this run dir.</p><% } else { %>
<dl class="settings">
<% it.settings.forEach(function (s) { %><div><dt><%= s.key %></dt><dd><%= s.value %></dd></div>
<% }) %></dl>
<% if (it.runRecord.length > 0) { %><details><summary>The rest of run.json (status, versions, final figures)</summary>
<div class="table-wrap" tabindex="0"><table>
<tbody>
<% it.runRecord.forEach(function (s) { %><tr><td class="text"><%= s.key %></td><td class="text"><%= s.value %></td></tr>
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
<thead><tr><th>File</th><th class="num">Lines</th><th class="num">Size</th></tr></thead>
<tbody>
<% it.files.forEach(function (f) { %><tr><td class="text"><%= f.name %></td><td class="num"><%= f.lines %></td><td class="num"><%= f.bytes %></td></tr>
<% }) %><tr><th><%= it.filesTotal.count %> files</th><th class="num"><%= it.filesTotal.lines %></th><th class="num"><%= it.filesTotal.bytes %></th></tr>
</tbody></table></div><% } %>
<% if (it.skipped.length > 0) { %><h3>Skipped lines<% if (it.skippedMore > 0) { %> (first <%= it.skipped.length %>; <%= it.skippedMore %> more not listed)<% } %></h3>
<div class="table-wrap" tabindex="0"><table>
<thead><tr><th>File</th><th class="num">Line</th><th>Why</th></tr></thead>
<tbody>
<% it.skipped.forEach(function (s) { %><tr data-skipped="<%= s.file %>:<%= s.line %>"><td class="text"><%= s.file %></td><td class="num"><%= s.line %></td><td class="text"><%= s.reason %></td></tr>
<% }) %></tbody></table></div><% } %>
<% it.qualityNotes.forEach(function (note) { %><p class="note"><%= note %></p>
<% }) %>
</section>
`;
