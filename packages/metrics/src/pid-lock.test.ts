// Tests of the pid lock: taking, refusing a live holder (a real process), taking over stale locks, releasing
// only our own lock, and N processes racing for one lock (at most one holder at any time).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isMetricsError } from './errors.js';
import { isProcessAlive, tryAcquirePidLock } from './pid-lock.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const PID_LOCK_MODULE = new URL('./pid-lock.ts', import.meta.url).href;

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map(kill));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function lockDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'loop-pid-lock-'));
  dirs.push(dir);
  return dir;
}

/** The pid a lock file names (its first word); the rest is the holder's identity. */
function lockHolder(file: string): number {
  return Number(readFileSync(file, 'utf8').split(/[ \n]/)[0]);
}

/** Kills a child (if still running) and waits until it is reaped, so its pid is dead. */
async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

/** Runs `script` (an ES module body; `tryAcquirePidLock` in scope, `argv` = the extra args) in a child. */
function child(script: string, args: string[]): ChildProcess {
  const body = `const { tryAcquirePidLock } = await import(${JSON.stringify(PID_LOCK_MODULE)});\nconst argv = process.argv.slice(1);\n${script}`;
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', body, ...args], {
    cwd: PACKAGE_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  return proc;
}

function exitOf(
  proc: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal, stderr })));
}

/** Resolves once the child has printed `line`, rejects if it exits first. */
function printed(proc: ChildProcess, line: string): Promise<void> {
  let out = '';
  return new Promise((resolve, reject) => {
    proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.split('\n').includes(line)) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`child exited (${code}) before printing ${line}: ${out}`)));
  });
}

/** A pid that was alive a moment ago and is now dead (its process exited and was reaped). */
function deadPid(): number {
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  const pid = Number(dead.stdout);
  expect(isProcessAlive(pid)).toBe(false);
  return pid;
}

const HOLD_FOREVER = `
const attempt = tryAcquirePidLock(argv[0]);
if (!attempt.ok) { console.log('refused ' + attempt.holderPid); process.exit(1); }
console.log('held');
setInterval(() => {}, 1000);
`;

describe('tryAcquirePidLock', () => {
  it('writes our pid without a half-written file, leaves no temp file, and removes the lock on release (idempotent)', () => {
    const dir = lockDir();
    const file = join(dir, 'x.lock');
    const attempt = tryAcquirePidLock(file);
    if (!attempt.ok) throw new Error('expected the lock');
    expect(attempt.lock.file).toBe(file);
    expect(lockHolder(file)).toBe(process.pid);
    if (process.platform === 'linux') {
      // The pid and this life of it (boot id, start time), so a later process reusing the pid is not the holder.
      expect(readFileSync(file, 'utf8')).toMatch(new RegExp(`^${process.pid} [0-9a-f-]{36}:\\d+\n$`));
    }
    expect(readdirSync(dir)).toEqual(['x.lock']);
    attempt.lock.release();
    attempt.lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("removes temp files of dead takers (run.lock.<pid>.tmp, .stale, the takeover guard's) and keeps a live pid's", () => {
    const dir = lockDir();
    const file = join(dir, 'run.lock');
    const dead = deadPid();
    const litter = [`run.lock.${dead}.tmp`, `run.lock.${dead}.stale`, `run.lock.takeover.${dead}.stale`];
    const kept = [`run.lock.${process.ppid}.tmp`, 'run.lock.notes', `other.lock.${dead}.tmp`];
    for (const name of [...litter, ...kept]) writeFileSync(join(dir, name), 'x');
    const attempt = tryAcquirePidLock(file);
    if (!attempt.ok) throw new Error('expected the lock');
    expect(readdirSync(dir).sort()).toEqual(['run.lock', ...kept].sort());
    attempt.lock.release();
  });

  it('refuses a second take in this process with our own pid, until released', () => {
    const file = join(lockDir(), 'x.lock');
    const first = tryAcquirePidLock(file);
    expect(first.ok).toBe(true);
    expect(tryAcquirePidLock(file)).toEqual({ ok: false, holderPid: process.pid });
    if (first.ok) first.lock.release();
    const again = tryAcquirePidLock(file);
    expect(again.ok).toBe(true);
    if (again.ok) again.lock.release();
  });

  it('refuses a lock a live process holds, naming its pid and leaving its lock alone; takes it over once it is killed', async () => {
    const dir = lockDir();
    const file = join(dir, 'x.lock');
    const holder = child(HOLD_FOREVER, [file]);
    await printed(holder, 'held');
    expect(lockHolder(file)).toBe(holder.pid);

    expect(tryAcquirePidLock(file)).toEqual({ ok: false, holderPid: holder.pid });
    expect(lockHolder(file)).toBe(holder.pid);
    expect(readdirSync(dir)).toEqual(['x.lock']);

    await kill(holder); // SIGKILL: no exit handler runs, the lock stays behind with a dead pid
    expect(lockHolder(file)).toBe(holder.pid);
    const attempt = tryAcquirePidLock(file);
    if (!attempt.ok) throw new Error(`expected the lock, held by ${attempt.holderPid}`);
    expect(lockHolder(file)).toBe(process.pid);
    expect(readdirSync(dir)).toEqual(['x.lock']);
    attempt.lock.release();
  });

  it.each([
    ['a dead pid', () => `${deadPid()}\n`],
    ['garbage', () => 'not a pid'],
    ['an empty file', () => ''],
    ['a negative number', () => '-1\n'],
    ["this process's own pid from an earlier life", () => `${process.pid}\n`],
  ])('takes over a lock holding %s', (_name, content) => {
    const dir = lockDir();
    const file = join(dir, 'x.lock');
    writeFileSync(file, content());
    const attempt = tryAcquirePidLock(file);
    if (!attempt.ok) throw new Error(`expected the lock, held by ${attempt.holderPid}`);
    expect(lockHolder(file)).toBe(process.pid);
    expect(readdirSync(dir)).toEqual(['x.lock']);
    attempt.lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it.skipIf(process.platform !== 'linux')(
    'takes over a lock whose pid is alive but now another process (pid reused after a reboot)',
    async () => {
      const dir = lockDir();
      const file = join(dir, 'x.lock');
      const holder = child(HOLD_FOREVER, [file]);
      await printed(holder, 'held');
      expect(tryAcquirePidLock(file)).toEqual({ ok: false, holderPid: holder.pid });
      // Same pid, another life: as if the holder died and the number went to an unrelated process.
      writeFileSync(file, `${holder.pid} 00000000-0000-0000-0000-000000000000:1\n`);
      const attempt = tryAcquirePidLock(file);
      if (!attempt.ok) throw new Error(`expected the lock, held by ${attempt.holderPid}`);
      expect(lockHolder(file)).toBe(process.pid);
      attempt.lock.release();
    },
  );

  it('takes over a stale lock whose takeover guard was left by a process that died mid-takeover', () => {
    const dir = lockDir();
    const file = join(dir, 'x.lock');
    writeFileSync(file, `${deadPid()}\n`);
    writeFileSync(`${file}.takeover`, `${deadPid()}\n`);
    const attempt = tryAcquirePidLock(file);
    if (!attempt.ok) throw new Error(`expected the lock, held by ${attempt.holderPid}`);
    expect(readdirSync(dir)).toEqual(['x.lock']);
    attempt.lock.release();
  });

  it('does not take over a stale lock while a live process holds the takeover guard', () => {
    const dir = lockDir();
    const file = join(dir, 'x.lock');
    const stale = deadPid();
    writeFileSync(file, `${stale}\n`);
    writeFileSync(`${file}.takeover`, `${process.ppid}\n`); // a live taker that never finishes
    expect(() => tryAcquirePidLock(file)).toThrow(
      expect.objectContaining({
        code: 'LOOP_METRICS_WRITER_LOCKED',
        message: `${file}: could not take the lock (contended)`,
      }),
    );
    expect(lockHolder(file)).toBe(stale);
    expect(readdirSync(dir).sort()).toEqual(['x.lock', 'x.lock.takeover']);
  });

  it('release removes only our own lock', () => {
    const file = join(lockDir(), 'x.lock');
    const attempt = tryAcquirePidLock(file);
    if (!attempt.ok) throw new Error('expected the lock');
    writeFileSync(file, '12345\n'); // someone replaced it
    attempt.lock.release();
    expect(readFileSync(file, 'utf8')).toBe('12345\n');
  });

  it('is released when the process exits without release(), and left behind by SIGKILL', async () => {
    const dir = lockDir();
    const exiting = child(`${HOLD_FOREVER.replace('setInterval(() => {}, 1000);', 'process.exit(0);')}`, [
      join(dir, 'a.lock'),
    ]);
    expect(await exitOf(exiting)).toMatchObject({ code: 0 });
    expect(readdirSync(dir)).toEqual([]);

    const killed = child(HOLD_FOREVER, [join(dir, 'b.lock')]);
    await printed(killed, 'held');
    await kill(killed);
    expect(lockHolder(join(dir, 'b.lock'))).toBe(killed.pid);
  });

  it('throws a plain Error naming the lock, with the I/O error as cause, when the directory is missing', () => {
    const file = join(lockDir(), 'missing', 'x.lock');
    let caught: unknown;
    try {
      tryAcquirePidLock(file);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    expect(isMetricsError(caught)).toBe(false);
    expect((caught as Error).message).toContain(file);
    expect(((caught as Error).cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('lets at most one of 8 racing processes hold the lock at any time, across releases and crashed holders', async () => {
    const dir = lockDir();
    const file = join(dir, 'x.lock');
    const log = join(dir, 'holders.log');
    writeFileSync(file, `${deadPid()}\n`); // the first round is a takeover race
    writeFileSync(log, '');
    // Each child waits for a common start time, then tries until it has held the lock once (or gives up at
    // the deadline). While holding, it appends "+pid" and, 30 ms later, "-pid"; then half of them release
    // and half crash (SIGKILL) without releasing, so the others race to take over a stale lock.
    const script = `
import { appendFileSync } from 'node:fs';
const [file, log, startAt, crash] = argv;
const nap = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
while (Date.now() < Number(startAt)) nap(1);
const deadline = Date.now() + 20_000;
while (Date.now() < deadline) {
  const attempt = tryAcquirePidLock(file);
  if (!attempt.ok) { nap(1); continue; }
  appendFileSync(log, '+' + process.pid + '\\n');
  nap(30);
  appendFileSync(log, '-' + process.pid + '\\n');
  if (crash === '1') process.kill(process.pid, 'SIGKILL');
  attempt.lock.release();
  process.exit(0);
}
process.exit(3);
`;
    const startAt = Date.now() + 3_000; // time for every child to load tsx
    const racers = Array.from({ length: 8 }, (_, i) =>
      child(script, [file, log, String(startAt), i % 2 === 1 ? '1' : '0']),
    );
    const results = await Promise.all(racers.map(exitOf));
    for (const [i, r] of results.entries()) {
      expect(r, r.stderr).toMatchObject(i % 2 === 1 ? { signal: 'SIGKILL' } : { code: 0 });
    }

    const entries = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    expect(entries).toHaveLength(16);
    let holder: string | undefined;
    for (const entry of entries) {
      if (entry.startsWith('+')) {
        expect(holder, `${entry} while ${holder} holds the lock`).toBeUndefined();
        holder = entry.slice(1);
      } else {
        expect(entry).toBe(`-${holder}`);
        holder = undefined;
      }
    }
    expect(new Set(entries).size).toBe(16); // every racer held it exactly once
    expect(readdirSync(dir).filter((name) => name !== 'holders.log' && name !== 'x.lock')).toEqual([]);
  });
});
