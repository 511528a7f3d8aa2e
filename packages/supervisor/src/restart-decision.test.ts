import { describe, expect, it } from 'vitest';
import {
  decideAfterExit,
  exitStatusOf,
  HUNG_EXIT_STATUS,
  isRestartPrevented,
  type RestartContext,
} from './restart-decision.js';

const context = (over: Partial<RestartContext> = {}): RestartContext => ({
  policy: 'on-failure',
  maxRestarts: 3,
  resetAfterMs: 60_000,
  attempt: 0,
  backoff: { baseS: 1, capS: 10 },
  ...over,
});
const failed = { code: 1, signal: null, uptimeMs: 10 };
const clean = { code: 0, signal: null, uptimeMs: 10 };

describe('decideAfterExit', () => {
  it('on-failure: a clean exit stops with 0, a failure restarts after the backoff', () => {
    expect(decideAfterExit(clean, context())).toEqual({ action: 'stop', reason: 'clean-exit', exitCode: 0 });
    expect(decideAfterExit(failed, context({ attempt: 2 }))).toEqual({
      action: 'restart',
      attempt: 2,
      delayMs: 4000,
      stableRun: false,
    });
  });

  it('always restarts a clean exit; never stops after any exit with its status', () => {
    expect(decideAfterExit(clean, context({ policy: 'always' }))).toMatchObject({
      action: 'restart',
      delayMs: 1000,
    });
    expect(decideAfterExit(clean, context({ policy: 'never' }))).toEqual({
      action: 'stop',
      reason: 'policy-never',
      exitCode: 0,
    });
    expect(decideAfterExit({ ...failed, code: 3 }, context({ policy: 'never' }))).toMatchObject({
      exitCode: 3,
    });
  });

  it('gives up when the restarts in a row reach max-restarts, with the last status', () => {
    expect(decideAfterExit({ ...failed, code: 7 }, context({ attempt: 3 }))).toEqual({
      action: 'give-up',
      exitCode: 7,
      attempt: 3,
    });
    expect(decideAfterExit(failed, context({ maxRestarts: 0 }))).toMatchObject({ action: 'give-up' });
  });

  it('a stable run resets the backoff to attempt 0, even at the limit', () => {
    const stable = { ...failed, uptimeMs: 60_000 };
    expect(decideAfterExit(stable, context({ attempt: 3 }))).toEqual({
      action: 'restart',
      attempt: 0,
      delayMs: 1000,
      stableRun: true,
    });
  });

  it('a hung child is a failure whatever its code, with status 124', () => {
    const hung = { code: 0, signal: null, uptimeMs: 10, hung: true };
    expect(decideAfterExit(hung, context())).toMatchObject({ action: 'restart' });
    expect(decideAfterExit(hung, context({ policy: 'never' }))).toMatchObject({ exitCode: HUNG_EXIT_STATUS });
  });
});

describe('exitStatusOf', () => {
  it('is the code, or 128 + signal number', () => {
    expect(exitStatusOf({ code: 5, signal: null })).toBe(5);
    expect(exitStatusOf({ code: null, signal: 'SIGTERM' })).toBe(143);
    expect(exitStatusOf({ code: null, signal: 'SIGKILL' })).toBe(137);
    expect(exitStatusOf({ code: null, signal: null })).toBe(1);
  });
});

describe('preventRestartExitStatus', () => {
  const prevent = (over: Partial<RestartContext> = {}) =>
    context({ preventRestartExitStatus: [3, 4], ...over });
  const halted = { code: 3, signal: null, uptimeMs: 10 };

  it('a listed code stops with that code whatever the policy, before the give-up check', () => {
    for (const policy of ['on-failure', 'always', 'never'] as const) {
      expect(decideAfterExit(halted, prevent({ policy }))).toEqual({
        action: 'stop',
        reason: 'restart-prevented',
        exitCode: 3,
      });
    }
    expect(decideAfterExit(halted, prevent({ attempt: 3 }))).toMatchObject({ reason: 'restart-prevented' });
    expect(
      decideAfterExit({ ...halted, code: 0 }, prevent({ policy: 'always', preventRestartExitStatus: [0] })),
    ).toMatchObject({ action: 'stop', reason: 'restart-prevented', exitCode: 0 });
  });

  it('other codes, signals, hung children and failed starts restart as before', () => {
    expect(decideAfterExit({ ...halted, code: 5 }, prevent({ policy: 'always' }))).toMatchObject({
      action: 'restart',
    });
    expect(decideAfterExit(halted, context({ policy: 'always' }))).toMatchObject({ action: 'restart' });
    // SIGQUIT is 128 + 3 = 131, not 3; a hung child's code does not count; 127 of a failed start is not the child's.
    expect(decideAfterExit({ code: null, signal: 'SIGQUIT', uptimeMs: 10 }, prevent())).toMatchObject({
      action: 'restart',
    });
    expect(decideAfterExit({ ...halted, hung: true }, prevent())).toMatchObject({ action: 'restart' });
    expect(
      decideAfterExit(
        { code: 127, signal: null, uptimeMs: 0, spawnFailed: true },
        prevent({ preventRestartExitStatus: [127] }),
      ),
    ).toMatchObject({ action: 'restart' });
  });

  it('isRestartPrevented needs the code of an exit of the child itself', () => {
    expect(isRestartPrevented({ code: 3 }, [3])).toBe(true);
    expect(isRestartPrevented({ code: 3 }, [])).toBe(false);
    expect(isRestartPrevented({ code: 3 }, undefined)).toBe(false);
    expect(isRestartPrevented({ code: null }, [3])).toBe(false);
    expect(isRestartPrevented({ code: 3, hung: true }, [3])).toBe(false);
  });
});
