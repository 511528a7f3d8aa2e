// Shared by the benches that read a whole run dir (@loop/dashboard, @loop/check): the 1,000,000-event run dir
// across rotated files, the floors they are measured against (a bare read with JSON.parse on each line), and
// the best-of-rounds runner that gives each contender a fresh child process so its peak RSS is its own.
import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { listMetricsFiles } from '@loop/metrics';
import { METRICS_FILE, rotatedMetricsFile } from '../src/file-names.js';

/** Events in the bench run dir (`BENCH_EVENTS`, default 1,000,000). */
export const BENCH_EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
/** Lines per NDJSON file: 1M events make `metrics.ndjson.1` to `.9` and `metrics.ndjson`. */
export const LINES_PER_FILE = 100_000;
const STAGES = ['strategy', 'risk', 'exec', 'position'];

/** What goes in the bench run dir. */
export interface BenchRunDirOptions {
  /** Events to write (default {@link BENCH_EVENTS}). */
  events?: number;
  /** Give every 7th step's exec event `attrs: { orders: 1, fills: 1 }`, as `loop run` does (default true). */
  execCounts?: boolean;
}

/**
 * Writes the NDJSON files of a run dir as `loop run` writes them: 4 stages a step, a risk rejection every 13th
 * step, exec counts, position and equity attrs. Returns the bytes written.
 */
export async function writeBenchRunDir(dir: string, options: BenchRunDirOptions = {}): Promise<number> {
  const events = options.events ?? BENCH_EVENTS;
  const execCounts = options.execCounts ?? true;
  const files = Math.ceil(events / LINES_PER_FILE);
  let bytes = 0;
  let n = 0;
  for (let f = 0; f < files; f++) {
    const name = f === files - 1 ? METRICS_FILE : rotatedMetricsFile(f + 1);
    const handle = await open(join(dir, name), 'w');
    const lines: string[] = [];
    for (let i = 0; i < LINES_PER_FILE && n < events; i++, n++) {
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
      if (execCounts && stage === 'exec' && step % 7 === 0) event.attrs = { orders: 1, fills: 1 };
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

/** A floor: a chunked read of every NDJSON file in order, splitting on newlines, JSON.parse on each line. */
export async function floorChunks(dir: string): Promise<number> {
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

/** The other floor: readline over every NDJSON file in order, JSON.parse on each line. */
export async function floorReadline(dir: string): Promise<number> {
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

/** What every contender reports: its mode, time and peak RSS (plus the bench's own fields). */
export interface ChildFigures {
  mode: string;
  ms: number;
  /**
   * CPU time (user + system, all threads) since {@link markChildStart}, or since the process started: on a
   * machine whose cores are busy with other work this moves far less than the wall time `ms`.
   */
  cpuMs: number;
  rssMb: number;
}

let cpuAtStart: NodeJS.CpuUsage | undefined;

/** Marks the start of a child's measured work: returns `performance.now()` and notes the CPU time used so far. */
export function markChildStart(): number {
  cpuAtStart = process.cpuUsage();
  return performance.now();
}

/** Prints a child's figures (time since `startMs`, CPU time, peak RSS so far) as the last line of its stdout. */
export function reportChildFigures(mode: string, startMs: number, fields: Record<string, unknown>): void {
  const ms = performance.now() - startMs;
  const cpu = process.cpuUsage(cpuAtStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ mode, ms, cpuMs, rssMb, ...fields })}\n`);
}

/**
 * Runs each mode `rounds` times in turn, each in a fresh `node script child <mode> ...args`, and keeps the
 * fastest round of each mode with the least CPU time and the worst peak RSS of any round.
 */
export function bestOfRounds<T extends ChildFigures>(
  script: string,
  modes: readonly string[],
  args: readonly string[],
  rounds: number,
): Map<string, T> {
  const best = new Map<string, T>();
  for (let r = 0; r < rounds; r++) {
    for (const mode of modes) {
      const result = spawnSync(process.execPath, [...process.execArgv, script, 'child', mode, ...args], {
        encoding: 'utf8',
        maxBuffer: 1024 * 1024,
      });
      if (result.status !== 0) throw new Error(`bench child ${mode} failed: ${result.stderr}`);
      const figures = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as T;
      const prior = best.get(mode);
      const rssMb = Math.max(figures.rssMb, prior?.rssMb ?? 0);
      const cpuMs = Math.min(figures.cpuMs, prior?.cpuMs ?? Number.POSITIVE_INFINITY);
      if (!prior || figures.ms < prior.ms) best.set(mode, { ...figures, rssMb, cpuMs });
      else Object.assign(prior, { rssMb, cpuMs });
    }
  }
  return best;
}

/** The faster of two modes' figures (the floor is the faster of the two bare readers). */
export function fasterOf<T extends ChildFigures>(best: ReadonlyMap<string, T>, x: string, y: string): T {
  const a = best.get(x)!;
  const b = best.get(y)!;
  return b.ms < a.ms ? b : a;
}
