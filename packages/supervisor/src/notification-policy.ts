// Which supervisor events become notifications, deduplicated and rate-limited (pure: events and time in, notifications out).
import {
  NOTIFICATION_SEVERITY,
  NOTIFICATION_VERSION,
  type Notification,
  type NotificationExit,
  type NotificationKind,
} from './notification.js';
import type { SupervisorEvent } from './supervisor-events.js';

/** Settings of {@link NotificationPolicy}. */
export interface NotificationPolicyOptions {
  bot: string;
  host: string;
  runDir: string;
  supervisorPid: number;
  /** At most one message of a kind per this many ms; the rest are counted into the next one. Default 60 000. */
  minIntervalMs?: number;
  /** This many restarts within {@link stormWindowMs} make a storm. Default 5. */
  stormRestarts?: number;
  /** Default 300 000 (5 minutes). */
  stormWindowMs?: number;
  /** Exit codes that mean "the kill switch halted trading". Default [3] (`loop run`). */
  killSwitchExitCodes?: readonly number[];
  /** A run this long after trouble is "recovered" (the supervisor's `resetAfterS`). */
  stableAfterMs: number;
}

/** What {@link NotificationPolicy.tick} needs to know about the child now. */
export interface ChildHealth {
  childUp: boolean;
  childUptimeMs: number | null;
  /** The heartbeat is fresh (or the command has none). */
  heartbeatFresh: boolean;
}

/** Kinds that a rate limit never holds back: each says something new and final. */
const ALWAYS_SENT: ReadonlySet<NotificationKind> = new Set(['gave-up', 'started-after-crash']);

/**
 * Turns supervisor events into notifications. Restarts: the first goes out at once; more than
 * `stormRestarts` within `stormWindowMs` become one `restart-storm` message, and later restarts of the
 * storm are counted and reported at most once per `minIntervalMs` (by {@link tick}) or with the final
 * message, so 100 crashes give a handful of messages whose `count`s add up to 100. Every other kind is
 * limited to one message per `minIntervalMs`, the rest folded into the next one's `count`.
 */
export class NotificationPolicy {
  readonly #o: Required<Omit<NotificationPolicyOptions, 'killSwitchExitCodes'>> & {
    killSwitchExitCodes: readonly number[];
  };
  readonly #lastSentMs = new Map<NotificationKind, number>();
  /** Occurrences held back by the rate limit, by kind (restarts under `restart`). */
  readonly #pending = new Map<NotificationKind, number>();
  #restartTimesMs: number[] = [];
  #inStorm = false;
  #trouble = false;
  #crashReported = false;
  #restartsTotal = 0;
  #lastExit: NotificationExit | null = null;

  constructor(options: NotificationPolicyOptions) {
    this.#o = {
      ...options,
      minIntervalMs: options.minIntervalMs ?? 60_000,
      stormRestarts: options.stormRestarts ?? 5,
      stormWindowMs: options.stormWindowMs ?? 300_000,
      killSwitchExitCodes: options.killSwitchExitCodes ?? [3],
    };
  }

  /** The notifications `event` causes now (often none). */
  onEvent(event: SupervisorEvent): Notification[] {
    const now = event.atMs;
    const out: Notification[] = [];
    switch (event.type) {
      case 'supervisor-started':
        if (event.tookOverLockFrom !== null)
          this.#crashed(now, out, `its previous supervisor (pid ${event.tookOverLockFrom}) died`);
        break;
      case 'orphan-stopping':
        this.#crashed(
          now,
          out,
          `the previous supervisor died and left its child (pid ${event.pgid}) running`,
        );
        break;
      case 'child-exited':
        this.#lastExit = { code: event.code, signal: event.signal, status: event.status };
        if (
          event.reason === 'exit' &&
          event.code !== null &&
          this.#o.killSwitchExitCodes.includes(event.code)
        ) {
          this.#trouble = true;
          this.#offer('kill-switch', now, out, `exited ${event.code}: its kill switch halted trading`);
        } else if (event.reason !== 'stop' && event.status !== 0) this.#trouble = true;
        break;
      case 'spawn-failed':
        this.#lastExit = { code: null, signal: null, status: event.status };
        this.#trouble = true;
        break;
      case 'watchdog-kill':
        this.#trouble = true;
        this.#offer(
          'watchdog-kill',
          now,
          out,
          `hung: no heartbeat for ${Math.round(event.heartbeatAgeMs / 1000)} s, stopped by the watchdog`,
        );
        break;
      case 'restart-scheduled':
        this.#onRestart(event.restarts, event.delayMs, now, out);
        break;
      case 'gave-up':
        this.#restartsTotal = Math.max(this.#restartsTotal, event.restarts);
        this.#flushRestarts(now, out);
        out.push(
          this.#message(
            'gave-up',
            now,
            1,
            `gave up after ${event.restarts} restarts in a row; last exit status ${event.exitCode}`,
          ),
        );
        break;
      case 'supervisor-exited':
        this.#flushRestarts(now, out);
        break;
      default:
        break;
    }
    return out;
  }

  /**
   * Call about once a second: sends what the rate limit held back once it allows, and `recovered` once the
   * child has run stable (at least `stableAfterMs`, heartbeat fresh) after trouble.
   */
  tick(nowMs: number, health: ChildHealth): Notification[] {
    const out: Notification[] = [];
    for (const [kind, count] of this.#pending) {
      const limitedAs = kind === 'restart' && this.#inStorm ? 'restart-storm' : kind;
      if (count > 0 && this.#allowed(limitedAs, nowMs)) {
        this.#pending.set(kind, 0);
        if (kind === 'restart') this.#sendRestarts(nowMs, count, out);
        else out.push(this.#message(kind, nowMs, count, this.#again(kind, count)));
      }
    }
    if (
      this.#trouble &&
      health.childUp &&
      health.heartbeatFresh &&
      (health.childUptimeMs ?? 0) >= this.#o.stableAfterMs
    ) {
      this.#flushRestarts(nowMs, out);
      this.#trouble = false;
      this.#inStorm = false;
      this.#restartTimesMs = [];
      out.push(
        this.#message(
          'recovered',
          nowMs,
          1,
          `recovered: running stable for ${Math.round((health.childUptimeMs ?? 0) / 1000)} s after ${this.#restartsTotal} restarts`,
        ),
      );
    }
    return out;
  }

  #crashed(now: number, out: Notification[], why: string): void {
    if (this.#crashReported) return;
    this.#crashReported = true;
    this.#trouble = true;
    out.push(this.#message('started-after-crash', now, 1, `supervisor started after a crash: ${why}`));
  }

  #onRestart(restarts: number, delayMs: number, now: number, out: Notification[]): void {
    this.#restartsTotal = restarts;
    this.#trouble = true;
    const windowStart = now - this.#o.stormWindowMs;
    this.#restartTimesMs = this.#restartTimesMs.filter((t) => t > windowStart);
    this.#restartTimesMs.push(now);
    const pending = (this.#pending.get('restart') ?? 0) + 1;
    if (!this.#inStorm && this.#restartTimesMs.length >= this.#o.stormRestarts) {
      this.#inStorm = true;
      this.#pending.set('restart', 0);
      this.#sendRestarts(now, pending, out);
      return;
    }
    if (!this.#inStorm && this.#allowed('restart', now)) {
      this.#pending.set('restart', 0);
      const exit = this.#lastExit === null ? '' : ` after exit status ${this.#lastExit.status}`;
      out.push(
        this.#message('restart', now, pending, `restarting in ${(delayMs / 1000).toFixed(1)} s${exit}`),
      );
      return;
    }
    this.#pending.set('restart', pending);
  }

  /** Reports restarts held back (as a storm message when in a storm), whatever the rate limit says. */
  #flushRestarts(now: number, out: Notification[]): void {
    const pending = this.#pending.get('restart') ?? 0;
    if (pending === 0) return;
    this.#pending.set('restart', 0);
    this.#sendRestarts(now, pending, out);
  }

  #sendRestarts(now: number, count: number, out: Notification[]): void {
    if (this.#inStorm) {
      const inWindow = this.#restartTimesMs.length;
      out.push(
        this.#message(
          'restart-storm',
          now,
          count,
          `restart storm: ${inWindow} restarts in ${Math.round(this.#o.stormWindowMs / 60_000)} min, ${this.#restartsTotal} in all`,
        ),
      );
    } else out.push(this.#message('restart', now, count, this.#again('restart', count)));
  }

  #offer(kind: NotificationKind, now: number, out: Notification[], what: string): void {
    if (this.#allowed(kind, now)) out.push(this.#message(kind, now, 1, what));
    else this.#pending.set(kind, (this.#pending.get(kind) ?? 0) + 1);
  }

  #allowed(kind: NotificationKind, now: number): boolean {
    if (ALWAYS_SENT.has(kind)) return true;
    const last = this.#lastSentMs.get(kind);
    return last === undefined || now - last >= this.#o.minIntervalMs;
  }

  #again(kind: NotificationKind, count: number): string {
    const what: Record<NotificationKind, string> = {
      'started-after-crash': 'started after a crash',
      restart: 'restarted',
      'restart-storm': 'restarted',
      'gave-up': 'gave up',
      'watchdog-kill': 'stopped as hung by the watchdog',
      'kill-switch': 'exited on its kill switch',
      recovered: 'recovered',
    };
    return `${what[kind]} ${count} more time${count === 1 ? '' : 's'}`;
  }

  #message(kind: NotificationKind, now: number, count: number, what: string): Notification {
    this.#lastSentMs.set(kind, now);
    return {
      v: NOTIFICATION_VERSION,
      kind,
      severity: NOTIFICATION_SEVERITY[kind],
      bot: this.#o.bot,
      host: this.#o.host,
      run_dir: this.#o.runDir,
      at: new Date(now).toISOString(),
      summary: `${this.#o.bot}: ${what}`,
      count,
      restarts_total: this.#restartsTotal,
      last_exit: this.#lastExit,
      supervisor_pid: this.#o.supervisorPid,
    };
  }
}
