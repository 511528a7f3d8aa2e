// SIGKILLs a supervisor at random moments just after it spawned (or restarted) its child, then starts the next
// one on the same run dir, and counts what escapes: orphans, two children at once, temp-file litter.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { listProcStats, readProcessEnvironment } from '@loop/process-identity';
import { testTempDir } from './temp-dir.js';

const WORKER = fileURLToPath(new URL('./kill-worker.mjs', import.meta.url));
const TEMP_LITTER = /\.tmp$|\.stale$/;

/** What the kill series found. */
export interface KillSeriesResult {
  kills: number;
  /** Leftover groups the next supervisor found and stopped (`orphan_group` lines). */
  orphansFound: number;
  /** Processes of the run dir alive after the last supervisor stopped: must be 0. */
  orphansLeft: number;
  /** Children that found another child running (flock refused, exit 99): must be 0. */
  twoChildren: number;
  /** Temp files seen before a supervisor started (killed writers), removed by it. */
  litterSeen: number;
  /** Temp files left after the last supervisor stopped: must be 0. */
  litterLeft: string[];
  /** Kill delays after the spawn or restart, ms. */
  delaysMs: number[];
  elapsedMs: number;
}

async function waitFor<T>(read: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error('timed out waiting');
    await sleep(5);
  }
}

const childrenOf = (pid: number): number[] => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(' ')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
};

/** Live processes whose environment names `runDir` as their supervisor's. */
export function processesOfRunDir(runDir: string): number[] {
  return listProcStats()
    .filter((stat) => stat.state !== 'Z' && stat.state !== 'X')
    .filter((stat) => readProcessEnvironment(stat.pid, 'LOOP_SUPERVISOR_RUN_DIR') === runDir)
    .map((stat) => stat.pid);
}

function startWorker(runDir: string, phase: 'spawn' | 'restart'): ChildProcess {
  return spawn(process.execPath, [WORKER, runDir, phase], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * `kills` times: start a supervisor on one run dir, wait for its child (`spawn`) or for its first child to
 * exit and be restarted (`restart`), wait a random 0-`windowMs` ms, SIGKILL the supervisor. Then a last
 * supervisor starts, runs its child, and is stopped with SIGTERM; the result counts what escaped.
 */
export async function runKillSeries(options: {
  phase: 'spawn' | 'restart';
  kills: number;
  windowMs?: number;
  random?: () => number;
}): Promise<KillSeriesResult> {
  const { phase, kills } = options;
  const windowMs = options.windowMs ?? 200;
  const random = options.random ?? Math.random;
  const runDir = testTempDir(`loop-kill-${phase}-`);
  const started = Date.now();
  const delaysMs: number[] = [];
  let litterSeen = 0;
  const countLitter = () => readdirSync(runDir).filter((name) => TEMP_LITTER.test(name));
  for (let i = 0; i <= kills; i += 1) {
    litterSeen += countLitter().length;
    const worker = startWorker(runDir, phase);
    const pid = worker.pid!;
    const exited = once(worker, 'exit');
    try {
      if (phase === 'spawn') await waitFor(() => childrenOf(pid).length > 0);
      else await waitFor(() => existsSync(join(runDir, `restarted.${pid}`)));
      if (i === kills) {
        // The last one: its child runs alone, then it stops on SIGTERM like an operator's stop.
        await waitFor(() => childrenOf(pid).length > 0 && existsSync(join(runDir, 'supervisor.child')));
        worker.kill('SIGTERM');
        await exited;
        break;
      }
      const delay = Math.floor(random() * windowMs);
      delaysMs.push(delay);
      await sleep(delay);
    } finally {
      worker.kill('SIGKILL');
    }
    await exited;
  }
  const log = existsSync(join(runDir, 'supervisor.log'))
    ? readFileSync(join(runDir, 'supervisor.log'), 'utf8')
    : '';
  // Whatever the last stop left would be an orphan: give it the kill timeout to be gone, then count.
  let left = processesOfRunDir(runDir);
  const until = Date.now() + 5000;
  while (left.length > 0 && Date.now() < until) {
    await sleep(50);
    left = processesOfRunDir(runDir);
  }
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone.
    }
  }
  return {
    kills,
    orphansFound: (log.match(/ orphan_group /g) ?? []).length,
    orphansLeft: left.length,
    twoChildren: (log.match(/ child_exit pid=\d+ code=99 /g) ?? []).length,
    litterSeen,
    litterLeft: countLitter(),
    delaysMs,
    elapsedMs: Date.now() - started,
  };
}
