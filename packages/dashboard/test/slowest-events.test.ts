// The "Slowest events" section end to end: a run dir written by @loop/metrics' recorder, the page built from it
// (static, then live while the recorder goes on): each stage's p99 and max link to its slowest events, and each
// of those shows every line of its step, as the files on disk hold them.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type MetricsRecorder, openMetricsRecorder } from '@loop/metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { runDir } from '../../run-dir/test-support/run-dir-fixture.js';
import { buildModel, renderDashboard, startDashboardServer } from '../src/index.js';

const STAGES = ['strategy', 'risk', 'exec', 'position'] as const;
const T0 = 1_704_067_200_000;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** exec's latency at `step`: slow at steps 7 (40 ms), 3 and 12 (30 ms), else step % 5 ms; the rest 0.2 ms. */
const execMs = (step: number) => (step === 7 ? 40 : step === 3 || step === 12 ? 30 : step % 5);

function recordSteps(recorder: MetricsRecorder, from: number, to: number, ms = execMs): void {
  for (let step = from; step <= to; step++) {
    for (const stage of STAGES) {
      const rejected = stage === 'risk' && step === 7;
      recorder.record({
        ts: T0 + step * 1_000,
        step,
        stage,
        outcome: rejected ? 'rejected' : 'ok',
        latency_ms: stage === 'exec' ? ms(step) : 0.2,
        ...(rejected ? { reason: 'MAX_POSITION' } : {}),
      });
    }
  }
  recorder.flush();
  recorder.writeSummary();
}

function open(dir: string): MetricsRecorder {
  const recorder = openMetricsRecorder({
    runDir: dir,
    now: () => T0,
    deterministic: true,
    handleProcessExit: false,
    summaryIntervalMs: 0,
    slowestPerStage: 3,
  });
  cleanups.push(() => recorder.close());
  return recorder;
}

/** The `<section id="slowest">` of a page. */
function slowestSection(html: string): string {
  const at = html.indexOf('<section id="slowest"');
  expect(at, 'the page has a Slowest events section').toBeGreaterThan(0);
  return html.slice(at, html.indexOf('</section>', at));
}

/** The table of one stage's slowest events: its rows' steps, and each row's step lines (`file:line`). */
function stageTable(section: string, stage: string): { steps: number[]; lines: string[][] } {
  const at = section.indexOf(`data-slowest-stage="${stage}"`);
  expect(at).toBeGreaterThan(0);
  const table = section.slice(at, section.indexOf('</table>', at));
  const rows = table.split('<tr data-slow-step="').slice(1);
  return {
    steps: rows.map((r) => Number(r.slice(0, r.indexOf('"')))),
    lines: rows.map((r) => [...r.matchAll(/data-line="([^"]+)"/g)].map((m) => m[1]!)),
  };
}

describe('Slowest events on the page', () => {
  it('links each stage p99 and max to its slowest events, each with its step lines as the files hold them', async () => {
    const dir = await runDir();
    const recorder = open(dir);
    recordSteps(recorder, 1, 20);
    recorder.close();
    const html = renderDashboard(await buildModel(dir));

    // The Stages table: exec's p99 and max cells link to exec's list (the third stage seen).
    const execRow = html.slice(
      html.indexOf('<tr data-stage="exec">'),
      html.indexOf('</tr>', html.indexOf('<tr data-stage="exec">')),
    );
    expect(execRow.match(/<a href="#slowest-3"/g)).toHaveLength(2);
    expect(execRow).toContain('>40.000</a>');

    const section = slowestSection(html);
    expect(section).toContain('<h3 id="slowest-3"><bdi class="code">exec</bdi>: the 3 slowest</h3>');
    expect(section).toContain('metrics_summary.json');
    const exec = stageTable(section, 'exec');
    expect(exec.steps).toEqual([7, 3, 12]);
    // Each slow event's row lists its whole step, read back from the file at the named lines.
    const fileLines = readFileSync(join(dir, 'metrics.ndjson'), 'utf8').split('\n');
    exec.lines.forEach((sources, i) => {
      expect(sources).toHaveLength(4);
      const events = sources.map((source) => {
        const [file, line] = source.split(':');
        expect(file).toBe('metrics.ndjson');
        return JSON.parse(fileLines[Number(line) - 1]!) as { step: number; stage: string };
      });
      expect(events.map((e) => e.stage)).toEqual([...STAGES]);
      expect(new Set(events.map((e) => e.step))).toEqual(new Set([exec.steps[i]]));
    });
    // The slow line itself is marked; the step's rejection shows with its reason.
    expect(section).toMatch(
      /data-line="metrics\.ndjson:27" data-self="true"><strong><bdi class="code">exec<\/bdi>/,
    );
    expect(section).toContain('MAX_POSITION');

    // Without the summary the list comes from the files' latest lifetime: the same events.
    rmSync(join(dir, 'metrics_summary.json'));
    const recomputed = renderDashboard(await buildModel(dir));
    const fromFiles = slowestSection(recomputed);
    expect(fromFiles).toContain('latest process lifetime of the NDJSON files');
    // (RunHistory keeps 10 per stage by default, the recorder was told 3.)
    const steps = stageTable(fromFiles, 'exec').steps;
    expect(steps.slice(0, 3)).toEqual([7, 3, 12]);
    expect(steps).toHaveLength(10);
  });

  it('follows a live run: a slower step appears in the list of the live page, with its lines', async () => {
    const dir = await runDir();
    const recorder = open(dir);
    recordSteps(recorder, 1, 20);
    const server = await startDashboardServer({ runDir: dir, port: 0, pollMs: 100, debounceMs: 10 });
    cleanups.push(() => server.close());
    const before = stageTable(slowestSection(await (await fetch(server.url)).text()), 'exec');
    expect(before.steps).toEqual([7, 3, 12]);

    recordSteps(recorder, 21, 30, (step) => (step === 25 ? 90 : 1));
    const deadline = Date.now() + 30_000;
    let after = before;
    while (Date.now() < deadline) {
      after = stageTable(slowestSection(await (await fetch(server.url)).text()), 'exec');
      if (after.steps[0] === 25) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(after.steps).toEqual([25, 7, 3]);
    expect(after.lines[0]).toEqual([97, 98, 99, 100].map((n) => `metrics.ndjson:${n}`));
  });
});
