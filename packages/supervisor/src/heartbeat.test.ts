import { describe, expect, it } from 'vitest';
import { heartbeatAgeMs, heartbeatPollMs, isHung } from './heartbeat.js';

describe('heartbeat watchdog judgement', () => {
  it('counts the age from the last beat', () => {
    expect(heartbeatAgeMs({ nowMs: 10_000, heartbeatMtimeMs: 7_000, childStartedMs: 1_000 })).toBe(3_000);
    expect(isHung({ nowMs: 10_000, heartbeatMtimeMs: 7_000, childStartedMs: 1_000 }, 2_000)).toBe(true);
    expect(isHung({ nowMs: 10_000, heartbeatMtimeMs: 9_000, childStartedMs: 1_000 }, 2_000)).toBe(false);
  });

  it('gives a new child the full timeout: an old or missing heartbeat counts from the start', () => {
    expect(heartbeatAgeMs({ nowMs: 10_000, heartbeatMtimeMs: 1, childStartedMs: 9_500 })).toBe(500);
    expect(heartbeatAgeMs({ nowMs: 10_000, heartbeatMtimeMs: undefined, childStartedMs: 9_000 })).toBe(1_000);
    expect(isHung({ nowMs: 10_000, heartbeatMtimeMs: undefined, childStartedMs: 5_000 }, 4_000)).toBe(true);
  });

  it('polls a quarter of the timeout, within 50 ms .. 1 s', () => {
    expect(heartbeatPollMs(30_000)).toBe(1000);
    expect(heartbeatPollMs(1_000)).toBe(250);
    expect(heartbeatPollMs(10)).toBe(50);
  });
});
