// The notification a supervisor sends about its bot (version 1): what happened, to which bot, how often.

/** Version of the notification payload; a change that breaks a reader bumps it. */
export const NOTIFICATION_VERSION = 1;

/** What a notification is about. */
export type NotificationKind =
  /** The supervisor started after the previous one of this run dir died (stale lock taken over, or its child found orphaned). */
  | 'started-after-crash'
  /** The command failed and is being restarted. */
  | 'restart'
  /** More than the storm threshold of restarts within the storm window; later restarts are folded into it. */
  | 'restart-storm'
  /** Too many restarts in a row: the supervisor stopped restarting. */
  | 'gave-up'
  /** The heartbeat went stale: the command was stopped as hung (and is restarted). */
  | 'watchdog-kill'
  /** The command exited with a kill-switch code (`loop run`: 3, trading halted). */
  | 'kill-switch'
  /** After trouble, the command has run stable again (at least `--reset-after-s`). */
  | 'recovered';

/** Every kind, in the order the README lists them. */
export const NOTIFICATION_KINDS: readonly NotificationKind[] = [
  'started-after-crash',
  'restart',
  'restart-storm',
  'gave-up',
  'watchdog-kill',
  'kill-switch',
  'recovered',
];

/** How urgent a notification is. */
export type NotificationSeverity = 'critical' | 'warning' | 'info';

/** The severity of each kind. */
export const NOTIFICATION_SEVERITY: Readonly<Record<NotificationKind, NotificationSeverity>> = {
  'started-after-crash': 'warning',
  restart: 'warning',
  'restart-storm': 'critical',
  'gave-up': 'critical',
  'watchdog-kill': 'warning',
  'kill-switch': 'critical',
  recovered: 'info',
};

/** How the command's last run ended. */
export interface NotificationExit {
  /** Exit code, or null when a signal killed it. */
  code: number | null;
  /** The signal that killed it, or null. */
  signal: string | null;
  /** As a shell reports it: the code, 128 + signal, 124 when hung. */
  status: number;
}

/**
 * One notification, as JSON on the stdin of `--notify-cmd` and the body POSTed to `--notify-url`
 * (schema: `@loop/supervisor/notification-schema`, JSON Schema: `schemas/notification-v1.schema.json`).
 */
export interface Notification {
  /** {@link NOTIFICATION_VERSION}. */
  v: 1;
  kind: NotificationKind;
  severity: NotificationSeverity;
  /** The bot's name (`--bot-name`, by default the run dir's name). */
  bot: string;
  /** The machine's host name. */
  host: string;
  /** The run dir (absolute). */
  run_dir: string;
  /** When it happened, ISO 8601. */
  at: string;
  /** One line for a human, naming the bot. */
  summary: string;
  /**
   * Occurrences this message stands for that no earlier message reported: restarts for `restart` and
   * `restart-storm` (so the counts of a storm add up to its restarts), else events of this kind folded in by
   * the rate limit. At least 1.
   */
  count: number;
  /** Restarts since the supervisor started. */
  restarts_total: number;
  /** The last run's end, or null before the first. */
  last_exit: NotificationExit | null;
  /** The supervisor's pid. */
  supervisor_pid: number;
}
