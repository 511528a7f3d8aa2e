// `@loop/metrics/prometheus`: stage latency histograms, outcome and step counters, gauges, default process metrics.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
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
  /** Latency bucket upper bounds in seconds, ascending. */
  buckets?: number[];
  /** Distinct reason labels before the rest are reported as `(other)`; default 100 (bounds cardinality). */
  maxReasons?: number;
  /**
   * Serve OpenMetrics (`application/openmetrics-text`) with exemplars: each latency bucket carries its latest
   * event as `# {step="42"} <seconds> <ts>` (the event's `ts`, in seconds), so a slow bucket in Grafana links to
   * the step that landed there. Applies to the registry this exporter creates (a given `registry` keeps its own
   * content type). Prometheus stores them with `--enable-feature=exemplar-storage`. Default false.
   */
  exemplars?: boolean;
}

/** Default latency buckets, seconds: 10 µs .. 10 s. */
export const DEFAULT_LATENCY_BUCKETS_SECONDS = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
  0.5, 1, 2.5, 5, 10,
];

/** Distinct `kind` labels of `invalid_input_total` (the recorder has 11 kinds; the bound guards other callers). */
const MAX_INVALID_INPUT_KINDS = 32;

const COUNTER_METRICS: Record<RunCounterName, { name: string; help: string }> = {
  processed: { name: 'steps_total', help: 'Loop steps processed.' },
  filled: { name: 'fills_total', help: 'Orders filled.' },
  rejected: { name: 'rejections_total', help: 'Orders rejected (risk or exchange).' },
  errors: { name: 'errors_total', help: 'Stage errors.' },
};

/** One sample as prom-client's registry formats it (the shape its own metrics return from `get()`). */
interface MetricSample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
  /** Written only in OpenMetrics: ` # {labels} value timestamp` after the sample. */
  exemplar?: { labelSet: Record<string, string>; value: number; timestamp: number };
}

/** `sample` with bucket `i`'s latest event as its exemplar (label `step`), when the bucket has one. */
function withExemplar(sample: MetricSample, series: StageSeries, i: number): MetricSample {
  const seconds = series.exemplarSeconds[i]!;
  if (Number.isNaN(seconds)) return sample;
  sample.exemplar = {
    labelSet: { step: String(series.exemplarStep[i]) },
    value: seconds,
    timestamp: series.exemplarTs[i]! / 1000,
  };
  return sample;
}

/** What prom-client's registry needs of a metric: a name, help, type and the samples at scrape time. */
interface ScrapedMetric {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: string; aggregator: 'sum'; values: MetricSample[] }>;
  reset(): void;
}

interface StageSeries {
  /** Count of latencies per bucket (not cumulative); the last slot is above the highest bound. */
  buckets: Float64Array;
  sumSeconds: number;
  count: number;
  /** outcome -> reason ('' for none) -> count. */
  outcomes: Map<string, Map<string, number>>;
  /** Per bucket, the latest event's latency (seconds; NaN: none yet), step and ts (ms): the bucket's exemplar. */
  exemplarSeconds: Float64Array;
  exemplarStep: Float64Array;
  exemplarTs: Float64Array;
}

/**
 * A {@link StageEventSink} exporting to Prometheus through a prom-client registry:
 * `<prefix>stage_latency_seconds` (histogram, label `stage`), `<prefix>stage_events_total` (counter,
 * labels `stage`, `outcome`, `reason`; reason is empty when none), `<prefix>steps_total`,
 * `<prefix>fills_total`, `<prefix>rejections_total`, `<prefix>errors_total`, `<prefix>gauge{name}`,
 * `<prefix>counter_total{name}` (the recorder's custom counters), `<prefix>invalid_input_total{kind}` (invalid
 * input the recorder reported), and
 * prom-client's default process metrics. Events only update plain numbers (tens of nanoseconds); the
 * samples are built when Prometheus scrapes.
 */
export class PrometheusExporter implements StageEventSink {
  /** The registry holding the metrics; serve it with {@link startMetricsServer}. */
  readonly registry: Registry;
  private readonly bounds: number[];
  private readonly stages = new Map<string, StageSeries>();
  private readonly runCounters: Record<RunCounterName, number> = {
    processed: 0,
    filled: 0,
    rejected: 0,
    errors: 0,
  };
  private readonly gauges = new Map<string, number>();
  private readonly counters = new Map<string, number>();
  private readonly invalidInput = new Map<string, number>();
  private readonly maxReasons: number;
  private readonly reasons = new Set<string>();

  constructor(options: PrometheusExporterOptions = {}) {
    const prefix = options.prefix ?? 'loop_';
    // prom-client's types omit the constructor's content type argument (its code takes it).
    const OpenMetricsRegistry = Registry as unknown as new (contentType: string) => Registry;
    this.registry =
      options.registry ??
      (options.exemplars ? new OpenMetricsRegistry(Registry.OPENMETRICS_CONTENT_TYPE) : new Registry());
    this.maxReasons = options.maxReasons ?? 100;
    this.bounds = [...(options.buckets ?? DEFAULT_LATENCY_BUCKETS_SECONDS)];
    if (this.bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= this.bounds[i - 1]!))) {
      throw new MetricsError(
        'LOOP_METRICS_OPTION_INVALID',
        `buckets must be finite and ascending, got ${this.bounds.join(', ')}`,
      );
    }
    this.register(
      `${prefix}stage_latency_seconds`,
      'Latency of each stage invocation, seconds.',
      'histogram',
      () => this.latencySamples(`${prefix}stage_latency_seconds`),
    );
    this.register(
      `${prefix}stage_events_total`,
      'Stage invocations by stage, outcome (ok, rejected, error) and reason.',
      'counter',
      () => this.eventSamples(),
    );
    for (const [key, spec] of Object.entries(COUNTER_METRICS)) {
      this.register(`${prefix}${spec.name}`, spec.help, 'counter', () => [
        { value: this.runCounters[key as RunCounterName], labels: {} },
      ]);
    }
    this.register(
      `${prefix}gauge`,
      'Latest value of a loop gauge (position, equity, PnL, fees).',
      'gauge',
      () => [...this.gauges].map(([name, value]) => ({ value, labels: { name } })),
    );
    this.register(
      `${prefix}invalid_input_total`,
      'Invalid input the recorder reported by kind (outcome, stage, latency, ts, step, text, attrs, name, value, cardinality, timer); each kind is warned about once.',
      'counter',
      () => [...this.invalidInput].map(([kind, value]) => ({ value, labels: { kind } })),
    );
    this.register(
      `${prefix}counter_total`,
      "A bot's own counter by name (metrics.counter(name) / count(name)).",
      'counter',
      () => [...this.counters].map(([name, value]) => ({ value, labels: { name } })),
    );
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix });
  }

  /** Observes one stage event. */
  onStageEvent(event: StageEvent): void {
    let series = this.stages.get(event.stage);
    if (series === undefined) {
      series = {
        buckets: new Float64Array(this.bounds.length + 1),
        sumSeconds: 0,
        count: 0,
        outcomes: new Map(),
        exemplarSeconds: new Float64Array(this.bounds.length + 1).fill(Number.NaN),
        exemplarStep: new Float64Array(this.bounds.length + 1),
        exemplarTs: new Float64Array(this.bounds.length + 1),
      };
      this.stages.set(event.stage, series);
    }
    const seconds = event.latency_ms / 1000;
    const bucket = this.bucketOf(seconds);
    series.buckets[bucket]!++;
    series.exemplarSeconds[bucket] = seconds;
    series.exemplarStep[bucket] = event.step;
    series.exemplarTs[bucket] = event.ts;
    series.sumSeconds += seconds;
    series.count++;
    let reasons = series.outcomes.get(event.outcome);
    if (reasons === undefined) {
      reasons = new Map();
      series.outcomes.set(event.outcome, reasons);
    }
    let reason = event.reason ?? '';
    if (reason !== '' && !this.reasons.has(reason)) {
      if (this.reasons.size < this.maxReasons) this.reasons.add(reason);
      else reason = '(other)';
    }
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }

  /** Mirrors a run counter increment. */
  onCount(name: RunCounterName, by: number): void {
    if (by > 0) this.runCounters[name] += by;
  }

  /** Mirrors a custom counter increment (names are already checked and bounded by the recorder). */
  onCounter(name: string, by: number): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  /** Mirrors invalid input the recorder counted (kinds are a fixed set; any other is counted as `(other)`). */
  onInvalidInput(kind: string, by: number): void {
    const label =
      this.invalidInput.has(kind) || this.invalidInput.size < MAX_INVALID_INPUT_KINDS ? kind : '(other)';
    this.invalidInput.set(label, (this.invalidInput.get(label) ?? 0) + by);
  }

  /** Mirrors a gauge. */
  onGauge(name: string, value: number): void {
    this.gauges.set(name, value);
  }

  /** Index of the first bucket whose upper bound is >= seconds (binary search). */
  private bucketOf(seconds: number): number {
    const bounds = this.bounds;
    let low = 0;
    let high = bounds.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (seconds <= bounds[mid]!) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  private latencySamples(name: string): MetricSample[] {
    const samples: MetricSample[] = [];
    for (const [stage, series] of this.stages) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += series.buckets[i]!;
        samples.push(
          withExemplar(
            { value: cumulative, labels: { le: this.bounds[i]!, stage }, metricName: `${name}_bucket` },
            series,
            i,
          ),
        );
      }
      samples.push(
        withExemplar(
          { value: series.count, labels: { le: '+Inf', stage }, metricName: `${name}_bucket` },
          series,
          this.bounds.length,
        ),
      );
      samples.push({ value: series.sumSeconds, labels: { stage }, metricName: `${name}_sum` });
      samples.push({ value: series.count, labels: { stage }, metricName: `${name}_count` });
    }
    return samples;
  }

  private eventSamples(): MetricSample[] {
    const samples: MetricSample[] = [];
    for (const [stage, series] of this.stages) {
      for (const [outcome, reasons] of series.outcomes) {
        for (const [reason, value] of reasons) samples.push({ value, labels: { stage, outcome, reason } });
      }
    }
    return samples;
  }

  private register(
    name: string,
    help: string,
    type: ScrapedMetric['type'],
    samples: () => MetricSample[],
  ): void {
    registerScrapedMetric(this.registry, { name, help, type, samples });
  }
}

/** One sample of a {@link ScrapedMetricSpec}: the value, its labels, and for histograms the series name. */
export interface ScrapedSample {
  value: number;
  labels: Record<string, string | number>;
  /** `<name>_bucket`, `<name>_sum` or `<name>_count` for histogram samples; the metric's name otherwise. */
  metricName?: string;
}

/** A metric whose samples are computed when Prometheus scrapes (see {@link registerScrapedMetric}). */
export interface ScrapedMetricSpec {
  /** Full metric name, e.g. `loop_trading_state`. */
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  /** Called at each scrape; must not throw (a throw fails the whole scrape with a 500). */
  samples: () => ScrapedSample[];
}

/**
 * Registers on `registry` a metric whose samples `spec.samples()` computes at scrape time: the host keeps
 * plain numbers on its hot path and pays for the exposition only when scraped. The registry's default labels
 * (`registry.setDefaultLabels({ bot })`) are added to every sample.
 */
export function registerScrapedMetric(registry: Registry, spec: ScrapedMetricSpec): void {
  const { name, help, type, samples } = spec;
  const metric: ScrapedMetric = {
    name,
    help,
    type,
    aggregator: 'sum',
    // `metric.name`, not `name`: in OpenMetrics the registry strips a counter's `_total` from the family name
    // (and adds it back to each sample), so the family must be read from the metric at scrape time.
    get: async () => ({ name: metric.name, help, type, aggregator: 'sum', values: samples() }),
    reset: () => {},
  };
  // prom-client registers any object with name/help/type/get(); its own types list only its classes.
  registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
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
