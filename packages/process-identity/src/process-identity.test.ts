import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import {
  compareProcessIdentity,
  formatPidRecord,
  isProcessAlive,
  isProcessIdentityError,
  isRecordedProcessAlive,
  listProcStats,
  parsePidRecord,
  parseProcStat,
  processGroupHasLiveMembers,
  processGroupMembers,
  processIdentity,
  processLiveness,
  readProcessEnvironment,
  readProcStat,
  signalProcessGroup,
} from './index.js';

const linux = process.platform === 'linux';
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

async function waitFor<T>(read: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out waiting');
    await sleep(10);
  }
}

/** A proc tree with just what the package reads: stat (btime), the boot id, and the given /proc/<pid>/stat lines. */
function fakeProc(stats: Record<number, string>, bootId = 'fake-boot'): string {
  const root = mkdtempSync(join(tmpdir(), 'loop-fake-proc-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(join(root, 'stat'), 'cpu 0 0 0 0\nbtime 1700000000\n');
  mkdirSync(join(root, 'sys', 'kernel', 'random'), { recursive: true });
  writeFileSync(join(root, 'sys', 'kernel', 'random', 'boot_id'), `${bootId}\n`);
  for (const [pid, line] of Object.entries(stats)) {
    mkdirSync(join(root, pid));
    writeFileSync(join(root, pid, 'stat'), line);
  }
  return root;
}

/** A stat line of `pid` in state `state`, started at `ticks`, in group `pgrp`. */
const statLine = (pid: number, state: string, ticks: number, pgrp = pid, comm = 'bot') =>
  `${pid} (${comm}) ${state} 1 ${pgrp} ${pgrp} 0 -1 4194560 94 0 0 0 0 0 0 0 20 0 1 0 ${ticks} 0 0\n`;

describe('parseProcStat', () => {
  it('counts fields from the last `)`: a command name with spaces and parentheses does not shift them', () => {
    expect(parseProcStat(statLine(42, 'S', 12345, 40, 'my (odd) bot) x'))).toEqual({
      pid: 42,
      comm: 'my (odd) bot) x',
      state: 'S',
      ppid: 1,
      pgrp: 40,
      session: 40,
      startTicks: 12345,
    });
    expect(parseProcStat('')).toBeUndefined();
    expect(parseProcStat('garbage')).toBeUndefined();
    expect(parseProcStat('12 (x) S 1 2')).toBeUndefined(); // cut short: no start time
  });
});

describe('liveness', () => {
  it('a zombie (exited, never reaped) is dead, and not a member of its group', async (context) => {
    if (!linux) context.skip();
    // `sleep 0.05 &` exits while its parent has become `sleep 30` (exec), which never reaps it: a zombie.
    const parent = spawn('sh', ['-c', 'sleep 0.05 & exec sleep 30'], { detached: true, stdio: 'ignore' });
    children.push(parent);
    const childrenFile = `/proc/${parent.pid}/task/${parent.pid}/children`;
    const zombie = await waitFor(() => {
      const pid = Number(readFileSync(childrenFile, 'utf8').trim().split(' ')[0]);
      return pid > 0 && readProcStat(pid)?.state === 'Z' ? pid : undefined;
    });
    expect(() => process.kill(zombie, 0)).not.toThrow(); // signal 0 alone would call it alive
    expect(processLiveness(zombie)).toBe('zombie');
    expect(isProcessAlive(zombie)).toBe(false);
    expect(compareProcessIdentity(zombie, processIdentity(zombie))).toBe('gone');
    expect(isRecordedProcessAlive(zombie, undefined)).toBe(false);
    expect(processGroupMembers(parent.pid!).map((m) => m.pid)).toEqual([parent.pid]);
    expect(isProcessAlive(parent.pid!)).toBe(true);
  });

  it('a zombie and an X (dead) state read from /proc count as dead', () => {
    const root = fakeProc({ [process.pid]: statLine(process.pid, 'Z', 5) });
    expect(processLiveness(process.pid, { procRoot: root })).toBe('zombie');
    const dead = fakeProc({ [process.pid]: statLine(process.pid, 'X', 5) });
    expect(processLiveness(process.pid, { procRoot: dead })).toBe('dead');
  });

  it('an exited and reaped child is dead; this process is alive', async () => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await once(child, 'exit');
    expect(isProcessAlive(child.pid!)).toBe(false);
    expect(processLiveness(child.pid!)).toBe('dead');
    expect(isProcessAlive(process.pid)).toBe(true);
  });

  it('invalid pids are dead and never signalled; group signals refuse ids that would hit everything', () => {
    for (const pid of [0, -1, 1.5, Number.NaN, 2 ** 60]) expect(isProcessAlive(pid)).toBe(false);
    for (const pgid of [1, 0, -5]) {
      let error: unknown;
      try {
        signalProcessGroup(pgid, 'SIGTERM');
      } catch (caught) {
        error = caught;
      }
      expect(isProcessIdentityError(error) && error.code).toBe('LOOP_PROCESS_INVALID_PID');
    }
  });
});

describe('identity and pid reuse', () => {
  it('the same process compares `same`; a pid now held by another process compares `reused`', async (context) => {
    if (!linux) context.skip();
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(child);
    const pid = child.pid!;
    const identity = await waitFor(() => processIdentity(pid));
    expect(identity).toMatch(/^[0-9a-f-]{36}:\d+$/);
    expect(compareProcessIdentity(pid, identity)).toBe('same');
    const [bootId, ticks] = identity.split(':') as [string, string];
    // What a reused pid looks like: the number is alive, but it started at another time, or in another boot.
    expect(compareProcessIdentity(pid, `${bootId}:${Number(ticks) + 1}`)).toBe('reused');
    expect(compareProcessIdentity(pid, `00000000-0000-0000-0000-000000000000:${ticks}`)).toBe('reused');
    expect(isRecordedProcessAlive(pid, `${bootId}:${Number(ticks) + 1}`)).toBe(false);
    expect(compareProcessIdentity(pid, undefined)).toBe('unknown');
    expect(isRecordedProcessAlive(pid, undefined)).toBe(true);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(compareProcessIdentity(pid, identity)).toBe('gone');
  });

  it('a pid reused within a boot, seen through /proc: the start ticks differ', () => {
    const before = fakeProc({ [process.pid]: statLine(process.pid, 'S', 100) });
    const after = fakeProc({ [process.pid]: statLine(process.pid, 'S', 900) });
    const recorded = processIdentity(process.pid, { procRoot: before });
    expect(recorded).toBe('fake-boot:100');
    expect(compareProcessIdentity(process.pid, recorded, { procRoot: before })).toBe('same');
    expect(compareProcessIdentity(process.pid, recorded, { procRoot: after })).toBe('reused');
    const rebooted = fakeProc({ [process.pid]: statLine(process.pid, 'S', 100) }, 'other-boot');
    expect(compareProcessIdentity(process.pid, recorded, { procRoot: rebooted })).toBe('reused');
  });

  it('without /proc: liveness falls back to signal 0, identity is unknown, records hold the pid alone', () => {
    const noProc = mkdtempSync(join(tmpdir(), 'loop-no-proc-'));
    onTestFinished(() => rmSync(noProc, { recursive: true, force: true }));
    const procRoot = join(noProc, 'proc');
    expect(isProcessAlive(process.pid, { procRoot })).toBe(true);
    expect(processIdentity(process.pid, { procRoot })).toBeUndefined();
    expect(compareProcessIdentity(process.pid, 'some-boot:1', { procRoot })).toBe('unknown');
    expect(isRecordedProcessAlive(process.pid, 'some-boot:1', { procRoot })).toBe(true);
    expect(formatPidRecord(process.pid, { procRoot })).toBe(`${process.pid}\n`);
    expect(listProcStats({ procRoot })).toEqual([]);
    expect(processGroupMembers(process.pid, { procRoot })).toEqual([]);
    expect(readProcessEnvironment(process.pid, 'PATH', { procRoot })).toBeUndefined();
  });
});

describe('pid records', () => {
  it('round-trip `<pid> <boot id>:<start ticks>`; garbage and invalid pids are not records', () => {
    const root = fakeProc({ 4242: statLine(4242, 'S', 77) });
    expect(formatPidRecord(4242, { procRoot: root })).toBe('4242 fake-boot:77\n');
    expect(parsePidRecord('4242 fake-boot:77\n')).toEqual({ pid: 4242, identity: 'fake-boot:77' });
    expect(parsePidRecord('4242')).toEqual({ pid: 4242, identity: undefined });
    for (const text of ['', 'x', '0', '-3', '12 a b', '99999999999999999999']) {
      expect(parsePidRecord(text)).toBeUndefined();
    }
  });
});

describe('process groups', () => {
  it('lists the live members of a group and signals the whole group', async (context) => {
    if (!linux) context.skip();
    const leader = spawn('sh', ['-c', 'sleep 30 & sleep 30; wait'], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, LOOP_PROCESS_IDENTITY_TEST: 'marker' },
    });
    children.push(leader);
    const pgid = leader.pid!;
    await waitFor(() => (processGroupMembers(pgid).length === 3 ? true : undefined));
    expect(processGroupHasLiveMembers(pgid)).toBe(true);
    for (const member of processGroupMembers(pgid)) {
      expect(member.identity).toBe(processIdentity(member.pid));
      expect(readProcessEnvironment(member.pid, 'LOOP_PROCESS_IDENTITY_TEST')).toBe('marker');
    }
    expect(signalProcessGroup(pgid, 'SIGKILL')).toBe(true);
    // Dead members may linger as zombies (an init that does not reap): the group counts as gone at once.
    await waitFor(() => (processGroupHasLiveMembers(pgid) ? undefined : true));
    expect(processGroupMembers(pgid)).toEqual([]);
  });
});
