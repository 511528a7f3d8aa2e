// One live `loop run` per run dir: a second one is refused (exit 1, naming the dir and the pid) and leaves the
// first run's files alone; a lock left by a dead process is taken over; the lock is gone after the run.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultPromise } from 'execa';
import { describe, expect, it } from 'vitest';
import { loop, readRunJson, tempDir, waitFor } from './harness.js';

/** True once run.json says that `pid`'s run is running. */
function running(dir: string, pid: number | undefined): boolean {
  try {
    const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    return run.status === 'running' && run.pid === pid;
  } catch {
    return false;
  }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Starts a real-clock run in `dir` and waits until it is running (its run.json + heartbeat). The child is
 * wrapped: a ResultPromise is a thenable, and returning it bare would wait for the run to end.
 */
async function startLiveRun(dir: string): Promise<{ child: ResultPromise }> {
  const child = loop(['run', '--run-dir', dir, '--clock', 'real', '--step-interval-ms', '20']);
  await waitFor(() => running(dir, child.pid) && existsSync(join(dir, 'heartbeat')));
  return { child };
}

describe('loop run: run-dir lock', () => {
  it('refuses a second run on a dir a live run uses, leaving its run.json alone', async () => {
    const dir = join(tempDir(), 'live');
    const { child: first } = await startLiveRun(dir);
    const lockFile = join(dir, 'run.lock');
    expect(readFileSync(lockFile, 'utf8').split(' ')[0]).toBe(String(first.pid));
    const before = readFileSync(join(dir, 'run.json'));

    for (const extra of [[], ['--enable-metrics']]) {
      const second = await loop(['run', '--run-dir', dir, '--max-steps', '10', ...extra]);
      expect(second.exitCode, String(second.stdout)).toBe(1);
      expect(String(second.stdout)).toBe('');
      expect(String(second.stderr).trim()).toMatch(
        new RegExp(
          `^loop run: --run-dir: "${escapeRegExp(dir)}" is in use by a live process \\(pid ${first.pid}\\) \\(lock ${escapeRegExp(lockFile)}\\); stop it or use another --run-dir$`,
        ),
      );
      expect(readFileSync(join(dir, 'run.json')).equals(before)).toBe(true);
      expect(readFileSync(lockFile, 'utf8').split(' ')[0]).toBe(String(first.pid));
      expect(readdirSync(dir).sort()).toEqual(['heartbeat', 'run.json', 'run.lock']);
    }

    // Bad input is still refused as bad input (exit 2) before the lock is looked at.
    const bad = await loop(['run', '--run-dir', dir, '--seed', 'abc']);
    expect(bad.exitCode).toBe(2);
    expect(String(bad.stderr)).toMatch(/--seed/);

    first.kill('SIGTERM');
    const r = await first;
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(readRunJson(dir)).toMatchObject({ status: 'ended', ended: 'signal', pid: first.pid });
    expect(existsSync(lockFile)).toBe(false); // released at exit

    // Now the dir is free.
    const next = await loop(['run', '--run-dir', dir, '--max-steps', '10']);
    expect(next.exitCode, String(next.stderr)).toBe(0);
    expect(readRunJson(dir)).toMatchObject({ status: 'ended', ended: 'completed', pid: null });
  });

  it('takes over a lock left by a dead process and removes it at exit', async () => {
    const dead = loop(['--version']);
    expect((await dead).exitCode).toBe(0); // its pid is now a dead one
    expect(dead.pid).toBeGreaterThan(0);
    const dir = join(tempDir(), 'stale');
    mkdirSync(dir);
    writeFileSync(join(dir, 'run.lock'), `${dead.pid}\n`);

    const r = await loop(['run', '--run-dir', dir, '--max-steps', '20']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(readRunJson(dir)).toMatchObject({ status: 'ended', ended: 'completed' });
    expect(readdirSync(dir).sort()).toEqual(['heartbeat', 'run.json']);
  });

  it('takes over a lock left by a killed run (SIGKILL) and records the new run', async () => {
    const dir = join(tempDir(), 'killed');
    const { child: first } = await startLiveRun(dir);
    first.kill('SIGKILL');
    await first;
    expect(readFileSync(join(dir, 'run.lock'), 'utf8').split(' ')[0]).toBe(String(first.pid)); // left behind

    const { child: second } = await startLiveRun(dir);
    expect(readFileSync(join(dir, 'run.lock'), 'utf8').split(' ')[0]).toBe(String(second.pid));
    expect(readRunJson(dir).pid).toBe(second.pid);
    second.kill('SIGINT');
    expect((await second).exitCode).toBe(0);
    expect(existsSync(join(dir, 'run.lock'))).toBe(false);
  });
});
