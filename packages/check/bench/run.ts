// Bench: `loop check` (readRunMetrics + thresholds) and `loop compare` (two runs in lockstep: metrics and the
// divergence) on 1,000,000-event run dirs across rotated files, against the floor (a bare chunked read with
// JSON.parse on each line: of one run for check, of both runs for compare). Each contender runs in its own
// child process so its peak RSS is its own. Prints time, x floor and peak RSS, and the targets.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BENCH_EVENTS,
  bestOfRounds,
  type ChildFigures,
  fasterOf,
  floorChunks,
  floorReadline,
  LINES_PER_FILE,
  reportChildFigures,
  writeBenchRunDir,
} from '../../run-dir/bench/bench-run-dir.js';
import {
  compareRunDirs,
  compareRuns,
  compileThreshold,
  evaluateThresholds,
  formatCheckTable,
  formatComparisonTable,
  formatDivergence,
  readRunMetrics,
} from '../src/index.js';

/** B: a copy of A whose one exec line in the last file is edited, so the divergence search reads nearly all. */
async function editedCopy(a: string, b: string): Promise<void> {
  await cp(a, b, { recursive: true });
  const file = join(b, 'metrics.ndjson');
  const lines = (await readFile(file, 'utf8')).split('\n');
  const at = lines.length - 100;
  const index = lines.findIndex((l, i) => i >= at && l.includes('"stage":"exec"'));
  lines[index] = lines[index]!.replace('"outcome":"ok"', '"outcome":"error","reason":"EDITED"');
  await writeFile(file, lines.join('\n'));
}

const THRESHOLDS = [
  'exec.p99_ms < 5',
  'strategy.p95_ms <= 5',
  'risk.rejected_rate < 0.1',
  'rejections{reason=MAX_POSITION} < 100000',
  'fills >= 1',
  'max_drawdown < 1000',
  'skipped_lines == 0',
];

async function child(mode: string, a: string, b: string): Promise<void> {
  const start = performance.now();
  let events = 0;
  let note = '';
  if (mode === 'floor-one') events = await floorChunks(a);
  else if (mode === 'floor-both') events = (await floorChunks(a)) + (await floorChunks(b));
  else if (mode === 'readline-one') events = await floorReadline(a);
  else if (mode === 'readline-both') events = (await floorReadline(a)) + (await floorReadline(b));
  else if (mode === 'check') {
    const reading = await readRunMetrics(a);
    const result = evaluateThresholds(
      reading.metrics,
      THRESHOLDS.map((t) => compileThreshold(t)),
    );
    formatCheckTable(result);
    events = reading.metrics.figures.events;
    note = `${result.results.length - result.failures}/${result.results.length} pass`;
  } else {
    const comparison = await compareRunDirs(a, b);
    formatComparisonTable(compareRuns(comparison.a.metrics, comparison.b.metrics));
    formatDivergence(comparison.divergence);
    events = comparison.a.metrics.figures.events + comparison.b.metrics.figures.events;
    note = `${comparison.divergence.verdict} at step ${comparison.divergence.decision?.a?.step ?? '-'}`;
  }
  reportChildFigures(mode, start, { events, note });
}

interface Figures extends ChildFigures {
  events: number;
  note: string;
}

async function main(): Promise<void> {
  if (process.argv[2] === 'child') return child(process.argv[3]!, process.argv[4]!, process.argv[5]!);
  const root = await mkdtemp(join(tmpdir(), 'loop-check-bench-'));
  const a = join(root, 'a');
  const b = join(root, 'b');
  try {
    await mkdir(a);
    const bytes = await writeBenchRunDir(a);
    await editedCopy(a, b);
    console.log(
      `@loop/check bench: 2 runs of ${BENCH_EVENTS.toLocaleString('en-US')} events, ${Math.ceil(BENCH_EVENTS / LINES_PER_FILE)} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB each`,
    );
    const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
    const modes = ['floor-one', 'readline-one', 'check', 'floor-both', 'readline-both', 'compare'];
    const best = bestOfRounds<Figures>(fileURLToPath(import.meta.url), modes, [a, b], rounds);
    console.log(`best of ${rounds} rounds, each in a fresh child process; peak RSS is the worst round's`);
    console.log('mode          time ms   x floor   peak RSS MB   events     note');
    // The floor is the faster of the two bare readers, as in @loop/dashboard's bench.
    const floorOf = (mode: string) =>
      mode === 'compare' || mode.endsWith('-both')
        ? fasterOf(best, 'floor-both', 'readline-both')
        : fasterOf(best, 'floor-one', 'readline-one');
    for (const mode of modes) {
      const f = best.get(mode)!;
      console.log(
        `${mode.padEnd(12)} ${f.ms.toFixed(0).padStart(8)}   ${(f.ms / floorOf(mode).ms).toFixed(2).padStart(7)}   ${f.rssMb.toFixed(0).padStart(11)}   ${String(f.events).padEnd(9)}  ${f.note}`,
      );
    }
    const check = best.get('check')!;
    const compare = best.get('compare')!;
    const checkX = check.ms / floorOf('check').ms;
    const compareX = compare.ms / floorOf('compare').ms;
    console.log(
      `targets: compare <= 2x floor of both: ${compareX.toFixed(2)}x ${compareX <= 2 ? 'MET' : 'MISSED'}; ` +
        `compare peak RSS < 250 MB: ${compare.rssMb.toFixed(0)} MB ${compare.rssMb < 250 ? 'MET' : 'MISSED'}; ` +
        `check ${checkX.toFixed(2)}x floor, peak RSS <= 150 MB (the dashboard's bound): ${check.rssMb.toFixed(0)} MB ${check.rssMb <= 150 ? 'MET' : 'MISSED'}`,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
