// Browser tests of the static page's layout in Debian's Chromium (playwright-core) at phone and desktop width:
/// <reference lib="dom" />
// no horizontal page scroll even with the longest strings the schema allows, chart labels inside their charts,
// and an empty state that agrees with the notes. Screenshots go to test-results/.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StageEventLine } from '@loop/metrics';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  ndjson,
  runDir,
  stageEvents,
  summaryOf,
  T0,
  writeRunDir,
} from '../../run-dir/test-support/run-dir-fixture.js';
import { buildModel, renderDashboard } from '../src/index.js';
import { RESULTS, useBrowser } from './chromium.js';

const { available: hasChromium, browser, cleanups } = useBrowser('phone-layout.test');
const WIDTHS = [375, 1280] as const;

/** 64 characters: the longest attrs key the schema allows, and as wide a stage name as a person would write. */
const LONG = {
  wideStage: 'W'.repeat(64),
  plainStage: 's'.repeat(64),
  wordyStage: 'risk_check_with_a_really_long_descriptive_name_for_the_audit_log',
  reason: 'R'.repeat(64),
  gauge: 'a'.repeat(64),
  attr: 'k'.repeat(64),
  settingKey: 'x'.repeat(64),
  settingValue: 'y'.repeat(64),
};

/** Events like a paper run's: equity near 100,000 moving by cents, so axis labels read `100,012.66`. */
function paperRunEvents(steps: number): StageEventLine[] {
  return stageEvents(steps).map((e) =>
    e.attrs ? { ...e, attrs: { ...e.attrs, equity: 100_000.66 + ((e.step * 37) % 50) * 0.83 } } : e,
  );
}

const RUN_INFO = {
  status: 'ended',
  settings: { clock: 'simulated', exchange: 'paper', seed: 1, 'max-steps': 300, 'initial-cash': 100000 },
};

async function normalRunDir(): Promise<string> {
  const dir = await runDir();
  const events = paperRunEvents(60);
  await writeRunDir(dir, {
    metrics: [ndjson(events.slice(0, 120)), ndjson(events.slice(120))],
    summary: summaryOf({
      stage_events_count: events.length,
      counters: { processed: 60, filled: 55, rejected: 8, errors: 5 },
      outcomes_by_stage: {
        strategy: { ok: 60, rejected: 0, error: 0 },
        risk: { ok: 52, rejected: 8, error: 0 },
        exec: { ok: 47, rejected: 0, error: 5 },
        position: { ok: 60, rejected: 0, error: 0 },
      },
      gauges: { position: 1, equity: 100_021.66, realized_pnl: -0.2695 },
    }),
    run: RUN_INFO,
  });
  return dir;
}

/** The longest strings a run dir can carry, in every place the page shows one. */
async function longStringsRunDir(): Promise<string> {
  const dir = await runDir();
  const stages = [LONG.wideStage, LONG.plainStage, LONG.wordyStage];
  const long: StageEventLine[] = Array.from({ length: 30 }, (_, i) => ({
    v: 1,
    ts: T0 + 60 * 60_000 + i * 60_000,
    step: 61 + i,
    stage: stages[i % stages.length]!,
    outcome: i % 3 === 0 ? 'rejected' : 'ok',
    latency_ms: 0.5 + i / 10,
    ...(i % 3 === 0 ? { reason: LONG.reason, detail: 'D'.repeat(300) } : {}),
    attrs: { [LONG.gauge]: 123_456_789.123 + i / 2, [LONG.attr]: 'v'.repeat(256), equity: 100_040.66 + i },
  }));
  const events = [...paperRunEvents(60), ...long];
  const stats = { count: 10, p50_ms: 1, p95_ms: 2, p99_ms: 3, max_ms: 4, mean_ms: 1.5 };
  await writeRunDir(dir, {
    metrics: [ndjson(events.slice(0, 120)), ndjson(events.slice(120))],
    summary: summaryOf({
      stage_events_count: events.length,
      counters: { processed: 90, filled: 55, rejected: 18, errors: 5 },
      stages_by_name: Object.fromEntries(['strategy', ...stages].map((s) => [s, stats])),
      outcomes_by_stage: {
        strategy: { ok: 60, rejected: 0, error: 0 },
        ...Object.fromEntries(stages.map((s) => [s, { ok: 1_234_567, rejected: 3, error: 1 }])),
      },
      reasons_by_stage: Object.fromEntries(stages.map((s) => [s, { rejected: { [LONG.reason]: 3 } }])),
      gauges: { equity: 100_069.66, [LONG.gauge]: 123_456_803.623, [LONG.wideStage]: 1 },
    }),
    run: {
      ...RUN_INFO,
      settings: { ...RUN_INFO.settings, [LONG.settingKey]: LONG.settingValue, short: 'Z'.repeat(64) },
      [LONG.settingKey]: LONG.settingValue,
    },
  });
  return dir;
}

/** Renders the run dir's static page and opens it at `width` px. */
async function openDashboard(dir: string, width: number): Promise<Page> {
  const file = join(dir, 'dashboard.html');
  await writeFile(file, renderDashboard(await buildModel(dir)));
  const context = await browser().newContext({ viewport: { width, height: 800 } });
  cleanups.push(() => context.close());
  const page = await context.newPage();
  await page.goto(`file://${file}`);
  return page;
}

/** How far the page is wider than the viewport, in px (0 when it fits). */
const pageOverflow = (page: Page) =>
  page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth));

/** The elements that reach past the viewport's right edge (outermost first), for a failure message. */
const overflowCulprits = (page: Page) =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll('body *'))
      .filter(
        (e) =>
          !e.parentElement?.closest('.table-wrap, svg') &&
          (e.getBoundingClientRect().right > window.innerWidth ||
            (!e.classList.contains('table-wrap') && e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0)),
      )
      .slice(-5)
      .map(
        (e) =>
          `${e.tagName.toLowerCase()}.${e.getAttribute('class')} right=${Math.round(e.getBoundingClientRect().right)} scrollWidth=${e.scrollWidth}`,
      )
      .join('; '),
  );

/** Every text of the charts selected by `selector` that sticks out of its <svg>, and by how many px. */
function textsOutsideCharts(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((sel) => {
    const outside: string[] = [];
    for (const svg of Array.from(document.querySelectorAll<SVGSVGElement>(sel))) {
      const box = svg.getBoundingClientRect();
      for (const text of Array.from(svg.querySelectorAll('text'))) {
        const r = text.getBoundingClientRect();
        const by = Math.max(box.left - r.left, r.right - box.right, box.top - r.top, r.bottom - box.bottom);
        // Half a pixel of slack for subpixel rounding of the boxes.
        if (by > 0.5)
          outside.push(`${svg.getAttribute('aria-label')}: "${text.textContent}" by ${by.toFixed(1)} px`);
      }
    }
    return outside;
  }, selector);
}

describe.skipIf(!hasChromium)('static page layout in Chromium at phone and desktop width', () => {
  for (const width of WIDTHS) {
    it(`is no wider than a ${width} px viewport, for a normal run dir and one with 64-character strings`, async () => {
      const normal = await openDashboard(await normalRunDir(), width);
      expect(await pageOverflow(normal), await overflowCulprits(normal)).toBe(0);
      await normal.screenshot({ path: join(RESULTS, `layout-normal-${width}.png`), fullPage: true });

      const long = await openDashboard(await longStringsRunDir(), width);
      expect(await long.locator(`[data-book="gauge-${LONG.gauge}"]`).count()).toBe(1);
      expect(await long.locator('#settings').textContent()).toContain(LONG.settingKey);
      expect(await pageOverflow(long), await overflowCulprits(long)).toBe(0);
      await long.screenshot({ path: join(RESULTS, `layout-long-strings-${width}.png`), fullPage: true });
    });

    it(`keeps the equity axis labels inside the equity chart at ${width} px`, async () => {
      for (const dir of [await normalRunDir(), await longStringsRunDir()]) {
        const page = await openDashboard(dir, width);
        const equity = 'figure[data-chart="equity"] svg.chart';
        expect(await page.locator(equity).count()).toBe(1);
        expect(await page.locator(`${equity} text`).count()).toBeGreaterThanOrEqual(6);
        expect(await textsOutsideCharts(page, equity)).toEqual([]);
        // The other line charts (latency, position, long attribute names with nine-digit values) too.
        expect(await textsOutsideCharts(page, 'figure svg.chart, #latency svg.chart')).toEqual([]);
      }
    });

    it(`keeps the outcome chart's stage labels inside the chart at ${width} px, full names on hover`, async () => {
      for (const dir of [await normalRunDir(), await longStringsRunDir()]) {
        const page = await openDashboard(dir, width);
        const outcomes = '#stages svg.chart';
        expect(await page.locator(outcomes).count()).toBe(1);
        expect(await textsOutsideCharts(page, outcomes)).toEqual([]);
      }
      const page = await openDashboard(await longStringsRunDir(), width);
      const titles = await page.locator('#stages svg.chart g > title').allTextContents();
      expect(titles).toEqual(expect.arrayContaining([LONG.wideStage, LONG.plainStage, LONG.wordyStage]));
      await page.locator('#stages').screenshot({ path: join(RESULTS, `layout-outcomes-${width}.png`) });
    });
  }

  it('does not say "no metrics_summary.json" when the only file is a corrupt metrics_summary.json', async () => {
    const corrupt = await runDir();
    await writeRunDir(corrupt, { summary: '{"v":1, torn' });
    const page = await openDashboard(corrupt, 375);
    const empty = (await page.locator('#no-metrics').textContent()) ?? '';
    expect(empty).toContain('No metrics yet');
    expect(empty).not.toContain('no metrics_summary.json');
    expect(empty).toContain('metrics_summary.json');
    expect(await page.locator('.note').first().textContent()).toContain('metrics_summary.json is corrupt');
    expect(await pageOverflow(page)).toBe(0);

    const missing = await runDir();
    const empty2 = await openDashboard(missing, 375);
    expect(await empty2.locator('#no-metrics').textContent()).toContain(
      'no metrics.ndjson and no metrics_summary.json',
    );
  });
});
