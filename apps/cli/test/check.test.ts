// End-to-end: `loop check` on run dirs made by the real CLI (rotation, restarts, rejections and errors):
// every threshold kind passing and failing against figures recomputed from the files, exit codes 0/99/2,
// the JUnit file's shape, thresholds files, and a run dir left untouched.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { runDir } from '../../../packages/run-dir/test-support/run-dir-fixture.js';
import { BIN, loop, readRunDir } from './harness.js';
import { type Line, percentile, readLines, steps } from './run-dir-lines.js';

let root: string;
let rotated: string; // 120 steps, 50 lines a file: 10 files
let rejecting: string; // price band 1 bps and 5% injected faults: rejections and errors
let restarted: string; // supervised, restarted twice: 3 lifetimes

beforeAll(async () => {
  root = await runDir({}, { prefix: 'loop-check-test-' });
  rotated = join(root, 'rotated');
  rejecting = join(root, 'rejecting');
  restarted = join(root, 'restarted');
  const base = ['--enable-metrics', '--seed', '42'];
  const runs = await Promise.all([
    loop(['run', '--run-dir', rotated, ...base, '--max-steps', '120', '--metrics-rotate-max-lines', '50']),
    loop([
      'run',
      '--run-dir',
      rejecting,
      ...base,
      '--max-steps',
      '300',
      '--price-band-bps',
      '1',
      '--fault-rate',
      '0.05',
      '--max-consecutive-errors',
      '50',
    ]),
    loop([
      'supervise',
      '--run-dir',
      restarted,
      '--restart',
      'always',
      '--max-restarts',
      '2',
      '--backoff-base-s',
      '0',
      '--',
      process.execPath,
      BIN,
      'run',
      '--run-dir',
      restarted,
      ...base,
      '--max-steps',
      '30',
      '--metrics-rotate-max-lines',
      '40',
    ]),
  ]);
  for (const run of runs) expect(run.exitCode, run.stderr).toBe(0);
}, 120_000);

async function check(dir: string, ...args: string[]) {
  const argv: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--junit' || arg === '--thresholds') argv.push(arg, args[++i]!);
    else argv.push(...(arg.startsWith('--') ? [arg] : ['--threshold', arg]));
  }
  return loop(['check', '--run-dir', dir, ...argv]);
}

// biome-ignore lint/suspicious/noExplicitAny: the parsed --json document
async function metricsOf(dir: string): Promise<Record<string, any>> {
  const run = await check(dir, '--json', 'events >= 0');
  expect(run.exitCode, run.stderr).toBe(0);
  return JSON.parse(run.stdout).metrics;
}

/** Thresholds around an exact value: `m == v`, `m <= v` pass; `m < v`, `m != v` fail. */
function around(metric: string, value: number) {
  return {
    pass: [`${metric} == ${value}`, `${metric} <= ${value}`],
    fail: [`${metric} < ${value}`, `${metric} != ${value}`],
  };
}

function recount(lines: Line[]) {
  const events = lines.map((l) => l.event);
  const of = (stage: string) => events.filter((e) => e.stage === stage);
  let drawdown = 0;
  let peak = Number.NEGATIVE_INFINITY;
  let lastStep = Number.POSITIVE_INFINITY;
  let lifetimes = 0;
  for (const e of events) {
    if (e.step < lastStep) {
      lifetimes++;
      peak = Number.NEGATIVE_INFINITY;
    }
    lastStep = e.step;
    if (typeof e.attrs?.equity === 'number') {
      peak = Math.max(peak, e.attrs.equity);
      drawdown = Math.max(drawdown, peak - e.attrs.equity);
    }
  }
  return {
    events: events.length,
    steps: steps(lines).length,
    lifetimes,
    fills: of('exec').reduce((n, e) => n + (e.attrs?.fills ?? 0), 0),
    orders: of('exec').reduce((n, e) => n + (e.attrs?.orders ?? 0), 0),
    rejected: events.filter((e) => e.outcome === 'rejected'),
    errors: events.filter((e) => e.outcome === 'error'),
    latencies: (stage: string) => of(stage).map((e) => e.latency_ms as number),
    count: (stage: string) => of(stage).length,
    drawdown,
  };
}

describe('loop check', () => {
  it('judges every threshold kind on a rotated run, passing and failing, against figures from the files', async () => {
    const lines = readLines(rotated);
    const files = new Set(lines.map((l) => l.file));
    expect(files.size).toBe(10);
    const truth = recount(lines);
    const m = await metricsOf(rotated);
    expect(m).toMatchObject({
      events: 480,
      steps: 120,
      lifetimes: 1,
      fills: truth.fills,
      orders: truth.orders,
      restarts: 0,
    });
    expect(truth.fills).toBeGreaterThan(0);
    const exec = m.stages.find((s: { stage: string }) => s.stage === 'exec');
    // The histogram keeps 1/2,048 precision: its p99 is within 0.1% of the exact one.
    const exact = percentile(truth.latencies('exec'), 99);
    expect(Math.abs(exec.p99_ms - exact) / exact).toBeLessThan(0.001);
    expect(m.max_drawdown).toBeCloseTo(truth.drawdown, 5);
    const summary = JSON.parse(readFileSync(join(rotated, 'metrics_summary.json'), 'utf8'));
    const g = summary.gauges;
    expect(m.pnl).toBeCloseTo(g.realized_pnl + g.unrealized_pnl - g.fees_paid, 5);
    const kinds = [
      around('exec.p99_ms', exec.p99_ms),
      around('strategy.p95_ms', m.stages[0].p95_ms),
      around('risk.count', truth.count('risk')),
      around('risk.rejected_rate', 0),
      around('error_rate', 0),
      around('fills', truth.fills),
      around('pnl', m.pnl),
      around('max_drawdown', m.max_drawdown),
      around('restarts', 0),
      around('write_errors', 0),
      around('skipped_lines', 0),
      around('rejections{reason=PRICE_BAND}', 0),
    ];
    const pass = await check(rotated, ...kinds.flatMap((k) => k.pass));
    expect(pass.exitCode, pass.stdout).toBe(0);
    expect(pass.stdout).toContain(`${kinds.length * 2} thresholds passed`);
    const failing = kinds.flatMap((k) => k.fail);
    const fail = await check(rotated, '--json', ...failing);
    expect(fail.exitCode, fail.stdout).toBe(99);
    const verdicts = JSON.parse(fail.stdout).thresholds;
    expect(verdicts.map((v: { threshold: string }) => v.threshold)).toEqual(failing);
    expect(verdicts.filter((v: { passed: boolean }) => v.passed)).toEqual([]);
  }, 120_000);

  it('counts rejections and errors by reason and stage on a run that has them', async () => {
    const truth = recount(readLines(rejecting));
    const priceBand = truth.rejected.filter((e) => e.reason === 'PRICE_BAND').length;
    const riskRejected = truth.rejected.filter((e) => e.stage === 'risk').length;
    expect(priceBand).toBeGreaterThan(0);
    expect(truth.errors.length).toBeGreaterThan(0);
    const rate = riskRejected / truth.count('risk');
    const errorRate = truth.errors.length / truth.events;
    const ok = await check(
      rejecting,
      `rejections{reason=PRICE_BAND} == ${priceBand}`,
      `risk.rejections{reason=PRICE_BAND} == ${priceBand}`,
      `errors{reason=FAULT_INJECTED} == ${truth.errors.length}`,
      `errors == ${truth.errors.length}`,
      `risk.rejected_rate >= ${rate - 1e-9}`,
      `risk.rejected_rate <= ${rate + 1e-9}`,
      `error_rate >= ${errorRate - 1e-9}`,
      `error_rate <= ${errorRate + 1e-9}`,
    );
    expect(ok.exitCode, ok.stdout).toBe(0);
    const bad = await check(
      rejecting,
      'risk.rejected_rate < 0.01',
      'error_rate == 0',
      'rejections{reason=PRICE_BAND} < 1',
      'exec.error == 0',
    );
    expect(bad.exitCode).toBe(99);
    expect(bad.stdout).toContain('4 of 4 thresholds failed');
  }, 60_000);

  it('counts restarts from the supervisor state and events across lifetimes', async () => {
    const state = JSON.parse(readFileSync(join(restarted, 'supervisor_state.json'), 'utf8'));
    expect(state.restarts).toBe(2);
    const truth = recount(readLines(restarted));
    expect(truth.lifetimes).toBe(3);
    const ok = await check(
      restarted,
      'restarts == 2',
      'lifetimes == 3',
      `steps == ${truth.steps}`,
      `events == ${truth.events}`,
      `fills == ${truth.fills}`,
    );
    expect(ok.exitCode, ok.stdout).toBe(0);
    expect(truth.steps).toBe(90);
    const bad = await check(restarted, 'restarts <= 1');
    expect(bad.exitCode).toBe(99);
    expect(bad.stdout).toMatch(/restarts <= 1\s+2\s+FAIL/);
  }, 60_000);

  it('writes JUnit XML that test reporters read: a testcase per threshold, failures with the value', async () => {
    const out = join(root, 'reports', 'junit.xml');
    const run = await check(rejecting, '--junit', out, 'fills >= 0', 'error_rate == 0', 'exec.p99_ms < 1000');
    expect(run.exitCode).toBe(99);
    const xml = readFileSync(out, 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    const suites = doc.testsuites;
    expect(suites).toMatchObject({ tests: '3', failures: '1', errors: '0' });
    const suite = suites.testsuite;
    expect(suite).toMatchObject({ name: 'loop check', tests: '3', failures: '1', skipped: '0' });
    expect(suite.testcase.map((t: { name: string }) => t.name)).toEqual([
      'fills >= 0',
      'error_rate == 0',
      'exec.p99_ms < 1000',
    ]);
    const failed = suite.testcase[1];
    expect(failed.classname).toBe('loop.check');
    expect(failed.failure.type).toBe('threshold');
    expect(failed.failure.message).toMatch(/^error_rate = 0\.\d+, not == 0$/);
    expect(suite.testcase[0].failure).toBeUndefined();
  });

  it('reads thresholds from YAML and JSON files, and names the file and line of a bad one', async () => {
    const yaml = join(root, 't.yaml');
    writeFileSync(yaml, '# CI budget\nthresholds:\n  - exec.p99_ms < 1000\n  - threshold: fills >= 1\n');
    const json = join(root, 't.json');
    writeFileSync(json, '{"thresholds": ["restarts == 0", "skipped_lines == 0"]}\n');
    const ok = await check(rotated, '--thresholds', yaml, 'steps == 120');
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('3 thresholds passed');
    expect((await check(rotated, '--thresholds', json)).exitCode).toBe(0);
    writeFileSync(yaml, 'thresholds:\n  - exec.p99_ms < 1000\n  - exec.p99_ms =< 5\n');
    const bad = await check(rotated, '--thresholds', yaml);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toBe(
      `loop check: --thresholds: ${yaml}:3: "exec.p99_ms =< 5": column 13: expected an operator (<, <=, >, >=, ==, !=); use "==" to compare equal`,
    );
    writeFileSync(yaml, 'thresholds:\n  - 5\n');
    const schema = await check(rotated, '--thresholds', yaml);
    expect(schema.exitCode).toBe(2);
    expect(schema.stderr).toMatch(new RegExp(`^loop check: --thresholds: ${yaml}:2: thresholds\\.0: .*$`));
  });

  it('exits 2 with one line naming the expression and column for bad input, and writes nothing', async () => {
    const out = join(root, 'never.xml');
    const before = readRunDir(rotated);
    const cases: Array<[string[], RegExp]> = [
      [
        ['exec.p99_ms <> 5'],
        /^loop check: --threshold: "exec\.p99_ms <> 5": column 14: expected a number, got ">"$/,
      ],
      [['exec.p99 < 5'], /^loop check: --threshold: "exec\.p99 < 5": column 6: unknown stage metric "p99"/],
      [
        ['exce.p99_ms < 5'],
        /^loop check: --threshold: "exce\.p99_ms < 5": column 1: unknown stage "exce" \(stages: strategy, risk, exec, position\)$/,
      ],
      [['latency < 5'], /^loop check: --threshold: "latency < 5": column 1: unknown metric "latency"/],
      [[], /^loop check: --threshold: give at least one threshold/],
    ];
    for (const [thresholds, message] of cases) {
      const run = await check(rotated, '--junit', out, ...thresholds);
      expect(run.exitCode, run.stderr).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
    const missing = await loop(['check', '--run-dir', join(root, 'nope'), '--threshold', 'fills > 0']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/^loop check: --run-dir: run dir .*nope does not exist$/);
    expect(existsSync(out)).toBe(false);
    expect(readRunDir(rotated)).toEqual(before);
  });

  it('counts a torn last line as skipped without changing the run dir', async () => {
    const copy = join(root, 'torn');
    await loop(['run', '--run-dir', copy, '--enable-metrics', '--max-steps', '10']);
    appendFileSync(join(copy, 'metrics.ndjson'), '{"v":1,"ts":17');
    const before = readRunDir(copy);
    const run = await check(copy, 'skipped_lines == 0', 'events == 40');
    expect(run.exitCode).toBe(99);
    expect(run.stdout).toMatch(/skipped_lines == 0\s+1\s+FAIL/);
    expect(run.stdout).toContain('note: 1 line(s) skipped (first: metrics.ndjson:41 torn)');
    expect(readRunDir(copy)).toEqual(before);
  });
});
