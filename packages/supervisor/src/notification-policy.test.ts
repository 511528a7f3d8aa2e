import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Notification } from './notification.js';
import { NotificationPolicy } from './notification-policy.js';
import { notificationSchema } from './notification-schema.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const options = {
  bot: 'eth-1',
  host: 'box',
  runDir: '/runs/eth-1',
  supervisorPid: 4242,
  stableAfterMs: 60_000,
};
const at = (ms: number) => ({ atMs: T0 + ms, monotonicMs: ms });
const up = { childUp: true, childUptimeMs: 1000, heartbeatFresh: true };

/** A crash at `ms`: the child exits 1 and a restart is scheduled. */
function crash(policy: NotificationPolicy, ms: number, restarts: number): Notification[] {
  return [
    ...policy.onEvent({
      type: 'child-exited',
      pid: 10,
      code: 1,
      signal: null,
      status: 1,
      uptimeMs: 5,
      reason: 'exit',
      ...at(ms),
    }),
    ...policy.onEvent({
      type: 'restart-scheduled',
      attempt: restarts - 1,
      delayMs: 0,
      restarts,
      stableRun: false,
      ...at(ms),
    }),
  ];
}

describe('NotificationPolicy', () => {
  it('turns 100 crashes and a give-up into a handful of messages whose counts add up to 100', () => {
    // Unset settings (as the CLI passes them) take the defaults.
    const policy = new NotificationPolicy({ ...options, stormRestarts: undefined, minIntervalMs: undefined });
    const sent: Notification[] = [];
    for (let n = 1; n <= 100; n += 1) {
      sent.push(...crash(policy, n * 50, n));
      if (n % 10 === 0) sent.push(...policy.tick(T0 + n * 50, { ...up, childUptimeMs: 5 }));
    }
    sent.push(
      ...policy.onEvent({ type: 'gave-up', restarts: 100, maxRestarts: 100, exitCode: 1, ...at(5100) }),
    );
    expect(sent.map((n) => n.kind)).toEqual(['restart', 'restart-storm', 'restart-storm', 'gave-up']);
    const restarts = sent.filter((n) => n.kind === 'restart' || n.kind === 'restart-storm');
    expect(restarts.map((n) => n.count)).toEqual([1, 4, 95]);
    expect(sent.at(-1)).toMatchObject({
      kind: 'gave-up',
      count: 1,
      restarts_total: 100,
      severity: 'critical',
    });
    expect(sent.at(-1)?.summary).toBe('eth-1: gave up after 100 restarts in a row; last exit status 1');
    for (const n of sent) expect(notificationSchema.parse(n)).toEqual(n);
  });

  it('sends the held-back restarts of a storm at most once per interval (tick)', () => {
    const policy = new NotificationPolicy({ ...options, minIntervalMs: 10_000 });
    const sent: Notification[] = [];
    for (let n = 1; n <= 20; n += 1) sent.push(...crash(policy, n * 1000, n));
    sent.push(...policy.tick(T0 + 20_500, { ...up, childUptimeMs: 5 }));
    sent.push(...policy.tick(T0 + 21_000, { ...up, childUptimeMs: 5 }));
    expect(sent.map((n) => [n.kind, n.count])).toEqual([
      ['restart', 1],
      ['restart-storm', 4],
      ['restart-storm', 15],
    ]);
  });

  it('rate-limits a kind: a second watchdog kill within the interval is folded into the next message', () => {
    const policy = new NotificationPolicy({ ...options, minIntervalMs: 60_000 });
    const hung = (ms: number) =>
      policy.onEvent({
        type: 'watchdog-kill',
        pid: 1,
        heartbeatFile: 'hb',
        heartbeatAgeMs: 31_000,
        timeoutMs: 30_000,
        heartbeatSeen: true,
        ...at(ms),
      });
    expect(hung(0).map((n) => n.summary)).toEqual([
      'eth-1: hung: no heartbeat for 31 s, stopped by the watchdog',
    ]);
    expect(hung(1000)).toEqual([]);
    expect(hung(2000)).toEqual([]);
    const down = { childUp: false, childUptimeMs: null, heartbeatFresh: false };
    expect(policy.tick(T0 + 30_000, down)).toEqual([]);
    const later = policy.tick(T0 + 61_000, down);
    expect(later.map((n) => [n.kind, n.count, n.summary])).toEqual([
      ['watchdog-kill', 2, 'eth-1: stopped as hung by the watchdog 2 more times'],
    ]);
  });

  it('says kill-switch for exit 3, started-after-crash for a taken-over lock, and recovered once stable after trouble', () => {
    const policy = new NotificationPolicy(options);
    const started = policy.onEvent({
      type: 'supervisor-started',
      pid: 1,
      runDir: '/r',
      commandLine: 'x',
      tookOverLockFrom: 777,
      ...at(0),
    });
    expect(started.map((n) => [n.kind, n.severity, n.summary])).toEqual([
      [
        'started-after-crash',
        'warning',
        'eth-1: supervisor started after a crash: its previous supervisor (pid 777) died',
      ],
    ]);
    expect(
      policy.onEvent({ type: 'orphan-stopping', pgid: 5, members: 1, supervisorPid: 777, ...at(1) }),
    ).toEqual([]);
    // Not recovered while the run is younger than stableAfterMs, nor with a stale heartbeat.
    expect(policy.tick(T0 + 2000, { ...up, childUptimeMs: 59_000 })).toEqual([]);
    expect(policy.tick(T0 + 3000, { ...up, childUptimeMs: 61_000, heartbeatFresh: false })).toEqual([]);
    expect(policy.tick(T0 + 4000, { ...up, childUptimeMs: 61_000 }).map((n) => [n.kind, n.severity])).toEqual(
      [['recovered', 'info']],
    );
    expect(policy.tick(T0 + 5000, { ...up, childUptimeMs: 62_000 })).toEqual([]); // once
    const halted = policy.onEvent({
      type: 'child-exited',
      pid: 9,
      code: 3,
      signal: null,
      status: 3,
      uptimeMs: 70_000,
      reason: 'exit',
      ...at(6000),
    });
    expect(halted.map((n) => [n.kind, n.last_exit, n.summary])).toEqual([
      [
        'kill-switch',
        { code: 3, signal: null, status: 3 },
        'eth-1: exited 3: its kill switch halted trading',
      ],
    ]);
    // A requested stop is no trouble.
    const quiet = new NotificationPolicy(options);
    quiet.onEvent({
      type: 'child-exited',
      pid: 9,
      code: null,
      signal: 'SIGTERM',
      status: 143,
      uptimeMs: 9,
      reason: 'stop',
      ...at(0),
    });
    expect(quiet.tick(T0 + 1, { ...up, childUptimeMs: 61_000 })).toEqual([]);
  });

  it('ships a JSON Schema file that matches the zod schema', () => {
    const file = JSON.parse(
      readFileSync(new URL('../schemas/notification-v1.schema.json', import.meta.url), 'utf8'),
    );
    const { $id, title, ...rest } = file;
    expect($id).toMatch(/notification-v1\.schema\.json$/);
    expect(title).toContain('version 1');
    expect(rest).toEqual(z.toJSONSchema(notificationSchema));
  });
});
