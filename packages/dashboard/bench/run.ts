// Bench: build + render the dashboard from 1,000,000 events across rotated files, against the floor
// (a bare line-by-line JSON.parse of the same files). Each contender runs in its own child process so its
// peak RSS is its own. Prints time, peak RSS and page size, and the ratios to the floor.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEvents } from '@loop/metrics';
import { RunHistory, readMetricsSummary, readRunInfo } from '@loop/run-dir';
import {
  BENCH_EVENTS,
  bestOfRounds,
  type ChildFigures,
  fasterOf,
  floorChunks,
  floorReadline,
  markChildStart,
  reportChildFigures,
  writeBenchRunDir,
} from '../../run-dir/bench/bench-run-dir.js';
import { composeDashboardModel } from '../src/compose-model.js';
import { buildModel, renderDashboard } from '../src/index.js';
import { printFleetBench } from './fleet.js';
import { printLiveBytes } from './live-bytes.js';

/** The alternative: @loop/metrics' readEvents() stream feeding the same aggregate and renderer. */
async function viaMetricsReader(dir: string): Promise<{ events: number; pageBytes: number }> {
  const history = new RunHistory({ tailLines: 50 });
  const stream = readEvents(dir);
  for await (const { event, file, line } of stream) history.addEvent(event, file, line);
  const model = composeDashboardModel({
    runDir: dir,
    history,
    files: [],
    summary: await readMetricsSummary(dir),
    runInfo: await readRunInfo(dir),
  });
  return { events: history.events, pageBytes: Buffer.byteLength(renderDashboard(model)) };
}

async function child(mode: string, dir: string): Promise<void> {
  const start = markChildStart();
  let events = 0;
  let pageBytes = 0;
  if (mode === 'floor-readline') events = await floorReadline(dir);
  else if (mode === 'floor-chunks') events = await floorChunks(dir);
  else if (mode === 'metrics-reader') ({ events, pageBytes } = await viaMetricsReader(dir));
  else {
    const model = await buildModel(dir, { tailLines: 50 });
    const html = renderDashboard(model);
    events = model.quality.eventsRead;
    pageBytes = Buffer.byteLength(html);
  }
  reportChildFigures(mode, start, { events, pageBytes });
}

interface Figures extends ChildFigures {
  events: number;
  pageBytes: number;
}

async function main(): Promise<void> {
  if (process.argv[2] === 'child') return child(process.argv[3]!, process.argv[4]!);
  // `pnpm bench live`: only the live row (bytes per second per open page).
  if (process.argv[2] === 'live') return printLiveBytes();
  // `pnpm bench fleet`: only the fleet rows (100 run dirs).
  if (process.argv[2] === 'fleet') return printFleetBench(Number(process.env.BENCH_ROUNDS ?? 5));
  const dir = await mkdtemp(join(tmpdir(), 'loop-dashboard-bench-'));
  try {
    // The exec events carry no order counts here (the figures before the shared fixture were measured so).
    const bytes = await writeBenchRunDir(dir, { execCounts: false });
    const files = (await readdir(dir)).length;
    console.log(
      `@loop/dashboard bench: ${BENCH_EVENTS.toLocaleString('en-US')} events, ${files} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB`,
    );
    const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
    const modes = ['floor-readline', 'floor-chunks', 'dashboard', 'metrics-reader'];
    const best = bestOfRounds<Figures>(fileURLToPath(import.meta.url), modes, [dir], rounds);
    const floor = fasterOf(best, 'floor-readline', 'floor-chunks');
    const cpuFloor = Math.min(best.get('floor-readline')!.cpuMs, best.get('floor-chunks')!.cpuMs);
    console.log(
      `best of ${rounds} rounds, each in a fresh child process; peak RSS is the worst round's; load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} on ${availableParallelism()} cores`,
    );
    console.log('mode               time ms   x floor    CPU ms   x floor   peak RSS MB   page KiB   events');
    for (const mode of modes) {
      const f = best.get(mode)!;
      console.log(
        `${mode.padEnd(18)} ${f.ms.toFixed(0).padStart(7)}   ${(f.ms / floor.ms).toFixed(2).padStart(7)}   ${f.cpuMs.toFixed(0).padStart(7)}   ${(f.cpuMs / cpuFloor).toFixed(2).padStart(7)}   ${f.rssMb.toFixed(0).padStart(11)}   ${(f.pageBytes / 1024).toFixed(0).padStart(8)}   ${f.events}`,
      );
    }
    const dash = best.get('dashboard')!;
    // On cores busy with other work the wall time measures the queue; CPU time (user + system) is the cost.
    console.log(
      `targets: time <= 1.5x floor (${floor.mode}): ${(dash.ms / floor.ms).toFixed(2)}x ${dash.ms / floor.ms <= 1.5 ? 'MET' : 'MISSED'} ` +
        `(CPU time ${(dash.cpuMs / cpuFloor).toFixed(2)}x ${dash.cpuMs / cpuFloor <= 1.5 ? 'MET' : 'MISSED'}); ` +
        `peak RSS <= 150 MB: ${dash.rssMb.toFixed(0)} MB ${dash.rssMb <= 150 ? 'MET' : 'MISSED'}; ` +
        `page < 1 MB: ${(dash.pageBytes / 1024).toFixed(0)} KiB ${dash.pageBytes < 1024 * 1024 ? 'MET' : 'MISSED'}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  // `pnpm bench run`: only the 1M-event rows above.
  if (process.argv[2] === 'run') return;
  await printFleetBench(Number(process.env.BENCH_ROUNDS ?? 5));
  await printLiveBytes();
}

await main();
