// A real Prometheus scrapes `loop run --clock real --metrics-port N`; PromQL through its HTTP API returns the
// counts the loop recorded. Needs /usr/bin/prometheus (Debian package `prometheus`; CI installs it).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { metricsSummarySchema } from '@loop/metrics';
import { describe, expect, it } from 'vitest';
import { argv, freePort, start, startLoop, tempDir } from './harness.js';

const PROMETHEUS = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
const hasPrometheus = existsSync(PROMETHEUS);
if (!hasPrometheus) {
  if (process.env.CI)
    throw new Error(`prometheus.test: ${PROMETHEUS} not found; CI must run the scrape test`);
  console.warn(
    `prometheus.test: SKIPPED: ${PROMETHEUS} not found (apt-get install prometheus, or set PROMETHEUS_BIN)`,
  );
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(base: string, promql: string, time?: number): Promise<Sample[]> {
  const url = new URL('/api/v1/query', base);
  url.searchParams.set('query', promql);
  if (time !== undefined) url.searchParams.set('time', String(time));
  const response = await fetch(url);
  const body = (await response.json()) as { status: string; data: { result: Sample[] }; error?: string };
  if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`);
  return body.data.result;
}

describe.skipIf(!hasPrometheus)('Prometheus scrape of loop run --metrics-port', () => {
  it('scrapes the running loop; PromQL returns the stage, outcome and step counts the loop recorded', async () => {
    const dir = tempDir();
    const runDir = join(dir, 'run');
    const [metricsPort, prometheusPort] = [await freePort(), await freePort()];
    const run = startLoop([
      'run',
      '--run-dir',
      runDir,
      ...argv('--clock real --step-interval-ms 100 --enable-metrics --metrics-port'),
      String(metricsPort),
      '--metrics-host',
      '127.0.0.1',
      '--bot-name',
      'scrape-bot',
    ]);
    await until('loop run to serve /metrics', 20_000, async () =>
      run.output().includes(`http://127.0.0.1:${metricsPort}/metrics`) ? true : undefined,
    );

    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: loop',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${metricsPort}']`,
        '',
      ].join('\n'),
    );
    start(PROMETHEUS, [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${prometheusPort}`,
      '--log.level=warn',
      '--enable-feature=exemplar-storage',
    ]);
    const base = `http://127.0.0.1:${prometheusPort}`;

    // Wait until Prometheus has scraped the loop a few steps in.
    await until('Prometheus to scrape >= 10 steps', 45_000, async () => {
      const [sample] = await query(base, 'loop_steps_total{job="loop"}');
      return sample && Number(sample.value[1]) >= 10 ? true : undefined;
    });
    const at = Date.now() / 1000;
    const [up] = await query(base, 'up{job="loop"}', at);
    expect(up?.value[1]).toBe('1');
    const steps = Number((await query(base, 'loop_steps_total{job="loop"}', at))[0]!.value[1]);
    const byStage = Object.fromEntries(
      (await query(base, 'sum by (stage) (loop_stage_events_total{job="loop"})', at)).map((s) => [
        s.metric.stage,
        Number(s.value[1]),
      ]),
    );
    const latencyCounts = Object.fromEntries(
      (await query(base, 'loop_stage_latency_seconds_count{job="loop"}', at)).map((s) => [
        s.metric.stage,
        Number(s.value[1]),
      ]),
    );
    // One scrape is one consistent snapshot: every stage ran once per finished step (the current step may be under way).
    for (const stage of ['strategy', 'risk', 'exec', 'position']) {
      expect(byStage[stage], stage).toBeGreaterThanOrEqual(steps);
      expect(byStage[stage], stage).toBeLessThanOrEqual(steps + 1);
      expect(latencyCounts[stage], stage).toBe(byStage[stage]);
    }
    const okExec = await query(base, 'loop_stage_events_total{job="loop",stage="exec",outcome="ok"}', at);
    expect(okExec.length).toBeGreaterThan(0);
    const infBucket = await query(
      base,
      'loop_stage_latency_seconds_bucket{job="loop",stage="exec",le="+Inf"}',
      at,
    );
    expect(Number(infBucket[0]?.value[1])).toBe(latencyCounts.exec);
    expect((await query(base, 'loop_process_resident_memory_bytes{job="loop"}', at)).length).toBe(1);

    // What alert rules need: every series the loop exports names the bot; progress, trading state, writer
    // failures and the run's identity are there.
    const unnamed = await query(base, '{job="loop",bot!="scrape-bot",__name__!~"up|scrape_.*"}', at);
    expect(unnamed.map((s) => s.metric.__name__)).toEqual([]);
    const named = await query(base, 'count({job="loop",bot="scrape-bot"})', at);
    expect(Number(named[0]?.value[1])).toBeGreaterThan(20);
    const lastStep = await query(base, 'time() - loop_last_step_timestamp_seconds{job="loop"}', at);
    expect(Number(lastStep[0]?.value[1])).toBeLessThan(30);
    expect(Number(lastStep[0]?.value[1])).toBeGreaterThan(-5);
    const state = Object.fromEntries(
      (await query(base, 'loop_trading_state{job="loop"}', at)).map((s) => [s.metric.state, s.value[1]]),
    );
    expect(state).toEqual({ ACTIVE: '1', REDUCING: '0', HALTED: '0' });
    for (const name of ['loop_metrics_write_errors_total', 'loop_metrics_lines_dropped_total']) {
      expect((await query(base, `${name}{job="loop"}`, at))[0]?.value[1], name).toBe('0');
    }
    const [info] = await query(base, 'loop_run_info{job="loop"}', at);
    expect(info?.metric).toMatchObject({ bot: 'scrape-bot', clock: 'real', feed: 'synthetic', seed: '42' });
    expect(info?.metric.run_dir).toBe(runDir);

    // Exemplars (OpenMetrics): each latency bucket carries the latest step that landed in it, and Prometheus
    // stores them: the slow bucket of a stage links to a step of the run.
    const exemplars = await until('Prometheus to store exemplars', 30_000, async () => {
      const url = new URL('/api/v1/query_exemplars', base);
      url.searchParams.set('query', 'loop_stage_latency_seconds_bucket{job="loop",stage="exec"}');
      url.searchParams.set('start', String(at - 600));
      url.searchParams.set('end', String(Date.now() / 1000 + 60));
      const body = (await (await fetch(url)).json()) as {
        status: string;
        data: Array<{
          seriesLabels: Record<string, string>;
          exemplars: Array<{ labels: Record<string, string>; value: string; timestamp: number }>;
        }>;
      };
      const found =
        body.status === 'success'
          ? body.data.flatMap((d) => d.exemplars.map((e) => ({ ...e, series: d.seriesLabels })))
          : [];
      return found.length > 0 ? found : undefined;
    });
    for (const exemplar of exemplars) {
      expect(exemplar.series).toMatchObject({
        __name__: 'loop_stage_latency_seconds_bucket',
        stage: 'exec',
        bot: 'scrape-bot',
      });
      const step = Number(exemplar.labels.step);
      expect(Number.isInteger(step) && step >= 1 && step <= steps + 5, `step ${exemplar.labels.step}`).toBe(
        true,
      );
      // The exemplar's value lies in its bucket.
      const le = exemplar.series.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(exemplar.series.le);
      expect(Number(exemplar.value)).toBeLessThanOrEqual(le);
      // Its timestamp is the event's (the real clock here): within the run.
      expect(Math.abs(exemplar.timestamp - Date.now() / 1000)).toBeLessThan(600);
    }

    // SIGINT ends the run cleanly; its summary holds at least what Prometheus saw.
    run.child.kill('SIGINT');
    expect((await run.done).exitCode).toBe(0);
    const summary = metricsSummarySchema.parse(
      JSON.parse(readFileSync(join(runDir, 'metrics_summary.json'), 'utf8')),
    );
    expect(summary.counters.processed).toBeGreaterThanOrEqual(steps);
    expect(summary.stage_events_count).toBeGreaterThanOrEqual(
      Object.values(byStage).reduce((a, b) => a + b, 0),
    );
  });
});
