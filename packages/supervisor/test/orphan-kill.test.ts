// A supervisor SIGKILLed just after it spawned or restarted its child leaves nothing that escapes supervision.
// A smaller randomized series than the 50 + 50 of `pnpm --filter @loop/supervisor orphan-kill` (bench/orphan-kill.ts).
import { describe, expect, it } from 'vitest';
import { runKillSeries } from './orphan-kill.js';

const linux = process.platform === 'linux';

describe.skipIf(!linux)('SIGKILL of the supervisor in the first 200 ms of a child', () => {
  for (const phase of ['spawn', 'restart'] as const) {
    it(`after a ${phase}: no orphan, never two children at once, no temp-file litter`, async () => {
      const result = await runKillSeries({ phase, kills: 4 });
      expect(result.orphansLeft).toBe(0);
      expect(result.twoChildren).toBe(0);
      expect(result.litterLeft).toEqual([]);
      // After a spawn, every kill left a running child behind: each was found and stopped.
      if (phase === 'spawn') expect(result.orphansFound).toBe(result.kills);
    }, 120_000);
  }
});
