// `@loop/metrics/prometheus`: stage latency histograms, outcome and step counters, gauges, default process metrics.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { describeError, MetricsError } from './errors.js';
import type { StageEvent } from './stage-event.js';
import type { RunCounterName, StageEventSink } from './stage-metrics-collector.js';

/** Options of {@link PrometheusExporter}. */
export interface PrometheusExporterOptions {
  /** Registry to register on; a new one by default. */
  registry?: Registry;
  /** Metric name prefix; default `loop_`. */
  prefix?: string;
  /** Also export the process's default metrics (CPU, memory, event loop lag). Default true. */
  defaultMetrics?: boolean;
  /** Latency buckets in seconds. */
  buckets?: number[];
  /** Distinct reason labels before the rest are reported as `(other)`; default 100 (bounds cardinality). */
  maxReasons?: number;
}

/** Default latency buckets, seconds: 10 µs .. 10 s. */
export const DEFAULT_LATENCY_BUCKETS_SECONDS = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
  0.5, 1, 2.5, 5, 10,
];

const COUNTER_METRICS: Record<RunCounterName, { name: string; help: string }> = {
  processed: { name: 'steps_total', help: 'Loop steps processed.' },
  filled: { name: 'fills_total', help: 'Orders filled.' },
  rejected: { name: 'rejections_total', help: 'Orders rejected (risk or exchange).' },
  errors: { name: 'errors_total', help: 'Stage errors.' },
};

/**
 * A {@link StageEventSink} that mirrors events into prom-client metrics: `<prefix>stage_latency_seconds`
 * (histogram, label `stage`), `<prefix>stage_events_total` (counter, labels `stage`, `outcome`, `reason`;
 * reason is empty when none), `<prefix>steps_total`, `<prefix>fills_total`, `<prefix>rejections_total`,
 * `<prefix>errors_total`, and `<prefix>gauge{name}` for gauges.
 */
export class PrometheusExporter implements StageEventSink {
  /** The registry holding the metrics; serve it with {@link startMetricsServer}. */
  readonly registry: Registry;
  private readonly latency: Histogram<'stage'>;
  private readonly events: Counter<'stage' | 'outcome' | 'reason'>;
  private readonly counters: Record<RunCounterName, Counter>;
  private readonly gauge: Gauge<'name'>;
  private readonly latencyChildren = new Map<string, Histogram.Internal<'stage'>>();
  private readonly eventChildren = new Map<string, Counter.Internal>();
  private readonly maxReasons: number;
  private readonly reasons = new Set<string>();

  constructor(options: PrometheusExporterOptions = {}) {
    const prefix = options.prefix ?? 'loop_';
    this.registry = options.registry ?? new Registry();
    this.maxReasons = options.maxReasons ?? 100;
    const registers = [this.registry];
    this.latency = new Histogram({
      name: `${prefix}stage_latency_seconds`,
      help: 'Latency of each stage invocation, seconds.',
      labelNames: ['stage'],
      buckets: options.buckets ?? DEFAULT_LATENCY_BUCKETS_SECONDS,
      registers,
    });
    this.events = new Counter({
      name: `${prefix}stage_events_total`,
      help: 'Stage invocations by stage, outcome (ok, rejected, error) and reason.',
      labelNames: ['stage', 'outcome', 'reason'],
      registers,
    });
    this.counters = {} as Record<RunCounterName, Counter>;
    for (const [key, spec] of Object.entries(COUNTER_METRICS)) {
      this.counters[key as RunCounterName] = new Counter({
        name: `${prefix}${spec.name}`,
        help: spec.help,
        registers,
      });
    }
    this.gauge = new Gauge({
      name: `${prefix}gauge`,
      help: 'Latest value of a loop gauge (position, equity, PnL, fees).',
      labelNames: ['name'],
      registers,
    });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix });
  }

  /** Observes one stage event. */
  onStageEvent(event: StageEvent): void {
    let latency = this.latencyChildren.get(event.stage);
    if (latency === undefined) {
      latency = this.latency.labels(event.stage);
      this.latencyChildren.set(event.stage, latency);
    }
    latency.observe(event.latency_ms / 1000);
    let reason = event.reason ?? '';
    if (reason !== '' && !this.reasons.has(reason)) {
      if (this.reasons.size < this.maxReasons) this.reasons.add(reason);
      else reason = '(other)';
    }
    const key = `${event.stage}\u0000${event.outcome}\u0000${reason}`;
    let counter = this.eventChildren.get(key);
    if (counter === undefined) {
      counter = this.events.labels(event.stage, event.outcome, reason);
      this.eventChildren.set(key, counter);
    }
    counter.inc();
  }

  /** Mirrors a run counter increment. */
  onCount(name: RunCounterName, by: number): void {
    if (by > 0) this.counters[name].inc(by);
  }

  /** Mirrors a gauge. */
  onGauge(name: string, value: number): void {
    this.gauge.set({ name }, value);
  }
}

/** A running `/metrics` HTTP server. */
export interface MetricsServer {
  /** `http://host:port/metrics`. */
  readonly url: string;
  readonly host: string;
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * Serves `registry` at `GET /metrics` (Prometheus text format) on `host:port` (default 127.0.0.1; port 0
 * picks a free one). Other paths get 404. Throws `LOOP_METRICS_SERVER_FAILED` if it cannot listen.
 */
export async function startMetricsServer(options: {
  registry: Registry;
  port: number;
  host?: string;
}): Promise<MetricsServer> {
  const host = options.host ?? '127.0.0.1';
  const { registry } = options;
  const server = http.createServer((request, response) => {
    const url = request.url ?? '/';
    if (request.method !== 'GET' || (url !== '/metrics' && !url.startsWith('/metrics?'))) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
      return;
    }
    registry.metrics().then(
      (body) => response.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (error: unknown) =>
        response.writeHead(500, { 'content-type': 'text/plain' }).end(`${describeError(error)}\n`),
    );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => {
      reject(
        new MetricsError(
          'LOOP_METRICS_SERVER_FAILED',
          `cannot serve /metrics on ${host}:${options.port}: ${describeError(error)}`,
          {
            cause: error,
            context: { host, port: options.port },
          },
        ),
      );
    };
    server.once('error', onError);
    server.listen(options.port, host, () => {
      server.removeListener('error', onError);
      resolve();
    });
  });
  server.unref();
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/metrics`,
    host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
