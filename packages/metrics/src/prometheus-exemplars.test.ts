// OpenMetrics exposition with exemplars: each latency bucket names the latest step that landed in it.
import { describe, expect, it } from 'vitest';
import { PrometheusExporter } from './prometheus.js';

describe('PrometheusExporter({ exemplars: true })', () => {
  it('serves OpenMetrics with the latest event of each bucket as its exemplar', async () => {
    const exporter = new PrometheusExporter({
      exemplars: true,
      defaultMetrics: false,
      buckets: [0.001, 0.01],
    });
    exporter.onStageEvent({ ts: 1_000, step: 1, stage: 'exec', outcome: 'ok', latency_ms: 0.5 });
    exporter.onStageEvent({ ts: 2_000, step: 2, stage: 'exec', outcome: 'ok', latency_ms: 5 });
    exporter.onStageEvent({ ts: 3_500, step: 3, stage: 'exec', outcome: 'ok', latency_ms: 0.25 });
    exporter.onStageEvent({ ts: 4_000, step: 4, stage: 'exec', outcome: 'error', latency_ms: 60 });
    exporter.onCount('processed', 4);
    expect(exporter.registry.contentType).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    const text = await exporter.registry.metrics();
    const lines = text.split('\n');
    expect(lines).toContain(
      'loop_stage_latency_seconds_bucket{le="0.001",stage="exec"} 2 # {step="3"} 0.00025 3.5',
    );
    expect(lines).toContain(
      'loop_stage_latency_seconds_bucket{le="0.01",stage="exec"} 3 # {step="2"} 0.005 2',
    );
    expect(lines).toContain(
      'loop_stage_latency_seconds_bucket{le="+Inf",stage="exec"} 4 # {step="4"} 0.06 4',
    );
    // OpenMetrics counters: the family without `_total`, each sample with it (once, not `_total_total`).
    expect(lines).toContain('# TYPE loop_steps counter');
    expect(lines).toContain('loop_steps_total 4');
    expect(text).not.toContain('_total_total');
    expect(text.endsWith('# EOF\n')).toBe(true);
    // A second scrape is the same exposition (nothing renamed twice).
    expect(await exporter.registry.metrics()).toBe(text);
  });

  it('leaves a bucket without events without an exemplar, and the text format without any', async () => {
    const om = new PrometheusExporter({ exemplars: true, defaultMetrics: false, buckets: [0.001, 0.01] });
    om.onStageEvent({ ts: 1_000, step: 1, stage: 'risk', outcome: 'ok', latency_ms: 5 });
    expect((await om.registry.metrics()).split('\n')).toContain(
      'loop_stage_latency_seconds_bucket{le="0.001",stage="risk"} 0',
    );
    const text = new PrometheusExporter({ defaultMetrics: false });
    text.onStageEvent({ ts: 1_000, step: 1, stage: 'risk', outcome: 'ok', latency_ms: 5 });
    expect(text.registry.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await text.registry.metrics()).not.toContain('# {');
  });
});
