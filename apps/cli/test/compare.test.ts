// End-to-end: `loop compare A B` on run dirs made by the real CLI: same seed and flags -> identical; another
// --seed, --max-position or --sim-latency-ms -> the first divergent step, checked against the files; a copy
// with one edited line -> that line's step; --fail-on and exit codes.
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runDir } from '../../../packages/run-dir/test-support/run-dir-fixture.js';
import { loop } from './harness.js';
import { decisions, readLines, steps } from './run-dir-lines.js';

let root: string;
const dirs: Record<string, string> = {};
const RUNS: Record<string, string[]> = {
  base: [],
  same: [],
  seed: ['--seed', '7'],
  position: ['--max-position', '0.5'],
  latency: ['--sim-latency-ms', '9'],
};

beforeAll(async () => {
  root = await runDir({}, { prefix: 'loop-compare-test-' });
  const runs = await Promise.all(
    Object.entries(RUNS).map(([name, flags]) => {
      dirs[name] = join(root, name);
      return loop([
        'run',
        '--run-dir',
        dirs[name]!,
        '--enable-metrics',
        '--max-steps',
        '200',
        '--metrics-rotate-max-lines',
        '60',
        ...flags,
      ]);
    }),
  );
  for (const run of runs) expect(run.exitCode, run.stderr).toBe(0);
}, 120_000);

// biome-ignore lint/suspicious/noExplicitAny: the parsed --json document
async function compareJson(a: string, b: string, ...flags: string[]): Promise<Record<string, any>> {
  const run = await loop(['compare', a, b, '--json', ...flags]);
  expect(run.exitCode, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

/** The first step (1-based position) whose decisions differ in the files, found by reading them plainly. */
function firstDivergentStep(a: string, b: string): number {
  const x = steps(readLines(a));
  const y = steps(readLines(b));
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] === undefined || y[i] === undefined || decisions(x[i]!) !== decisions(y[i]!)) return i + 1;
  }
  return 0;
}

describe('loop compare', () => {
  it('says "identical" for two runs with the same seed and flags', async () => {
    const text = await loop(['compare', dirs.base!, dirs.same!]);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain('settings: the same');
    expect(text.stdout).toContain('divergence: identical (200 steps, every event equal)');
    expect(text.stdout).toMatch(/exec\.p99_ms\s+[\d.]+\s+[\d.]+\s+0\s+1x/);
    const doc = await compareJson(dirs.base!, dirs.same!);
    expect(doc.divergence).toMatchObject({ verdict: 'identical', stepsCompared: 200, decision: null });
  });

  it('finds the first divergent step of another --seed, as the files show it', async () => {
    const expected = firstDivergentStep(dirs.base!, dirs.seed!);
    expect(expected).toBeGreaterThan(1);
    const doc = await compareJson(dirs.base!, dirs.seed!);
    expect(doc.settings).toEqual([{ key: 'seed', a: 42, b: 7 }]);
    expect(doc.divergence.verdict).toBe('diverged');
    expect(doc.divergence.decision.index).toBe(expected);
    const step = steps(readLines(dirs.seed!))[expected - 1]!;
    expect(
      doc.divergence.decision.b.events.map((e: { file: string; line: number }) => `${e.file}:${e.line}`),
    ).toEqual(step.map((l) => `${l.file}:${l.line}`));
    // Prices differ from the first step: reported, but not as a decision.
    expect(doc.divergence.firstDifference.index).toBe(1);
  });

  it('finds the first step where --max-position 0.5 rejects an order the default allows', async () => {
    const expected = firstDivergentStep(dirs.base!, dirs.position!);
    const firstRejection = readLines(dirs.position!).find((l) => l.event.reason === 'MAX_POSITION')!;
    expect(firstRejection.event.step).toBe(expected);
    const text = await loop(['compare', dirs.base!, dirs.position!]);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain('settings that differ: max-position 5 -> 0.5');
    expect(text.stdout).toContain(`divergence: decisions first differ at step ${expected} `);
    expect(text.stdout).toContain('  - risk: outcome ok vs rejected');
    expect(text.stdout).toContain(
      `${firstRejection.file}:${firstRejection.line}  risk rejected  reason=MAX_POSITION`,
    );
  });

  it('reports the same decisions for another --sim-latency-ms, and the first step whose latencies differ', async () => {
    expect(firstDivergentStep(dirs.base!, dirs.latency!)).toBe(0);
    const a = readLines(dirs.base!);
    const b = readLines(dirs.latency!);
    const firstLatency = a.findIndex((l, i) => l.event.latency_ms !== b[i]!.event.latency_ms);
    const doc = await compareJson(dirs.base!, dirs.latency!);
    expect(doc.divergence.verdict).toBe('same-decisions');
    expect(doc.divergence.firstDifference.a.step).toBe(a[firstLatency]!.event.step);
    expect(doc.divergence.firstDifference.differences.join('\n')).toContain('latency_ms');
    const text = await loop(['compare', dirs.base!, dirs.latency!]);
    expect(text.stdout).toContain('divergence: none in decisions over 200 steps');
  });

  it('points at the step of the one edited line of a copy, in a rotated file', async () => {
    const copy = join(root, 'edited');
    cpSync(dirs.base!, copy, { recursive: true });
    const lines = readLines(copy);
    const target = lines.find(
      (l) => l.file !== 'metrics.ndjson' && l.event.step === 123 && l.event.stage === 'exec',
    )!;
    const path = join(copy, target.file);
    const text = readFileSync(path, 'utf8').split('\n');
    text[target.line - 1] = JSON.stringify({ ...target.event, outcome: 'error', reason: 'EDITED' });
    writeFileSync(path, text.join('\n'));
    const doc = await compareJson(dirs.base!, copy);
    expect(doc.divergence.decision).toMatchObject({ index: 123, a: { step: 123 }, b: { step: 123 } });
    const edited = doc.divergence.decision.b.events.find((e: { reason?: string }) => e.reason === 'EDITED');
    expect(`${edited.file}:${edited.line}`).toBe(`${target.file}:${target.line}`);
    expect(doc.divergence.decision.differences).toEqual([
      'exec: outcome ok vs error',
      'exec: reason (none) vs EDITED',
    ]);
  });

  it('writes both runs side by side as one static page with `loop dashboard --compare A B --out FILE`', async () => {
    const weird = join(root, 'b<i>&"dir');
    cpSync(dirs.position!, weird, { recursive: true });
    const out = join(root, 'pages', 'compare.html');
    const run = await loop(['dashboard', '--compare', dirs.base!, weird, '--out', out]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain('diverged');
    const html = readFileSync(out, 'utf8');
    expect(html).toContain(
      `content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; img-src data:"`,
    );
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('<i>');
    expect(html).toContain(
      '<bdi>' +
        weird.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;') +
        '</bdi>',
    );
    const step = firstDivergentStep(dirs.base!, dirs.position!);
    expect(html).toContain(`Decisions first differ at step ${step} `);
    expect(html).toContain('<bdi>MAX_POSITION</bdi>');
    const bad = await loop(['dashboard', '--compare', dirs.base!, '--out', out]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toBe('loop dashboard: --compare: expected two run dirs: --compare A B --out FILE');
    expect(existsSync(join(root, 'never.html'))).toBe(false);
  }, 60_000);

  it('exits 99 when a --fail-on expression holds or decisions diverge with --fail-on-divergence, 2 on bad input', async () => {
    const hold = await loop([
      'compare',
      dirs.base!,
      dirs.position!,
      '--fail-on',
      'rejections.diff > 0',
      '--fail-on',
      'pnl.diff < -1000000',
    ]);
    expect(hold.exitCode).toBe(99);
    expect(hold.stdout).toMatch(/fail-on rejections\.diff > 0: FAIL \(rejections\.diff = \d+, > 0\)/);
    expect(hold.stdout).toContain('fail-on pnl.diff < -1000000: ok');
    expect(
      (await loop(['compare', dirs.base!, dirs.same!, '--fail-on', 'exec.p99_ms.ratio > 1.2'])).exitCode,
    ).toBe(0);
    expect((await loop(['compare', dirs.base!, dirs.seed!, '--fail-on-divergence'])).exitCode).toBe(99);
    expect((await loop(['compare', dirs.base!, dirs.latency!, '--fail-on-divergence'])).exitCode).toBe(0);
    const bad = await loop(['compare', dirs.base!, dirs.same!, '--fail-on', 'exec.p99_ms > 1']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toBe(
      'loop compare: --fail-on: "exec.p99_ms > 1": column 12: end the metric with .diff (B - A), .ratio (B / A), .a or .b, e.g. exec.p99_ms.ratio',
    );
    const one = await loop(['compare', dirs.base!]);
    expect(one.exitCode).toBe(2);
    const missing = await loop(['compare', dirs.base!, join(root, 'nope')]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/^loop compare: B: run dir .*nope does not exist$/);
  }, 60_000);
});
