// Custom counters and gauges by name: in the summary file, on /metrics, with checked names and bounded cardinality.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { MetricsWarning } from './input-report.js';
import { openMetricsRecorder } from './metrics-recorder.js';
import { PrometheusExporter } from './prometheus.js';
import { metricsSummarySchema } from './schema.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loop-custom-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

it('counts custom counters (also through count(name)) into the summary file and Prometheus', async () => {
  const metrics = openMetricsRecorder({ runDir: dir, handleProcessExit: false });
  const prometheus = new PrometheusExporter({ defaultMetrics: false });
  metrics.addSink(prometheus);
  const sent = metrics.counter('orders_sent');
  sent.inc();
  sent.inc(2);
  metrics.count('orders_sent');
  metrics.count('cancels', 0.5);
  metrics.count('processed');
  metrics.gauge('equity').set(10_250.5);
  metrics.setGauge('position', -2);
  expect(metrics.counter('orders_sent')).toBe(sent);
  expect(sent.value).toBe(4);
  expect(metrics.gauge('equity').value).toBe(10_250.5);
  metrics.close();
  const summary = metricsSummarySchema.parse(
    JSON.parse(fs.readFileSync(path.join(dir, 'metrics_summary.json'), 'utf8')),
  );
  expect(summary.custom_counters).toEqual({ cancels: 0.5, orders_sent: 4 });
  expect(summary.counters.processed).toBe(1);
  expect(summary.gauges).toEqual({ equity: 10_250.5, position: -2 });
  expect(summary.invalid_input).toBeUndefined();
  const text = await prometheus.registry.metrics();
  expect(text).toContain('# TYPE loop_counter_total counter');
  expect(text).toContain('loop_counter_total{name="orders_sent"} 4');
  expect(text).toContain('loop_counter_total{name="cancels"} 0.5');
  expect(text).toContain('loop_gauge{name="equity"} 10250.5');
  expect(text).toContain('loop_steps_total 1');
});

it('keeps one value per gauge however it is set: the latest wins, listed in the order first set', async () => {
  const metrics = openMetricsRecorder({ handleProcessExit: false, onWarning: () => {} });
  const prometheus = new PrometheusExporter({ defaultMetrics: false });
  metrics.addSink(prometheus);
  const price = metrics.gauge('price');
  const equity = metrics.gauge('equity');
  expect(price.value).toBeUndefined();
  metrics.setGauge('equity', 5);
  for (let i = 0; i < 1000; i++) {
    price.set(100 + i / 8);
    equity.set(10_000 - i);
  }
  price.set(Number.POSITIVE_INFINITY);
  metrics.setGauge('price', 42.5);
  expect(price.value).toBe(42.5);
  expect(equity.value).toBe(9_001);
  expect(Object.entries(metrics.summary().gauges)).toEqual([
    ['equity', 9_001],
    ['price', 42.5],
  ]);
  const text = await prometheus.registry.metrics();
  expect(text).toContain('loop_gauge{name="price"} 42.5');
  expect(text).toContain('loop_gauge{name="equity"} 9001');
  expect(metrics.summary().invalid_input).toEqual({ value: 1 });
});

it('refuses bad names and names beyond the limit: counted, warned once per kind, nothing kept', () => {
  const warnings: MetricsWarning[] = [];
  const metrics = openMetricsRecorder({
    handleProcessExit: false,
    maxMetricNames: 2,
    onWarning: (w) => warnings.push(w),
  });
  metrics.count('orders-sent');
  metrics.count('orders sent');
  metrics.gauge('').set(1);
  metrics.counter('a').inc();
  metrics.counter('b').inc();
  metrics.counter('c').inc();
  metrics.count('d');
  metrics.gauge('g1').set(1);
  metrics.gauge('g2').set(2);
  metrics.gauge('g3').set(3);
  metrics.gauge('g1').set(Number.NaN);
  const summary = metrics.summary();
  expect(summary.custom_counters).toEqual({ a: 1, b: 1 });
  expect(summary.gauges).toEqual({ g1: 1, g2: 2 });
  expect(summary.invalid_input).toEqual({ cardinality: 3, name: 3, value: 1 });
  expect(warnings.map((w) => w.kind)).toEqual(['name', 'cardinality', 'value']);
  expect(warnings[0]!.message).toMatch(/counter name "orders-sent" is not Prometheus-compatible/);
  expect(warnings[1]!.message).toMatch(/counter "c" would be distinct counter name 3, above the limit of 2/);
});

it('shows invalid input on /metrics by kind: counts from before the exporter was added, then each one', async () => {
  const metrics = openMetricsRecorder({ handleProcessExit: false, onWarning: () => {} });
  metrics.record({ stage: 'exec', outcome: 'success' as 'ok' });
  metrics.record({ stage: 'exec', outcome: 'success' as 'ok' });
  const prometheus = new PrometheusExporter({ defaultMetrics: false });
  metrics.addSink(prometheus);
  metrics.record({ stage: 'exec', outcome: 'ok', latency_ms: Number.NaN });
  metrics.count('bad name');
  metrics.record({ stage: 'exec', outcome: 'maybe' as 'ok' });
  const text = await prometheus.registry.metrics();
  expect(text).toContain('# TYPE loop_invalid_input_total counter');
  expect(text).toContain('loop_invalid_input_total{kind="outcome"} 3');
  expect(text).toContain('loop_invalid_input_total{kind="latency"} 1');
  expect(text).toContain('loop_invalid_input_total{kind="name"} 1');
  // The same figures as the summary's invalid_input.
  expect(metrics.summary().invalid_input).toEqual({ latency: 1, name: 1, outcome: 3 });
  metrics.close();
});

it('bounds the kind labels of invalid_input_total for a caller that invents kinds', async () => {
  const prometheus = new PrometheusExporter({ defaultMetrics: false });
  for (let i = 0; i < 40; i++) prometheus.onInvalidInput(`kind${i}`, 1);
  const text = await prometheus.registry.metrics();
  expect(text.match(/^loop_invalid_input_total\{/gm)).toHaveLength(33);
  expect(text).toContain('loop_invalid_input_total{kind="(other)"} 8');
});
