// Delivers a supervisor's notifications to a command (JSON on stdin) and/or a URL (JSON POST): queued, each bounded
// by a timeout, never awaited by the supervisor; failures are counted and logged in supervisor.log.
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { signalProcessGroup } from '@loop/process-identity';
import { SUPERVISOR_LOG_FILE } from './file-names.js';
import type { Notification } from './notification.js';
import {
  type ChildHealth,
  NotificationPolicy,
  type NotificationPolicyOptions,
} from './notification-policy.js';
import type { Supervisor } from './supervisor.js';
import { SupervisorLog } from './supervisor-log.js';

/** Options of {@link attachNotifier}. */
export interface NotifierOptions {
  /** A shell command (`sh -c`), given the notification as JSON on stdin and as `LOOP_*` variables. */
  command?: string;
  /** A URL the notification is POSTed to as JSON. */
  url?: string;
  /** The bot's name in every message. */
  bot: string;
  /** Each delivery is abandoned (the command's group SIGKILLed, the request aborted) after this. Default 10 000. */
  timeoutMs?: number;
  /** Rate limit and storm settings (see {@link NotificationPolicy}). */
  policy?: Pick<
    NotificationPolicyOptions,
    'minIntervalMs' | 'stormRestarts' | 'stormWindowMs' | 'killSwitchExitCodes'
  >;
  /** Is the child's heartbeat fresh now (for `recovered`)? Default: the watchdog's view, or true without one. */
  heartbeatFresh?: () => boolean;
  /** Messages waiting beyond this are dropped (counted). Default 100. */
  maxQueued?: number;
}

/** Counts of a notifier, for metrics and tests. */
export interface NotifierCounts {
  sent: number;
  failed: number;
  dropped: number;
}

/** A notifier attached to a supervisor. */
export interface AttachedNotifier {
  readonly counts: NotifierCounts;
  /**
   * Waits until every queued message is delivered or `timeoutMs` passed; then stops listening. A delivery
   * still under way then is aborted and logged as failed with `abandoned at exit: ...` (never as a timeout);
   * messages still waiting are dropped. Give at least the delivery timeout plus a margin for a message
   * already sent to end on its own.
   */
  close(timeoutMs: number): Promise<void>;
}

type Channel = { name: 'cmd' | 'url'; deliver: (n: Notification, abort: AbortSignal) => Promise<void> };

/**
 * Listens to `supervisor`'s events through `supervisor.on` and delivers what {@link NotificationPolicy}
 * decides. The listener only queues: the state machine never waits for a delivery. Each channel delivers
 * its queue in order, one message at a time.
 */
export function attachNotifier(supervisor: Supervisor, options: NotifierOptions): AttachedNotifier {
  const { runDir, resetAfterS, heartbeatTimeoutS } = supervisor.options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxQueued = options.maxQueued ?? 100;
  const policy = new NotificationPolicy({
    ...options.policy,
    bot: options.bot,
    host: hostname(),
    runDir,
    supervisorPid: process.pid,
    stableAfterMs: resetAfterS * 1000,
  });
  const counts: NotifierCounts = { sent: 0, failed: 0, dropped: 0 };
  const log = lazyLog(join(runDir, SUPERVISOR_LOG_FILE));
  const channels: Channel[] = [];
  if (options.command !== undefined) {
    const command = options.command;
    channels.push({
      name: 'cmd',
      deliver: (n, abort) => runCommand(command, n, timeoutMs, supervisor.options.env, abort),
    });
  }
  if (options.url !== undefined) {
    const url = options.url;
    channels.push({ name: 'url', deliver: (n, abort) => post(url, n, timeoutMs, abort) });
  }
  const queues = channels.map((channel) => ({ channel, waiting: [] as Notification[], busy: false }));
  let idle: (() => void) | undefined;
  /** Aborts what is still under way when {@link AttachedNotifier.close} gives up waiting. */
  const shutdown = new AbortController();
  const inFlight = new Set<Promise<void>>();

  const pump = (queue: (typeof queues)[number]): void => {
    if (queue.busy || shutdown.signal.aborted) return;
    const next = queue.waiting.shift();
    if (next === undefined) {
      if (queues.every((q) => !q.busy && q.waiting.length === 0)) idle?.();
      return;
    }
    queue.busy = true;
    const started = Date.now();
    const delivery = queue.channel
      .deliver(next, shutdown.signal)
      .then(
        () => {
          counts.sent += 1;
          log.append('notify_sent', {
            channel: queue.channel.name,
            kind: next.kind,
            count: next.count,
            ms: Date.now() - started,
          });
        },
        (error: unknown) => {
          counts.failed += 1;
          log.append('notify_failed', {
            channel: queue.channel.name,
            kind: next.kind,
            count: next.count,
            error: error instanceof Error ? error.message : String(error),
          });
        },
      )
      .finally(() => {
        queue.busy = false;
        pump(queue);
      });
    inFlight.add(delivery);
    void delivery.then(() => inFlight.delete(delivery));
  };
  const send = (notifications: Notification[]): void => {
    for (const notification of notifications) {
      for (const queue of queues) {
        if (queue.waiting.length >= maxQueued) {
          counts.dropped += 1;
          log.append('notify_dropped', { channel: queue.channel.name, kind: notification.kind });
          continue;
        }
        queue.waiting.push(notification);
        pump(queue);
      }
    }
  };

  const health = (): ChildHealth => {
    const stats = supervisor.stats();
    const fresh =
      options.heartbeatFresh?.() ??
      (heartbeatTimeoutS === undefined ||
        stats.heartbeatAgeMs === null ||
        stats.heartbeatAgeMs <= heartbeatTimeoutS * 1000);
    return { childUp: stats.childUp, childUptimeMs: stats.childUptimeMs, heartbeatFresh: fresh };
  };
  const off = supervisor.on((event) => send(policy.onEvent(event)));
  const timer = setInterval(() => send(policy.tick(Date.now(), health())), 1000);
  timer.unref();

  return {
    counts,
    async close(closeTimeoutMs: number) {
      clearInterval(timer);
      off();
      if (queues.some((q) => q.busy || q.waiting.length > 0)) {
        await new Promise<void>((resolve) => {
          const giveUp = setTimeout(resolve, closeTimeoutMs);
          idle = () => {
            clearTimeout(giveUp);
            resolve();
          };
        });
      }
      // Out of time: what is under way is aborted (and logged as failed, saying so), what waits is dropped.
      shutdown.abort(new AbandonedAtExit(closeTimeoutMs));
      for (const queue of queues) {
        for (const n of queue.waiting.splice(0)) {
          counts.dropped += 1;
          log.append('notify_dropped', { channel: queue.channel.name, kind: n.kind, reason: 'shutdown' });
        }
      }
      await Promise.allSettled([...inFlight]);
      log.close();
    },
  };
}

/** The environment a `--notify-cmd` gets besides its parent's. */
export function notificationEnvironment(n: Notification): Record<string, string> {
  return {
    LOOP_EVENT: n.kind,
    LOOP_SEVERITY: n.severity,
    LOOP_BOT: n.bot,
    LOOP_SUMMARY: n.summary,
    LOOP_COUNT: String(n.count),
    LOOP_RUN_DIR: n.run_dir,
    LOOP_NOTIFICATION_VERSION: String(n.v),
  };
}

/** Runs `sh -c command` in its own process group with the JSON on stdin; fails on a non-zero exit or the timeout. */
function runCommand(
  command: string,
  n: Notification,
  timeoutMs: number,
  env: Record<string, string | undefined>,
  abort: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], {
      detached: true,
      stdio: ['pipe', 'ignore', 'pipe'],
      env: { ...env, ...notificationEnvironment(n) },
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 2000) stderr += chunk.toString();
    });
    child.stdin?.on('error', () => {
      // A command that does not read its stdin is fine.
    });
    child.stdin?.end(`${JSON.stringify(n)}\n`);
    const kill = (why: string) => {
      if (child.pid !== undefined) signalProcessGroup(child.pid, 'SIGKILL');
      reject(new Error(why));
    };
    const timer = setTimeout(() => kill(`timed out after ${timeoutMs} ms`), timeoutMs);
    const onAbort = () => kill(abandonedReason(abort));
    abort.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error) => {
      clearTimeout(timer);
      abort.removeEventListener('abort', onAbort);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      // The group is gone: an abort at exit must not signal a process group id the system may reuse.
      abort.removeEventListener('abort', onAbort);
      if (code === 0) resolve();
      else {
        const tail = stderr.trim().split('\n').at(-1) ?? '';
        reject(new Error(`exited ${code ?? signal}${tail === '' ? '' : `: ${tail}`}`));
      }
    });
  });
}

/**
 * POSTs the JSON; fails on a non-2xx answer, a network error, the timeout or `abort`.
 *
 * The timeout is a timer of our own, not `AbortSignal.timeout()` inside `AbortSignal.any()`: on Node 20 the
 * timeout signal is held only weakly there, so a garbage collection during the request drops it and the
 * request hangs until something else aborts it.
 */
async function post(url: string, n: Notification, timeoutMs: number, abort: AbortSignal): Promise<void> {
  const request = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    request.abort();
  }, timeoutMs);
  const onAbort = () => request.abort();
  abort.addEventListener('abort', onAbort, { once: true });
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'loop-supervise' },
      body: JSON.stringify(n),
      signal: request.signal,
    }).catch((error: unknown) => {
      if (timedOut) throw new Error(`timed out after ${timeoutMs} ms`);
      if (abort.aborted) throw new Error(abandonedReason(abort));
      throw new Error(String((error as Error).cause ?? error));
    });
    await response.body?.cancel().catch(() => {});
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
  } finally {
    clearTimeout(timer);
    abort.removeEventListener('abort', onAbort);
  }
}

/** What a delivery cut short by {@link AttachedNotifier.close} is logged with. */
function abandonedReason(abort: AbortSignal): string {
  return abort.reason instanceof AbandonedAtExit ? abort.reason.message : 'abandoned at exit';
}

/** The reason `close()` aborts deliveries with: it says how long the supervisor waited for them. */
class AbandonedAtExit extends Error {
  constructor(waitedMs: number) {
    super(`abandoned at exit: still under way when the supervisor stopped waiting after ${waitedMs} ms`);
  }
}

/** supervisor.log opened on first use (the supervisor has made the run dir by then); never throws. */
export function lazyLog(file: string) {
  let log: SupervisorLog | undefined;
  let failed = false;
  return {
    append(type: string, fields: Record<string, string | number | boolean | null>): void {
      if (failed) return;
      try {
        log ??= new SupervisorLog(file);
        log.append({ type, atMs: Date.now(), fields });
      } catch {
        failed = true;
      }
    },
    close(): void {
      log?.close();
    },
  };
}
