// Bench worker: one @loop/supervisor in its own process (as `loop supervise` runs), reporting gaps and RSS as JSON.
import { readFileSync } from 'node:fs';
import { Supervisor } from '../dist/index.js';

const [runDir, restartsText] = process.argv.slice(2);
const restarts = Number(restartsText);
const events = [];
const supervisor = new Supervisor({
  command: ['sh', '-c', 'exit 1'],
  runDir,
  maxRestarts: restarts,
  backoffBaseS: 0,
  backoffCapS: 0,
  handleSignals: false,
  stdout: process.stdout,
  stderr: process.stderr,
  onEvent: (event) => {
    if (event.type === 'child-exited' || event.type === 'child-started') events.push(event);
  },
});
const outcome = await supervisor.run();
const status = readFileSync('/proc/self/status', 'utf8');
const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
const gapsMs = [];
const wallGapsMs = [];
for (let i = 0; i + 1 < events.length; i += 1) {
  if (events[i].type === 'child-exited' && events[i + 1].type === 'child-started') {
    gapsMs.push(events[i + 1].monotonicMs - events[i].monotonicMs);
    wallGapsMs.push(events[i + 1].atMs - events[i].atMs);
  }
}
process.stdout.write(
  `${JSON.stringify({ outcome, gapsMs, wallGapsMs, rssKb: kb('VmRSS'), peakRssKb: kb('VmHWM') })}\n`,
);
