/// <reference lib="dom" />
// The static page in Debian's Chromium, on run dirs made by the real `loop` CLI: a supervised run that restarts
// and gives up (the headline says so, every restart on the timeline and as a marker on every time chart, no line
// across two lifetimes, counts across lifetimes equal to the files), a run that went to REDUCING with many
// rejections (an example detail for every reason), a halted run, the demo, and a run dir whose path and one
// reason/detail carry an unterminated U+202E (it reverses nothing outside its own element). At 375 and 1440 px
// nothing overflows and no number, date or code breaks; axe-core finds no serious or critical violation.
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, layoutFaults, RESULTS, useBrowser } from './chromium.js';
import { BIN, loop, requireBuiltCli } from './loop-cli.js';

const { available, open: openUrl } = useBrowser('page-browser.test');
const RLO = '\u202E';

/** Every NDJSON line of a run dir, parsed here apart from the page and its model. */
function eventsInFiles(dir: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const name of readdirSync(dir).filter((f) => f.startsWith('metrics.ndjson')))
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n'))
      if (line.trim() !== '') out.push(JSON.parse(line));
  return out;
}

let root = '';
const dirs = { demo: '', gaveUp: '', reducing: '', halted: '', rtl: '' };

beforeAll(async () => {
  if (!available) return;
  requireBuiltCli();
  root = mkdtempSync(join(tmpdir(), 'loop-page-browser-'));
  for (const key of Object.keys(dirs) as Array<keyof typeof dirs>) dirs[key] = join(root, key);
  dirs.rtl = join(root, `rtl${RLO}run`);
  const codes = await Promise.all([
    loop(['run', '--run-dir', dirs.demo, '--max-steps', '2000', '--enable-metrics', '--quiet']),
    loop([
      ...['supervise', '--run-dir', dirs.gaveUp, '--max-restarts', '3', '--backoff-base-s', '0', '--'],
      ...[process.execPath, BIN, 'run', '--run-dir', dirs.gaveUp, '--max-steps', '300'],
      ...['--fault-rate', '0.02', '--max-consecutive-errors', '2', '--enable-metrics', '--quiet'],
    ]),
    loop([
      ...['run', '--run-dir', dirs.reducing, '--max-steps', '3000', '--max-loss', '5'],
      ...['--enable-metrics', '--quiet'],
    ]),
    loop([
      ...['run', '--run-dir', dirs.halted, '--max-steps', '2000', '--fault-rate', '0.3'],
      ...['--enable-metrics', '--quiet'],
    ]),
    loop(['run', '--run-dir', dirs.rtl, '--max-steps', '200', '--enable-metrics', '--quiet']),
  ]);
  expect(codes).toEqual([0, 3, 0, 3, 0]);
  // One more rejection in the RTL run's last step, whose reason and detail open a right-to-left override and
  // never close it (risk is not the step's first stage: the same lifetime).
  const last = eventsInFiles(dirs.rtl).at(-1)!;
  appendFileSync(
    join(dirs.rtl, 'metrics.ndjson'),
    `${JSON.stringify({
      v: 1,
      ts: (last.ts as number) + 1,
      step: last.step,
      stage: 'risk',
      outcome: 'rejected',
      latency_ms: 0.25,
      reason: `EVIL${RLO}REASON`,
      detail: `abc${RLO}def 123`,
    })}\n`,
  );
  for (const dir of Object.values(dirs)) expect(await loop(['dashboard', '--run-dir', dir])).toBe(0);
}, 400_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

const open = (dir: string, width: number) => openUrl(pathToFileURL(join(dir, 'dashboard.html')).href, width);

/** For each time chart: its restart markers' x, and every drawn line's x range (in the SVG's units). */
async function chartGeometry(page: Page) {
  return page.evaluate(() =>
    Array.from(
      document.querySelectorAll<SVGSVGElement>('#rates svg.chart, #latency svg.chart, #position svg.chart'),
    ).map((svg) => ({
      label: svg.getAttribute('aria-label') ?? '',
      markers: Array.from(svg.querySelectorAll('.restart-mark line')).map((l) =>
        Number(l.getAttribute('x1')),
      ),
      lines: Array.from(svg.querySelectorAll('path')).map((p) => {
        const xs = Array.from((p.getAttribute('d') ?? '').matchAll(/[MLH]\s*(-?[\d.]+)/g)).map((m) =>
          Number(m[1]),
        );
        return [Math.min(...xs), Math.max(...xs)] as const;
      }),
    })),
  );
}

/** True when the characters of `needle` (in the text of `selector`) are laid out left to right. */
async function readsLeftToRight(page: Page, selector: string, needle: string): Promise<boolean> {
  return page.evaluate(
    ([sel, word]) => {
      const scope = document.querySelector(sel!);
      if (!scope) throw new Error(`${sel} not found`);
      const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = (node.textContent ?? '').indexOf(word!);
        if (at < 0) continue;
        const xs: number[] = [];
        for (let i = 0; i < word!.length; i++) {
          const range = document.createRange();
          range.setStart(node, at + i);
          range.setEnd(node, at + i + 1);
          xs.push(range.getBoundingClientRect().left);
        }
        return xs.every((x, i) => i === 0 || x > xs[i - 1]!);
      }
      throw new Error(`"${word}" not found in ${sel}`);
    },
    [selector, needle] as const,
  );
}

describe.skipIf(!available)('the static page (Chromium)', () => {
  for (const width of [375, 1440]) {
    it(`a supervised run that gave up: headline, every restart on the timeline and on every time chart, counts across lifetimes (${width} px)`, async () => {
      const page = await open(dirs.gaveUp, width);
      await page.screenshot({ path: join(RESULTS, `page-gave-up-${width}.png`) });
      expect(await page.locator('#health .badge').textContent()).toContain('gave up');
      expect(await page.locator('#health .badge').getAttribute('data-status')).toBe('gave-up');
      expect(await page.locator('#health .why').textContent()).toMatch(
        /^gave up after 3 restarts; last run exit code 3 after /,
      );
      expect(await page.locator('#restarts svg.timeline line.restart').count()).toBe(3);
      expect(await page.locator('#restarts table').first().locator('tbody tr').count()).toBe(4);

      // A marker at each restart on every time chart, and no line drawn across one.
      const charts = await chartGeometry(page);
      // Steps, errors; one latency chart per stage (4); equity, drawdown, position, price.
      expect(charts.length).toBeGreaterThanOrEqual(10);
      for (const chart of charts) {
        expect(chart.markers, chart.label).toHaveLength(3);
        for (const [from, to] of chart.lines)
          for (const x of chart.markers)
            expect(x > from + 0.5 && x < to - 0.5, `${chart.label}: a line across ${x}`).toBe(false);
      }
      expect(await page.locator('figure[data-chart="equity"] svg path').count()).toBe(4);
      expect(await page.locator('figure[data-chart="latency"]').count()).toBe(4);
      expect(await page.locator('figure[data-chart="rate-steps"] text.tick').count()).toBeGreaterThanOrEqual(
        4,
      );

      // Counts across lifetimes equal the files.
      const events = eventsInFiles(dirs.gaveUp);
      const steps = events.filter((e) => e.stage === 'strategy').length;
      const errors = events.filter((e) => e.outcome === 'error').length;
      expect(await page.locator('[data-fact="steps"] dd').textContent()).toBe(`${steps} / ${steps / 4}`);
      expect(await page.locator('[data-fact="steps"] dt').textContent()).toMatch(/all 4 lifetimes/i);
      expect(await page.locator('figure[data-chart="rate-steps"] .alt').textContent()).toContain(
        `${steps} in all`,
      );
      expect(await page.locator('figure[data-chart="rate-errors"] .alt').textContent()).toContain(
        `${errors} in all`,
      );
      const reasonCounts = await page
        .locator('#reasons tr[data-reason]')
        .evaluateAll((trs) =>
          trs.map((tr) => Number(tr.querySelector('td.num')?.textContent?.replace(/,/g, ''))),
        );
      expect(reasonCounts.reduce((a, b) => a + b, 0)).toBe(errors);
      expect(await layoutFaults(page)).toEqual([]);
      expect(await axeViolations(page)).toEqual([]);
    });

    it(`a run in REDUCING with many rejections: the headline says so, an example detail for every reason (${width} px)`, async () => {
      const page = await open(dirs.reducing, width);
      await page.locator('#reasons').screenshot({ path: join(RESULTS, `page-reasons-${width}.png`) });
      expect(await page.locator('#health .badge').textContent()).toContain('completed');
      expect(await page.locator('[data-fact="trading"] dd').textContent()).toMatch(
        /^REDUCING · MAX_LOSS: pnl=-[\d.]+ limit=-5$/,
      );
      const events = eventsInFiles(dirs.reducing);
      const byReason = new Map<string, number>();
      for (const e of events)
        if (typeof e.reason === 'string')
          byReason.set(`${e.stage} ${e.reason}`, (byReason.get(`${e.stage} ${e.reason}`) ?? 0) + 1);
      expect(byReason.size).toBeGreaterThan(0);
      const rows = await page.locator('#reasons tr[data-reason]').evaluateAll((trs) =>
        trs.map((tr) => ({
          key: `${tr.querySelector('td.code')?.textContent} ${tr.getAttribute('data-reason')}`,
          count: Number(tr.querySelectorAll('td.num')[0]?.textContent?.replace(/,/g, '')),
          examples: Array.from(tr.querySelectorAll('.example bdi:first-of-type')).map(
            (b) => b.textContent ?? '',
          ),
        })),
      );
      expect(new Map(rows.map((r) => [r.key, r.count]))).toEqual(byReason);
      for (const r of rows) {
        expect(r.examples.length, r.key).toBeGreaterThanOrEqual(1);
        for (const detail of r.examples) expect(detail, r.key).not.toMatch(/^$|\(no detail\)/);
      }
      const rejected = events.filter((e) => e.outcome === 'rejected');
      expect(await page.locator('#recent-rejections tbody tr').count()).toBe(Math.min(10, rejected.length));
      expect(
        await page.locator('#recent-rejections tbody tr').last().locator('td').nth(1).textContent(),
      ).toBe(Number(rejected.at(-1)!.step).toLocaleString('en-US'));
      expect(await layoutFaults(page)).toEqual([]);
      expect(await axeViolations(page)).toEqual([]);
    });

    it(`the demo and a halted run: the headline says so, no overflow, no serious axe violation (${width} px)`, async () => {
      const demo = await open(dirs.demo, width);
      expect(await demo.locator('#health .badge').textContent()).toContain('completed');
      expect(await layoutFaults(demo)).toEqual([]);
      expect(await axeViolations(demo)).toEqual([]);
      const halted = await open(dirs.halted, width);
      await halted.screenshot({ path: join(RESULTS, `page-halted-${width}.png`) });
      expect(await halted.locator('#health .badge').textContent()).toContain('halted');
      expect(await halted.locator('#health .why').textContent()).toMatch(
        /^halted by the kill switch: MAX_CONSECUTIVE_ERRORS/,
      );
      expect(await halted.locator('[data-fact="trading"] dd').textContent()).toMatch(/^HALTED · /);
      expect(await halted.locator('[data-fact="exit"] dd').textContent()).toBe('code 3');
      expect(await layoutFaults(halted)).toEqual([]);
    });

    it(`an unterminated U+202E in the run dir's path and in a reason and detail stays in its own element (${width} px)`, async () => {
      const page = await open(dirs.rtl, width);
      await page.screenshot({ path: join(RESULTS, `page-rtl-${width}.png`) });
      // The text after the path in the header, and the source after the detail in the same cell, read left to right.
      expect(await readsLeftToRight(page, 'header p', 'static page rendered')).toBe(true);
      expect(
        await readsLeftToRight(page, '#reasons tr[data-reason^="EVIL"] .example', 'metrics.ndjson'),
      ).toBe(true);
      expect(await readsLeftToRight(page, '#recent-rejections tbody tr:last-child', 'metrics.ndjson')).toBe(
        true,
      );
      expect(await readsLeftToRight(page, '#recent-rejections tbody tr:last-child', 'risk')).toBe(true);
      expect(await page.locator('#reasons tr[data-reason^="EVIL"] .example bdi').first().textContent()).toBe(
        `abc${RLO}def 123`,
      );
      expect(await layoutFaults(page)).toEqual([]);
    });
  }
});
