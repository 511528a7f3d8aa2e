import type { StageEventLine } from '@loop/metrics';
import { describe, expect, it } from 'vitest';
import { isLoopCheckError } from './errors.js';
import { formatJunitXml } from './junit-xml.js';
import { RunMetricsCollector } from './run-metrics.js';
import { compileThreshold, evaluateThresholds } from './thresholds.js';
import { parseThresholdsFile } from './thresholds-file.js';

function event(step: number, stage: string, extra: Partial<StageEventLine> = {}): StageEventLine {
  return { v: 1, ts: step * 1000, step, stage, outcome: 'ok', latency_ms: 1, ...extra };
}

/** Two lifetimes: steps 1-3, then 1-2 after a restart; one rejection, one error, fills, an equity dip. */
function sampleMetrics() {
  const c = new RunMetricsCollector();
  const equity = [100, 104, 101, 100, 97];
  const steps = [1, 2, 3, 1, 2];
  steps.forEach((step, i) => {
    c.addEvent(event(step, 'strategy', { latency_ms: 0.5 + i / 10 }));
    c.addEvent(
      step === 2 && i === 1
        ? event(step, 'risk', { outcome: 'rejected', reason: 'PRICE_BAND', latency_ms: 0.2 })
        : event(step, 'risk', { latency_ms: 0.2 }),
    );
    c.addEvent(
      i === 4
        ? event(step, 'exec', { outcome: 'error', reason: 'FAULT_INJECTED', latency_ms: 9 })
        : event(step, 'exec', { latency_ms: 1 + i, attrs: { orders: 1, fills: i % 2 } }),
    );
    c.addEvent(event(step, 'position', { attrs: { position: i, equity: equity[i]!, price: 10 } }));
  });
  c.addSkipped(2);
  return c.finish({
    summaryGauges: { realized_pnl: 5, unrealized_pnl: -1, fees_paid: 0.5 },
    summaryWriter: { write_errors: 0 },
    supervisorRestarts: 1,
  });
}

function check(expressions: string[]) {
  return evaluateThresholds(
    sampleMetrics(),
    expressions.map((e) => compileThreshold(e)),
    { knownStages: ['strategy', 'risk', 'exec', 'position'] },
  );
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (isLoopCheckError(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
  return 'no error';
}

describe('RunMetricsCollector', () => {
  it('counts steps, lifetimes, orders, fills, rejections, errors, drawdown and takes pnl from the summary', () => {
    const f = sampleMetrics().figures;
    expect(f).toMatchObject({
      events: 20,
      steps: 5,
      lifetimes: 2,
      skipped_lines: 2,
      orders: 4,
      fills: 2,
      rejections: 1,
      errors: 1,
      pnl: 3.5,
      fees: 0.5,
      position: 4,
      equity: 97,
      restarts: 1,
      write_errors: 0,
    });
    // Peak 104 in lifetime 1 -> 101 (3); lifetime 2 restarts the peak at 100 -> 97 (3).
    expect(f.max_drawdown).toBe(3);
    expect(f.stages.map((s) => s.stage)).toEqual(['strategy', 'risk', 'exec', 'position']);
    expect(f.reasons).toEqual([
      { stage: 'risk', outcome: 'rejected', reason: 'PRICE_BAND', count: 1 },
      { stage: 'exec', outcome: 'error', reason: 'FAULT_INJECTED', count: 1 },
    ]);
  });

  it('counts restarts from lifetimes without a supervisor state, and pnl from equity without a summary', () => {
    const c = new RunMetricsCollector();
    for (const step of [1, 2, 1, 2, 1]) c.addEvent(event(step, 'position', { attrs: { equity: 990 } }));
    const m = c.finish({ initialCash: 1000 });
    expect(m.figures).toMatchObject({ lifetimes: 3, restarts: 2, pnl: -10, fees: null, write_errors: null });
    expect(m.sources).toEqual({ pnl: 'events', restarts: 'events', write_errors: 'none' });
  });
});

describe('evaluateThresholds', () => {
  it('passes and fails every kind of threshold, with the value', () => {
    const passing = [
      'exec.p99_ms < 10',
      'strategy.p95_ms <= 1',
      'risk.count >= 5',
      'risk.rejected_rate < 0.25',
      'exec.error_rate == 0.2',
      'error_rate <= 0.05',
      'rejections{reason=PRICE_BAND} < 10',
      'risk.rejections{reason=PRICE_BAND} == 1',
      'errors{stage=exec} == 1',
      'fills >= 1',
      'pnl > -50',
      'max_drawdown < 200',
      'restarts <= 2',
      'write_errors == 0',
      'skipped_lines == 2',
      'exec.p50_ms > 0',
      'position.p90_ms >= 0',
    ];
    const ok = check(passing);
    expect(ok.results.filter((r) => !r.passed)).toEqual([]);
    expect(ok).toMatchObject({ passed: true, failures: 0 });
    const failing = [
      'exec.p99_ms < 1',
      'risk.rejected_rate == 0',
      'rejections{reason=PRICE_BAND} == 0',
      'fills >= 3',
      'pnl > 10',
      'max_drawdown < 1',
      'restarts == 0',
      'skipped_lines == 0',
      'error_rate == 0',
    ];
    const bad = check(failing);
    expect(bad.results.filter((r) => r.passed)).toEqual([]);
    expect(bad.failures).toBe(failing.length);
    expect(bad.results[4]).toMatchObject({ value: 3.5, message: 'pnl = 3.5, not > 10' });
  });

  it('fails a threshold whose metric has no value (a known stage without events)', () => {
    const result = check(['position.p99_ms < 5', 'fees >= 0']);
    expect(result.results[0]!.passed).toBe(true);
    const empty = new RunMetricsCollector().finish();
    const verdict = evaluateThresholds(empty, [compileThreshold('exec.p99_ms < 5')], {
      knownStages: ['exec'],
    });
    expect(verdict.results[0]).toMatchObject({ passed: false, value: null });
    expect(verdict.results[0]!.message).toContain('has no value');
  });

  it('refuses unknown metrics (column of the name) and unknown stages (column of the stage)', () => {
    expect(codeOf(() => compileThreshold('exec.p99 < 5'))).toMatch(
      /^LOOP_CHECK_UNKNOWN_METRIC: "exec.p99 < 5": column 6: unknown stage metric "p99"/,
    );
    expect(codeOf(() => compileThreshold('p99_ms < 5'))).toContain('p99_ms is per stage: e.g. exec.p99_ms');
    expect(codeOf(() => compileThreshold('fills{reason=X} < 5'))).toContain('fills takes no labels');
    expect(codeOf(() => compileThreshold('rejections{why=X} < 5'))).toContain('no label "why"');
    expect(codeOf(() => check(['exce.p99_ms < 5']))).toBe(
      'LOOP_CHECK_UNKNOWN_STAGE: "exce.p99_ms < 5": column 1: unknown stage "exce" (stages: strategy, risk, exec, position)',
    );
  });
});

describe('formatJunitXml', () => {
  it('writes a test per threshold and a failure with the value, escaped', () => {
    const result = check(['exec.p99_ms < 10', 'pnl > 10', 'rejections{reason="A<&>"} == 0']);
    const xml = formatJunitXml(result.results, { runDir: 'runs/a&b' });
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="loop check" tests="3" failures="1"/,
    );
    expect(xml).toContain(
      '<testsuite name="loop check" tests="3" failures="1" errors="0" skipped="0" time="0.000">',
    );
    expect(xml).toContain('<testcase name="exec.p99_ms &lt; 10" classname="loop.check" time="0"/>');
    expect(xml).toContain(
      '<failure message="pnl = 3.5, not &gt; 10" type="threshold">pnl = 3.5, not &gt; 10</failure>',
    );
    expect(xml).toContain('name="rejections{reason=&quot;A&lt;&amp;&gt;&quot;} == 0"');
    expect(xml).toContain('<property name="run_dir" value="runs/a&amp;b"/>');
    expect((xml.match(/<testcase /g) ?? []).length).toBe(3);
  });
});

describe('parseThresholdsFile', () => {
  it('reads YAML and JSON, with each threshold given its file and line', () => {
    const yaml = parseThresholdsFile(
      '# budget\nthresholds:\n  - exec.p99_ms < 5\n  - threshold: fills >= 1\n    abort_on_fail: true\n',
      't.yaml',
    );
    expect(yaml.map((t) => [t.expression.source, t.origin, t.abortOnFail])).toEqual([
      ['exec.p99_ms < 5', 't.yaml:3', false],
      ['fills >= 1', 't.yaml:4', true],
    ]);
    const json = parseThresholdsFile('{"thresholds": [\n"pnl > -50"\n]}', 't.json');
    expect(json[0]!.origin).toBe('t.json:2');
    expect(parseThresholdsFile('- restarts <= 2\n', 'list.yaml')[0]!.expression.source).toBe('restarts <= 2');
  });

  it('names the file and line of a bad document, item or expression', () => {
    expect(codeOf(() => parseThresholdsFile('thresholds:\n  - exec.p99_ms < 5\n  - 12\n', 'f.yaml'))).toMatch(
      /^LOOP_CHECK_THRESHOLDS_FILE: f.yaml:3: thresholds.1: /,
    );
    expect(codeOf(() => parseThresholdsFile('thresholds: [\n', 'f.json'))).toMatch(
      /^LOOP_CHECK_THRESHOLDS_FILE: f.json:\d+: not valid JSON or YAML/,
    );
    expect(codeOf(() => parseThresholdsFile('limits: []\n', 'f.yaml'))).toMatch(
      /^LOOP_CHECK_THRESHOLDS_FILE: f.yaml:1: /,
    );
    expect(codeOf(() => parseThresholdsFile('thresholds:\n  - exec.p99_ms <> 5\n', 'f.yaml'))).toBe(
      'LOOP_CHECK_SYNTAX: f.yaml:2: "exec.p99_ms <> 5": column 14: expected a number, got ">"',
    );
  });
});
