// Bench: the fleet page over 100 run dirs of 10,000 events each (1,000,000 events in all), against the floor
// (a bare read with JSON.parse on each line of the same files), each contender in its own child process.
// `readFleet` + `renderFleetPage` is the fleet page (the row target: <= 1.5x the floor, <= 150 MB peak RSS);
// `writeFleetDashboard` also writes each run's own page beside it (one pass per run dir), for reference.
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bestOfRounds,
  type ChildFigures,
  fasterOf,
  floorChunks,
  floorReadline,
  reportChildFigures,
  writeBenchRunDir,
} from '../../run-dir/bench/bench-run-dir.js';
import { readFleet, renderFleetPage, writeFleetDashboard } from '../src/index.js';

const RUN_DIRS = Number(process.env.BENCH_FLEET_RUN_DIRS ?? 100);
const EVENTS_PER_RUN_DIR = Number(process.env.BENCH_FLEET_EVENTS ?? 10_000);
const SCRIPT = fileURLToPath(import.meta.url);

interface Figures extends ChildFigures {
  runDirs: number;
  pageBytes: number;
  /** CPU time (user + system) of the measured part: on a shared, loaded machine a fairer figure than wall time. */
  cpuMs: number;
}

async function runDirsOf(root: string): Promise<string[]> {
  return (await readdir(root))
    .filter((name) => name.startsWith('bot-'))
    .sort()
    .map((name) => join(root, name));
}

async function child(mode: string, root: string): Promise<void> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const dirs = await runDirsOf(root);
  let pageBytes = 0;
  if (mode === 'floor-chunks') for (const dir of dirs) await floorChunks(dir);
  else if (mode === 'floor-readline') for (const dir of dirs) await floorReadline(dir);
  else if (mode === 'fleet-page') {
    const html = renderFleetPage(await readFleet(dirs));
    pageBytes = Buffer.byteLength(html);
  } else {
    const out = join(root, `out-${process.pid}`);
    const written = await writeFleetDashboard(out, dirs);
    pageBytes = (await readdir(out)).length;
    await rm(out, { recursive: true, force: true });
    if (written.pages.some((p) => p.page === null)) throw new Error('a run page was not written');
  }
  const used = process.cpuUsage(cpu);
  reportChildFigures(mode, start, {
    runDirs: dirs.length,
    pageBytes,
    cpuMs: (used.user + used.system) / 1000,
  });
}

/** Writes the fleet, measures each contender (best of `rounds`), prints the table and the targets. */
export async function printFleetBench(rounds: number): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'loop-fleet-bench-'));
  try {
    let bytes = 0;
    for (let i = 0; i < RUN_DIRS; i++) {
      const dir = join(root, `bot-${String(i).padStart(3, '0')}`);
      await mkdir(dir);
      bytes += await writeBenchRunDir(dir, { events: EVENTS_PER_RUN_DIR });
    }
    console.log(
      `\nfleet: ${RUN_DIRS} run dirs x ${EVENTS_PER_RUN_DIR.toLocaleString('en-US')} events, ${(bytes / 1024 / 1024).toFixed(1)} MiB`,
    );
    const modes = ['floor-readline', 'floor-chunks', 'fleet-page', 'fleet-folder'];
    // Round by round (each mode once a round), keeping each mode's fastest time and, apart, its least CPU time.
    const best = new Map<string, Figures>();
    for (let r = 0; r < rounds; r++) {
      for (const [mode, f] of bestOfRounds<Figures>(SCRIPT, modes, [root], 1)) {
        const prior = best.get(mode);
        best.set(mode, {
          ...(prior === undefined || f.ms < prior.ms ? f : prior),
          cpuMs: Math.min(f.cpuMs, prior?.cpuMs ?? Number.POSITIVE_INFINITY),
          rssMb: Math.max(f.rssMb, prior?.rssMb ?? 0),
        });
      }
    }
    const floor = fasterOf(best, 'floor-readline', 'floor-chunks');
    const cpuFloor = Math.min(best.get('floor-readline')!.cpuMs, best.get('floor-chunks')!.cpuMs);
    console.log(`best of ${rounds} rounds`);
    console.log('mode               time ms   x floor    cpu ms   x floor cpu   peak RSS MB   output');
    for (const mode of modes) {
      const f = best.get(mode)!;
      const output =
        mode === 'fleet-page'
          ? `${(f.pageBytes / 1024).toFixed(0)} KiB page`
          : mode === 'fleet-folder'
            ? `${f.pageBytes} files`
            : '';
      console.log(
        `${mode.padEnd(18)} ${f.ms.toFixed(0).padStart(7)}   ${(f.ms / floor.ms).toFixed(2).padStart(7)}   ${f.cpuMs.toFixed(0).padStart(7)}   ${(f.cpuMs / cpuFloor).toFixed(2).padStart(11)}   ${f.rssMb.toFixed(0).padStart(11)}   ${output}`,
      );
    }
    const page = best.get('fleet-page')!;
    const ratio = page.ms / floor.ms;
    const cpuRatio = page.cpuMs / cpuFloor;
    console.log(
      `targets (fleet-page): time <= 1.5x floor (${floor.mode}): ${ratio.toFixed(2)}x ${ratio <= 1.5 ? 'MET' : 'MISSED'}; ` +
        `CPU time <= 1.5x floor: ${cpuRatio.toFixed(2)}x ${cpuRatio <= 1.5 ? 'MET' : 'MISSED'}; ` +
        `peak RSS <= 150 MB: ${page.rssMb.toFixed(0)} MB ${page.rssMb <= 150 ? 'MET' : 'MISSED'}`,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv[1] === SCRIPT) {
  if (process.argv[2] === 'child') await child(process.argv[3]!, process.argv[4]!);
  else await printFleetBench(Number(process.env.BENCH_ROUNDS ?? 5));
}
