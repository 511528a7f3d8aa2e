import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processIdentity } from '@loop/process-identity';
import { afterEach, describe, expect, it } from 'vitest';
import { testTempDir } from '../test/temp-dir.js';
import { SUPERVISOR_LOCK_FILE } from './file-names.js';
import { acquireRunDirLock } from './run-dir-lock.js';

const children: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

const linux = process.platform === 'linux';
const lockText = (pid: number): string => (linux ? `${pid} ${processIdentity(pid)}\n` : `${pid}\n`);
const deadPid = (): number => Number(spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim());

describe('acquireRunDirLock', () => {
  it('holds the pid and its identity, refuses a second owner, and is removed on release', () => {
    const dir = testTempDir('loop-lock-');
    const lock = acquireRunDirLock(dir);
    expect(readFileSync(join(dir, SUPERVISOR_LOCK_FILE), 'utf8')).toBe(lockText(process.pid));
    const other = spawn('sleep', ['30']);
    children.push(other);
    expect(() => acquireRunDirLock(dir, other.pid)).toThrowError(
      expect.objectContaining({
        code: 'LOOP_SUPERVISOR_LOCKED',
        context: expect.objectContaining({ holder: process.pid }),
      }),
    );
    // A second supervisor of the same run dir in this very process is refused too.
    expect(() => acquireRunDirLock(dir)).toThrowError(
      expect.objectContaining({ code: 'LOOP_SUPERVISOR_LOCKED' }),
    );
    lock.release();
    lock.release();
    expect(existsSync(join(dir, SUPERVISOR_LOCK_FILE))).toBe(false);
  });

  it('takes over a stale lock whose pid is dead', () => {
    const dir = testTempDir('loop-lock-');
    const dead = deadPid();
    writeFileSync(join(dir, SUPERVISOR_LOCK_FILE), `${dead}\n`);
    const lock = acquireRunDirLock(dir);
    expect(lock.tookOverFrom).toBe(dead);
    expect(readFileSync(join(dir, SUPERVISOR_LOCK_FILE), 'utf8')).toBe(lockText(process.pid));
    lock.release();
  });

  it('takes over a lock of its own pid from an earlier life (a container whose supervisor is pid 1 each time)', () => {
    const dir = testTempDir('loop-lock-');
    writeFileSync(join(dir, SUPERVISOR_LOCK_FILE), `${process.pid} 00000000-dead-beef:1\n`);
    const lock = acquireRunDirLock(dir);
    expect(lock.tookOverFrom).toBe(process.pid);
    lock.release();
    writeFileSync(join(dir, SUPERVISOR_LOCK_FILE), `${process.pid}\n`); // an old-format lock of our pid
    acquireRunDirLock(dir).release();
  });

  it.skipIf(!linux)('takes over a lock whose pid now belongs to another process (pid reused)', () => {
    const dir = testTempDir('loop-lock-');
    const other = spawn('sleep', ['30']);
    children.push(other);
    // The same pid, but the process that wrote the lock started at another time (or before a reboot).
    writeFileSync(join(dir, SUPERVISOR_LOCK_FILE), `${other.pid} ${processIdentity(other.pid!)}0\n`);
    const lock = acquireRunDirLock(dir);
    expect(lock.tookOverFrom).toBe(other.pid);
    lock.release();
    // While the identity matches, the holder is live.
    writeFileSync(join(dir, SUPERVISOR_LOCK_FILE), lockText(other.pid!));
    expect(() => acquireRunDirLock(dir)).toThrowError(
      expect.objectContaining({ code: 'LOOP_SUPERVISOR_LOCKED' }),
    );
  });

  it('takes over a lock with garbage in it', () => {
    const dir = testTempDir('loop-lock-');
    writeFileSync(join(dir, SUPERVISOR_LOCK_FILE), 'not a pid');
    acquireRunDirLock(dir).release();
  });
});
