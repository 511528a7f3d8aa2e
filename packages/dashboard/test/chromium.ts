// Debian's Chromium for the browser tests (playwright-core, never a downloaded browser): where it is, whether it
// is there (skipped loudly without it, except under CI=true, which must run them), and the launch flags.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

/** The Chromium binary: Debian's, or `LOOP_CHROMIUM`. */
export const CHROMIUM = process.env.LOOP_CHROMIUM ?? '/usr/bin/chromium';
/** Where the browser tests save screenshots. */
export const RESULTS = fileURLToPath(new URL('../test-results/', import.meta.url));

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/**
 * True when Chromium is installed. Without it, warns that `suite`'s tests are skipped, or throws under `CI`,
 * where the browser tests must run.
 */
export function chromiumAvailable(suite: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  const message = `${CHROMIUM} not found (apt-get install chromium, or set LOOP_CHROMIUM)`;
  if (process.env.CI) throw new Error(`${suite}: ${message}; CI must run the browser tests`);
  console.warn(`${suite}: SKIPPED: ${message}`);
  return false;
}

/** Launches headless Chromium and makes sure the screenshot folder exists. */
export async function launchChromium(): Promise<Browser> {
  await mkdir(RESULTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}
