/// <reference lib="dom" />
// Debian's Chromium for the browser tests (playwright-core, never a downloaded browser): where it is, whether it
// is there (skipped loudly without it, except under CI=true, which must run them), the launch flags, a page per
// test, and the checks every page test makes (axe-core, layout at a width).
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
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
  /** A page in a fresh context `width` px wide at `url`, closed after the test. */
  open: (url: string, width: number, height?: number) => Promise<Page>;
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
  const running = () => {
    if (browser === undefined) throw new Error(`${suite}: Chromium is not running`);
    return browser;
  };
  return {
    available,
    browser: running,
    cleanups,
    open: async (url, width, height = 900) => {
      const context = await running().newContext({ viewport: { width, height } });
      cleanups.push(() => context.close());
      const page = await context.newPage();
      await page.goto(url);
      return page;
    },
  };
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical violations (WCAG 2 A and AA) on the page, as `id: target` lines. */
export async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, outside the static page's script-free CSP.
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    type Violation = { id: string; impact: string; nodes: Array<{ target: string[] }> };
    const axe = (
      window as unknown as {
        axe: { run: (ctx: unknown, o: unknown) => Promise<{ violations: Violation[] }> };
      }
    ).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

/**
 * Layout faults of the page at its viewport's width: the page wider than the viewport; an element in `scope`
 * whose content overflows it (except inside a chart or a `.table-wrap`, which scrolls on its own); a number,
 * date, time or code (`2024-01-01 00:17:00Z`, `-5.26`, `1,326`, `MAX_LOSS`) split over two lines.
 */
export async function layoutFaults(page: Page, scope = 'main'): Promise<string[]> {
  return page.evaluate((selector) => {
    const faults: string[] = [];
    if (document.documentElement.scrollWidth > window.innerWidth + 1)
      faults.push(
        `page is ${document.documentElement.scrollWidth}px wide in a ${window.innerWidth}px viewport`,
      );
    for (const root of Array.from(document.querySelectorAll(selector))) {
      for (const e of Array.from(root.querySelectorAll('*'))) {
        if (e.closest('svg') || e.closest('.table-wrap')) continue;
        if (
          e.scrollWidth > e.clientWidth + 1 &&
          e.clientWidth > 0 &&
          getComputedStyle(e).overflowX === 'visible'
        )
          faults.push(
            `${e.tagName.toLowerCase()}.${e.getAttribute('class')} overflows by ${e.scrollWidth - e.clientWidth}px`,
          );
      }
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.parentElement?.closest('svg')) continue;
        const text = node.textContent ?? '';
        for (const m of text.matchAll(/(?<![\w-])[−+-]?\d[\d,.:-]*\d|\b[A-Z][A-Z_]{3,}\b/g)) {
          const range = document.createRange();
          range.setStart(node, m.index!);
          range.setEnd(node, m.index! + m[0].length);
          const lines = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
          if (lines.size > 1) faults.push(`"${m[0]}" breaks over ${lines.size} lines`);
        }
      }
    }
    return faults;
  }, scope);
}
