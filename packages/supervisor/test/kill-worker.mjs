// A supervisor in its own process (as `loop supervise` runs), for tests that SIGKILL it: node kill-worker.mjs <runDir> <spawn|restart>.
import { Supervisor } from '../dist/index.js';

const [runDir, phase] = process.argv.slice(2);
// Two children at once would fail to take child.flock and exit 99 (seen as code=99 in supervisor.log).
const holdLock = 'exec flock -n -E 99 child.flock sleep 1000';
// restart: the first child of each supervisor exits at once, so the one to kill is a restarted child.
const script =
  phase === 'restart'
    ? `if [ ! -e restarted.$PPID ]; then : > restarted.$PPID; exit 1; fi; ${holdLock}`
    : holdLock;
const supervisor = new Supervisor({
  command: ['sh', '-c', script],
  runDir,
  cwd: runDir,
  maxRestarts: 1000,
  backoffBaseS: 0,
  backoffCapS: 0,
  killTimeoutS: 2,
});
const outcome = await supervisor.run();
process.exitCode = outcome.exitCode === 143 || outcome.exitCode === 0 ? 0 : 1;
