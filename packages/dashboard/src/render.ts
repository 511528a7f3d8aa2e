// renderDashboard(): the model to one self-contained HTML page. Pure: no I/O, no clock, no randomness.
import { describeFileType, type NonRegularFileType } from '@loop/metrics';
import { Eta } from 'eta';
import { FILES_HEAD } from './compose-model.js';
import { formatBytes, formatCount, formatGauge, formatMs, formatTime } from './display-format.js';
import { healthView } from './health-view.js';
import { escapeJsonForScript } from './html-escape.js';
import { keepWhole } from './keep-whole.js';
import { LIVE_CLIENT_SCRIPT } from './live-client.js';
import type { DashboardModel } from './model.js';
import { assertDashboardModel } from './model-shape.js';
import { checkOptionsObject, checkText, invalidOption } from './option-checks.js';
import { BODY_TEMPLATE, PAGE_STYLE, PAGE_TEMPLATE } from './page-templates.js';
import { OUTCOME_SYMBOLS, sectionsView } from './sections-view.js';
import { slowestAnchor, slowestView } from './slowest-view.js';
import { outcomesChart } from './svg-charts.js';

/** Content-Security-Policy of the static page: no script, no request of any kind. */
export const STATIC_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** Content-Security-Policy of the live page: only the script carrying `nonce`, and requests to its own origin. */
export function liveCsp(nonce: string): string {
  if (typeof nonce !== 'string' || !NONCE.test(nonce))
    throw invalidOption('liveCsp', 'nonce must be 8-128 base64 characters', 'nonce');
  return `${STATIC_CSP}; script-src 'nonce-${nonce}'; connect-src 'self'`;
}

/**
 * What a page's template needs of live mode (the nonce, the status line's time, the client script and its
 * config, escaped for `<script>`), or null for a static page. Shared by the run page and the fleet page.
 */
export function liveView(live: RenderOptions['live'], runDir: string) {
  return live
    ? {
        nonce: live.nonce,
        updated: live.updated ?? '—',
        script: LIVE_CLIENT_SCRIPT,
        configJson: escapeJsonForScript({
          eventsPath: live.eventsPath,
          runDir,
          lastEventId: live.lastEventId ?? null,
        }),
      }
    : null;
}

/** Options of {@link renderDashboard}. */
export interface RenderOptions {
  /**
   * Live mode: the page carries one script, allowed by `nonce`, that follows the server's event stream at
   * `eventsPath`. Without it the page is static and carries no script at all.
   */
  live?: {
    nonce: string;
    eventsPath: string;
    lastEventId?: string;
    /** When the model last changed, as the header shows it (e.g. `20:38:27 UTC`); default `—`. */
    updated?: string;
  };
  /**
   * The fleet page this run belongs to: the header links back to it (`href`, relative to this page or
   * absolute) under its `title`. A page of its own (`loop dashboard --run-dir`) has none.
   */
  fleet?: { href: string; title: string };
}

const eta = new Eta({ autoEscape: true, autoTrim: false, cache: true });
eta.loadTemplate('@page', PAGE_TEMPLATE);
eta.loadTemplate('@body', BODY_TEMPLATE);

const NONCE = /^[A-Za-z0-9+/=_-]{8,128}$/;

function sourceOf(file: string, line: number): string {
  return `${file}:${line}`;
}

/** The NDJSON file table: the files the model lists, a gap row where it left some out, and totals. */
function fileRows(q: DashboardModel['quality']) {
  const row = (f: { name: string; lines: number; bytes: number }) => ({
    name: f.name,
    lines: formatCount(f.lines),
    bytes: formatBytes(f.bytes),
  });
  const rows = q.files.map(row);
  if (q.filesOmitted > 0) {
    rows.splice(FILES_HEAD, 0, {
      name: `… ${formatCount(q.filesOmitted)} more files …`,
      lines: '',
      bytes: '',
    });
  }
  return {
    files: rows,
    filesTotal: {
      count: formatCount(q.fileTotals.count),
      lines: formatCount(q.fileTotals.lines),
      bytes: formatBytes(q.fileTotals.bytes),
    },
  };
}

/** run.json rows: its `settings` object first (prefix dropped), everything else (status, versions, stats) apart. */
function splitSettings(rows: DashboardModel['settings']) {
  if (rows === null) return { settings: null, runRecord: [] };
  const settings = rows
    .filter((r) => r.key.startsWith('settings.'))
    .map((r) => ({ key: r.key.slice(9), value: r.value }));
  const runRecord = rows.filter((r) => !r.key.startsWith('settings.'));
  return settings.length > 0 ? { settings, runRecord } : { settings: runRecord, runRecord: [] };
}

/** `hoverTitles`: the per-bucket `<title>` bands of the time charts (static pages; the live page skips their weight). */
function bodyView(model: DashboardModel, hoverTitles: boolean) {
  const { overview, latency } = model;
  const span =
    overview.firstTs === null
      ? 'No events in the NDJSON files.'
      : `Events from ${formatTime(overview.firstTs)} to ${formatTime(overview.lastTs)}.`;
  const lifetimes = model.health?.lifetimes.totals.lifetimes ?? 1;
  const fromSummary =
    model.summarySource === 'valid'
      ? ` Counters from metrics_summary.json (process started ${formatTime(overview.processStart)}, updated ${formatTime(overview.updatedAt)})${lifetimes > 1 ? `: the current process only, the last of ${formatCount(lifetimes)} lifetimes in the files (Health counts steps and errors across all of them)` : ''}.`
      : ' Counters recomputed from the NDJSON files.';
  const q = model.quality;
  // The stages whose max and p99 link to their slowest events: by name, to the anchor of their list.
  const slowestLinks = new Map<string, string>();
  model.slowest?.stages.forEach((s, i) => {
    if (s.events.length > 0) slowestLinks.set(s.stage, `#${slowestAnchor(i)}`);
  });
  return {
    /** Free text to HTML with its numbers, dates and codes kept on one line (used by the template with `<%~ %>`). */
    nb: keepWhole,
    health: model.health ? healthView(model.health, model.book?.currency ?? 'quote currency') : null,
    sections: sectionsView(model, { hoverTitles }),
    // With no events, a summary note means metrics_summary.json is there but unusable: say so, not "no file".
    empty: model.empty ? { hasFiles: q.fileTotals.count > 0, summaryUnusable: q.summaryNote !== null } : null,
    notes: q.summaryNote === null ? [] : [q.summaryNote],
    overviewCards: [
      { key: 'processed', label: 'Processed', value: formatCount(overview.processed), kind: '' },
      { key: 'filled', label: 'Filled', value: formatCount(overview.filled), kind: 'ok' },
      { key: 'rejected', label: 'Rejected', value: formatCount(overview.rejected), kind: 'rejected' },
      { key: 'errors', label: 'Errors', value: formatCount(overview.errors), kind: 'error' },
      { key: 'stage-events', label: 'Stage events', value: formatCount(overview.stageEvents), kind: '' },
    ],
    overviewMeta: span + fromSummary,
    latencyCards: [
      { key: 'p50', label: 'p50', value: `${formatMs(latency.p50_ms)} ms` },
      { key: 'p95', label: 'p95', value: `${formatMs(latency.p95_ms)} ms` },
      { key: 'p99', label: 'p99', value: `${formatMs(latency.p99_ms)} ms` },
      { key: 'max', label: 'max', value: `${formatMs(latency.max_ms)} ms` },
    ],
    latencyMeta: `Over all ${formatCount(latency.count)} stage events in the NDJSON files; per stage in the Stages table.`,
    stages: model.stages.map((s) => ({
      stage: s.stage,
      count: formatCount(s.count),
      p50: formatMs(s.p50_ms),
      p95: formatMs(s.p95_ms),
      p99: formatMs(s.p99_ms),
      max: formatMs(s.max_ms),
      mean: formatMs(s.mean_ms),
      ok: formatCount(s.ok),
      rejected: formatCount(s.rejected),
      error: formatCount(s.error),
      slowest: slowestLinks.get(s.stage) ?? null,
    })),
    slowest: slowestView(model),
    outcomesChart: outcomesChart(model.stages),
    tail: model.tail.map((e) => ({
      time: formatTime(e.ts, { millis: true }),
      step: formatCount(e.step),
      stage: e.stage,
      outcome: e.outcome,
      symbol: OUTCOME_SYMBOLS[e.outcome],
      latency: formatMs(e.latency_ms),
      reason: e.reason ?? '',
      detail: e.detail ?? '',
      attrs: e.attrs
        ? Object.entries(e.attrs).map(([k, v]) => `${k}=${typeof v === 'number' ? formatGauge(v) : v}`)
        : [],
      source: sourceOf(e.file, e.line),
    })),
    ...splitSettings(model.settings),
    qualityCards: [
      { key: 'events-read', label: 'Events read', value: formatCount(q.eventsRead) },
      { key: 'skipped-lines', label: 'Skipped lines', value: formatCount(q.skippedLines) },
      ...((q.skippedFiles ?? []).length > 0
        ? [{ key: 'skipped-files', label: 'Skipped files', value: formatCount(q.skippedFiles.length) }]
        : []),
      {
        key: 'clamped',
        label: 'Clamped latencies',
        // The summary and the files count many of the same events: the larger count, not the sum.
        value: formatCount(Math.max(q.clampedInHistory, q.clampedInSummary ?? 0)),
      },
      ...(q.writer
        ? [
            { key: 'rotations', label: 'Rotations', value: formatCount(q.writer.rotations) },
            { key: 'write-errors', label: 'Write errors', value: formatCount(q.writer.write_errors) },
          ]
        : []),
      ...(q.invalidInput
        ? [
            {
              key: 'invalid-input',
              label: 'Invalid input',
              value: formatCount(Object.values(q.invalidInput).reduce((sum, n) => sum + n, 0)),
            },
          ]
        : []),
    ],
    invalidInput: Object.entries(q.invalidInput ?? {}).map(([kind, n]) => ({ kind, count: formatCount(n) })),
    customCounters: Object.entries(model.customCounters ?? {}).map(([name, value]) => ({
      name,
      value: formatGauge(value),
    })),
    ...fileRows(q),
    skipped: q.skippedSamples,
    // A model from before skippedFiles existed has none.
    skippedFiles: (q.skippedFiles ?? []).map((f) => ({
      name: f.name,
      what: `${describeFileType(f.type as NonRegularFileType)}, not a regular file: skipped, never opened or read`,
    })),
    skippedMore: q.skippedLines - q.skippedSamples.length,
    qualityNotes: q.notes,
  };
}

/**
 * Renders only the content of `<main>`: what the live page swaps in on each update. Pure. Like the live page, it
 * leaves out the time charts' per-bucket hover `<title>`s (each chart keeps its text alternative).
 */
export function renderDashboardBody(model: DashboardModel): string {
  assertDashboardModel(model, 'renderDashboardBody');
  return eta.render('@body', bodyView(model, false));
}

/**
 * Renders the model as one self-contained HTML document: inline CSS and SVG, no external request, works
 * offline from `file://`. Every string that came from a file is escaped. Static pages carry no script and a
 * CSP meta tag that forbids scripts; live pages carry one nonce-allowed script. Pure and deterministic.
 */
export function renderDashboard(model: DashboardModel, options: RenderOptions = {}): string {
  assertDashboardModel(model, 'renderDashboard');
  checkOptionsObject('renderDashboard', 'options', options);
  const live = options.live;
  checkOptionsObject('renderDashboard', 'live', live);
  if (live && (typeof live.nonce !== 'string' || !NONCE.test(live.nonce)))
    throw invalidOption('renderDashboard', 'live.nonce must be 8-128 base64 characters', 'live.nonce');
  if (live) checkText('renderDashboard', 'live.eventsPath', live.eventsPath);
  const fleet = options.fleet;
  checkOptionsObject('renderDashboard', 'fleet', fleet);
  if (fleet) {
    checkText('renderDashboard', 'fleet.href', fleet.href);
    checkText('renderDashboard', 'fleet.title', fleet.title);
  }
  const parts = model.runDir.split(/[\\/]/).filter(Boolean);
  return eta.render('@page', {
    csp: live ? liveCsp(live.nonce) : STATIC_CSP,
    title: parts[parts.length - 1] ?? model.runDir,
    runDir: model.runDir,
    modeText: live ? 'live' : `static page rendered from ${formatCount(model.quality.eventsRead)} events`,
    style: PAGE_STYLE,
    fleet: fleet ? { href: fleet.href, title: fleet.title } : null,
    body: bodyView(model, live === undefined),
    live: liveView(live, model.runDir),
  });
}
