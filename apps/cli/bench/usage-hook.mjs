// Loaded with `node --import` into each `loop run` the bench starts: at exit, writes the process's CPU
// time, the loop thread's own CPU time, peak RSS and time since this hook loaded to $LOOP_BENCH_USAGE (JSON).
import { readFileSync, writeFileSync } from 'node:fs';

const started = performance.now();

/**
 * CPU time of the calling thread (the main thread: the loop's), in ms, from /proc/thread-self/stat
 * (utime + stime, fields 14 and 15, in clock ticks of 10 ms); null where /proc is not there. The writer
 * thread's time is not in it: on a quiet machine that thread has the other core.
 */
function loopThreadCpuMs() {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime field 15.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

process.on('exit', () => {
  const usage = process.resourceUsage();
  writeFileSync(
    process.env.LOOP_BENCH_USAGE,
    JSON.stringify({
      cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
      loopCpuMs: loopThreadCpuMs(),
      maxRssKb: usage.maxRSS,
      wallMs: performance.now() - started,
    }),
  );
});
