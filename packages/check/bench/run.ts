// Bench: `loop check` (readRunMetrics + thresholds) and `loop compare` (two runs in lockstep: metrics and the
// divergence) on 1,000,000-event run dirs across rotated files, against the floor (a bare chunked read with
// JSON.parse on each line: of one run for check, of both runs for compare). Each contender runs in its own
// child process so its peak RSS is its own. Prints time, x floor and peak RSS, and the targets.
import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { cp, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { listMetricsFiles } from '@loop/metrics';
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

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const LINES_PER_FILE = 100_000;
const STAGES = ['strategy', 'risk', 'exec', 'position'];

/** A run dir as `loop run` writes it: 4 stages a step, rejections, exec counts, position attrs. */
async function generate(dir: string): Promise<number> {
  const files = Math.ceil(EVENTS / LINES_PER_FILE);
  let bytes = 0;
  let n = 0;
  for (let f = 0; f < files; f++) {
    const name = f === files - 1 ? 'metrics.ndjson' : `metrics.ndjson.${f + 1}`;
    const handle = await open(join(dir, name), 'w');
    const lines: string[] = [];
    for (let i = 0; i < LINES_PER_FILE && n < EVENTS; i++, n++) {
      const step = (n >> 2) + 1;
      const stage = STAGES[n & 3]!;
      const event: Record<string, unknown> = {
        v: 1,
        ts: 1_553_817_600_000 + step * 1000 + (n & 3),
        step,
        stage,
        outcome: stage === 'risk' && step % 13 === 0 ? 'rejected' : 'ok',
        latency_ms: Number((((n * 7919) % 5000) / 1000 + 0.01 * (n & 3)).toFixed(3)),
      };
      if (event.outcome === 'rejected') {
        event.reason = 'MAX_POSITION';
        event.detail = 'position=3 limit=2';
      }
      if (stage === 'exec' && step % 7 === 0) event.attrs = { orders: 1, fills: 1 };
      if (stage === 'position') event.attrs = { position: step % 5, equity: 10_000 + (step % 1000) * 0.5 };
      lines.push(JSON.stringify(event));
    }
    const text = `${lines.join('\n')}\n`;
    bytes += Buffer.byteLength(text);
    await handle.writeFile(text);
    await handle.close();
  }
  return bytes;
}

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

/** The floor: a chunked read of every file in order, JSON.parse on each line, nothing else. */
async function floor(dir: string): Promise<number> {
  let count = 0;
  for (const file of await listMetricsFiles(dir)) {
    let carry = '';
    for await (const chunk of createReadStream(file.path, { encoding: 'utf8', highWaterMark: 256 * 1024 })) {
      const text = carry + (chunk as string);
      let from = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
        const event = JSON.parse(text.slice(from, nl)) as { step: number };
        if (event.step >= 0) count++;
        from = nl + 1;
      }
      carry = text.slice(from);
    }
  }
  return count;
}

/** The other floor: readline over every file in order, JSON.parse on each line (the faster of the two counts). */
async function floorReadline(dir: string): Promise<number> {
  let count = 0;
  for (const file of await listMetricsFiles(dir)) {
    const lines = createInterface({
      input: createReadStream(file.path),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    for await (const line of lines) {
      const event = JSON.parse(line) as { step: number };
      if (event.step >= 0) count++;
    }
  }
  return count;
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
  if (mode === 'floor-one') events = await floor(a);
  else if (mode === 'floor-both') events = (await floor(a)) + (await floor(b));
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
  const ms = performance.now() - start;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ mode, ms, rssMb, events, note })}\n`);
}

interface Figures {
  mode: string;
  ms: number;
  rssMb: number;
  events: number;
  note: string;
}

function runChild(mode: string, a: string, b: string): Figures {
  const script = fileURLToPath(import.meta.url);
  const result = spawnSync(process.execPath, [...process.execArgv, script, 'child', mode, a, b], {
    encoding: 'utf8',
    maxBuffer: 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`bench child ${mode} failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Figures;
}

async function main(): Promise<void> {
  if (process.argv[2] === 'child') return child(process.argv[3]!, process.argv[4]!, process.argv[5]!);
  const root = await mkdtemp(join(tmpdir(), 'loop-check-bench-'));
  const a = join(root, 'a');
  const b = join(root, 'b');
  try {
    await rm(a, { recursive: true, force: true });
    await (await import('node:fs/promises')).mkdir(a);
    const bytes = await generate(a);
    await editedCopy(a, b);
    console.log(
      `@loop/check bench: 2 runs of ${EVENTS.toLocaleString('en-US')} events, ${Math.ceil(EVENTS / LINES_PER_FILE)} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB each`,
    );
    const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
    const modes = ['floor-one', 'readline-one', 'check', 'floor-both', 'readline-both', 'compare'];
    const best = new Map<string, Figures>();
    for (let r = 0; r < rounds; r++) {
      for (const mode of modes) {
        const figures = runChild(mode, a, b);
        const prior = best.get(mode);
        if (!prior || figures.ms < prior.ms)
          best.set(mode, { ...figures, rssMb: Math.max(figures.rssMb, prior?.rssMb ?? 0) });
        else prior.rssMb = Math.max(prior.rssMb, figures.rssMb);
      }
    }
    console.log(`best of ${rounds} rounds, each in a fresh child process; peak RSS is the worst round's`);
    console.log('mode          time ms   x floor   peak RSS MB   events     note');
    // The floor is the faster of the two bare readers, as in @loop/dashboard's bench.
    const fastest = (x: string, y: string) => [best.get(x)!, best.get(y)!].sort((p, q) => p.ms - q.ms)[0]!;
    const floorOf = (mode: string) =>
      mode === 'compare' || mode.endsWith('-both')
        ? fastest('floor-both', 'readline-both')
        : fastest('floor-one', 'readline-one');
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
