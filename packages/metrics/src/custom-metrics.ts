// Counters and gauges by name, for what a bot counts beyond stage events: validated names, bounded cardinality.
import type { InputReporter } from './input-report.js';
import type { GaugeSlot, StageMetricsCollector } from './stage-metrics-collector.js';

/** A counter or gauge name: Prometheus-compatible (`[a-zA-Z_][a-zA-Z0-9_]*`), at most 128 characters. */
export const METRIC_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]{0,127}$/;

/** Default most distinct counter names, and gauge names, a recorder keeps (each). */
export const DEFAULT_MAX_METRIC_NAMES = 256;

const RUN_COUNTERS = new Set(['processed', 'filled', 'rejected', 'errors']);

/** A monotonically increasing count by name (`metrics.counter('orders_sent')`). */
export interface Counter {
  /** The counter's name. */
  readonly name: string;
  /** Adds `by` (default 1; a finite number >= 0). */
  inc(by?: number): void;
  /** The total so far (0 for a counter whose name was refused). */
  readonly value: number;
}

/** A value that goes up and down by name (`metrics.gauge('equity')`), latest value wins. */
export interface Gauge {
  /** The gauge's name. */
  readonly name: string;
  /** Sets the value (a finite number). */
  set(value: number): void;
  /** The latest value, undefined before the first `set` (or for a refused name). */
  readonly value: number | undefined;
}

/** Told of each custom counter increment (the Prometheus exporter is one). */
export interface CounterSink {
  onCounter?(name: string, by: number): void;
}

/**
 * The recorder's named counters and gauges. Names are checked against {@link METRIC_NAME_PATTERN} and
 * bounded in number; a refused name or value is reported (strict: thrown) and its updates are not kept.
 * Gauge values live in the collector (the summary's `gauges`), counters here (`custom_counters`).
 */
export class CustomMetrics {
  private readonly counters = new Map<string, CounterHandle>();
  private readonly gauges = new Map<string, GaugeHandle>();
  private readonly sinks: CounterSink[] = [];

  constructor(
    private readonly collector: StageMetricsCollector,
    private readonly reporter: InputReporter,
    private readonly maxNames: number = DEFAULT_MAX_METRIC_NAMES,
  ) {}

  /** Adds a sink told of every later counter increment. */
  addSink(sink: CounterSink): void {
    if (sink.onCounter) this.sinks.push(sink);
  }

  /** The counter called `name`, made on first use. */
  counter(name: string): Counter {
    let handle = this.counters.get(name);
    if (handle !== undefined) return handle;
    const accepted = this.acceptName(name, 'counter', this.counters.size);
    handle = new CounterHandle(name, this, accepted);
    if (accepted) this.counters.set(name, handle);
    return handle;
  }

  /** The gauge called `name`, made on first use. */
  gauge(name: string): Gauge {
    let handle = this.gauges.get(name);
    if (handle !== undefined) return handle;
    const accepted = this.acceptName(name, 'gauge', this.gauges.size);
    handle = new GaugeHandle(name, this, accepted);
    if (accepted) this.gauges.set(name, handle);
    return handle;
  }

  /** `count(name, by)`: a run counter (processed, filled, rejected, errors) or a custom counter. */
  count(name: string, by: number): void {
    if (RUN_COUNTERS.has(name)) {
      if (this.checkAmount(name, by, 'counter')) this.collector.count(name as 'processed', by);
    } else this.counter(name).inc(by);
  }

  /** `setGauge(name, value)`: the gauge called `name`. */
  setGauge(name: string, value: number): void {
    this.gauge(name).set(value);
  }

  /** Custom counter totals by name (sorted), or undefined when there are none. */
  figures(): Record<string, number> | undefined {
    if (this.counters.size === 0) return undefined;
    const out: Record<string, number> = {};
    for (const name of [...this.counters.keys()].sort()) out[name] = this.counters.get(name)!.value;
    return out;
  }

  /** @internal */
  added(name: string, by: number): void {
    for (const sink of this.sinks) sink.onCounter!(name, by);
  }

  /** @internal True when `by` (counter) or `value` (gauge) is usable; reports it otherwise. */
  checkAmount(name: string, amount: number, kind: 'counter' | 'gauge'): boolean {
    const usable = typeof amount === 'number' && Number.isFinite(amount) && (kind === 'gauge' || amount >= 0);
    if (usable) return true;
    this.reporter.report(
      'value',
      'LOOP_METRICS_VALUE_INVALID',
      kind === 'counter'
        ? `counter ${JSON.stringify(name)} increment ${String(amount)} is not a finite number >= 0`
        : `gauge ${JSON.stringify(name)} value ${String(amount)} is not a finite number`,
      'ignored',
      { name, value: amount },
    );
    return false;
  }

  /** @internal The collector's slot for gauge `name`, made with its first value. */
  gaugeSlot(name: string, value: number): GaugeSlot {
    return this.collector.gaugeSlot(name, value);
  }

  /** @internal */
  setGaugeSlot(slot: GaugeSlot, value: number): void {
    this.collector.setGaugeSlot(slot, value);
  }

  private acceptName(name: string, kind: 'counter' | 'gauge', size: number): boolean {
    if (typeof name !== 'string' || !METRIC_NAME_PATTERN.test(name)) {
      this.reporter.report(
        'name',
        'LOOP_METRICS_NAME_INVALID',
        `${kind} name ${JSON.stringify(String(name).slice(0, 140))} is not Prometheus-compatible (letters, digits and _, not starting with a digit, at most 128)`,
        'its updates are ignored',
        { name, metric: kind },
      );
      return false;
    }
    if (size >= this.maxNames) {
      this.reporter.report(
        'cardinality',
        'LOOP_METRICS_CARDINALITY_EXCEEDED',
        `${kind} ${JSON.stringify(name)} would be distinct ${kind} name ${size + 1}, above the limit of ${this.maxNames}`,
        'its updates are ignored',
        { name, metric: kind, limit: this.maxNames },
      );
      return false;
    }
    return true;
  }
}

class CounterHandle implements Counter {
  value = 0;
  constructor(
    readonly name: string,
    private readonly owner: CustomMetrics,
    private readonly accepted: boolean,
  ) {}

  inc(by = 1): void {
    if (!this.accepted || !this.owner.checkAmount(this.name, by, 'counter')) return;
    this.value += by;
    this.owner.added(this.name, by);
  }
}

class GaugeHandle implements Gauge {
  /** The collector's slot, from the first set on: later sets store the value in place. */
  private slot: GaugeSlot | undefined = undefined;
  constructor(
    readonly name: string,
    private readonly owner: CustomMetrics,
    private readonly accepted: boolean,
  ) {}

  get value(): number | undefined {
    return this.slot?.value;
  }

  set(value: number): void {
    if (!this.accepted) return;
    // Finite number: value - value is 0 (NaN for NaN and the infinities, and for what is not a number).
    if (!(typeof value === 'number' && value - value === 0)) {
      this.owner.checkAmount(this.name, value, 'gauge');
      return;
    }
    const slot = this.slot;
    if (slot !== undefined) this.owner.setGaugeSlot(slot, value);
    else this.slot = this.owner.gaugeSlot(this.name, value);
  }
}
