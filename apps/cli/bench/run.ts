// `pnpm --filter @loop/cli bench`: `loop run` with and without --enable-metrics, side by side in one run.
// Each run is a real `loop run` process (simulated clock, synthetic feed); runs alternate so drift in the
// machine's load hits both. Prints steps/s both ways, the on/off ratio against the target, events/s and
// peak RSS, per flush mode; then the warm loop's own cost a step, in one process (bench/steady.mjs). No
// pass/fail: the figures go in the README's bench table.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const STEPS = Number(process.env.BENCH_STEPS ?? 300_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const TARGET = 0.8;
const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.join(here, '..', 'dist', 'bin.js');
const hook = path.join(here, 'usage-hook.mjs');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'loop-cli-bench-'));

interface Sample {
  /** Process wall time from the hook's load to exit (startup of node itself excluded). */
  wallMs: number;
  cpuMs: number;
  /** CPU time of the loop's (main) thread alone, 10 ms resolution; null without /proc. */
  loopCpuMs: number | null;
  maxRssKb: number;
  lines: number;
}

const ALL_MODES: Record<string, string[]> = {
  off: [],
  'metrics, --metrics-flush batch (simulated default)': ['--enable-metrics', '--metrics-flush', 'batch'],
  'metrics, --metrics-flush interval': ['--enable-metrics', '--metrics-flush', 'interval'],
  'metrics, --metrics-flush step': ['--enable-metrics', '--metrics-flush', 'step'],
};
// BENCH_MODES=batch,interval runs only those (and off) while measuring one change.
const only = process.env.BENCH_MODES?.split(',');
const MODES = Object.fromEntries(
  Object.entries(ALL_MODES).filter(
    ([name]) => name === 'off' || only === undefined || only.some((mode) => name.includes(`flush ${mode}`)),
  ),
);

let runs = 0;
function runOnce(extra: string[]): Sample {
  const dir = path.join(root, `run-${++runs}`);
  const usageFile = path.join(root, `usage-${runs}.json`);
  const flags = ['--run-dir', dir, '--max-steps', String(STEPS), ...extra];
  if (extra.length > 0) flags.push('--metrics-rotate-max-mb', '50');
  spawnSync('sync');
  const child = spawnSync(process.execPath, ['--import', hook, bin, 'run', ...flags], {
    env: { ...process.env, LOOP_BENCH_USAGE: usageFile },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (child.status !== 0) throw new Error(`loop run ${flags.join(' ')} exited ${child.status}`);
  const usage = JSON.parse(fs.readFileSync(usageFile, 'utf8')) as Omit<Sample, 'lines'>;
  let lines = 0;
  if (extra.length > 0) {
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'metrics_summary.json'), 'utf8'));
    lines = summary.writer.lines_written;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return { ...usage, lines };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

console.log(
  `@loop/cli bench: loop run --max-steps ${fmt(STEPS)} (simulated, synthetic feed), ${ROUNDS} alternating rounds, ` +
    `median; node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(1)}`,
);
runOnce([]); // warm the page cache and the disk
const samples: Record<string, Sample[]> = Object.fromEntries(Object.keys(MODES).map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, flags] of Object.entries(MODES)) samples[name]!.push(runOnce(flags));
}
const off = samples.off!;
const offWall = median(off.map((s) => s.wallMs));
const offCpu = median(off.map((s) => s.cpuMs));
const loopCpu = (list: Sample[]) =>
  list.every((s) => s.loopCpuMs !== null) ? median(list.map((s) => s.loopCpuMs!)) : undefined;
const offLoopCpu = loopCpu(off);
console.log(
  `  off: ${fmt((STEPS / offWall) * 1000)} steps/s (wall), ${fmt((STEPS / offCpu) * 1000)} steps/s (CPU), ` +
    (offLoopCpu === undefined ? '' : `loop-thread CPU ${fmt(offLoopCpu)} ms, `) +
    `peak RSS ${fmt(median(off.map((s) => s.maxRssKb)) / 1024, 1)} MB`,
);
for (const [name, list] of Object.entries(samples)) {
  if (name === 'off') continue;
  const wall = median(list.map((s) => s.wallMs));
  const cpu = median(list.map((s) => s.cpuMs));
  const ratio = offWall / wall;
  // Each round's off run next to its on run: the machine's speed drifts between minutes (a shared VM), and a
  // ratio of two medians taken minutes apart carries that drift; the median of the rounds' own ratios less so.
  const paired = median(list.map((s, i) => off[i]!.wallMs / s.wallMs));
  const onLoopCpu = loopCpu(list);
  // The loop thread's CPU time: what the writer thread's core does not hide (a fair proxy under load).
  const loopRatio =
    offLoopCpu === undefined || onLoopCpu === undefined
      ? ''
      : `, loop-thread CPU ${fmt(onLoopCpu)} ms (on/off ${(offLoopCpu / onLoopCpu).toFixed(2)})`;
  console.log(
    `  ${name}: ${fmt((STEPS / wall) * 1000)} steps/s (wall), ${fmt((STEPS / cpu) * 1000)} steps/s (CPU), ` +
      `${fmt((list[0]!.lines / wall) * 1000)} events/s, peak RSS ${fmt(median(list.map((s) => s.maxRssKb)) / 1024, 1)} MB; ` +
      `on/off ${ratio.toFixed(2)} wall (paired by round ${paired.toFixed(2)}), ${(offCpu / cpu).toFixed(2)} CPU${loopRatio} ` +
      `(target >= ${TARGET}: ${Math.min(ratio, paired) >= TARGET ? 'met' : 'NOT met'})`,
  );
}
fs.rmSync(root, { recursive: true, force: true });

// The loop's thread alone, warm, in one process (bench/steady.mjs): what metrics cost a step once the
// process has started and its code is hot; the rest of the gap above is start-up, cold code and close.
const steadyRuns = Number(process.env.BENCH_STEADY_RUNS ?? 3);
const steady: { offNsPerStep: number; onNsPerStep: number; paired: number }[] = [];
for (let run = 0; run < steadyRuns; run++) {
  const child = spawnSync(process.execPath, [path.join(here, 'steady.mjs')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) throw new Error(`bench/steady.mjs exited ${child.status}`);
  steady.push(JSON.parse(child.stdout));
}
if (steady.length > 0) {
  const offNs = median(steady.map((s) => s.offNsPerStep));
  const onNs = median(steady.map((s) => s.onNsPerStep));
  console.log(
    `  steady state, in one process (warm, batch, 2,048-step blocks alternating, ${steadyRuns} runs, median): ` +
      `off ${fmt(offNs)} ns/step, on ${fmt(onNs)} ns/step (+${fmt(onNs - offNs)} ns/step), ` +
      `on/off paired by block ${median(steady.map((s) => s.paired)).toFixed(2)} ` +
      `(runs: ${steady.map((s) => s.paired.toFixed(2)).join(', ')})`,
  );
}
