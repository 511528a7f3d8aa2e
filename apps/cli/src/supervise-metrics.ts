// `loop supervise --metrics-port N`: the supervisor's own /metrics, mapped from Supervisor#stats() at scrape time.
import { type MetricsServer, registerScrapedMetric, startMetricsServer } from '@loop/metrics/prometheus';
import type { SupervisorStats } from '@loop/supervisor';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** The supervisor statuses, each a `status` label value of `loop_supervisor_status`. */
const STATUSES = ['starting', 'running', 'backoff', 'stopping', 'stopped', 'gave_up'] as const;

/** Where the numbers come from, and what to say about the supervised command. */
export interface SupervisorMetricsSource {
  /** The supervisor's snapshot (cheap: memory only). */
  stats(): SupervisorStats;
  /** Extra counters kept by other listeners (the notifier, the pinger), read at scrape time. */
  extraCounters?: () => Record<string, { help: string; value: number }>;
}

/** Options of {@link startSupervisorMetrics}. */
export interface SupervisorMetricsOptions {
  port: number;
  host?: string;
  /** The `bot` label on every series. */
  botName: string;
  /** Labels of `loop_supervisor_info` (the run dir, the command line). */
  info: Record<string, string>;
}

/**
 * Registers the supervisor's series on a new registry (every series labelled `bot`) and serves it:
 * `loop_supervisor_child_up`, `loop_supervisor_restarts_total`, `loop_supervisor_last_exit_code`,
 * `loop_supervisor_last_exit_status`, `loop_supervisor_last_exit_signal{signal}`,
 * `loop_supervisor_child_uptime_seconds`, `loop_supervisor_heartbeat_age_seconds`,
 * `loop_supervisor_backoff_delay_seconds`, `loop_supervisor_gave_up`, `loop_supervisor_watchdog_kills_total`,
 * `loop_supervisor_status{status}`, `loop_supervisor_listener_failures_total`,
 * `loop_supervisor_state_write_failures_total`, `loop_supervisor_info{...}`, and the supervisor process's
 * own `loop_supervisor_process_*` metrics. Throws `LOOP_METRICS_SERVER_FAILED` if it cannot listen.
 */
export async function startSupervisorMetrics(
  source: SupervisorMetricsSource,
  options: SupervisorMetricsOptions,
): Promise<MetricsServer> {
  const registry = new Registry();
  registry.setDefaultLabels({ bot: options.botName });
  registerSupervisorMetrics(registry, source, options.info);
  collectDefaultMetrics({ register: registry, prefix: 'loop_supervisor_' });
  return startMetricsServer({ registry, port: options.port, host: options.host });
}

/** The series of {@link startSupervisorMetrics} on `registry` (exported for unit tests). */
export function registerSupervisorMetrics(
  registry: Registry,
  source: SupervisorMetricsSource,
  info: Record<string, string>,
): void {
  const stats = () => source.stats();
  const gauge = (name: string, help: string, value: (s: SupervisorStats) => number | null) =>
    registerScrapedMetric(registry, {
      name,
      help,
      type: 'gauge',
      samples: () => {
        const v = value(stats());
        return v === null ? [] : [{ value: v, labels: {} }];
      },
    });
  const counter = (name: string, help: string, value: (s: SupervisorStats) => number) =>
    registerScrapedMetric(registry, {
      name,
      help,
      type: 'counter',
      samples: () => [{ value: value(stats()), labels: {} }],
    });
  const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);

  gauge('loop_supervisor_child_up', 'The supervised command is running (1) or not (0).', (s) =>
    s.childUp ? 1 : 0,
  );
  counter(
    'loop_supervisor_restarts_total',
    'Restarts of the command since the supervisor started.',
    (s) => s.restartsTotal,
  );
  gauge(
    'loop_supervisor_last_exit_code',
    "Exit code of the command's last run (absent before the first exit or when a signal killed it).",
    (s) => s.lastExitCode,
  );
  gauge(
    'loop_supervisor_last_exit_status',
    "Status of the command's last run as a shell reports it: the code, 128 + signal, 124 when hung.",
    (s) => s.lastExitStatus,
  );
  registerScrapedMetric(registry, {
    name: 'loop_supervisor_last_exit_signal',
    help: "The signal that killed the command's last run, as a label (absent when none did).",
    type: 'gauge',
    samples: () => {
      const signal = stats().lastSignal;
      return signal === null ? [] : [{ value: 1, labels: { signal } }];
    },
  });
  gauge(
    'loop_supervisor_child_uptime_seconds',
    'How long the running command has run (0 when none runs).',
    (s) => seconds(s.childUptimeMs ?? 0),
  );
  gauge(
    'loop_supervisor_heartbeat_age_seconds',
    "Age of the command's heartbeat as the watchdog sees it (absent without --heartbeat-timeout-s or a child).",
    (s) => seconds(s.heartbeatAgeMs),
  );
  gauge(
    'loop_supervisor_backoff_delay_seconds',
    'Delay of the last (or pending) restart (0 before the first).',
    (s) => seconds(s.backoffDelayMs ?? 0),
  );
  gauge(
    'loop_supervisor_gave_up',
    'Supervision ended after too many restarts in a row (1) or not (0).',
    (s) => (s.gaveUp ? 1 : 0),
  );
  counter(
    'loop_supervisor_watchdog_kills_total',
    'Runs of the command stopped as hung by the heartbeat watchdog.',
    (s) => s.watchdogKillsTotal,
  );
  counter(
    'loop_supervisor_listener_failures_total',
    'Supervisor event listeners (notifier, pinger, metrics) that threw or rejected.',
    (s) => s.listenerFailures,
  );
  counter(
    'loop_supervisor_state_write_failures_total',
    'Failed writes of supervisor_state.json.',
    (s) => s.stateWriteFailures,
  );
  registerScrapedMetric(registry, {
    name: 'loop_supervisor_status',
    help: "The supervisor's status: 1 for the current one, 0 for the others.",
    type: 'gauge',
    samples: () => {
      const status = stats().status;
      return STATUSES.map((s) => ({ value: s === status ? 1 : 0, labels: { status: s } }));
    },
  });
  const infoLabels = { ...info };
  registerScrapedMetric(registry, {
    name: 'loop_supervisor_info',
    help: 'The supervision: run dir and command line as labels; always 1.',
    type: 'gauge',
    samples: () => [{ value: 1, labels: infoLabels }],
  });
  if (source.extraCounters !== undefined) {
    const extra = source.extraCounters;
    for (const [name, { help }] of Object.entries(extra())) {
      registerScrapedMetric(registry, {
        name,
        help,
        type: 'counter',
        samples: () => [{ value: extra()[name]?.value ?? 0, labels: {} }],
      });
    }
  }
}
