// Bench: build + render the dashboard from 1,000,000 events across rotated files, against the floor
// (a bare line-by-line JSON.parse of the same files). Each contender runs in its own child process so its
// peak RSS is its own. Prints time, peak RSS and page size, and the ratios to the floor.
import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { listMetricsFiles, readEvents } from '@loop/metrics';
import { RunHistory, readMetricsSummary, readRunInfo } from '@loop/run-dir';
import { composeDashboardModel } from '../src/compose-model.js';
import { buildModel, renderDashboard } from '../src/index.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const LINES_PER_FILE = 100_000;
const STAGES = ['strategy', 'risk', 'exec', 'position'];

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

/** The floor: readline over every file in order, JSON.parse on each line, nothing else. */
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

/** The same floor with a chunked reader splitting on newline bytes (cheaper than readline). */
async function floorChunks(dir: string): Promise<number> {
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
  const start = performance.now();
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
  const ms = performance.now() - start;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ mode, ms, rssMb, events, pageBytes })}\n`);
}

interface Figures {
  mode: string;
  ms: number;
  rssMb: number;
  events: number;
  pageBytes: number;
}

function runChild(mode: string, dir: string): Figures {
  const script = fileURLToPath(import.meta.url);
  const result = spawnSync(process.execPath, [...process.execArgv, script, 'child', mode, dir], {
    encoding: 'utf8',
    maxBuffer: 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`bench child ${mode} failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Figures;
}

async function main(): Promise<void> {
  if (process.argv[2] === 'child') return child(process.argv[3]!, process.argv[4]!);
  const dir = await mkdtemp(join(tmpdir(), 'loop-dashboard-bench-'));
  try {
    const bytes = await generate(dir);
    const files = (await readdir(dir)).length;
    console.log(
      `@loop/dashboard bench: ${EVENTS.toLocaleString('en-US')} events, ${files} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB`,
    );
    const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
    const modes = ['floor-readline', 'floor-chunks', 'dashboard', 'metrics-reader'];
    const best = new Map<string, Figures>();
    for (let r = 0; r < rounds; r++) {
      for (const mode of modes) {
        const figures = runChild(mode, dir);
        const prior = best.get(mode);
        if (!prior || figures.ms < prior.ms)
          best.set(mode, { ...figures, rssMb: Math.max(figures.rssMb, prior?.rssMb ?? 0) });
        else prior.rssMb = Math.max(prior.rssMb, figures.rssMb);
      }
    }
    const floor = [best.get('floor-readline')!, best.get('floor-chunks')!].sort((a, b) => a.ms - b.ms)[0]!;
    console.log(`best of ${rounds} rounds, each in a fresh child process; peak RSS is the worst round's`);
    console.log('mode               time ms   x floor   peak RSS MB   page KiB   events');
    for (const mode of modes) {
      const f = best.get(mode)!;
      console.log(
        `${mode.padEnd(18)} ${f.ms.toFixed(0).padStart(7)}   ${(f.ms / floor.ms).toFixed(2).padStart(7)}   ${f.rssMb.toFixed(0).padStart(11)}   ${(f.pageBytes / 1024).toFixed(0).padStart(8)}   ${f.events}`,
      );
    }
    const dash = best.get('dashboard')!;
    console.log(
      `targets: time <= 1.5x floor (${floor.mode}): ${(dash.ms / floor.ms).toFixed(2)}x ${dash.ms / floor.ms <= 1.5 ? 'MET' : 'MISSED'}; ` +
        `peak RSS <= 150 MB: ${dash.rssMb.toFixed(0)} MB ${dash.rssMb <= 150 ? 'MET' : 'MISSED'}; ` +
        `page < 1 MB: ${(dash.pageBytes / 1024).toFixed(0)} KiB ${dash.pageBytes < 1024 * 1024 ? 'MET' : 'MISSED'}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
