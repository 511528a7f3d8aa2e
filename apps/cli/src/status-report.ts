// What `loop status` prints: a pm2-like table of run-dir health, or a versioned JSON report. Pure.
import { relative } from 'node:path';
import { slowEventSchema } from '@loop/metrics';
import { formatDuration, type MetricsSummary, type RunHealth } from '@loop/run-dir';
import { z } from 'zod';

/** Version of the `loop status --json` report. */
export const STATUS_REPORT_VERSION = 1 as const;

const nullableCount = z.number().int().nonnegative().nullable();

/** One run dir in the `loop status --json` report (snake_case like every run-dir file). */
export const statusRowSchema = z.object({
  run_dir: z.string(),
  status: z.enum([
    'running',
    'restarting',
    'stopped',
    'completed',
    'halted',
    'failed',
    'gave-up',
    'stale',
    'unknown',
  ]),
  healthy: z.boolean(),
  reason: z.string(),
  /** Since when the status holds (ISO 8601), when known. */
  since: z.string().nullable(),
  exit_code: z.number().int().nullable(),
  signal: z.string().nullable(),
  /** The loop's pid from run.json (null in simulated runs) and whether it is alive. */
  pid: z.number().int().nullable(),
  pid_alive: z.boolean().nullable(),
  supervisor_pid: z.number().int().nullable(),
  supervisor_status: z.string().nullable(),
  child_pid: z.number().int().nullable(),
  /** How long the current process has run, when it runs. */
  uptime_ms: z.number().nonnegative().nullable(),
  restarts: nullableCount,
  restarts_last_hour: nullableCount,
  restarts_last_day: nullableCount,
  watchdog_kills: nullableCount,
  heartbeat_age_ms: z.number().nonnegative().nullable(),
  stale_after_ms: z.number().positive(),
  trading_state: z.enum(['ACTIVE', 'REDUCING', 'HALTED']).nullable(),
  trading_state_reason: z.string().nullable(),
  last_error: z.string().nullable(),
  /** Across every process lifetime in the files. */
  steps: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  rejections: z.number().int().nonnegative(),
  lifetimes: z.number().int().nonnegative(),
  /** In the last hour (to now on a real clock, to the newest event on a simulated one); null without events. */
  errors_last_hour: nullableCount,
  rejections_last_hour: nullableCount,
  current_lifetime: z
    .object({
      steps: z.number().int().nonnegative(),
      errors: z.number().int().nonnegative(),
      rejections: z.number().int().nonnegative(),
    })
    .nullable(),
  worst_p99: z.object({ stage: z.string(), ms: z.number().nonnegative() }).nullable(),
  equity: z.number().nullable(),
  pnl: z.number().nullable(),
  /**
   * Entries named like NDJSON files that are not regular files (a FIFO, socket, device or directory), skipped
   * unread, oldest first; each is also a line in `problems`.
   */
  skipped_files: z.array(z.object({ name: z.string(), type: z.string() })),
  /** Documents that were corrupt and left out, and skipped entries. */
  problems: z.array(z.string()),
  /**
   * From metrics_summary.json (the running process; null without a valid summary): per stage its slowest events,
   * slowest first (`{ step, ts, latency_ms, outcome, reason? }`: the exemplars behind its max and p99; `{}` in a
   * summary older than them).
   */
  slowest_by_stage: z.record(z.string(), z.array(slowEventSchema)).nullable(),
  /** Invalid input the bot recorded, by kind (`{}` when none); null without a valid summary. */
  invalid_input: z.record(z.string(), z.number().int().nonnegative()).nullable(),
  /** The bot's own counters by name (`{}` when none); null without a valid summary. */
  custom_counters: z.record(z.string(), z.number().nonnegative()).nullable(),
  /** The summary's gauges by name (position, equity and the bot's own); null without a valid summary. */
  gauges: z.record(z.string(), z.number()).nullable(),
});

/** The `loop status --json` report. */
export const statusReportSchema = z.object({
  v: z.literal(STATUS_REPORT_VERSION),
  generated_at: z.string(),
  /** True when every run dir is healthy (the exit status is then 0). */
  healthy: z.boolean(),
  runs: z.array(statusRowSchema),
});

/** A `loop status --json` report. */
export type StatusReport = z.infer<typeof statusReportSchema>;

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function uptimeMs(h: RunHealth, nowMs: number): number | null {
  if (h.status !== 'running' && !(h.status === 'stale' && h.pidAlive === true)) return null;
  if (h.supervisor?.childUptimeMs != null) return Math.round(h.supervisor.childUptimeMs);
  // A simulated run's times are the simulated clock's; only a real clock's start is a wall time.
  if (h.clock === 'real' && h.sinceMs !== null && h.status === 'running')
    return Math.round(Math.max(0, nowMs - h.sinceMs));
  return null;
}

/** A pid for the table: shown while its process lives (or when that cannot be told), `-` once it is gone. */
function livePid(pid: number | null | undefined, alive: boolean | null | undefined): string {
  return pid == null || alive === false ? '-' : String(pid);
}

/**
 * The JSON report of `rows` (run dir, health, and its valid summary or undefined) at `nowMs`. The summary adds
 * what the health model leaves out: the slowest events, invalid input, custom counters and gauges.
 */
export function statusReport(
  rows: ReadonlyArray<readonly [string, RunHealth, (MetricsSummary | undefined)?]>,
  nowMs: number,
): StatusReport {
  return {
    v: STATUS_REPORT_VERSION,
    generated_at: new Date(nowMs).toISOString(),
    healthy: rows.every(([, h]) => h.healthy),
    runs: rows.map(([dir, h, summary]) => ({
      run_dir: dir,
      status: h.status,
      healthy: h.healthy,
      reason: h.reason,
      since: h.clock === 'simulated' ? null : iso(h.sinceMs),
      exit_code: h.exitCode,
      signal: h.signal,
      pid: h.pid,
      pid_alive: h.pidAlive,
      supervisor_pid: h.supervisor?.pid ?? null,
      supervisor_status: h.supervisor?.status ?? null,
      child_pid: h.supervisor?.childPid ?? null,
      uptime_ms: uptimeMs(h, nowMs),
      restarts: h.supervisor?.restarts ?? null,
      restarts_last_hour: h.supervisor?.restartsLastHour ?? null,
      restarts_last_day: h.supervisor?.restartsLastDay ?? null,
      watchdog_kills: h.supervisor?.watchdogKills ?? null,
      heartbeat_age_ms: h.heartbeatAgeMs,
      stale_after_ms: h.staleAfterMs,
      trading_state: h.tradingState,
      trading_state_reason: h.tradingStateReason,
      last_error: h.lastError,
      steps: h.steps,
      errors: h.errors,
      rejections: h.rejections,
      lifetimes: h.lifetimes.totals.lifetimes,
      errors_last_hour: h.lastHour?.errors ?? null,
      rejections_last_hour: h.lastHour?.rejections ?? null,
      current_lifetime: h.current
        ? { steps: h.current.steps, errors: h.current.errors, rejections: h.current.rejections }
        : null,
      worst_p99: h.worstP99,
      equity: h.equity,
      pnl: h.pnl,
      skipped_files: h.skippedFiles.map((f) => ({ name: f.name, type: f.type })),
      problems: h.problems,
      slowest_by_stage: summary ? (summary.slowest_by_stage ?? {}) : null,
      invalid_input: summary ? (summary.invalid_input ?? {}) : null,
      custom_counters: summary ? (summary.custom_counters ?? {}) : null,
      gauges: summary ? summary.gauges : null,
    })),
  };
}

const HEADERS = [
  'RUN DIR',
  'STATUS',
  'PID',
  'CHILD',
  'UPTIME',
  'RESTARTS',
  'HEARTBEAT',
  'STEPS',
  'ERRORS',
  'REJECTIONS',
  'WORST P99',
  'EQUITY',
] as const;
/** Columns whose values are numbers: right-aligned. */
const NUMERIC = new Set([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);

const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Shows a run dir relative to the working directory when that is shorter. */
function shownDir(dir: string): string {
  const rel = relative(process.cwd(), dir);
  return rel !== '' && rel.length < dir.length ? rel : dir;
}

/** The status word, with the trading state when it is not ACTIVE (`running REDUCING`). */
function statusWord(h: RunHealth): string {
  const trading =
    h.tradingState && h.tradingState !== 'ACTIVE' && h.status !== 'halted' ? ` ${h.tradingState}` : '';
  return `${h.status}${trading}`;
}

/**
 * The table: a header row, one row per run dir, then one line per unhealthy run dir saying why. Cells never
 * wrap; columns are as wide as their widest cell.
 */
export function formatStatusTable(
  rows: ReadonlyArray<readonly [string, RunHealth, ...unknown[]]>,
  nowMs: number,
  _options: { color: boolean } = { color: false },
): string {
  const cells = rows.map(([dir, h]) => {
    const up = uptimeMs(h, nowMs);
    const s = h.supervisor;
    return [
      shownDir(dir),
      statusWord(h),
      s ? livePid(s.pid, s.alive) : livePid(h.pid, h.pidAlive),
      livePid(s?.childPid, s?.childAlive),
      up === null ? '-' : formatDuration(up),
      s ? `${s.restarts}${s.restartsLastHour > 0 ? ` (${s.restartsLastHour}/h)` : ''}` : '-',
      h.heartbeatAgeMs === null ? '-' : formatDuration(h.heartbeatAgeMs),
      whole.format(h.steps),
      whole.format(h.errors),
      whole.format(h.rejections),
      h.worstP99 ? `${h.worstP99.ms.toFixed(2)}ms ${h.worstP99.stage}` : '-',
      h.equity === null ? '-' : money.format(h.equity),
    ];
  });
  const widths = HEADERS.map((head, i) => Math.max(head.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (NUMERIC.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(HEADERS), ...cells.map(line)];
  const why = rows.filter(([, h]) => !h.healthy || h.problems.length > 0);
  if (why.length > 0) out.push('');
  for (const [dir, h] of why) {
    const trading =
      h.tradingState && h.tradingState !== 'ACTIVE' && h.status !== 'halted'
        ? `; trading ${h.tradingState}${h.tradingStateReason ? ` (${h.tradingStateReason})` : ''}`
        : '';
    out.push(`${shownDir(dir)}: ${h.status}: ${h.reason}${trading}`);
    if (h.lastError && h.status !== 'failed') out.push(`  last error: ${h.lastError}`);
    for (const problem of h.problems) out.push(`  ${problem}`);
  }
  return `${out.join('\n')}\n`;
}
