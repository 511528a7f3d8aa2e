// Bench: restart gap (child exit -> next child start) with zero backoff and RSS, @loop/supervisor vs PM2, same run.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const RESTARTS = 30;
const TARGET_MEDIAN_MS = 5;
const here = fileURLToPath(new URL('.', import.meta.url));
const shPath = execFileSync('sh', ['-c', 'command -v sh']).toString().trim();

interface Stats {
  median: number;
  p90: number;
  min: number;
  max: number;
  n: number;
}

function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const median =
    sorted.length % 2 === 1
      ? sorted[(sorted.length - 1) / 2]!
      : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  return { median, p90: at(0.9), min: sorted[0]!, max: sorted[sorted.length - 1]!, n: sorted.length };
}

function processMemoryKb(pid: number | 'self'): { rssKb: number; peakRssKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssKb: kb('VmRSS'), peakRssKb: kb('VmHWM') };
}

interface OursResult {
  gapsMs: number[];
  wallGapsMs: number[];
  rssKb: number;
  peakRssKb: number;
}

/** @loop/supervisor in its own node process, as `loop supervise` runs it. */
async function measureOurs(notifyUrl?: string): Promise<OursResult> {
  const dist = join(here, '..', 'dist', 'index.js');
  if (!existsSync(dist))
    throw new Error(`${dist} is missing: run \`pnpm --filter @loop/supervisor build\` first`);
  const runDir = mkdtempSync(join(tmpdir(), 'loop-bench-supervise-'));
  try {
    const args = [join(here, 'supervise-worker.mjs'), runDir, String(RESTARTS)];
    if (notifyUrl !== undefined) args.push(notifyUrl);
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`bench worker exited ${code}`);
    return JSON.parse(out.trim().split('\n').at(-1)!) as OursResult;
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
}

/** Restart gaps of node:child_process spawn, restarting in the exit handler (what the supervisor does). */
function childProcessGaps(restarts: number): Promise<number[]> {
  const gaps: number[] = [];
  return new Promise((resolve) => {
    let exitAt = 0;
    const once = (n: number) => {
      const child: ChildProcess = spawn(shPath, ['-c', 'exit 1'], { detached: true, stdio: 'ignore' });
      if (n > 0) gaps.push(performance.now() - exitAt);
      child.once('exit', () => {
        exitAt = performance.now();
        if (n < restarts) once(n + 1);
        else resolve(gaps);
      });
    };
    once(0);
  });
}

/** Restart gaps of execa, restarting when its promise settles; the gap counts from the child's exit event. */
async function execaGaps(restarts: number): Promise<number[]> {
  const { execa } = await import('execa');
  const gaps: number[] = [];
  let exitAt = 0;
  for (let n = 0; n <= restarts; n += 1) {
    const run = execa(shPath, ['-c', 'exit 1'], { detached: true, stdio: 'ignore', reject: false });
    if (n > 0) gaps.push(performance.now() - exitAt);
    run.once('exit', () => {
      exitAt = performance.now();
    });
    await run;
  }
  return gaps;
}

/** The spawn backends the supervisor could use, alternated over 3 rounds after a warm-up, in this process. */
async function measureSpawnBackends(): Promise<{ childProcess: number[]; execa: number[] }> {
  await childProcessGaps(5);
  await execaGaps(5);
  const result = { childProcess: [] as number[], execa: [] as number[] };
  for (let round = 0; round < 3; round += 1) {
    result.childProcess.push(...(await childProcessGaps(RESTARTS)));
    result.execa.push(...(await execaGaps(RESTARTS)));
  }
  return result;
}

interface Pm2Result {
  gapsMs: number[];
  version: string;
  daemonRssKb: number;
  daemonPeakRssKb: number;
}

interface Pm2Packet {
  event: string;
  at: number;
  process: { name: string };
}

/** PM2 (npm `pm2`) with PM2_HOME in a temp dir, restart_delay 0, autorestart on; gaps from its bus events. */
async function measurePm2(): Promise<Pm2Result> {
  const home = mkdtempSync(join(tmpdir(), 'loop-bench-pm2-'));
  process.env.PM2_HOME = home;
  const require = createRequire(import.meta.url);
  // pm2 reads PM2_HOME when it is loaded, so it is loaded only now.
  const pm2 = require('pm2') as typeof import('pm2');
  const version = (require('pm2/package.json') as { version: string }).version;
  const call = <T>(fn: (cb: (error: Error | null, value: T) => void) => void) =>
    new Promise<T>((resolve, reject) => fn((error, value) => (error ? reject(error) : resolve(value))));
  let daemonPid: number | undefined;
  try {
    await call<void>((cb) => pm2.connect(false, (error) => cb(error ?? null, undefined)));
    daemonPid = Number(readFileSync(join(home, 'pm2.pid'), 'utf8'));
    const bus = await call<{ on(event: string, listener: (packet: Pm2Packet) => void): void }>((cb) =>
      pm2.launchBus(cb as never),
    );
    const events: Pm2Packet[] = [];
    let onlines = 0;
    const enough = new Promise<void>((resolve) => {
      bus.on('process:event', (packet) => {
        if (packet.process.name !== 'loop-bench') return;
        events.push(packet);
        if (packet.event === 'online') onlines += 1;
        if (onlines > RESTARTS) resolve();
      });
    });
    await call((cb) =>
      pm2.start(
        {
          name: 'loop-bench',
          script: shPath,
          args: ['-c', 'exit 1'],
          interpreter: 'none',
          exec_mode: 'fork',
          autorestart: true,
          restart_delay: 0,
          max_restarts: 10_000,
          vizion: false,
          output: '/dev/null',
          error: '/dev/null',
        } as never,
        cb as never,
      ),
    );
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('pm2 did not restart 30 times within 60 s')), 60_000).unref(),
    );
    await Promise.race([enough, timeout]);
    const memory = processMemoryKb(daemonPid);
    await call((cb) => pm2.delete('loop-bench', cb as never));
    const gapsMs: number[] = [];
    for (let i = 0; i + 1 < events.length && gapsMs.length < RESTARTS; i += 1) {
      if (events[i]!.event !== 'exit') continue;
      const next = events.slice(i + 1).find((e) => e.event === 'online');
      if (next) gapsMs.push(next.at - events[i]!.at);
    }
    return { gapsMs, version, daemonRssKb: memory.rssKb, daemonPeakRssKb: memory.peakRssKb };
  } finally {
    await call<void>((cb) => pm2.killDaemon(() => cb(null, undefined))).catch(() => {});
    pm2.disconnect();
    if (daemonPid !== undefined) {
      try {
        process.kill(daemonPid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    rmSync(home, { recursive: true, force: true });
  }
}

const ms = (value: number) => `${value.toFixed(2)} ms`;
const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`;
function row(label: string, s: Stats): string {
  return `  ${label.padEnd(44)} median ${ms(s.median).padStart(9)}  p90 ${ms(s.p90).padStart(9)}  min ${ms(s.min).padStart(9)}  max ${ms(s.max).padStart(9)}  (n=${s.n})`;
}

/** A notification receiver that accepts the request and never answers. */
async function hangingReceiver(): Promise<{ url: string; close(): void }> {
  const { createServer } = await import('node:http');
  const server = createServer(() => {
    // never answers
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hook`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Restart gaps without and with a hanging --notify-url, alternated over 3 rounds. */
async function measureWithHangingNotifier(): Promise<{ without: number[]; with: number[] }> {
  const receiver = await hangingReceiver();
  const result = { without: [] as number[], with: [] as number[] };
  try {
    for (let round = 0; round < 3; round += 1) {
      result.without.push(...(await measureOurs()).gapsMs);
      result.with.push(...(await measureOurs(receiver.url)).gapsMs);
    }
  } finally {
    receiver.close();
  }
  return result;
}

const ours = await measureOurs();
const notifying = await measureWithHangingNotifier();
const backends = await measureSpawnBackends();
const pm2 = await measurePm2();
const oursStats = stats(ours.gapsMs);
const oursWall = stats(ours.wallGapsMs);
const pm2Stats = stats(pm2.gapsMs);
const cp = stats(backends.childProcess);
const ex = stats(backends.execa);

console.log(
  `restart gap: child exit -> next child start, zero backoff, \`sh -c 'exit 1'\`, ${RESTARTS} restarts`,
);
console.log(row('@loop/supervisor (monotonic clock)', oursStats));
console.log(row('@loop/supervisor (wall clock, 1 ms steps)', oursWall));
console.log(row(`pm2 ${pm2.version} (bus exit -> online, 1 ms steps)`, pm2Stats));
console.log(
  `  ratio pm2 / @loop/supervisor (median): ${(pm2Stats.median / Math.max(oursStats.median, 0.001)).toFixed(1)}x` +
    ` (wall clock vs wall clock: ${(pm2Stats.median / Math.max(oursWall.median, 0.5)).toFixed(1)}x, floor 0.5 ms)`,
);
console.log(
  `  target: median <= ${TARGET_MEDIAN_MS} ms: ${oursStats.median <= TARGET_MEDIAN_MS ? 'met' : 'MISSED'} (${ms(oursStats.median)})`,
);
const quiet = stats(notifying.without);
const hung = stats(notifying.with);
console.log('');
console.log('restart gap with a notifier that never answers (--notify-url, 3 alternating rounds):');
console.log(row('no notifier', quiet));
console.log(row('--notify-url to a receiver that hangs', hung));
const notifyRatio = hung.median / Math.max(quiet.median, 0.001);
console.log(
  `  ratio with / without (median): ${notifyRatio.toFixed(2)}x; target <= 1.1x: ${notifyRatio <= 1.1 ? 'met' : 'MISSED'}`,
);
console.log('');
console.log('spawn backend alone, in this process, 3 alternating rounds of 30 restarts:');
console.log(row('node:child_process spawn (what we use)', cp));
console.log(row('execa', ex));
console.log(`  ratio execa / child_process (median): ${(ex.median / cp.median).toFixed(1)}x`);
console.log('');
console.log('memory (VmRSS at the end of the restarts; peak VmHWM):');
console.log(`  @loop/supervisor process  ${mb(ours.rssKb).padStart(9)}  (peak ${mb(ours.peakRssKb)})`);
console.log(
  `  pm2 daemon                ${mb(pm2.daemonRssKb).padStart(9)}  (peak ${mb(pm2.daemonPeakRssKb)})`,
);
console.log(`  ratio pm2 daemon / @loop/supervisor: ${(pm2.daemonRssKb / ours.rssKb).toFixed(1)}x`);
// pm2's client keeps a socket to its (now killed) daemon's bus open; nothing else is pending.
process.exit(0);
