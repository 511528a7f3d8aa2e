// The page's health headline and "Supervisor & restarts" section: view data from the model's RunHealth, and
// the lifetimes timeline (SVG built from numbers only; names go through the template, escaped). Pure.
import { formatDuration as formatAge, type RunHealth } from '@loop/run-dir';
import { formatCount, formatTime } from './display-format.js';

/** The badge's word and symbol for each status (never colour alone). */
export const BADGE: Record<RunHealth['status'], { word: string; symbol: string; tone: string }> = {
  running: { word: 'running', symbol: '●', tone: 'good' },
  completed: { word: 'completed', symbol: '✓', tone: 'done' },
  stopped: { word: 'stopped', symbol: '■', tone: 'done' },
  restarting: { word: 'restarting', symbol: '↻', tone: 'warn' },
  stale: { word: 'stale heartbeat', symbol: '!', tone: 'warn' },
  halted: { word: 'halted', symbol: '✕', tone: 'bad' },
  failed: { word: 'failed', symbol: '✕', tone: 'bad' },
  'gave-up': { word: 'gave up', symbol: '✕', tone: 'bad' },
  unknown: { word: 'unknown', symbol: '?', tone: 'none' },
};

const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function signedMoney(value: number): string {
  const text = money.format(Math.abs(value));
  return value < 0 ? `−${text}` : value > 0 ? `+${text}` : text;
}

/** One fact of the headline: a label and its value (user strings are marked to go in `<bdi>`). */
export interface HealthFact {
  key: string;
  label: string;
  value: string;
  /** Text that came from a file (a reason, an error): shown inside `<bdi>`. */
  user?: string;
}

/** What the templates show of the health. */
export interface HealthView {
  status: string;
  word: string;
  symbol: string;
  tone: string;
  reason: string;
  facts: HealthFact[];
  lifetimes: Array<{
    number: string;
    start: string;
    last: string;
    steps: string;
    errors: string;
    rejections: string;
    source: string;
  }>;
  lifetimesDropped: number;
  exits: Array<{
    pid: string;
    started: string;
    ended: string;
    exit: string;
    uptime: string;
    delay: string;
  }>;
  supervisor: { status: string; restarts: string; maxRestarts: string; command: string } | null;
  timeline: string | null;
  timelineText: { runs: string; from: string; to: string; restarts: string };
}

/** View data of `health`. */
export function healthView(health: RunHealth, currency: string): HealthView {
  const badge = BADGE[health.status];
  const s = health.supervisor;
  const facts: HealthFact[] = [];
  facts.push({
    key: 'since',
    label: 'Since',
    value: health.sinceMs === null ? '—' : formatTime(health.sinceMs),
  });
  facts.push({
    key: 'heartbeat-age',
    label: 'Heartbeat age',
    value:
      health.heartbeatAgeMs === null
        ? 'no heartbeat'
        : `${formatAge(health.heartbeatAgeMs)} (stale after ${formatAge(health.staleAfterMs)})`,
  });
  if (s) {
    facts.push({
      key: 'restarts',
      label: 'Restarts (last hour / day / all)',
      value: `${formatCount(s.restartsLastHour)} / ${formatCount(s.restartsLastDay)} / ${formatCount(s.restarts)}`,
    });
    if (s.childPid !== null)
      facts.push({
        key: 'child',
        label: 'Child',
        value: `pid ${s.childPid}${s.childUptimeMs === null ? '' : `, up ${formatAge(s.childUptimeMs)}`}`,
      });
  }
  facts.push({
    key: 'trading',
    label: 'Trading state',
    value: health.tradingState ?? '—',
    ...(health.tradingStateReason ? { user: health.tradingStateReason } : {}),
  });
  if (health.equity !== null) {
    facts.push({
      key: 'equity',
      label: `Equity (${currency})`,
      value: `${money.format(health.equity)}${health.pnl === null ? '' : ` · PnL ${signedMoney(health.pnl)}`}`,
    });
  }
  const lifetimes = health.lifetimes.totals.lifetimes;
  facts.push({
    key: 'steps',
    label: lifetimes > 1 ? `Steps (all ${lifetimes} lifetimes / current)` : 'Steps',
    value:
      lifetimes > 1 && health.current
        ? `${formatCount(health.steps)} / ${formatCount(health.current.steps)}`
        : formatCount(health.steps),
  });
  facts.push({
    key: 'errors',
    label: 'Errors / rejections',
    value: `${formatCount(health.errors)} / ${formatCount(health.rejections)}`,
  });
  if (health.exitCode !== null || health.signal !== null)
    facts.push({
      key: 'exit',
      label: 'Exit',
      value: health.signal ? `signal ${health.signal}` : `code ${health.exitCode}`,
    });
  if (health.lastError)
    facts.push({ key: 'last-error', label: 'Last error', value: '', user: health.lastError });
  const timeline = lifetimesTimeline(health);
  return {
    status: health.status,
    word: badge.word,
    symbol: badge.symbol,
    tone: badge.tone,
    reason: health.reason,
    facts,
    lifetimes: health.lifetimes.list.map((l) => ({
      number: formatCount(l.number),
      start: formatTime(l.firstTs),
      last: formatTime(l.lastTs),
      steps: formatCount(l.steps),
      errors: formatCount(l.errors),
      rejections: formatCount(l.rejections),
      source: `${l.startFile}:${l.startLine}`,
    })),
    lifetimesDropped: health.lifetimes.dropped,
    exits: (s?.exits ?? []).map((e) => ({
      pid: e.pid === null ? '—' : String(e.pid),
      started: formatTime(e.startedAtMs),
      ended: formatTime(e.endedAtMs),
      exit:
        e.reason === 'watchdog'
          ? 'hung: stopped by the watchdog'
          : e.reason === 'spawn-error'
            ? `did not start (${e.status})`
            : e.signal
              ? `signal ${e.signal}`
              : `code ${e.code ?? '?'}`,
      uptime: formatAge(e.uptimeMs),
      delay: e.delayBeforeNextMs === null ? '—' : formatAge(e.delayBeforeNextMs),
    })),
    supervisor: s
      ? {
          // The state file's word (`gave_up`) as prose.
          status: s.status.replaceAll('_', ' '),
          restarts: formatCount(s.restarts),
          maxRestarts: formatCount(s.maxRestarts),
          command: s.commandLine,
        }
      : null,
    timeline: timeline?.svg ?? null,
    timelineText: timeline?.parts ?? { runs: '0', from: '', to: '', restarts: '0' },
  };
}

/**
 * The lifetimes on one time axis: a bar per run (the supervisor's exits and current child when supervised,
 * else the lifetimes in the files), gaps left empty, a vertical marker at each restart. Numbers only.
 */
function lifetimesTimeline(health: RunHealth): { svg: string; parts: HealthView['timelineText'] } | null {
  const s = health.supervisor;
  const runs: Array<{ start: number; end: number; kind: 'exit' | 'live' }> = [];
  if (s && (s.exits.length > 0 || s.childStartedAtMs !== null)) {
    for (const e of s.exits) runs.push({ start: e.startedAtMs, end: e.endedAtMs, kind: 'exit' });
    if (s.childStartedAtMs !== null && s.childUptimeMs !== null)
      runs.push({ start: s.childStartedAtMs, end: s.childStartedAtMs + s.childUptimeMs, kind: 'live' });
  } else {
    for (const l of health.lifetimes.list) runs.push({ start: l.firstTs, end: l.lastTs, kind: 'exit' });
  }
  if (runs.length < 2) return null;
  const t0 = Math.min(...runs.map((r) => r.start));
  const t1 = Math.max(...runs.map((r) => r.end), t0 + 1);
  const W = 960;
  const H = 72;
  const left = 8;
  const right = 8;
  const x = (t: number) => left + ((t - t0) / (t1 - t0)) * (W - left - right);
  const parts: string[] = [];
  parts.push(`<line class="axis" x1="${left}" y1="44" x2="${W - right}" y2="44"/>`);
  runs.forEach((r, i) => {
    const x0 = x(r.start);
    const w = Math.max(2, x(r.end) - x0);
    parts.push(
      `<rect class="run ${r.kind}" x="${x0.toFixed(1)}" y="14" width="${w.toFixed(1)}" height="22" rx="2"><title>run ${i + 1}: ${formatTime(r.start)} to ${formatTime(r.end)}</title></rect>`,
    );
    if (i > 0)
      parts.push(
        `<line class="restart" x1="${x0.toFixed(1)}" y1="6" x2="${x0.toFixed(1)}" y2="44"><title>restart ${i} at ${formatTime(r.start)}</title></line>`,
      );
  });
  const ticks = 4;
  for (let k = 0; k <= ticks; k++) {
    const t = t0 + ((t1 - t0) * k) / ticks;
    const anchor = k === 0 ? 'start' : k === ticks ? 'end' : 'middle';
    parts.push(
      `<text class="${k % 2 === 1 ? 'tick odd' : 'tick'}" x="${x(t).toFixed(1)}" y="68" text-anchor="${anchor}">${formatTime(Math.round(t)).slice(11)}</text>`,
    );
  }
  const text = `${runs.length} runs from ${formatTime(t0)} to ${formatTime(t1)} with ${runs.length - 1} restarts`;
  return {
    svg: `<svg class="chart timeline" viewBox="0 0 ${W} ${H}" role="img" aria-label="${text}">${parts.join('')}</svg>`,
    parts: {
      runs: formatCount(runs.length),
      from: formatTime(t0),
      to: formatTime(t1),
      restarts: formatCount(runs.length - 1),
    },
  };
}
