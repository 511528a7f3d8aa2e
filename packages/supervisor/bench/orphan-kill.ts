// The full escape test of issue 15: SIGKILL the supervisor at random moments in the first 200 ms after a spawn
// and after a restart, 50 times each; prints orphans found/left, two-children events, litter and timings.
import { runKillSeries } from '../test/orphan-kill.js';

const kills = Number(process.argv[2] ?? 50);
let failed = false;
for (const phase of ['spawn', 'restart'] as const) {
  const r = await runKillSeries({ phase, kills });
  const sorted = [...r.delaysMs].sort((a, b) => a - b);
  console.log(
    `${phase}: ${r.kills} kills in ${(r.elapsedMs / 1000).toFixed(1)} s (delays ${sorted[0]}..${sorted.at(-1)} ms): ` +
      `orphans found and stopped ${r.orphansFound}, orphans left ${r.orphansLeft}, two children at once ${r.twoChildren}, ` +
      `temp files seen ${r.litterSeen}, left ${r.litterLeft.length}`,
  );
  if (r.orphansLeft > 0 || r.twoChildren > 0 || r.litterLeft.length > 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
