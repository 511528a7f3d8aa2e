import type { SupervisorState } from '@loop/supervisor';
import { describe, expect, it } from 'vitest';
import { supervisorStateOf } from '../test-support/run-dir-fixture.js';
import type { DocumentRead } from './documents.js';
import { LifetimeTracker } from './lifetimes.js';
import { decideRunHealth, type RunHealthInput } from './run-health.js';
import type { RunRecordDocument } from './run-record-schema.js';
import { parseSupervisorLog } from './supervisor-log-lines.js';

const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const missing = { state: 'missing' } as const;

function record(overrides: Partial<RunRecordDocument> = {}): DocumentRead<RunRecordDocument> {
  return {
    state: 'valid',
    value: {
      v: 1,
      command: 'loop run',
      status: 'running',
      ended: null,
      exit_code: null,
      clock: 'real',
      seed: 42,
      exchange: 'paper',
      pid: 4242,
      started_at: '2026-12-01T11:00:00.000Z',
      started_at_ms: NOW - 3_600_000,
      ended_at: null,
      ended_at_ms: null,
      versions: {},
      settings: { 'initial-cash': 100_000 },
      feed: { kind: 'synthetic', interval_ms: 1000 },
      ...overrides,
    },
  };
}

function endedStats(tradingState: 'ACTIVE' | 'REDUCING' | 'HALTED', reason: string | null) {
  return {
    steps: 10,
    orders: 1,
    fills: 1,
    settled_fills: 0,
    cancels: 0,
    open_orders: 0,
    rejections: 0,
    rejections_by_reason: {},
    errors: 5,
    errors_by_stage: { exec: 5 },
    last_error: 'injected fault in exec',
    observer_errors: 0,
    last_observer_error: null,
    trading_state: tradingState,
    trading_state_reason: reason,
    traded_notional: 100,
    position: {
      position: 0,
      average_entry: 0,
      mark_price: 100,
      realized_pnl: -3,
      unrealized_pnl: 0,
      fees_paid: 1,
      cash: 99_996,
      equity: 99_996,
    },
    feed: { candles: 10, gaps: 0, missing_intervals: 0, skipped_rows: 0 },
  };
}

function supervisorState(overrides: Partial<SupervisorState> = {}): DocumentRead<SupervisorState> {
  return {
    state: 'valid',
    value: supervisorStateOf({
      supervisor_pid: 100,
      max_restarts: 5,
      child_pid: 4242,
      child_started_at: '2026-12-01T11:59:00.000Z',
      started_at: '2026-12-01T10:00:00.000Z',
      updated_at: '2026-12-01T11:59:00.000Z',
      ...overrides,
    }),
  };
}

function input(overrides: Partial<RunHealthInput> = {}): RunHealthInput {
  return {
    nowMs: NOW,
    run: record(),
    summary: missing,
    heartbeat: { state: 'valid', value: { mtime_ms: NOW - 2000 } },
    supervisor: missing,
    supervisorLog: [],
    lifetimes: {
      list: [],
      dropped: 0,
      totals: { lifetimes: 0, steps: 0, events: 0, rejections: 0, errors: 0 },
    },
    isAlive: () => true,
    ...overrides,
  };
}

function lifetimesOf(tracker: LifetimeTracker): RunHealthInput['lifetimes'] {
  return {
    list: tracker.lifetimes(),
    dropped: tracker.dropped,
    totals: tracker.totals(),
    recent: tracker.recent(),
  };
}

describe('LifetimeTracker', () => {
  it('starts a lifetime where the step number falls, and sums every lifetime so counts never fall', () => {
    const t = new LifetimeTracker();
    const ev = (
      step: number,
      outcome: 'ok' | 'rejected' | 'error' = 'ok',
      ts = step * 1000,
      stage = 'risk',
    ) =>
      t.add({ ts, step, stage, outcome, reason: outcome === 'ok' ? undefined : 'X' }, 'metrics.ndjson', step);
    for (let s = 1; s <= 5; s++) ev(s, s === 3 ? 'rejected' : 'ok');
    ev(5, 'error', 5000, 'exec'); // a second event of step 5
    for (let s = 1; s <= 3; s++) ev(s, s === 2 ? 'error' : 'ok', 100_000 + s); // restarted
    ev(1); // restarted again
    const list = t.lifetimes();
    expect(
      list.map((l) => [l.number, l.firstStep, l.lastStep, l.steps, l.events, l.rejections, l.errors]),
    ).toEqual([
      [1, 1, 5, 5, 6, 1, 1],
      [2, 1, 3, 3, 3, 0, 1],
      [3, 1, 1, 1, 1, 0, 0],
    ]);
    expect(t.totals()).toEqual({ lifetimes: 3, steps: 9, events: 10, rejections: 1, errors: 2 });
    expect(list[1]!.lastError).toBe('risk: X');
    expect(list[0]!.lastError).toBe('exec: X');
  });

  it("splits where a step's first stage comes again: two processes that each stopped at step 1", () => {
    const t = new LifetimeTracker();
    for (let life = 0; life < 3; life++) {
      for (const stage of ['strategy', 'risk', 'exec', 'position'])
        t.add({ ts: 5, step: 1, stage, outcome: 'error' }, 'm', 1);
    }
    expect(t.totals()).toMatchObject({ lifetimes: 3, steps: 3, events: 12, errors: 12 });
    expect(t.lifetimes().map((l) => l.events)).toEqual([4, 4, 4]);
  });

  it('keeps the last trading state an event announced, per lifetime', () => {
    const t = new LifetimeTracker();
    t.add({ ts: 1, step: 1, stage: 'position', outcome: 'ok', attrs: { equity: 99_990 } }, 'm', 1);
    t.add(
      {
        ts: 2,
        step: 2,
        stage: 'position',
        outcome: 'ok',
        attrs: {
          equity: 99_994,
          trading_state: 'REDUCING',
          trading_state_reason: 'MAX_LOSS: pnl=-5.26 limit=-5',
        },
      },
      'm',
      2,
    );
    expect(t.current()).toMatchObject({ tradingState: 'REDUCING', lastEquity: 99_994 });
    t.add({ ts: 3, step: 1, stage: 'position', outcome: 'ok' }, 'm', 3);
    expect(t.current()).toMatchObject({ number: 2, tradingState: null, lastEquity: null });
  });

  it('keeps a bounded number of lifetimes and counts the older ones', () => {
    const t = new LifetimeTracker(3);
    for (let i = 0; i < 10; i++) {
      t.add({ ts: i, step: 2, stage: 's', outcome: 'ok' }, 'm', 2 * i + 1);
      t.add({ ts: i, step: 1, stage: 's', outcome: 'ok' }, 'm', 2 * i + 2);
    }
    // 2 | 1 2 | 1 2 | ... : the first event starts lifetime 1, each fall to step 1 starts another.
    expect(t.lifetimes().map((l) => l.number)).toEqual([9, 10, 11]);
    expect(t.dropped).toBe(8);
    expect(t.totals().lifetimes).toBe(11);
  });
});

describe('decideRunHealth', () => {
  it('running: pid alive, fresh heartbeat; counts from the files across lifetimes', () => {
    const t = new LifetimeTracker();
    for (let s = 1; s <= 4; s++) t.add({ ts: s, step: s, stage: 'risk', outcome: 'ok' }, 'm', s);
    for (let s = 1; s <= 2; s++) t.add({ ts: s, step: s, stage: 'risk', outcome: 'rejected' }, 'm', 10 + s);
    const h = decideRunHealth(input({ lifetimes: lifetimesOf(t) }));
    expect(h).toMatchObject({
      status: 'running',
      healthy: true,
      pid: 4242,
      pidAlive: true,
      heartbeatAgeMs: 2000,
      steps: 6,
      rejections: 2,
      tradingState: 'ACTIVE',
      current: { steps: 2, rejections: 2 },
      sinceMs: NOW - 3_600_000,
    });
  });

  it('stale: the heartbeat is older than the threshold while run.json says running', () => {
    const h = decideRunHealth(input({ heartbeat: { state: 'valid', value: { mtime_ms: NOW - 95_000 } } }));
    expect(h.status).toBe('stale');
    expect(h.healthy).toBe(false);
    expect(h.reason).toBe('heartbeat 1m35s old (stale after 30s)');
    const custom = decideRunHealth(
      input({ heartbeat: { state: 'valid', value: { mtime_ms: NOW - 95_000 } }, staleAfterMs: 120_000 }),
    );
    expect(custom.status).toBe('running');
  });

  it('stale: the pid is gone without recording an end', () => {
    const h = decideRunHealth(input({ isAlive: () => false }));
    expect(h).toMatchObject({ status: 'stale', pidAlive: false });
    expect(h.reason).toBe('pid 4242 is gone without recording its end (killed or crashed)');
  });

  it('halted, failed, completed and stopped from an ended run.json', () => {
    const ended = (ended: RunRecordDocument['ended'], trading: 'ACTIVE' | 'HALTED', extra = {}) =>
      decideRunHealth(
        input({
          run: record({
            status: 'ended',
            ended,
            exit_code: ended === 'halted' ? 3 : ended === 'error' ? 1 : 0,
            ended_at: '2026-12-01T11:30:00.000Z',
            ended_at_ms: NOW - 1_800_000,
            stats: endedStats(
              trading,
              trading === 'HALTED' ? 'MAX_CONSECUTIVE_ERRORS: 5 errors in a row' : null,
            ),
            ...extra,
          }),
          isAlive: () => false,
        }),
      );
    const halted = ended('halted', 'HALTED');
    expect(halted).toMatchObject({ status: 'halted', healthy: false, exitCode: 3, tradingState: 'HALTED' });
    expect(halted.reason).toBe('halted by the kill switch: MAX_CONSECUTIVE_ERRORS: 5 errors in a row');
    expect(halted.equity).toBe(99_996);
    expect(halted.pnl).toBe(-4);
    const failed = ended('error', 'ACTIVE', { error: 'disk full' });
    expect(failed).toMatchObject({ status: 'failed', healthy: false, exitCode: 1, lastError: 'disk full' });
    expect(ended('completed', 'ACTIVE')).toMatchObject({ status: 'completed', healthy: true, exitCode: 0 });
    expect(ended('signal', 'ACTIVE')).toMatchObject({ status: 'stopped', healthy: true });
  });

  it('running in REDUCING is shown with its reason and is not healthy', () => {
    const t = new LifetimeTracker();
    t.add(
      {
        ts: 1,
        step: 1,
        stage: 'position',
        outcome: 'ok',
        attrs: {
          equity: 99_994.74,
          trading_state: 'REDUCING',
          trading_state_reason: 'MAX_LOSS: pnl=-5.26 limit=-5',
        },
      },
      'm',
      1,
    );
    const h = decideRunHealth(input({ lifetimes: lifetimesOf(t) }));
    expect(h).toMatchObject({
      status: 'running',
      healthy: false,
      tradingState: 'REDUCING',
      tradingStateReason: 'MAX_LOSS: pnl=-5.26 limit=-5',
      equity: 99_994.74,
    });
  });

  it('gave up: the supervisor stopped restarting; exits carry the delay before the next start', () => {
    const exit = (i: number, startS: number, endS: number) => ({
      pid: 200 + i,
      code: 1,
      signal: null,
      status: 1,
      reason: 'exit' as const,
      started_at: new Date(NOW - 600_000 + startS * 1000).toISOString(),
      ended_at: new Date(NOW - 600_000 + endS * 1000).toISOString(),
      uptime_ms: (endS - startS) * 1000,
    });
    const exits = [
      exit(0, 0, 2),
      exit(1, 3, 5),
      exit(2, 7, 9),
      exit(3, 13, 15),
      exit(4, 23, 25),
      exit(5, 41, 43),
    ];
    const log = parseSupervisorLog(
      [
        `${new Date(NOW - 600_000).toISOString()} child_start pid=200 attempt=0 restarts=0`,
        ...exits
          .slice(1)
          .map((e, i) => `${e.started_at} child_start pid=${e.pid} attempt=${i} restarts=${i + 1}`),
        `${exits[5]!.ended_at} gave_up restarts=5 max_restarts=5 exit_code=1`,
        `${new Date(NOW - 90_000_000).toISOString()} child_start pid=9 attempt=0 restarts=3`,
      ].join('\n'),
    );
    const h = decideRunHealth(
      input({
        supervisor: supervisorState({
          status: 'gave_up',
          restarts: 5,
          attempt: 4,
          child_pid: null,
          child_started_at: null,
          exit_code: 1,
          exits,
          updated_at: exits[5]!.ended_at,
        }),
        supervisorLog: log,
        isAlive: () => false,
      }),
    );
    expect(h.status).toBe('gave-up');
    expect(h.healthy).toBe(false);
    expect(h.exitCode).toBe(1);
    expect(h.reason).toBe('gave up after 5 restarts; last run exit code 1 after 2s');
    expect(h.supervisor!.exits.map((e) => e.delayBeforeNextMs)).toEqual([
      1000,
      2000,
      4000,
      8000,
      16_000,
      null,
    ]);
    expect(h.supervisor).toMatchObject({
      restartsLastHour: 5,
      restartsLastDay: 5,
      gaveUp: true,
      childUptimeMs: null,
    });
  });

  it('restarting during a backoff; a dead supervisor that claims to run is stale', () => {
    const backoff = decideRunHealth(
      input({
        supervisor: supervisorState({
          status: 'backoff',
          restarts: 2,
          child_pid: null,
          next_start_at: new Date(NOW + 4000).toISOString(),
          exits: [
            {
              pid: 7,
              code: null,
              signal: 'SIGKILL',
              status: 137,
              reason: 'exit',
              started_at: new Date(NOW - 10_000).toISOString(),
              ended_at: new Date(NOW - 1000).toISOString(),
              uptime_ms: 9000,
            },
          ],
        }),
        isAlive: (pid) => pid === 100,
      }),
    );
    expect(backoff.status).toBe('restarting');
    expect(backoff.reason).toBe('restart 2 in 4s after the last run killed by SIGKILL after 9s');
    const dead = decideRunHealth(input({ supervisor: supervisorState(), isAlive: () => false }));
    expect(dead.status).toBe('stale');
    expect(dead.reason).toBe('the supervisor (pid 100) is gone; its state still says running');
  });

  it('a supervised child: running with the child uptime; a watchdog kill is counted', () => {
    const h = decideRunHealth(
      input({
        supervisor: supervisorState({ restarts: 1 }),
        supervisorLog: parseSupervisorLog(
          `${new Date(NOW - 70_000).toISOString()} watchdog_hung pid=41 heartbeat_file=/x/heartbeat heartbeat_age_ms=31000 timeout_ms=30000 heartbeat_seen=true\n` +
            `${new Date(NOW - 60_000).toISOString()} child_start pid=4242 attempt=0 restarts=1\n`,
        ),
      }),
    );
    expect(h.status).toBe('running');
    expect(h.reason).toBe('pid 4242 running (restart 1)');
    expect(h.supervisor).toMatchObject({ childUptimeMs: 60_000, watchdogKills: 1, restartsLastHour: 1 });
    expect(h.sinceMs).toBe(NOW - 60_000);
  });

  it('lists corrupt documents and says unknown for an empty run dir', () => {
    const h = decideRunHealth(
      input({ run: { state: 'corrupt', reason: 'not JSON: Unexpected end' }, heartbeat: missing }),
    );
    expect(h.status).toBe('unknown');
    expect(h.problems).toEqual(['run.json not JSON: Unexpected end']);
  });
});

describe('parseSupervisorLog', () => {
  it('reads bare and JSON-quoted values, `-` as null, and skips foreign lines', () => {
    const entries = parseSupervisorLog(
      '2026-12-01T10:00:00.000Z supervisor_start pid=1 command="loop run --run-dir \\"a b\\"" took_over_lock_from=-\n' +
        'garbage\n2026-12-01T10:00:01.000Z child_exit pid=2 code=- signal=SIGKILL uptime_ms=5 reason=watchdog\n',
    );
    expect(entries).toEqual([
      {
        atMs: Date.parse('2026-12-01T10:00:00.000Z'),
        type: 'supervisor_start',
        fields: { pid: '1', command: 'loop run --run-dir "a b"', took_over_lock_from: null },
      },
      {
        atMs: Date.parse('2026-12-01T10:00:01.000Z'),
        type: 'child_exit',
        fields: { pid: '2', code: null, signal: 'SIGKILL', uptime_ms: '5', reason: 'watchdog' },
      },
    ]);
  });
});

describe('decideRunHealth: errors and rejections in the last hour', () => {
  const tracker = new LifetimeTracker();
  // Ten rejections and an error two hours before NOW, then one rejection 30 minutes before NOW.
  for (let step = 1; step <= 10; step++)
    tracker.add(
      { ts: NOW - 7_200_000 + step * 1000, step, stage: 'risk', outcome: 'rejected', reason: 'X' },
      'metrics.ndjson',
      step,
    );
  tracker.add(
    { ts: NOW - 7_190_000, step: 10, stage: 'exec', outcome: 'error', reason: 'E' },
    'metrics.ndjson',
    11,
  );
  tracker.add(
    { ts: NOW - 1_800_000, step: 11, stage: 'risk', outcome: 'rejected', reason: 'X' },
    'metrics.ndjson',
    12,
  );

  it('ends the hour at now on a real clock', () => {
    const h = decideRunHealth(input({ lifetimes: lifetimesOf(tracker) }));
    expect(h.lastHour).toEqual({ errors: 0, rejections: 1, fromMs: NOW - 3_600_000, toMs: NOW });
    expect([h.errors, h.rejections]).toEqual([1, 11]);
  });

  it("ends it at the newest event on a simulated clock (whose times are the run's own)", () => {
    const early = new LifetimeTracker();
    for (let step = 1; step <= 10; step++)
      early.add(
        { ts: NOW - 7_200_000 + step * 1000, step, stage: 'risk', outcome: 'rejected', reason: 'X' },
        'metrics.ndjson',
        step,
      );
    const h = decideRunHealth(
      input({ run: record({ clock: 'simulated', pid: null }), lifetimes: lifetimesOf(early) }),
    );
    expect(h.lastHour).toMatchObject({ errors: 0, rejections: 10, toMs: NOW - 7_200_000 + 10_000 });
  });

  it('is null without the buckets', () => {
    expect(decideRunHealth(input()).lastHour).toBeNull();
  });
});
