// renderComparePage(): two runs side by side (`loop dashboard --compare A B`) as one self-contained page,
// under the dashboard's rules: the static CSP, no script, every file-derived string escaped and <bdi>-isolated.
// The model is plain data (what @loop/check's comparison gives); this module does no I/O.
import { Eta } from 'eta';
import { assertComparePageModel } from './model-shape.js';
import { documentHead, PAGE_STYLE } from './page-templates.js';
import { STATIC_CSP } from './render.js';

/** One row of the side-by-side table (B against A). */
export interface CompareRow {
  metric: string;
  group: string;
  a: number | null;
  b: number | null;
  diff: number | null;
  ratio: number | null;
}

/** One event of a differing step. */
export interface CompareEvent {
  file: string;
  line: number;
  stage: string;
  outcome: string;
  latency_ms: number;
  reason?: string;
  detail?: string;
  attrs?: Record<string, number | string>;
}

/** One run's side of a differing step; null when that run has no such step. */
export interface CompareStepSide {
  lifetime: number;
  step: number;
  file: string;
  line: number;
  events: CompareEvent[];
}

/** A step where the runs differ. */
export interface CompareStep {
  index: number;
  a: CompareStepSide | null;
  b: CompareStepSide | null;
  differences: string[];
}

/** What {@link renderComparePage} shows. */
export interface ComparePageModel {
  runDirA: string;
  runDirB: string;
  /** `identical`, `same-decisions`, `diverged` or `bounded`. */
  verdict: string;
  stepsCompared: number;
  decision: CompareStep | null;
  firstDifference: CompareStep | null;
  settings: Array<{ key: string; a: unknown; b: unknown }>;
  rows: CompareRow[];
  /** Notes on files either run could not use. */
  notes: string[];
}

const VERDICT_TEXT: Record<string, string> = {
  identical: 'Identical: every event of every step is equal.',
  'same-decisions': 'Same decisions at every step; other fields (latency, timestamps, prices) differ.',
  diverged: 'The decisions diverge.',
  bounded: 'No decision differed within the steps compared (--max-steps).',
};

const COMPARE_TEMPLATE = `${documentHead('Loop compare')}<body>
<header>
<h1>Loop compare</h1>
<p>A <code><bdi><%= it.runDirA %></bdi></code> · B <code><bdi><%= it.runDirB %></bdi></code> · B is judged against A</p>
</header>
<main>
<% it.notes.forEach(function (note) { %><p class="note"><bdi><%= note %></bdi></p>
<% }) %>
<section id="divergence">
<h2>Divergence</h2>
<p><strong><%= it.verdictText %></strong> <span class="muted"><%= it.stepsCompared %> steps compared.</span></p>
<% it.steps.forEach(function (s) { %>
<h3><%= s.title %> at step <%= s.step %> (the <%= s.ordinal %> step of both runs)</h3>
<ul><% s.differences.forEach(function (d) { %><li><bdi><%= d %></bdi></li><% }) %></ul>
<div class="sides">
<% s.sides.forEach(function (side) { %><div>
<h3><%= side.label %><% if (side.where) { %>: <bdi><%= side.where %></bdi><% } %></h3>
<% if (side.events.length === 0) { %><p class="muted">No such step: the run ended.</p><% } else { %>
<div class="table-wrap"><table><thead><tr><th>file:line</th><th>stage</th><th>outcome</th><th>reason</th><th>attrs</th><th class="num">latency ms</th></tr></thead><tbody>
<% side.events.forEach(function (e) { %><tr><td><bdi><%= e.source %></bdi></td><td><bdi><%= e.stage %></bdi></td><td><span class="outcome <%= e.outcomeClass %>"><%= e.outcome %></span></td><td class="text"><bdi><%= e.reason %></bdi><% if (e.detail) { %> <span class="muted"><bdi><%= e.detail %></bdi></span><% } %></td><td class="text"><bdi><%= e.attrs %></bdi></td><td class="num"><%= e.latency %></td></tr>
<% }) %></tbody></table></div><% } %>
</div>
<% }) %></div>
<% }) %>
</section>
<section id="settings">
<h2>Settings that differ</h2>
<% if (it.settings.length === 0) { %><p class="muted">The same (run.json).</p><% } else { %>
<div class="table-wrap"><table><thead><tr><th>setting</th><th>A</th><th>B</th></tr></thead><tbody>
<% it.settings.forEach(function (s) { %><tr><td><bdi><%= s.key %></bdi></td><td class="text"><bdi><%= s.a %></bdi></td><td class="text"><bdi><%= s.b %></bdi></td></tr>
<% }) %></tbody></table></div><% } %>
</section>
<section id="side-by-side">
<h2>Side by side</h2>
<div class="table-wrap"><table><thead><tr><th>metric</th><th class="num">A</th><th class="num">B</th><th class="num">B − A</th><th class="num">B / A</th></tr></thead><tbody>
<% it.rows.forEach(function (r) { %><tr<% if (r.changed) { %> class="changed"<% } %>><td><bdi><%= r.metric %></bdi></td><td class="num"><%= r.a %></td><td class="num"><%= r.b %></td><td class="num"><%= r.diff %></td><td class="num"><%= r.ratio %></td></tr>
<% }) %></tbody></table></div>
</section>
</main>
</body>
</html>
`;

const eta = new Eta({ autoEscape: true, autoTrim: false, cache: true });
eta.loadTemplate('@compare', COMPARE_TEMPLATE);

function shown(value: number | null): string {
  if (value === null) return '–';
  if (Number.isInteger(value)) return String(value);
  return String(Math.abs(value) >= 1 ? Math.round(value * 1e4) / 1e4 : Number(value.toPrecision(6)));
}

function sideView(label: string, side: CompareStepSide | null) {
  return {
    label,
    where:
      side === null
        ? ''
        : `step ${side.step}${side.lifetime > 1 ? ` (lifetime ${side.lifetime})` : ''} at ${side.file}:${side.line}`,
    events: (side?.events ?? []).map((e) => ({
      source: `${e.file}:${e.line}`,
      stage: e.stage,
      outcome: e.outcome,
      outcomeClass: ['ok', 'rejected', 'error'].includes(e.outcome) ? e.outcome : '',
      reason: e.reason ?? '',
      detail: e.detail ?? '',
      attrs:
        e.attrs === undefined
          ? ''
          : Object.entries(e.attrs)
              .map(([k, v]) => `${k}=${v}`)
              .join(' '),
      latency: e.latency_ms.toFixed(3),
    })),
  };
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

function stepView(title: string, step: CompareStep) {
  return {
    title,
    step: step.a?.step ?? step.b?.step ?? '?',
    ordinal: ordinal(step.index),
    differences: step.differences,
    sides: [sideView('A', step.a), sideView('B', step.b)],
  };
}

/**
 * The comparison page: the divergence (both sides' events for the step), the settings that differ, and the
 * side-by-side table. Static: the dashboard's CSP (`default-src 'none'`), no script. Pure.
 */
export function renderComparePage(model: ComparePageModel): string {
  assertComparePageModel(model);
  const steps = [];
  if (model.decision) steps.push(stepView('Decisions first differ', model.decision));
  if (
    model.firstDifference &&
    (model.decision === null || model.firstDifference.index < model.decision.index)
  )
    steps.push(stepView('Other fields first differ', model.firstDifference));
  return eta.render('@compare', {
    csp: STATIC_CSP,
    style: `${PAGE_STYLE}\ntr.changed td{background:#fffbeb}\n.sides{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(520px,100%),1fr));gap:16px}.sides>div{min-width:0}`,
    title: `${model.runDirA} vs ${model.runDirB}`,
    runDirA: model.runDirA,
    runDirB: model.runDirB,
    notes: model.notes,
    verdictText: VERDICT_TEXT[model.verdict] ?? model.verdict,
    stepsCompared: model.stepsCompared,
    steps,
    settings: model.settings.map((s) => ({ key: s.key, a: JSON.stringify(s.a), b: JSON.stringify(s.b) })),
    rows: model.rows.map((r) => ({
      metric: r.metric,
      a: shown(r.a),
      b: shown(r.b),
      diff: r.diff === null ? '' : r.diff > 0 ? `+${shown(r.diff)}` : shown(r.diff),
      ratio: r.ratio === null ? '' : `${shown(r.ratio)}×`,
      changed: r.diff !== null && r.diff !== 0,
    })),
  });
}
