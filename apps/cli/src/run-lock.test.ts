// Unit tests of the run-dir lock: taking, refusing, taking over stale locks, releasing only our own lock.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isLoopCliError } from './errors.js';
import { acquireRunLock, RUN_LOCK_FILE } from './run-lock.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function runDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'loop-run-lock-'));
  dirs.push(dir);
  return dir;
}
/** The lock's pid line as `<pid>\n` (the identity after the pid, `<boot id>:<start ticks>`, left out). */
const lockPid = (dir: string) => `${readFileSync(join(dir, RUN_LOCK_FILE), 'utf8').split(/[ \n]/)[0]}\n`;

function refusal(fn: () => unknown): Error & { code?: string; exitCode?: number } {
  try {
    fn();
  } catch (error) {
    expect(isLoopCliError(error)).toBe(true);
    return error as Error;
  }
  throw new Error('expected a refusal');
}

describe('acquireRunLock', () => {
  it('writes the pid, leaves no temp file, and removes the lock on release (idempotent)', () => {
    const dir = runDir();
    const lock = acquireRunLock(dir);
    expect(lockPid(dir)).toBe(`${process.pid}\n`);
    expect(readdirSync(dir)).toEqual([RUN_LOCK_FILE]);
    lock.release();
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a second lock of the same dir in this process, until released', () => {
    const dir = runDir();
    const lock = acquireRunLock(dir);
    const error = refusal(() => acquireRunLock(dir));
    expect(error).toMatchObject({ code: 'LOOP_CLI_RUNTIME', exitCode: 1 });
    expect(error.message).toContain('in use by another run of this process');
    lock.release();
    acquireRunLock(dir).release();
  });

  it('refuses a lock held by a live process, naming the dir and its pid', () => {
    const dir = runDir();
    writeFileSync(join(dir, RUN_LOCK_FILE), `${process.ppid}\n`); // our parent is alive
    const error = refusal(() => acquireRunLock(dir));
    expect(error.message).toBe(
      `loop run: --run-dir: "${dir}" is in use by a live process (pid ${process.ppid}) (lock ${join(dir, RUN_LOCK_FILE)}); stop it or use another --run-dir`,
    );
    expect(lockPid(dir)).toBe(`${process.ppid}\n`);
    expect(readdirSync(dir)).toEqual([RUN_LOCK_FILE]);
  });

  it.each([
    ['a dead pid', '2147483646\n'],
    ['garbage', 'not a pid'],
    ['an empty file', ''],
    ["this process's own pid from an earlier life", `${process.pid}\n`],
  ])('takes over a lock holding %s', (_name, content) => {
    const dir = runDir();
    writeFileSync(join(dir, RUN_LOCK_FILE), content);
    const lock = acquireRunLock(dir);
    expect(lockPid(dir)).toBe(`${process.pid}\n`);
    expect(readdirSync(dir)).toEqual([RUN_LOCK_FILE]);
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('does not remove a lock that is no longer ours', () => {
    const dir = runDir();
    const lock = acquireRunLock(dir);
    writeFileSync(join(dir, RUN_LOCK_FILE), '12345\n');
    lock.release();
    expect(lockPid(dir)).toBe('12345\n');
  });

  it('fails with a runtime error naming the lock when the run dir does not exist', () => {
    const dir = join(runDir(), 'missing');
    const error = refusal(() => acquireRunLock(dir));
    expect(error).toMatchObject({ code: 'LOOP_CLI_RUNTIME', exitCode: 1 });
    expect(error.message).toContain(join(dir, RUN_LOCK_FILE));
  });
});
