// Bench: bytes per second each open live page receives while a loop writes 100 steps/s (4 stage events a step)
// into its run dir. Two clients follow the same server: one as a browser does (Accept-Encoding: gzip), one
// without compression. Counts the body bytes on the wire (not decompressed) over the measured window.

import { appendFile, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEARTBEAT_FILE, METRICS_FILE } from '@loop/run-dir';
import { startDashboardServer } from '../src/index.js';

const STEPS_PER_SECOND = 100;
const STAGES = ['strategy', 'risk', 'exec', 'position'];
const T0 = 1_553_817_600_000;

function stepLines(step: number): string {
  let out = '';
  for (let s = 0; s < 4; s++) {
    const stage = STAGES[s]!;
    const event: Record<string, unknown> = {
      v: 1,
      ts: T0 + step * 10 + s,
      step,
      stage,
      outcome: stage === 'risk' && step % 13 === 0 ? 'rejected' : 'ok',
      latency_ms: Number(((((step * 4 + s) * 7919) % 5000) / 1000 + 0.01 * s).toFixed(3)),
    };
    if (event.outcome === 'rejected') {
      event.reason = 'MAX_POSITION';
      event.detail = 'position=3 limit=2';
    }
    if (stage === 'exec') event.attrs = { orders: 1, fills: step % 3 === 0 ? 1 : 0 };
    if (stage === 'position') event.attrs = { position: step % 5, equity: 10_000 + (step % 1000) * 0.5 };
    out += `${JSON.stringify(event)}\n`;
  }
  return out;
}

interface Tab {
  bytes: number;
  messages: number;
  close(): void;
}

function follow(url: string, gzip: boolean): Promise<Tab> {
  return new Promise((resolve, reject) => {
    const tab: Tab = { bytes: 0, messages: 0, close: () => req.destroy() };
    const req = get(`${url}events`, { headers: gzip ? { 'Accept-Encoding': 'gzip' } : {} }, (res) => {
      res.on('data', (chunk: Buffer) => {
        tab.bytes += chunk.length;
        tab.messages += 1;
      });
      resolve(tab);
    });
    req.on('error', reject);
  });
}

/** Result of {@link liveBytesBench}. */
export interface LiveBytesFigures {
  seconds: number;
  steps: number;
  gzipBytesPerSecond: number;
  plainBytesPerSecond: number;
  updates: number;
}

/** Runs the writer and the two clients for `seconds` after a 2 s warm-up; returns bytes per second per tab. */
export async function liveBytesBench(
  seconds = Number(process.env.BENCH_LIVE_SECONDS ?? 10),
): Promise<LiveBytesFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'loop-dashboard-live-bench-'));
  const metrics = join(dir, METRICS_FILE);
  const heartbeat = join(dir, HEARTBEAT_FILE);
  await writeFile(metrics, '');
  await writeFile(heartbeat, '');
  const server = await startDashboardServer({ runDir: dir, port: 0 });
  let step = 0;
  const started = performance.now();
  // Steps due are counted from the clock, so a late timer writes a bigger batch instead of fewer steps.
  const writer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000) * STEPS_PER_SECOND);
    let text = '';
    while (step < due) text += stepLines(++step);
    if (text === '') return;
    void appendFile(metrics, text).then(() => {
      const now = new Date();
      return utimes(heartbeat, now, now);
    });
  }, 20);
  try {
    const gzipTab = await follow(server.url, true);
    const plainTab = await follow(server.url, false);
    await new Promise((r) => setTimeout(r, 2_000)); // the first (whole-page) message and warm-up are left out
    const base = { gzip: gzipTab.bytes, plain: plainTab.bytes, steps: step, id: server.eventId() };
    const from = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const elapsed = (performance.now() - from) / 1000;
    const updates = Number(server.eventId().split('-')[1]) - Number(base.id.split('-')[1]);
    gzipTab.close();
    plainTab.close();
    return {
      seconds: elapsed,
      steps: step - base.steps,
      gzipBytesPerSecond: (gzipTab.bytes - base.gzip) / elapsed,
      plainBytesPerSecond: (plainTab.bytes - base.plain) / elapsed,
      updates,
    };
  } finally {
    clearInterval(writer);
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Prints the live row. */
export async function printLiveBytes(): Promise<void> {
  const f = await liveBytesBench();
  const kb = (b: number) => (b / 1000).toFixed(1);
  console.log(
    `live: ${f.steps} steps in ${f.seconds.toFixed(1)} s (${(f.steps / f.seconds).toFixed(0)} steps/s, ${f.updates} updates): ` +
      `${kb(f.gzipBytesPerSecond)} KB/s per tab with gzip, ${kb(f.plainBytesPerSecond)} KB/s without`,
  );
}
