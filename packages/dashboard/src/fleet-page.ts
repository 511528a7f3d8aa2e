// The fleet page: one row per run dir (status, heartbeat age, restarts, equity/PnL, errors and rejections in
// the last hour, worst stage p99), unhealthy first, each linking to its own page. Pure: the model is
// @loop/run-dir's RunHealth per run dir, the same numbers `loop status` prints.
import { formatDuration as formatAge, type RunHealth, type RunHealthStatus } from '@loop/run-dir';
import { Eta } from 'eta';
import { formatCount, formatMs, formatTime } from './display-format.js';
import { FLEET_BODY_TEMPLATE, FLEET_STYLE, FLEET_TEMPLATE } from './fleet-templates.js';
import { BADGE } from './health-view.js';
import { liveCsp, liveView, STATIC_CSP } from './render.js';

/** Version of {@link FleetModel}'s shape. */
export const FLEET_MODEL_VERSION = 1 as const;

/** One run dir of the fleet. */
export interface FleetRun {
  /** The run dir's path. */
  runDir: string;
  /** The name shown (the folder's name). */
  name: string;
  /** The link to this run's own page, relative to the fleet page; null when it has none. */
  href: string | null;
  health: RunHealth;
}

/** What the fleet page shows: plain, serialisable data. */
export interface FleetModel {
  v: typeof FLEET_MODEL_VERSION;
  /** A name for the fleet (the runs root's folder name, or "N run dirs"). */
  title: string;
  /** When the health was read (epoch ms): heartbeat ages and "last hour" are as of then. */
  generatedAtMs: number;
  /** Unhealthy first ({@link sortFleetRuns}). */
  runs: FleetRun[];
}

/** Order of statuses on the page: the worst first. */
const SEVERITY: readonly RunHealthStatus[] = [
  'gave-up',
  'failed',
  'halted',
  'stale',
  'restarting',
  'unknown',
  'running',
  'stopped',
  'completed',
];

/**
 * Unhealthy run dirs first (gave up, failed, halted, stale, restarting, unknown, then running but REDUCING or
 * HALTED), then healthy ones (running, stopped, completed); by name within a status. Returns a new array.
 */
export function sortFleetRuns(runs: readonly FleetRun[]): FleetRun[] {
  const rank = (r: FleetRun) => (r.health.healthy ? 100 : 0) + SEVERITY.indexOf(r.health.status);
  return [...runs].sort(
    (a, b) =>
      rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || (a.runDir < b.runDir ? -1 : 1),
  );
}

/** Options of {@link renderFleetPage}. */
export interface FleetRenderOptions {
  /** The account currency's label in the equity column (default `quote currency`). */
  currency?: string;
  /**
   * Live mode: the page carries one script, allowed by `nonce` (the live CSP), that follows the server's event
   * stream at `eventsPath` and morphs the table in place. Without it the page is static and carries no script.
   */
  live?: {
    nonce: string;
    eventsPath: string;
    lastEventId?: string;
    /** When the model last changed, as the header shows it (e.g. `20:38:27 UTC`); default `—`. */
    updated?: string;
  };
}

const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function signedMoney(value: number): string {
  const text = money.format(Math.abs(value));
  return value < 0 ? `−${text}` : value > 0 ? `+${text}` : text;
}

/** The table's cells for one run dir. */
function rowView(run: FleetRun) {
  const h = run.health;
  const badge = BADGE[h.status];
  const s = h.supervisor;
  const trading =
    h.tradingState && h.tradingState !== 'ACTIVE' && h.status !== 'halted' ? `trading ${h.tradingState}` : '';
  return {
    name: run.name,
    runDir: run.runDir,
    href: run.href,
    status: h.status,
    healthy: String(h.healthy),
    tone: badge.tone,
    symbol: badge.symbol,
    word: badge.word,
    trading,
    reason:
      h.tradingStateReason && trading ? `${h.reason}; ${h.tradingState}: ${h.tradingStateReason}` : h.reason,
    // A problem the reason already states (a corrupt run.json) is not said twice.
    problems: h.problems.filter((p) => !h.reason.includes(p)),
    heartbeat: h.heartbeatAgeMs === null ? 'none' : formatAge(h.heartbeatAgeMs),
    restarts: s
      ? `${formatCount(s.restartsLastHour)} / ${formatCount(s.restartsLastDay)} / ${formatCount(s.restarts)}`
      : 'not supervised',
    equity: h.equity === null ? '—' : money.format(h.equity),
    pnl: h.pnl === null ? '—' : signedMoney(h.pnl),
    pnlNegative: h.pnl !== null && h.pnl < 0,
    errors: `${h.lastHour === null ? '—' : formatCount(h.lastHour.errors)} / ${formatCount(h.errors)}`,
    rejections: `${h.lastHour === null ? '—' : formatCount(h.lastHour.rejections)} / ${formatCount(h.rejections)}`,
    p99: h.worstP99 === null ? '—' : `${formatMs(h.worstP99.ms)} ms`,
    p99Stage: h.worstP99?.stage ?? '',
  };
}

/** The status counts line: one badge per status present, worst first. */
function countsView(runs: readonly FleetRun[]) {
  const counts = new Map<RunHealthStatus, number>();
  for (const r of runs) counts.set(r.health.status, (counts.get(r.health.status) ?? 0) + 1);
  return SEVERITY.filter((status) => counts.has(status)).map((status) => ({
    status,
    ...BADGE[status],
    count: formatCount(counts.get(status)!),
  }));
}

const eta = new Eta({ autoEscape: true, autoTrim: false, cache: true });
eta.loadTemplate('@fleet', FLEET_TEMPLATE);
eta.loadTemplate('@fleet-body', FLEET_BODY_TEMPLATE);

/** The page's view data (exported for the live server, which re-renders only the changed parts). */
export function fleetView(model: FleetModel, options: FleetRenderOptions = {}) {
  const unhealthy = model.runs.filter((r) => !r.health.healthy).length;
  const n = model.runs.length;
  return {
    title: model.title,
    headline:
      n === 0
        ? 'No run dirs yet'
        : unhealthy === 0
          ? `All ${formatCount(n)} run dir${n === 1 ? ' is' : 's are'} healthy`
          : `${formatCount(unhealthy)} of ${formatCount(n)} run dir${n === 1 ? ' is' : 's are'} unhealthy`,
    counts: countsView(model.runs),
    note: `${formatCount(n)} run dir${n === 1 ? '' : 's'}; each name links to that run's own page.`,
    generatedAt: formatTime(model.generatedAtMs),
    currency: options.currency ?? 'quote currency',
    rows: model.runs.map(rowView),
  };
}

/**
 * Renders the fleet page: one self-contained HTML document (inline CSS, no external request). Static pages
 * carry no script and the run page's CSP; a live page carries the live client (morphdom and the event stream)
 * under the live CSP. Every string from a file is escaped and wrapped in `<bdi>`. Pure: the same model gives the
 * same bytes.
 */
export function renderFleetPage(model: FleetModel, options: FleetRenderOptions = {}): string {
  const live = options.live;
  return eta.render('@fleet', {
    ...fleetView(model, options),
    csp: live ? liveCsp(live.nonce) : STATIC_CSP,
    style: FLEET_STYLE,
    modeText: live ? 'live' : `static page rendered at ${formatTime(model.generatedAtMs)}`,
    live: liveView(live, model.title),
  });
}

/** Only the content of the fleet page's `<main>`: what the live fleet re-renders on each update. Pure. */
export function renderFleetBody(
  model: FleetModel,
  options: Pick<FleetRenderOptions, 'currency'> = {},
): string {
  return eta.render('@fleet-body', fleetView(model, options));
}
