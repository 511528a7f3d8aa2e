// The Prometheus exporter's metrics and the /metrics server, scraped over HTTP.
import { afterEach, describe, expect, it } from 'vitest';
import { openMetricsRecorder } from './metrics-recorder.js';
import { type MetricsServer, PrometheusExporter, startMetricsServer } from './prometheus.js';

const servers: MetricsServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

describe('PrometheusExporter', () => {
  it('exports latency histograms in seconds, outcome counters with reasons, run counters and gauges', async () => {
    const exporter = new PrometheusExporter();
    const recorder = openMetricsRecorder({ handleProcessExit: false });
    recorder.addSink(exporter);
    for (let step = 1; step <= 10; step++) {
      recorder.record({ ts: step, step, stage: 'exec', outcome: 'ok', latency_ms: 2 });
      recorder.record({
        ts: step,
        step,
        stage: 'risk',
        outcome: step % 5 === 0 ? 'rejected' : 'ok',
        latency_ms: 0.01,
        reason: step % 5 === 0 ? 'MAX_POSITION' : undefined,
      });
      recorder.count('processed');
    }
    recorder.count('filled', 4);
    recorder.setGauge('equity', 10_250.5);
    recorder.close();
    const server = await startMetricsServer({ registry: exporter.registry, port: 0 });
    servers.push(server);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const response = await fetch(server.url);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('loop_stage_latency_seconds_count{stage="exec"} 10');
    expect(text).toContain('loop_stage_latency_seconds_bucket{le="0.0025",stage="exec"} 10');
    expect(text).toContain('loop_stage_latency_seconds_bucket{le="0.001",stage="exec"} 0');
    expect(text).toContain(
      'loop_stage_events_total{stage="risk",outcome="rejected",reason="MAX_POSITION"} 2',
    );
    expect(text).toContain('loop_stage_events_total{stage="risk",outcome="ok",reason=""} 8');
    expect(text).toContain('loop_steps_total 10');
    expect(text).toContain('loop_fills_total 4');
    expect(text).toContain('loop_gauge{name="equity"} 10250.5');
    expect(text).toContain('loop_process_resident_memory_bytes');
    expect((await fetch(server.url.replace('/metrics', '/other'))).status).toBe(404);
  });

  it('counts a latency equal to a bucket bound in that bucket (le is <=), and refuses unordered buckets', async () => {
    const exporter = new PrometheusExporter({ defaultMetrics: false, buckets: [0.001, 0.002] });
    for (const ms of [1, 1.5, 2, 2.5])
      exporter.onStageEvent({ ts: 0, step: 1, stage: 's', outcome: 'ok', latency_ms: ms });
    const text = await exporter.registry.metrics();
    expect(text).toContain('loop_stage_latency_seconds_bucket{le="0.001",stage="s"} 1');
    expect(text).toContain('loop_stage_latency_seconds_bucket{le="0.002",stage="s"} 3');
    expect(text).toContain('loop_stage_latency_seconds_bucket{le="+Inf",stage="s"} 4');
    expect(text).toContain('loop_stage_latency_seconds_sum{stage="s"} 0.007');
    expect(() => new PrometheusExporter({ defaultMetrics: false, buckets: [0.5, 0.1] })).toThrow(
      expect.objectContaining({ code: 'LOOP_METRICS_OPTION_INVALID' }),
    );
  });

  it('reports a port in use as a coded error', async () => {
    const exporter = new PrometheusExporter({ defaultMetrics: false });
    const first = await startMetricsServer({ registry: exporter.registry, port: 0 });
    servers.push(first);
    await expect(startMetricsServer({ registry: exporter.registry, port: first.port })).rejects.toMatchObject(
      {
        code: 'LOOP_METRICS_SERVER_FAILED',
      },
    );
  });
});
