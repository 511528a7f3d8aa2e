import { describe, expect, it } from 'vitest';
import { isSupervisorError } from './errors.js';
import { resolveSupervisorOptions, type SupervisorOptions } from './options.js';

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
    });
  });

  it('a heartbeat timeout alone watches <runDir>/heartbeat; the cap defaults up to the base', () => {
    expect(resolveSupervisorOptions({ ...base, heartbeatTimeoutS: 30 }).heartbeatFile).toBe(
      '/tmp/run/heartbeat',
    );
    expect(resolveSupervisorOptions({ ...base, backoffBaseS: 120 }).backoffCapS).toBe(120);
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
    [{ heartbeatFile: '/x' }, 'heartbeatFile'],
    [{ resetAfterS: Number.NaN }, 'resetAfterS'],
    [{ restart: 'sometimes' as never }, 'restart'],
  ])('rejects %j naming %s', (over, option) => {
    const error = optionError({ ...base, ...over });
    expect(isSupervisorError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'LOOP_SUPERVISOR_OPTION_INVALID', context: { option } });
  });
});
