import { describe, expect, it } from 'vitest';
import { isSupervisorError } from './errors.js';
import { parseExitStatusList, resolveSupervisorOptions, type SupervisorOptions } from './options.js';

const base: SupervisorOptions = { command: ['true'], runDir: '/tmp/run' };

function optionError(options: SupervisorOptions): unknown {
  try {
    resolveSupervisorOptions(options);
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('resolveSupervisorOptions', () => {
  it('fills in the defaults', () => {
    const resolved = resolveSupervisorOptions(base);
    expect(resolved).toMatchObject({
      restart: 'on-failure',
      maxRestarts: 10,
      backoffBaseS: 1,
      backoffCapS: 60,
      resetAfterS: 60,
      killTimeoutS: 10,
      jitter: false,
      heartbeatFile: undefined,
      preventRestartExitStatus: [],
    });
  });

  it('a heartbeat timeout alone watches <runDir>/heartbeat; the cap defaults up to the base', () => {
    expect(resolveSupervisorOptions({ ...base, heartbeatTimeoutS: 30 }).heartbeatFile).toBe(
      '/tmp/run/heartbeat',
    );
    expect(resolveSupervisorOptions({ ...base, backoffBaseS: 120 }).backoffCapS).toBe(120);
  });

  it('allows durations up to the longest timer, 2,147,483 s', () => {
    expect(
      resolveSupervisorOptions({ ...base, backoffBaseS: 2_147_483, killTimeoutS: 2_147_483 }).backoffCapS,
    ).toBe(2_147_483);
  });

  it('allows a zero backoff', () => {
    expect(resolveSupervisorOptions({ ...base, backoffBaseS: 0, backoffCapS: 0 }).backoffBaseS).toBe(0);
  });

  it.each([
    [{ command: [] }, 'command'],
    [{ command: [''] }, 'command'],
    [{ runDir: '' }, 'runDir'],
    [{ maxRestarts: -1 }, 'maxRestarts'],
    [{ maxRestarts: 1.5 }, 'maxRestarts'],
    [{ backoffBaseS: -1 }, 'backoffBaseS'],
    [{ backoffBaseS: 2, backoffCapS: 1 }, 'backoffCapS'],
    [{ killTimeoutS: 0 }, 'killTimeoutS'],
    [{ heartbeatTimeoutS: 0 }, 'heartbeatTimeoutS'],
    // Beyond Node's longest timer (2^31 - 1 ms) a wait would fire after 1 ms: refused, not made instant.
    [{ backoffBaseS: 2_200_000 }, 'backoffBaseS'],
    [{ backoffCapS: 2_200_000 }, 'backoffCapS'],
    [{ killTimeoutS: 2_200_000 }, 'killTimeoutS'],
    [{ heartbeatTimeoutS: 2_200_000 }, 'heartbeatTimeoutS'],
    [{ heartbeatFile: '/x' }, 'heartbeatFile'],
    [{ resetAfterS: Number.NaN }, 'resetAfterS'],
    [{ restart: 'sometimes' as never }, 'restart'],
    [{ preventRestartExitStatus: [256] }, 'preventRestartExitStatus'],
    [{ preventRestartExitStatus: [-1] }, 'preventRestartExitStatus'],
    [{ preventRestartExitStatus: [3.5] }, 'preventRestartExitStatus'],
  ])('rejects %j naming %s', (over, option) => {
    const error = optionError({ ...base, ...over });
    expect(isSupervisorError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'LOOP_SUPERVISOR_OPTION_INVALID', context: { option } });
  });
});

describe('parseExitStatusList', () => {
  it('reads one or more comma-separated codes, spaces allowed, duplicates once', () => {
    expect(parseExitStatusList('3')).toEqual([3]);
    expect(parseExitStatusList('3,4')).toEqual([3, 4]);
    expect(parseExitStatusList(' 0 , 255,3,3')).toEqual([0, 255, 3]);
  });

  it.each([
    ['', /got nothing/],
    [' ', /got nothing/],
    ['3,', /empty item in "3,"/],
    ['3,,4', /empty item in "3,,4"/],
    [',3', /empty item/],
    ['x', /from 0 to 255, got "x"/],
    ['3.5', /got "3.5"/],
    ['-1', /got "-1"/],
    ['256', /got "256"/],
    ['1e2', /got "1e2"/],
    ['0x3', /got "0x3"/],
  ])('rejects %j naming preventRestartExitStatus', (text, message) => {
    let error: unknown;
    try {
      parseExitStatusList(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({
      code: 'LOOP_SUPERVISOR_OPTION_INVALID',
      context: { option: 'preventRestartExitStatus' },
    });
    expect((error as Error).message).toMatch(message);
  });
});
