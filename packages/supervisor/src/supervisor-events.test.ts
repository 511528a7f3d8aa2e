import { describe, expect, it } from 'vitest';
import { logRecordOf, SUPERVISOR_LOG_EVENT_NAMES, type SupervisorEvent } from './supervisor-events.js';
import { formatLogLine } from './supervisor-log.js';

const t = { atMs: Date.UTC(2026, 10, 25, 18, 38, 52, 798), monotonicMs: 1 };
const at = '2026-11-25T18:38:52.798Z';

// Each event and the supervisor.log line it was written as before events were typed (the log does not change).
const cases: [SupervisorEvent, string][] = [
  [
    {
      ...t,
      type: 'supervisor-started',
      pid: 10,
      runDir: '/r d',
      commandLine: "sh -c 'exit 1'",
      tookOverLockFrom: null,
    },
    `supervisor_start pid=10 run_dir="/r d" command="sh -c 'exit 1'" took_over_lock_from=-`,
  ],
  [
    { ...t, type: 'orphan-stopping', pgid: 7, members: 2, supervisorPid: 6 },
    'orphan_group pid=7 members=2 supervisor_pid=6',
  ],
  [
    { ...t, type: 'child-started', pid: 9039, attempt: 0, restarts: 0 },
    'child_start pid=9039 attempt=0 restarts=0',
  ],
  [
    { ...t, type: 'child-exited', pid: 9039, code: 1, signal: null, status: 1, uptimeMs: 3, reason: 'exit' },
    'child_exit pid=9039 code=1 signal=- uptime_ms=3 reason=exit',
  ],
  [
    { ...t, type: 'spawn-failed', error: 'Error: spawn x ENOENT', status: 127 },
    'child_spawn_failed error="Error: spawn x ENOENT" status=127',
  ],
  [
    { ...t, type: 'restart-scheduled', attempt: 2, delayMs: 400, restarts: 3, stableRun: false },
    'backoff attempt=2 delay_ms=400 restarts=3 stable_run=false',
  ],
  [
    {
      ...t,
      type: 'watchdog-kill',
      pid: 5,
      heartbeatFile: '/r/heartbeat',
      heartbeatAgeMs: 1200,
      timeoutMs: 1000,
      heartbeatSeen: true,
    },
    'watchdog_hung pid=5 heartbeat_file=/r/heartbeat heartbeat_age_ms=1200 timeout_ms=1000 heartbeat_seen=true',
  ],
  [
    { ...t, type: 'stopping', signal: 'SIGTERM', childPid: null },
    'stop_requested signal=SIGTERM child_pid=-',
  ],
  [
    { ...t, type: 'group-killed', pgid: 5, signal: 'SIGKILL', afterS: 0.5 },
    'kill_group pid=5 signal=SIGKILL after_s=0.5',
  ],
  [{ ...t, type: 'group-leftover', pgid: 5 }, 'group_leftover pid=5'],
  [
    { ...t, type: 'gave-up', restarts: 4, maxRestarts: 4, exitCode: 3 },
    'gave_up restarts=4 max_restarts=4 exit_code=3',
  ],
  [
    {
      ...t,
      type: 'restart-prevented',
      pid: 4242,
      code: 3,
      preventRestartExitStatus: [3, 4],
      restart: 'always',
      restarts: 0,
    },
    'restart_prevented pid=4242 code=3 prevent_restart_exit_status="3,4" restart=always restarts=0',
  ],
  [
    {
      ...t,
      type: 'state-write-failed',
      code: 'LOOP_SUPERVISOR_STATE_WRITE_FAILED',
      error: 'cannot replace x: ENOSPC',
    },
    'state_write_failed code=LOOP_SUPERVISOR_STATE_WRITE_FAILED error="cannot replace x: ENOSPC"',
  ],
  [
    { ...t, type: 'supervisor-exited', status: 'stopped', stopReason: 'signal', exitCode: 0, restarts: 1 },
    'supervisor_exit status=stopped stop_reason=signal exit_code=0 restarts=1',
  ],
];

describe('typed supervisor events', () => {
  it('each event is written to supervisor.log as the same line as before', () => {
    for (const [event, line] of cases) expect(formatLogLine(logRecordOf(event))).toBe(`${at} ${line}\n`);
  });

  it('every event type has a log name, and the cases above cover them all', () => {
    expect(new Set(cases.map(([event]) => event.type))).toEqual(
      new Set(Object.keys(SUPERVISOR_LOG_EVENT_NAMES)),
    );
  });
});
