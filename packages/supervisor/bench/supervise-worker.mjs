// Bench worker: one @loop/supervisor in its own process (as `loop supervise` runs), reporting gaps and RSS as JSON.
import { readFileSync } from 'node:fs';
import { attachNotifier, Supervisor } from '../dist/index.js';

// A third argument: POST every notification to this URL (a receiver that never answers, in the bench).
const [runDir, restartsText, notifyUrl] = process.argv.slice(2);
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
// minIntervalMs 0: a message for every restart the policy lets through, all queued behind the first hanging POST.
const notifier =
  notifyUrl === undefined
    ? undefined
    : attachNotifier(supervisor, {
        url: notifyUrl,
        bot: 'bench',
        timeoutMs: 60_000,
        policy: { minIntervalMs: 0 },
      });
const outcome = await supervisor.run();
await notifier?.close(0);
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
