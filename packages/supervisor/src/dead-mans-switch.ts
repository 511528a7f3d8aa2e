// The dead-man's switch: GETs a URL (healthchecks.io style) every interval while the child is up and its heartbeat
// fresh, and `<url>/fail` when supervision gives up or the kill switch stops it. Never awaited by the supervisor.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { SUPERVISOR_LOG_FILE } from './file-names.js';
import { lazyLog } from './notifier.js';
import { DEFAULT_HEARTBEAT_FILE_NAME } from './options.js';
import type { Supervisor } from './supervisor.js';

/** Options of {@link attachDeadMansSwitch}. */
export interface DeadMansSwitchOptions {
  /** Pinged with GET every `intervalMs` while healthy; `<url>/fail` when supervision ends in failure. */
  url: string;
  intervalMs: number;
  /** Each ping is aborted after this. Default min(10 000, intervalMs). */
  timeoutMs?: number;
  /**
   * A heartbeat file older than this is stale: no ping. Default the supervisor's heartbeat timeout, else
   * 3 x `intervalMs`. The file is the supervisor's `heartbeatFile`, else `<run-dir>/heartbeat`; a command
   * that never touches it is judged by being up only.
   */
  staleAfterMs?: number;
}

/** Counts of a dead-man's switch. */
export interface DeadMansSwitchCounts {
  pings: number;
  failed: number;
  /** Intervals skipped because the child was down or its heartbeat stale. */
  skipped: number;
  /** `/fail` pings sent. */
  failPings: number;
}

/** A dead-man's switch attached to a supervisor. */
export interface AttachedDeadMansSwitch {
  readonly counts: DeadMansSwitchCounts;
  /** Stops pinging; waits for a `/fail` ping under way (at most its timeout). */
  close(): Promise<void>;
}

/** `<url>/fail`, keeping a query string (healthchecks.io: `https://hc-ping.com/<uuid>/fail`). */
export function failUrl(url: string): string {
  const u = new URL(url);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/fail`;
  return u.toString();
}

/** Starts pinging for `supervisor` (call before `run()`). */
export function attachDeadMansSwitch(
  supervisor: Supervisor,
  options: DeadMansSwitchOptions,
): AttachedDeadMansSwitch {
  const { runDir, heartbeatFile, heartbeatTimeoutS } = supervisor.options;
  const timeoutMs = options.timeoutMs ?? Math.min(10_000, options.intervalMs);
  const staleAfterMs =
    options.staleAfterMs ??
    (heartbeatTimeoutS !== undefined ? heartbeatTimeoutS * 1000 : 3 * options.intervalMs);
  const beatFile = heartbeatFile ?? join(runDir, DEFAULT_HEARTBEAT_FILE_NAME);
  const counts: DeadMansSwitchCounts = { pings: 0, failed: 0, skipped: 0, failPings: 0 };
  const log = lazyLog(join(runDir, SUPERVISOR_LOG_FILE));
  let inFlight: Promise<void> | undefined;
  let failing = false;

  const ping = (url: string, kind: 'ping' | 'fail'): Promise<void> =>
    fetch(url, {
      method: 'GET',
      headers: { 'user-agent': 'loop-supervise' },
      signal: AbortSignal.timeout(timeoutMs),
    })
      .then(async (response) => {
        await response.body?.cancel().catch(() => {});
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        if (kind === 'ping') counts.pings += 1;
        else counts.failPings += 1;
        if (failing && kind === 'ping') log.append('ping_ok', { after_failures: counts.failed });
        failing = false;
      })
      .catch((error: unknown) => {
        counts.failed += 1;
        // Logged when a streak of failures starts, not every interval of an outage.
        if (!failing || kind === 'fail') {
          const reason =
            (error as { name?: string }).name === 'TimeoutError'
              ? `timed out after ${timeoutMs} ms`
              : String((error as Error).cause ?? (error as Error).message ?? error);
          log.append('ping_failed', { kind, error: reason });
        }
        failing = true;
      });

  const healthy = (): boolean => {
    if (!supervisor.stats().childUp) return false;
    let mtimeMs: number;
    try {
      mtimeMs = statSync(beatFile).mtimeMs;
    } catch {
      return true; // no heartbeat file: judged by being up
    }
    return Date.now() - mtimeMs <= staleAfterMs;
  };
  const timer = setInterval(() => {
    if (inFlight !== undefined) return; // the previous ping is still under way: do not pile up
    if (!healthy()) {
      counts.skipped += 1;
      return;
    }
    inFlight = ping(options.url, 'ping').finally(() => {
      inFlight = undefined;
    });
  }, options.intervalMs);
  timer.unref();
  let final: Promise<void> | undefined;
  const off = supervisor.on((event) => {
    const killSwitch = event.type === 'restart-prevented';
    if (event.type === 'gave-up' || killSwitch) {
      clearInterval(timer);
      final = ping(failUrl(options.url), 'fail');
    }
  });
  return {
    counts,
    async close() {
      clearInterval(timer);
      off();
      await final;
      log.close();
    },
  };
}
