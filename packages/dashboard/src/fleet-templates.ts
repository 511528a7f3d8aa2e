// The fleet page's eta template and stylesheet, kept as TypeScript strings like the run page's. `<%= %>`
// (escaped) for every value; `<%~ %>` only for the CSP, the stylesheet and the live script's JSON. The head, the
// live status and the page's end are the run page's.
import { DOCUMENT_END_TEMPLATE, documentHead, LIVE_STATUS_TEMPLATE } from './page-templates.js';

/** Inline stylesheet of the fleet page: the run page's colours and badges; the table scrolls inside its box. */
export const FLEET_STYLE = `
:root{--fg:#111827;--muted:#4b5563;--line:#e5e7eb;--card:#f9fafb;--link:#1d4ed8}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:#fff}
header{padding:16px 24px;border-bottom:1px solid var(--line);background:#0f172a;color:#f8fafc}
header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;color:#cbd5e1;overflow-wrap:break-word}
main{max-width:1440px;margin:0 auto;padding:8px 24px 32px}
section{margin-top:20px}
h2{font-size:17px;margin:0 0 10px;padding-bottom:4px;border-bottom:2px solid var(--line)}
.counts{display:flex;flex-wrap:wrap;gap:8px 12px;list-style:none;margin:0;padding:0}
.counts li{white-space:nowrap}
.table-wrap{overflow-x:auto;border:1px solid var(--line);border-radius:8px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{background:var(--card);font-weight:600;vertical-align:bottom}
tbody th{font-weight:600;min-width:16ch}
td.num,th.num{text-align:right}td.num{white-space:nowrap}
td.nowrap,.nowrap{white-space:nowrap}
td.why{min-width:28ch;max-width:60ch;overflow-wrap:break-word;word-break:normal}
tr:last-child td,tr:last-child th{border-bottom:0}
a{color:var(--link)}
.path{display:block;color:var(--muted);font-weight:400;font-size:12px;overflow-wrap:anywhere;max-width:40ch}
.code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;word-break:keep-all}
.badge{display:inline-block;margin:0;padding:2px 10px;border-radius:999px;font-weight:700;border:2px solid;white-space:nowrap}
.tone-good{background:#dcfce7;color:#14532d;border-color:#166534}.tone-done{background:#e0e7ff;color:#312e81;border-color:#3730a3}
.tone-warn{background:#fef3c7;color:#78350f;border-color:#92400e}.tone-bad{background:#fee2e2;color:#7f1d1d;border-color:#991b1b}
.tone-none{background:#f3f4f6;color:#1f2937;border-color:#4b5563}
.trading{display:block;margin-top:4px;font-weight:600;white-space:nowrap}
.problem{display:block;margin-top:4px;color:#7f1d1d}
.muted,.meta{color:var(--muted)}
.meta{margin:6px 0 0}
.neg{color:#991b1b}
#loop-live-status{font-weight:600}
#loop-live-status[data-state=reconnecting],#loop-live-status[data-state=stale]{color:#fde68a}
@media (max-width:640px){header{padding:12px 14px}main{padding:4px 12px 24px}th,td{padding:5px 6px}}
`;

/** The fleet page. */
export const FLEET_TEMPLATE = `${documentHead('Fleet:')}<body>
<header>
<h1>Fleet: <bdi><%= it.title %></bdi></h1>
<p><%= it.modeText %>${LIVE_STATUS_TEMPLATE}</p>
</header>
<main id="loop-main">
<%~ include('@fleet-body', it) %>
</main>
${DOCUMENT_END_TEMPLATE}`;

/** Everything inside the fleet page's <main>: what the live fleet re-renders and sends as line deltas. */
export const FLEET_BODY_TEMPLATE = `<section id="fleet-summary" aria-labelledby="fleet-summary-title">
<h2 id="fleet-summary-title"><%= it.headline %></h2>
<ul class="counts">
<% it.counts.forEach(function (c) { %><li><span class="badge tone-<%= c.tone %>" data-status="<%= c.status %>"><span aria-hidden="true"><%= c.symbol %></span> <%= c.word %></span> <%= c.count %></li>
<% }) %></ul>
<p class="meta"><%= it.note %></p>
</section>
<section id="fleet" aria-labelledby="fleet-title">
<h2 id="fleet-title">Run dirs, unhealthy first</h2>
<% if (it.rows.length === 0) { %><p>No run dirs yet. A folder under the runs root shows up here once it holds a run dir's files (run.json, metrics, a heartbeat or supervisor files).</p>
<% } else { %><div class="table-wrap" role="region" aria-labelledby="fleet-title" tabindex="0">
<table>
<thead><tr>
<th scope="col">Run</th><th scope="col">Status</th><th scope="col">Why</th><th scope="col" class="num">Heartbeat age</th><th scope="col" class="num">Restarts hour / day / all</th><th scope="col" class="num">Equity (<%= it.currency %>)</th><th scope="col" class="num">PnL</th><th scope="col" class="num">Errors last hour / all</th><th scope="col" class="num">Rejections last hour / all</th><th scope="col" class="num">Worst stage p99</th>
</tr></thead>
<tbody>
<% it.rows.forEach(function (r) { %><tr data-run="<%= r.name %>" data-status="<%= r.status %>" data-healthy="<%= r.healthy %>">
<th scope="row"><% if (r.href) { %><a href="<%= r.href %>"><bdi><%= r.name %></bdi></a><% } else { %><bdi><%= r.name %></bdi><% } %><span class="path"><bdi><%= r.runDir %></bdi></span></th>
<td class="nowrap"><span class="badge tone-<%= r.tone %>"><span aria-hidden="true"><%= r.symbol %></span> <%= r.word %></span><% if (r.trading) { %><span class="trading"><%= r.trading %></span><% } %></td>
<td class="why"><bdi><%= r.reason %></bdi><% r.problems.forEach(function (p) { %><span class="problem"><bdi><%= p %></bdi></span><% }) %></td>
<td class="num" data-col="heartbeat-age"><%= r.heartbeat %></td>
<td class="num" data-col="restarts"><%= r.restarts %></td>
<td class="num" data-col="equity"><%= r.equity %></td>
<td class="num<%= r.pnlNegative ? ' neg' : '' %>" data-col="pnl"><%= r.pnl %></td>
<td class="num" data-col="errors"><%= r.errors %></td>
<td class="num" data-col="rejections"><%= r.rejections %></td>
<td class="num" data-col="p99"><%= r.p99 %><% if (r.p99Stage) { %> <bdi class="code"><%= r.p99Stage %></bdi><% } %></td>
</tr>
<% }) %></tbody>
</table>
</div>
<% } %><p class="meta">Heartbeat age, restarts and "last hour" are as of <%= it.generatedAt %>. The last hour is up to then on a real clock and up to the newest event on a simulated one (whose times are the simulated clock's), at 10 s resolution. The numbers are the ones <code>loop status</code> prints.</p>
</section>
`;
