/// <reference lib="dom" />
// The health headline and "Supervisor & restarts" in Debian's Chromium, on run dirs made by the real `loop`
// CLI: a supervised run that gave up after restarts, a run that went to REDUCING, a halted run, the demo. At
// 375 and 1440 px: the headline says it, every restart is on the timeline, counts across lifetimes equal the
// files, nothing overflows or breaks mid-number, and axe-core finds no serious or critical violation.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESULTS, useBrowser } from './chromium.js';

const { available, browser, cleanups } = useBrowser('health-browser.test');
const BIN = fileURLToPath(new URL('../../../apps/cli/dist/bin.js', import.meta.url));
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const run = promisify(execFile);

/** `loop ...args`; resolves with the exit code (never rejects on a non-zero one). */
async function loop(args: string[]): Promise<number> {
  try {
    await run(process.execPath, [BIN, ...args], { timeout: 120_000 });
    return 0;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    throw error;
  }
}

/** Steps in the NDJSON files, counted apart from the health model: one strategy event a step. */
function stepsInFiles(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir).filter((f) => f.startsWith('metrics.ndjson'))) {
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n'))
      if (line.includes('"stage":"strategy"')) n++;
  }
  return n;
}

let root = '';
const dirs = { demo: '', gaveUp: '', reducing: '', halted: '' };

beforeAll(async () => {
  if (!available) return;
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`pnpm build\` first`);
  root = mkdtempSync(join(tmpdir(), 'loop-health-browser-'));
  for (const key of Object.keys(dirs) as Array<keyof typeof dirs>) dirs[key] = join(root, key);
  const codes = await Promise.all([
    loop(['run', '--run-dir', dirs.demo, '--max-steps', '2000', '--enable-metrics', '--quiet']),
    loop([
      ...['supervise', '--run-dir', dirs.gaveUp, '--max-restarts', '3', '--backoff-base-s', '0', '--'],
      ...[
        process.execPath,
        BIN,
        'run',
        '--run-dir',
        dirs.gaveUp,
        '--max-steps',
        '300',
        '--fault-rate',
        '0.02',
      ],
      ...['--max-consecutive-errors', '2', '--enable-metrics', '--quiet'],
    ]),
    loop([
      'run',
      '--run-dir',
      dirs.reducing,
      '--max-steps',
      '3000',
      '--max-loss',
      '5',
      '--enable-metrics',
      '--quiet',
    ]),
    loop([
      'run',
      '--run-dir',
      dirs.halted,
      '--max-steps',
      '2000',
      '--fault-rate',
      '0.3',
      '--enable-metrics',
      '--quiet',
    ]),
  ]);
  expect(codes).toEqual([0, 3, 0, 3]);
  for (const dir of Object.values(dirs)) expect(await loop(['dashboard', '--run-dir', dir])).toBe(0);
}, 300_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

async function open(dir: string, width: number): Promise<Page> {
  const context = await browser().newContext({ viewport: { width, height: 900 } });
  cleanups.push(() => context.close());
  const page = await context.newPage();
  await page.goto(pathToFileURL(join(dir, 'dashboard.html')).href);
  return page;
}

/** axe-core's serious and critical violations (WCAG 2 A and AA), as `id: target` lines. */
async function axeViolations(page: Page): Promise<string[]> {
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

/** Layout faults: a page wider than the viewport, and numbers in the headline or tables split over two lines. */
async function layoutFaults(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const faults: string[] = [];
    if (document.documentElement.scrollWidth > window.innerWidth + 1)
      faults.push(
        `page is ${document.documentElement.scrollWidth}px wide in a ${window.innerWidth}px viewport`,
      );
    const scope = document.querySelectorAll('#health, #restarts');
    for (const section of Array.from(scope)) {
      const walker = document.createTreeWalker(section, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent ?? '';
        // Numbers, dates and times (2026-12-01 22:02:34.419Z) and codes (MAX_CONSECUTIVE_ERRORS) are one token.
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
  });
}

describe.skipIf(!available)('health on the page (Chromium)', () => {
  for (const width of [375, 1440]) {
    it(`a supervised run that gave up: headline, every restart on the timeline, counts across lifetimes (${width} px)`, async () => {
      const page = await open(dirs.gaveUp, width);
      await page.screenshot({ path: join(RESULTS, `health-gave-up-${width}.png`), fullPage: false });
      expect(await page.locator('#health .badge').textContent()).toContain('gave up');
      expect(await page.locator('#health .badge').getAttribute('data-status')).toBe('gave-up');
      expect(await page.locator('#health .why').textContent()).toMatch(
        /^gave up after 3 restarts; last run exit code 3 after /,
      );
      expect(await page.locator('#restarts svg.timeline line.restart').count()).toBe(3);
      expect(await page.locator('#restarts table').first().locator('tbody tr').count()).toBe(4);
      const steps = await page.locator('[data-fact="steps"] dd').textContent();
      const total = stepsInFiles(dirs.gaveUp);
      expect(steps).toBe(`${total} / ${total / 4}`);
      expect(await page.locator('[data-fact="steps"] dt').textContent()).toMatch(/all 4 lifetimes/i);
      expect(await layoutFaults(page)).toEqual([]);
      expect(await axeViolations(page)).toEqual([]);
    });
  }

  it('a run that went to REDUCING and a halted run say so in the headline', async () => {
    const reducing = await open(dirs.reducing, 1440);
    expect(await reducing.locator('[data-fact="trading"] dd').textContent()).toMatch(
      /^REDUCING · MAX_LOSS: pnl=-[\d.]+ limit=-5$/,
    );
    const halted = await open(dirs.halted, 375);
    await halted.screenshot({ path: join(RESULTS, 'health-halted-375.png') });
    expect(await halted.locator('#health .badge').textContent()).toContain('halted');
    expect(await halted.locator('#health .why').textContent()).toMatch(
      /^halted by the kill switch: MAX_CONSECUTIVE_ERRORS/,
    );
    expect(await halted.locator('[data-fact="trading"] dd').textContent()).toMatch(/^HALTED · /);
    expect(await halted.locator('[data-fact="exit"] dd').textContent()).toBe('code 3');
  });

  for (const width of [375, 1440]) {
    it(`the demo and the rejections run: no serious or critical axe violation, no overflow (${width} px)`, async () => {
      for (const dir of [dirs.demo, dirs.reducing]) {
        const page = await open(dir, width);
        expect(await page.locator('#health .badge').textContent()).toContain('completed');
        expect(await layoutFaults(page)).toEqual([]);
        expect(await axeViolations(page)).toEqual([]);
      }
    });
  }
});
