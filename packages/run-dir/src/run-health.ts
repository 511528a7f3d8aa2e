// The health of one run dir, decided from everything in it: run.json, the metrics summary, the events'
// lifetimes, the heartbeat's age, supervisor_state.json and supervisor.log. Pure: the caller reads the files
// and says which pids are alive; the page, `loop status` and the fleet page all show this one model.
import { describeSkippedMetricsFile, type MetricsSummary, type SkippedMetricsFile } from '@loop/metrics';
import type { ChildExitRecord, SupervisorState } from '@loop/supervisor';
import type { DocumentRead } from './documents.js';
import type { HeartbeatReading } from './heartbeat-schema.js';
import type { Lifetime, LifetimeTotals } from './lifetimes.js';
import { countRecentOutcomes, type RecentCounts, type RecentOutcomes } from './recent-outcomes.js';
import type { RunRecordDocument } from './run-record-schema.js';
import { numberField, type SupervisorLogEntry } from './supervisor-log-lines.js';

/**
 * What a run dir is doing. `running`: the process runs and beats; `restarting`: the supervisor waits out a
 * backoff; `stopped`: ended on a signal (or a supervisor stop); `completed`: all steps done; `halted`: the
 * kill switch halted trading; `failed`: the loop failed; `gave-up`: the supervisor stopped restarting;
 * `stale`: the files say it runs but the heartbeat is old or the process is gone; `unknown`: nothing to go by.
 */
export type RunHealthStatus =
  | 'running'
  | 'restarting'
  | 'stopped'
  | 'completed'
  | 'halted'
  | 'failed'
  | 'gave-up'
  | 'stale'
  | 'unknown';

/** Statuses that are healthy (with a trading state that is not REDUCING or HALTED). */
export const HEALTHY_STATUSES: ReadonlySet<RunHealthStatus> = new Set(['running', 'completed', 'stopped']);

/** The kill switch's state. */
export type TradingState = 'ACTIVE' | 'REDUCING' | 'HALTED';

/** Default heartbeat age after which a run that claims to run is `stale` (without a supervisor's own timeout). */
export const DEFAULT_STALE_AFTER_MS = 30_000;

/** One finished child run of the supervisor, with the delay before the next start. */
export interface SupervisedExit {
  pid: number | null;
  code: number | null;
  signal: string | null;
  /** Status as a shell reports it (code, 128 + signal, 124 hung). */
  status: number;
  reason: ChildExitRecord['reason'];
  startedAtMs: number;
  endedAtMs: number;
  uptimeMs: number;
  /** Time from this exit to the next start (null for the last exit unless a restart is pending). */
  delayBeforeNextMs: number | null;
  error: string | null;
}

/** The supervisor's side of a run dir's health. */
export interface SupervisorHealth {
  status: SupervisorState['status'];
  pid: number;
  /** Whether the supervisor process is alive (null: cannot tell). */
  alive: boolean | null;
  commandLine: string;
  attempt: number;
  /** Restarts since this supervisor started. */
  restarts: number;
  maxRestarts: number;
  /** Restarts (child starts after the first) in the last hour and day, from supervisor.log (or the state's exits). */
  restartsLastHour: number;
  restartsLastDay: number;
  /** Children stopped as hung by the heartbeat watchdog (supervisor.log, or the state's exits). */
  watchdogKills: number;
  gaveUp: boolean;
  childPid: number | null;
  childAlive: boolean | null;
  childStartedAtMs: number | null;
  /** How long the current child has run (null when none runs). */
  childUptimeMs: number | null;
  nextStartAtMs: number | null;
  /** The supervisor's own exit status once stopped or gave up. */
  exitCode: number | null;
  /** The last exits kept by the state file, oldest first. */
  exits: SupervisedExit[];
  startedAtMs: number;
  updatedAtMs: number;
}

/** Where lifetimes come from: the NDJSON files split at each restart. */
export interface LifetimesInput {
  /** Kept lifetimes, oldest first (the last is the current one). */
  list: readonly Lifetime[];
  /** Older lifetimes counted in `totals` only. */
  dropped: number;
  totals: LifetimeTotals;
  /** Errors and rejections per bucket near the newest event ({@link LifetimeTracker.recent}), for `lastHour`. */
  recent?: RecentOutcomes;
}

/** Everything {@link decideRunHealth} needs, read by the caller. */
export interface RunHealthInput {
  /** Wall clock now, epoch ms. */
  nowMs: number;
  run: DocumentRead<RunRecordDocument>;
  summary: DocumentRead<MetricsSummary>;
  heartbeat: DocumentRead<HeartbeatReading>;
  supervisor: DocumentRead<SupervisorState>;
  supervisorLog: readonly SupervisorLogEntry[];
  lifetimes: LifetimesInput;
  /** Whether a pid is alive now: true, false, or null when it cannot be told. */
  isAlive: (pid: number) => boolean | null;
  /** Heartbeat age after which a running claim is stale; default: the supervisor's timeout, else 30 s. */
  staleAfterMs?: number;
  /** Entries named like metrics files that are not regular files, skipped by the reader (its `skippedFiles`). */
  skippedFiles?: readonly SkippedMetricsFile[];
}

/** The health of a run dir. */
export interface RunHealth {
  status: RunHealthStatus;
  /** Healthy: a healthy status, and trading neither REDUCING nor HALTED while it runs. */
  healthy: boolean;
  /** Why, in one line (e.g. `gave up after 5 restarts; last exit code 1 after 2s`). */
  reason: string;
  /** Since when the status holds (epoch ms), when known. */
  sinceMs: number | null;
  exitCode: number | null;
  signal: string | null;
  /** The loop's pid (run.json; null in simulated runs) and whether it is alive. */
  pid: number | null;
  pidAlive: boolean | null;
  clock: 'simulated' | 'real' | null;
  tradingState: TradingState | null;
  tradingStateReason: string | null;
  heartbeatAgeMs: number | null;
  staleAfterMs: number;
  lastError: string | null;
  /** Steps across every lifetime (the files), else the summary's or run.json's count. */
  steps: number;
  errors: number;
  rejections: number;
  /**
   * Errors and rejections in the last hour: up to now on a real clock (or without run.json), up to the newest
   * event on a simulated clock (whose times are the simulated clock's); null without events or `recent`.
   */
  lastHour: RecentCounts | null;
  /** Figures of the current lifetime only. */
  current: { steps: number; errors: number; rejections: number; sinceTs: number | null } | null;
  lifetimes: LifetimesInput;
  /** The worst p99 latency of a stage in the summary (ms) and its stage. */
  worstP99: { stage: string; ms: number } | null;
  equity: number | null;
  /** Equity minus the initial cash, when both are known. */
  pnl: number | null;
  initialCash: number | null;
  supervisor: SupervisorHealth | null;
  /**
   * Entries named like metrics files that are not regular files (a FIFO, socket, device or directory): skipped
   * and not read, oldest first. Each is also a line in `problems`; they do not make a run unhealthy.
   */
  skippedFiles: SkippedMetricsFile[];
  /** Documents that are corrupt (each with its reason), and skipped entries: the model is built without them. */
  problems: string[];
}

function ms(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
}

/** `exit code 1`, `signal SIGKILL`, `hung (watchdog)`, with `after 2s` when the uptime is known. */
export function describeExit(exit: Pick<SupervisedExit, 'code' | 'signal' | 'reason' | 'uptimeMs'>): string {
  const what =
    exit.reason === 'watchdog'
      ? 'stopped as hung by the watchdog'
      : exit.reason === 'spawn-error'
        ? 'could not start'
        : exit.signal
          ? `killed by ${exit.signal}`
          : `exit code ${exit.code ?? '?'}`;
  return `${what} after ${formatDuration(exit.uptimeMs)}`;
}

/** `950ms`, `42s`, `5m07s`, `3h02m`, `2d04h`. */
export function formatDuration(msValue: number): string {
  if (msValue < 1000) return `${Math.max(0, Math.round(msValue))}ms`;
  const s = Math.floor(msValue / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/** The supervisor's side, from its state file and log. */
export function decideSupervisorHealth(
  state: SupervisorState,
  log: readonly SupervisorLogEntry[],
  nowMs: number,
  isAlive: (pid: number) => boolean | null,
): SupervisorHealth {
  const exits: SupervisedExit[] = state.exits.map((exit) => ({
    pid: exit.pid,
    code: exit.code,
    signal: exit.signal,
    status: exit.status,
    reason: exit.reason,
    startedAtMs: ms(exit.started_at) ?? 0,
    endedAtMs: ms(exit.ended_at) ?? 0,
    uptimeMs: exit.uptime_ms,
    delayBeforeNextMs: null,
    error: exit.error ?? null,
  }));
  const childStartedAtMs = ms(state.child_started_at);
  const nextStartAtMs = ms(state.next_start_at);
  for (let i = 0; i < exits.length; i += 1) {
    const next =
      exits[i + 1]?.startedAtMs ?? (i === exits.length - 1 ? (childStartedAtMs ?? nextStartAtMs) : null);
    const exit = exits[i]!;
    exit.delayBeforeNextMs = next !== null && next >= exit.endedAtMs ? next - exit.endedAtMs : null;
  }
  const hourAgo = nowMs - 3_600_000;
  const dayAgo = nowMs - 86_400_000;
  let restartsLastHour = 0;
  let restartsLastDay = 0;
  let watchdogKills = 0;
  const restartStarts = log.filter((e) => e.type === 'child_start' && (numberField(e, 'restarts') ?? 0) > 0);
  if (log.length > 0) {
    for (const start of restartStarts) {
      if (start.atMs >= dayAgo) restartsLastDay += 1;
      if (start.atMs >= hourAgo) restartsLastHour += 1;
    }
    watchdogKills = log.filter((e) => e.type === 'watchdog_hung').length;
  } else {
    // No log: every kept exit followed by a start is a restart.
    const starts = [
      ...exits.slice(1).map((e) => e.startedAtMs),
      ...(exits.length > 0 && childStartedAtMs ? [childStartedAtMs] : []),
    ];
    for (const t of starts) {
      if (t >= dayAgo) restartsLastDay += 1;
      if (t >= hourAgo) restartsLastHour += 1;
    }
    watchdogKills = exits.filter((e) => e.reason === 'watchdog').length;
  }
  const live = state.status === 'starting' || state.status === 'running' || state.status === 'stopping';
  const childAlive = state.child_pid === null ? null : isAlive(state.child_pid);
  return {
    status: state.status,
    pid: state.supervisor_pid,
    alive: isAlive(state.supervisor_pid),
    commandLine: state.command_line,
    attempt: state.attempt,
    restarts: state.restarts,
    maxRestarts: state.max_restarts,
    restartsLastHour,
    restartsLastDay,
    watchdogKills,
    gaveUp: state.status === 'gave_up',
    childPid: state.child_pid,
    childAlive,
    childStartedAtMs,
    childUptimeMs:
      live && childStartedAtMs !== null && childAlive !== false
        ? Math.max(0, nowMs - childStartedAtMs)
        : null,
    nextStartAtMs,
    exitCode: state.exit_code,
    exits,
    startedAtMs: ms(state.started_at) ?? 0,
    updatedAtMs: ms(state.updated_at) ?? 0,
  };
}

function worstP99(summary: MetricsSummary | undefined): RunHealth['worstP99'] {
  if (!summary) return null;
  let worst: RunHealth['worstP99'] = null;
  for (const [stage, stats] of Object.entries(summary.stages_by_name)) {
    if (stats.count > 0 && (worst === null || stats.p99_ms > worst.ms)) worst = { stage, ms: stats.p99_ms };
  }
  return worst;
}

function asTradingState(value: unknown): TradingState | null {
  return value === 'ACTIVE' || value === 'REDUCING' || value === 'HALTED' ? value : null;
}

/** Decides a run dir's health. Pure. */
export function decideRunHealth(input: RunHealthInput): RunHealth {
  const { nowMs } = input;
  const problems: string[] = [];
  const note = (name: string, read: DocumentRead<unknown>) => {
    if (read.state === 'corrupt') problems.push(`${name} ${read.reason}`);
  };
  note('run.json', input.run);
  note('metrics_summary.json', input.summary);
  note('heartbeat', input.heartbeat);
  note('supervisor_state.json', input.supervisor);
  const skippedFiles = [...(input.skippedFiles ?? [])];
  for (const file of skippedFiles) problems.push(describeSkippedMetricsFile(file));
  const run = input.run.state === 'valid' ? input.run.value : undefined;
  const summary = input.summary.state === 'valid' ? input.summary.value : undefined;
  const state = input.supervisor.state === 'valid' ? input.supervisor.value : undefined;
  const supervisor = state ? decideSupervisorHealth(state, input.supervisorLog, nowMs, input.isAlive) : null;
  const heartbeatAgeMs =
    input.heartbeat.state === 'valid' ? Math.max(0, nowMs - input.heartbeat.value.mtime_ms) : null;
  const staleAfterMs =
    input.staleAfterMs ??
    (state?.heartbeat_timeout_s ? state.heartbeat_timeout_s * 1000 : DEFAULT_STALE_AFTER_MS);
  const heartbeatStale = heartbeatAgeMs !== null && heartbeatAgeMs > staleAfterMs;
  const { list, totals } = input.lifetimes;
  const current = list.at(-1);

  const pid = run?.pid ?? null;
  const pidAlive = pid === null ? null : input.isAlive(pid);
  const stats = run?.stats;

  // Trading state: the record's at the end; while running, what the current lifetime's events said last.
  let tradingState: TradingState | null = null;
  let tradingStateReason: string | null = null;
  if (run?.status === 'ended' && stats) {
    tradingState = stats.trading_state;
    tradingStateReason = stats.trading_state_reason;
  } else if (current) {
    tradingState = asTradingState(current.tradingState) ?? 'ACTIVE';
    tradingStateReason = current.tradingStateReason;
  }

  // Asserted, not annotated: the closures below assign it, so TypeScript must not narrow it to 'unknown'.
  let status = 'unknown' as RunHealthStatus;
  let reason = 'no run.json, metrics or heartbeat in this run dir';
  let sinceMs: number | null = null;
  let exitCode: number | null = null;
  let signal: string | null = null;
  const lastExit = supervisor?.exits.at(-1);

  const fromRecord = () => {
    if (!run && input.run.state === 'corrupt') {
      // Without its record a run cannot be judged healthy: say why, whatever the heartbeat says.
      status = 'unknown';
      reason = `run.json ${input.run.reason}: cannot tell how the run stands`;
      sinceMs = null;
      return;
    }
    if (!run) {
      if (current || summary || heartbeatAgeMs !== null) {
        const summaryPidAlive = summary?.pid ? input.isAlive(summary.pid) : null;
        if (heartbeatAgeMs === null && summaryPidAlive === null) {
          status = 'unknown';
          reason = 'no run.json and no heartbeat: cannot tell whether it runs';
        } else if (summaryPidAlive === false) {
          status = 'stale';
          reason = `the metrics writer (pid ${summary!.pid}) is gone`;
        } else if (heartbeatStale) {
          status = 'stale';
          reason = `heartbeat ${formatDuration(heartbeatAgeMs!)} old (stale after ${formatDuration(staleAfterMs)})`;
        } else {
          status = 'running';
          reason = 'heartbeat fresh (no run.json)';
        }
        sinceMs = current?.firstTs ?? null;
      }
      return;
    }
    if (run.status === 'running') {
      sinceMs = run.started_at_ms;
      if (pidAlive === false) {
        status = 'stale';
        reason = `pid ${pid} is gone without recording its end (killed or crashed)`;
        if (input.heartbeat.state === 'valid') sinceMs = input.heartbeat.value.mtime_ms;
      } else if (heartbeatStale) {
        sinceMs = input.heartbeat.state === 'valid' ? input.heartbeat.value.mtime_ms : sinceMs;
        status = 'stale';
        reason = `heartbeat ${formatDuration(heartbeatAgeMs!)} old (stale after ${formatDuration(staleAfterMs)})`;
      } else {
        status = 'running';
        reason = pid === null ? 'running' : `pid ${pid} running`;
      }
      return;
    }
    sinceMs = run.ended_at_ms;
    exitCode = run.exit_code;
    switch (run.ended) {
      case 'completed':
        status = 'completed';
        reason = `completed after ${stats?.steps ?? '?'} steps`;
        break;
      case 'signal':
        status = 'stopped';
        reason = 'stopped by a signal';
        break;
      case 'halted':
        status = 'halted';
        reason = `halted by the kill switch${stats?.trading_state_reason ? `: ${stats.trading_state_reason}` : ''}`;
        break;
      default:
        status = 'failed';
        reason = `the loop failed${run.error ? `: ${run.error}` : ''}`;
    }
  };

  if (supervisor && state) {
    exitCode = supervisor.exitCode;
    if (supervisor.gaveUp) {
      status = 'gave-up';
      reason = `gave up after ${supervisor.restarts} restart${supervisor.restarts === 1 ? '' : 's'}${lastExit ? `; last run ${describeExit(lastExit)}` : ''}`;
      sinceMs = supervisor.updatedAtMs;
      signal = lastExit?.signal ?? null;
    } else if (state.status !== 'stopped' && supervisor.alive === false) {
      status = 'stale';
      reason = `the supervisor (pid ${supervisor.pid}) is gone; its state still says ${state.status}`;
      sinceMs = supervisor.updatedAtMs;
    } else if (state.status === 'backoff') {
      status = 'restarting';
      const wait =
        supervisor.nextStartAtMs === null
          ? ''
          : ` in ${formatDuration(Math.max(0, supervisor.nextStartAtMs - nowMs))}`;
      reason = `restart ${supervisor.restarts}${wait}${lastExit ? ` after the last run ${describeExit(lastExit)}` : ''}`;
      sinceMs = lastExit?.endedAtMs ?? supervisor.updatedAtMs;
    } else if (state.status === 'stopped') {
      fromRecord();
      if (run?.status === 'running' || !run) {
        // The child never recorded its end: say how the supervisor saw it end.
        status = lastExit?.reason === 'stop' || state.stop_reason === 'signal' ? 'stopped' : 'failed';
        reason = `supervisor stopped (${state.stop_reason ?? 'exit'})${lastExit ? `; last run ${describeExit(lastExit)}` : ''}`;
        sinceMs = supervisor.updatedAtMs;
      }
      exitCode = supervisor.exitCode ?? exitCode;
    } else {
      // starting, running, stopping: the child's own record and heartbeat say the rest.
      fromRecord();
      if (status === 'stale' && supervisor.childAlive !== false && pidAlive === false) {
        // run.json names the previous child; the supervisor has started a new one that has not written yet.
        status = 'running';
        reason = `child pid ${supervisor.childPid} starting`;
      }
      if (status === 'completed' || status === 'failed' || status === 'stopped' || status === 'halted') {
        // The record is the last child's; the supervisor is about to decide (or restart).
        status = 'running';
        reason = `child pid ${supervisor.childPid ?? '?'} ${state.status}`;
      }
      if (status === 'running' && supervisor.childStartedAtMs !== null) sinceMs = supervisor.childStartedAtMs;
      if (status === 'running' && supervisor.restarts > 0) reason += ` (restart ${supervisor.restarts})`;
    }
  } else {
    fromRecord();
  }
  if (status === 'running' || status === 'stale') exitCode = null;
  if (run?.clock === 'simulated' && sinceMs !== null && sinceMs === (run.ended_at_ms ?? run.started_at_ms)) {
    // A simulated run's times are the simulated clock's: the heartbeat's mtime is the wall time it last moved.
    sinceMs =
      input.heartbeat.state === 'valid' && run.status === 'ended' ? input.heartbeat.value.mtime_ms : null;
  }

  const lastError =
    (run?.status === 'ended' ? (run.error ?? stats?.last_error ?? null) : null) ??
    current?.lastError ??
    stats?.last_error ??
    null;
  const steps = list.length > 0 ? totals.steps : (summary?.counters.processed ?? stats?.steps ?? 0);
  const errors = list.length > 0 ? totals.errors : (summary?.counters.errors ?? stats?.errors ?? 0);
  const rejections =
    list.length > 0 ? totals.rejections : (summary?.counters.rejected ?? stats?.rejections ?? 0);
  const initialCashSetting = run?.settings?.['initial-cash'];
  const initialCash = typeof initialCashSetting === 'number' ? initialCashSetting : null;
  const equity =
    run?.status === 'ended' && stats
      ? stats.position.equity
      : (summary?.gauges.equity ?? current?.lastEquity ?? stats?.position.equity ?? null);
  const recent = input.lifetimes.recent;
  const lastHourEnd = run?.clock === 'simulated' ? (recent?.newestTs ?? null) : nowMs;
  const lastHour =
    recent && recent.newestTs !== null && lastHourEnd !== null
      ? countRecentOutcomes(recent, lastHourEnd)
      : null;
  const healthy =
    HEALTHY_STATUSES.has(status) &&
    !(status === 'running' && (tradingState === 'REDUCING' || tradingState === 'HALTED'));
  return {
    status,
    healthy,
    reason,
    sinceMs,
    exitCode,
    signal,
    pid,
    pidAlive,
    clock: run?.clock ?? null,
    tradingState,
    tradingStateReason,
    heartbeatAgeMs,
    staleAfterMs,
    lastError,
    steps,
    errors,
    rejections,
    lastHour,
    current: current
      ? {
          steps: current.steps,
          errors: current.errors,
          rejections: current.rejections,
          sinceTs: current.firstTs,
        }
      : null,
    lifetimes: input.lifetimes,
    worstP99: worstP99(summary),
    equity,
    pnl: equity !== null && initialCash !== null ? equity - initialCash : null,
    initialCash,
    supervisor,
    skippedFiles,
    problems,
  };
}
