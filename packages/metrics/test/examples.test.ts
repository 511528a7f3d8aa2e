// examples/: the same async bot with @loop/metrics, prom-client and pino, each run; the same outcomes from all
// three (so they are the same bot), what each gives, and the README's line counts kept true.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { metricsSummarySchema } from '../src/schema.js';
import { makeSandbox, PACKAGE_DIR, runScript } from './package-sandbox.js';

const EXAMPLES = path.join(PACKAGE_DIR, 'examples');
const BOTS = ['loop-metrics-bot', 'prom-client-bot', 'pino-bot'] as const;
const STEPS = '600';

/** Lines of code: not blank, not a comment line (what the README table counts). */
function codeLines(file: string): number {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trim().startsWith('//')).length;
}

let sandbox: ReturnType<typeof makeSandbox>;
beforeAll(() => {
  sandbox = makeSandbox('loop-metrics-examples-');
  fs.cpSync(EXAMPLES, path.join(sandbox.dir, 'examples'), { recursive: true });
});
afterAll(() => sandbox.remove());

type Outcomes = Record<string, number>;
const outcomes: Partial<Record<(typeof BOTS)[number], Outcomes>> = {};

it('runs the @loop/metrics bot: percentiles, rotated NDJSON and a valid summary file', async () => {
  const result = await runScript('examples/loop-metrics-bot.mjs', sandbox.dir, { STEPS }, 180_000);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const stages = JSON.parse(result.stdout) as Record<string, { count: number; p99_ms: number }>;
  expect(Object.keys(stages)).toEqual(['strategy', 'risk', 'exec']);
  expect(stages.strategy!.count).toBe(600);
  const runDir = path.join(sandbox.dir, 'runs/loop-metrics-bot');
  expect(fs.readdirSync(runDir).sort()).toEqual([
    'metrics.ndjson',
    'metrics.ndjson.1',
    'metrics_summary.json',
  ]);
  const summary = metricsSummarySchema.parse(
    JSON.parse(fs.readFileSync(path.join(runDir, 'metrics_summary.json'), 'utf8')),
  );
  const counts: Outcomes = {};
  for (const [stage, byOutcome] of Object.entries(summary.outcomes_by_stage)) {
    for (const [outcome, n] of Object.entries(byOutcome)) if (n > 0) counts[`${stage} ${outcome}`] = n;
  }
  expect(summary.reasons_by_stage.risk?.rejected).toEqual({ MAX_POSITION: counts['risk rejected'] });
  expect(summary.reasons_by_stage.exec?.error).toEqual({ ECONNRESET: counts['exec error'] });
  outcomes['loop-metrics-bot'] = counts;
});

it('runs the prom-client bot: percentiles from a Summary, no files', async () => {
  const result = await runScript('examples/prom-client-bot.mjs', sandbox.dir, { STEPS }, 180_000);
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/stage_latency_seconds\{quantile="0\.99",stage="exec"\} \d/);
  const counts: Outcomes = {};
  for (const [, stage, outcome, n] of result.stdout.matchAll(
    /^stage_events_total\{stage="(\w+)",outcome="(\w+)",reason="\w*"\} (\d+)$/gm,
  )) {
    counts[`${stage} ${outcome}`] = (counts[`${stage} ${outcome}`] ?? 0) + Number(n);
  }
  outcomes['prom-client-bot'] = counts;
});

it('runs the pino bot: one JSON line per stage, no percentiles', async () => {
  const result = await runScript('examples/pino-bot.mjs', sandbox.dir, { STEPS }, 180_000);
  expect(result.code).toBe(0);
  const counts: Outcomes = {};
  for (const line of fs.readFileSync(path.join(sandbox.dir, 'pino-bot.ndjson'), 'utf8').split('\n')) {
    if (line === '') continue;
    const entry = JSON.parse(line) as { stage?: string; outcome?: string };
    if (entry.stage)
      counts[`${entry.stage} ${entry.outcome}`] = (counts[`${entry.stage} ${entry.outcome}`] ?? 0) + 1;
  }
  outcomes['pino-bot'] = counts;
});

it('the three are the same bot: identical outcomes by stage (the world is seeded)', () => {
  const ours = outcomes['loop-metrics-bot'];
  expect(ours).toBeDefined();
  expect(ours!['risk rejected']).toBeGreaterThan(0);
  expect(ours!['exec error']).toBeGreaterThan(0);
  expect(outcomes['prom-client-bot']).toEqual(ours);
  expect(outcomes['pino-bot']).toEqual(ours);
});

it('the README table gives each bot its real line count, ours the shortest', () => {
  const readme = fs.readFileSync(path.join(PACKAGE_DIR, 'README.md'), 'utf8');
  const counts = BOTS.map((bot) => codeLines(path.join(EXAMPLES, `${bot}.mjs`)));
  for (const [i, bot] of BOTS.entries()) {
    expect(readme).toMatch(
      new RegExp(`\\| \\[\`examples/${bot}\\.mjs\`\\]\\(examples/${bot}\\.mjs\\) \\| ${counts[i]} \\|`),
    );
  }
  expect(Math.min(...counts)).toBe(counts[0]);
});
