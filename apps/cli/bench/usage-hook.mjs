// Loaded with `node --import` into each `loop run` the bench starts: at exit, writes the process's CPU
// time, peak RSS and time since this hook loaded to $LOOP_BENCH_USAGE (JSON).
import { writeFileSync } from 'node:fs';

const started = performance.now();
process.on('exit', () => {
  const usage = process.resourceUsage();
  writeFileSync(
    process.env.LOOP_BENCH_USAGE,
    JSON.stringify({
      cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
      maxRssKb: usage.maxRSS,
      wallMs: performance.now() - started,
    }),
  );
});
