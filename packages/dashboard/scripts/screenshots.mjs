// Regenerates the README's screenshots: builds the demo run dir and a supervised run that restarts and gives
// up with the real `loop` CLI, renders their pages with `loop dashboard`, and saves PNGs taken by Debian's
// Chromium (playwright-core) at 1440 px and 375 px (the top of the page: health, restarts, overview, rates)
// into packages/dashboard/docs/, which the READMEs show. Seeded simulated runs: the same pages each time, but
// for the wall-clock times (heartbeat age, supervisor exits). After `pnpm build`:
// `pnpm --filter @loop/dashboard screenshots`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { findChromium } from '../../../scripts/find-chromium.mjs';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(REPO, 'apps/cli/dist/bin.js');
const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));
/** Viewport width and height of each shot: the top of the page, small enough to commit (< 400 KB a PNG). */
const SHOTS = [
  [1440, 1700],
  [375, 1400],
];

if (!existsSync(BIN)) {
  console.error(`screenshots: ${BIN} is missing: run \`pnpm build\` first`);
  process.exit(2);
}
const found = findChromium();
if (found.path === undefined) {
  console.error(
    `screenshots: ${found.error ?? 'Chromium not found'} (apt-get install chromium, or set LOOP_CHROMIUM)`,
  );
  process.exit(2);
}

/** `loop ...args`, its output discarded; `allowed` are the exit codes that are expected. */
function loop(args, allowed = [0]) {
  try {
    execFileSync(process.execPath, [BIN, ...args], { cwd: REPO, stdio: 'ignore', timeout: 300_000 });
  } catch (error) {
    if (!allowed.includes(error.status)) throw error;
  }
}

// A fixed folder, so that the pages show the same run dir path every time.
const root = join(tmpdir(), 'loop-screenshots');
rmSync(root, { recursive: true, force: true });
mkdirSync(root);
try {
  const demo = join(root, 'demo');
  const restarted = join(root, 'restarted');
  // The README's demo (scripts/demo.mjs): seed 42, 5,000 simulated steps, rotation every 5,000 lines.
  loop([
    ...['run', '--run-dir', demo, '--clock', 'simulated', '--exchange', 'paper', '--seed', '42'],
    ...['--max-steps', '5000', '--enable-metrics', '--metrics-rotate-max-lines', '5000', '--quiet'],
  ]);
  // A supervised run whose child fails (the kill switch halts it, exit 3) and is restarted 3 times, then given up.
  loop(
    [
      ...['supervise', '--run-dir', restarted, '--max-restarts', '3', '--backoff-base-s', '0', '--'],
      // The supervisor's command line is on the page: the CLI by its path in the repo.
      ...['node', relative(REPO, BIN), 'run', '--run-dir', restarted, '--max-steps', '300'],
      ...['--fault-rate', '0.02', '--max-consecutive-errors', '2', '--enable-metrics', '--quiet'],
    ],
    [3],
  );
  for (const dir of [demo, restarted]) loop(['dashboard', '--run-dir', dir]);

  mkdirSync(DOCS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: found.path,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    for (const [name, dir] of [
      ['demo', demo],
      ['restarted', restarted],
    ]) {
      for (const [width, height] of SHOTS) {
        const page = await browser.newPage({ viewport: { width, height } });
        await page.goto(pathToFileURL(join(dir, 'dashboard.html')).href);
        const path = join(DOCS, `${name}-${width}.png`);
        await page.screenshot({ path });
        await page.close();
        console.log(`screenshots: ${path} (${Math.round(statSync(path).size / 1024)} KiB)`);
      }
    }
  } finally {
    await browser.close();
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
