// The README's main job: a seeded simulated loop with metrics and rotation, then its dashboard.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';

const runDir = resolve(process.env.LOOP_DEMO_RUN_DIR ?? 'runs/demo');
const loop = (args) => {
  const r = spawnSync(process.execPath, ['apps/cli/dist/bin.js', ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
rmSync(runDir, { recursive: true, force: true });
loop([
  'run',
  '--run-dir',
  runDir,
  '--clock',
  'simulated',
  '--exchange',
  'paper',
  '--seed',
  '42',
  '--max-steps',
  '5000',
  '--enable-metrics',
  '--metrics-rotate-max-lines',
  '5000',
]);
loop(['dashboard', '--run-dir', runDir]);
