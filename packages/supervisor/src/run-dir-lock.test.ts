import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireRunDirLock, SUPERVISOR_LOCK_FILE } from './run-dir-lock.js';

const children: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe('acquireRunDirLock', () => {
  it('holds the pid, refuses a second owner, and is removed on release', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loop-lock-'));
    const lock = acquireRunDirLock(dir);
    expect(readFileSync(join(dir, SUPERVISOR_LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    const other = spawn('sleep', ['30']);
    children.push(other);
    expect(() => acquireRunDirLock(dir, other.pid)).toThrowError(
      expect.objectContaining({
        code: 'LOOP_SUPERVISOR_LOCKED',
        context: expect.objectContaining({ holder: process.pid }),
      }),
    );
    lock.release();
    expect(existsSync(join(dir, SUPERVISOR_LOCK_FILE))).toBe(false);
  });

  it('takes over a stale lock whose pid is dead', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loop-lock-'));
    const dead = spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim();
    writeFileSync(join(dir, SUPERVISOR_LOCK_FILE), `${dead}\n`);
    const lock = acquireRunDirLock(dir);
    expect(lock.tookOverFrom).toBe(Number(dead));
    expect(readFileSync(join(dir, SUPERVISOR_LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    lock.release();
  });

  it('takes over a lock with garbage in it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loop-lock-'));
    writeFileSync(join(dir, SUPERVISOR_LOCK_FILE), 'not a pid');
    acquireRunDirLock(dir).release();
  });
});
