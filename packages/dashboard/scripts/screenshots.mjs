// Regenerates the README's screenshots: builds the demo run dir and a supervised run that restarts and gives
// up with the real `loop` CLI, renders their pages with `loop dashboard`, and saves PNGs taken by Debian's
// Chromium (playwright-core) at 1440 px (whole page) and 375 px (the top) into packages/dashboard/docs/.
// Run from the repo root after `pnpm build`: `pnpm --filter @loop/dashboard screenshots`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { findChromium } from '../../../scripts/find-chromium.mjs';

const BIN = fileURLToPath(new URL('../../../apps/cli/dist/bin.js', import.meta.url));
const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));

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
    execFileSync(process.execPath, [BIN, ...args], { stdio: 'ignore', timeout: 300_000 });
  } catch (error) {
    if (!allowed.includes(error.status)) throw error;
  }
}

const root = mkdtempSync(join(tmpdir(), 'loop-screenshots-'));
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
      ...[process.execPath, BIN, 'run', '--run-dir', restarted, '--max-steps', '300'],
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
      for (const width of [1440, 375]) {
        const page = await browser.newPage({ viewport: { width, height: width === 375 ? 1600 : 900 } });
        await page.goto(pathToFileURL(join(dir, 'dashboard.html')).href);
        const path = join(DOCS, `${name}-${width}.png`);
        await page.screenshot({ path, fullPage: width === 1440 });
        await page.close();
        console.log(`screenshots: ${path}`);
      }
    }
  } finally {
    await browser.close();
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
