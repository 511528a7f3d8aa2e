// Debian's Chromium for the browser tests (playwright-core, never a downloaded browser): where it is, whether it
// is there (skipped loudly without it, except under CI=true, which must run them), and the launch flags.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { findChromium } from '../../../scripts/find-chromium.mjs';

const found = findChromium();
/** The Chromium binary: `LOOP_CHROMIUM`, `CHROME_PATH`, or chromium / chromium-browser / google-chrome on PATH. */
export const CHROMIUM = found.path ?? '/usr/bin/chromium';
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
  if (found.path !== undefined && existsSync(CHROMIUM)) return true;
  const message = found.error ?? `${CHROMIUM} not found (apt-get install chromium, or set LOOP_CHROMIUM)`;
  if (process.env.CI) throw new Error(`${suite}: ${message}; CI must run the browser tests`);
  console.warn(`${suite}: SKIPPED: ${message}`);
  return false;
}

/** Launches headless Chromium and makes sure the screenshot folder exists. */
export async function launchChromium(): Promise<Browser> {
  await mkdir(RESULTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/**
 * A test file's browser: checks for Chromium ({@link chromiumAvailable}), launches it before the file's tests
 * and closes it after; `cleanups` run after each test, last first.
 */
export function useBrowser(suite: string): {
  available: boolean;
  browser: () => Browser;
  cleanups: Array<() => Promise<void>>;
} {
  const available = chromiumAvailable(suite);
  let browser: Browser | undefined;
  const cleanups: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    if (available) browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    available,
    browser: () => {
      if (browser === undefined) throw new Error(`${suite}: Chromium is not running`);
      return browser;
    },
    cleanups,
  };
}
