// Browser tests in Debian's Chromium (playwright-core, no downloaded browser): numbers on the static page,
/// <reference lib="dom" />
// hostile strings rendered as text with no script run, no console error, no CSP violation, no request,
// and the live page updating after appends and across a rotation. Screenshots go to test-results/.
import { appendFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
import { buildModel, renderDashboard, startDashboardServer } from '../src/index.js';
import { RESULTS, useBrowser } from './chromium.js';

const { available: hasChromium, browser, cleanups } = useBrowser('dashboard-browser.test');

/** Strings an attacker could get into a run dir; each tries to run code that sets window.__pwned. */
const HOSTILE = {
  stage: '</script><script>window.__pwned="stage";alert(1)</script>',
  reason: '<img src=x onerror="window.__pwned=\'reason\';alert(2)">',
  detail: 'javascript:window.__pwned="detail" <a href="javascript:alert(3)">x</a>',
  attr: 'line\u2028sep\u2029para</style><svg onload=alert(4)>',
  setting: '"><script>alert(5)</script>',
};

interface Watch {
  consoleErrors: string[];
  dialogs: string[];
  requests: string[];
  violations(): Promise<string[]>;
}

/** Opens a page that records console errors, dialogs, requests outside `allowed`, and CSP violations. */
async function openPage(
  width: number,
  allowed: (url: string) => boolean,
): Promise<{ page: Page; watch: Watch }> {
  const context = await browser().newContext({ viewport: { width, height: 900 } });
  cleanups.push(() => context.close());
  const page = await context.newPage();
  const watch: Watch = {
    consoleErrors: [],
    dialogs: [],
    requests: [],
    violations: () =>
      page.evaluate(() => (window as unknown as { __violations: string[] }).__violations ?? []),
  };
  // Init scripts run through the DevTools protocol, outside the page's CSP.
  await page.addInitScript(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on('console', (message) => {
    if (message.type() === 'error') watch.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => watch.consoleErrors.push(error.message));
  page.on('dialog', (dialog) => {
    watch.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('request', (request) => {
    if (!allowed(request.url())) watch.requests.push(request.url());
  });
  return { page, watch };
}

async function expectClean(page: Page, watch: Watch): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
  expect(watch.dialogs).toEqual([]);
  expect(watch.consoleErrors).toEqual([]);
  expect(await watch.violations()).toEqual([]);
  expect(watch.requests).toEqual([]);
  expect(await page.locator('img, iframe, object, embed').count()).toBe(0);
  expect(await page.locator('a[href^="javascript:"], [onerror], [onload]').count()).toBe(0);
}

async function hostileRunDir(): Promise<string> {
  const dir = await runDir();
  const events = stageEvents(30);
  events.push({
    v: 1,
    ts: T0 + 30 * 60_000,
    step: 31,
    stage: HOSTILE.stage,
    outcome: 'rejected',
    latency_ms: 4.5,
    reason: HOSTILE.reason,
    detail: HOSTILE.detail,
    attrs: { note: HOSTILE.attr, equity: 10_046.5 },
  });
  await writeRunDir(dir, {
    metrics: [ndjson(events.slice(0, 60)), `${ndjson(events.slice(60))}{"v":1,"ts":torn`],
    summary: summaryOf({
      stage_events_count: 125,
      counters: { processed: 31, filled: 27, rejected: 5, errors: 2 },
      stages_by_name: {
        strategy: { count: 31, p50_ms: 0.123, p95_ms: 0.456, p99_ms: 0.789, max_ms: 1.5, mean_ms: 0.2 },
        [HOSTILE.stage]: { count: 1, p50_ms: 4.5, p95_ms: 4.5, p99_ms: 4.5, max_ms: 4.5, mean_ms: 4.5 },
      },
      outcomes_by_stage: {
        strategy: { ok: 31, rejected: 0, error: 0 },
        [HOSTILE.stage]: { ok: 0, rejected: 1, error: 0 },
      },
      reasons_by_stage: { [HOSTILE.stage]: { rejected: { [HOSTILE.reason]: 1 } } },
      gauges: { position: 1, equity: 10_046.5, pnl: 46.5 },
    }),
    run: { settings: { seed: 42, clock: 'simulated', note: HOSTILE.setting }, [HOSTILE.reason]: 'key' },
  });
  return dir;
}

const text = async (page: Page, selector: string) =>
  (await page.locator(selector).first().textContent()) ?? '';

describe.skipIf(!hasChromium)('static page in Chromium', () => {
  it('shows the right numbers, renders hostile strings as text, runs nothing and requests nothing', async () => {
    const dir = await hostileRunDir();
    const html = renderDashboard(await buildModel(dir, { tailLines: 10 }));
    const file = join(dir, 'dashboard.html');
    await writeFile(file, html);
    const { page, watch } = await openPage(1280, (url) => url.startsWith('file://'));
    await page.goto(`file://${file}`);

    expect(await text(page, '[data-metric=processed] .value')).toBe('31');
    expect(await text(page, '[data-metric=filled] .value')).toBe('27');
    expect(await text(page, '[data-metric=rejected] .value')).toBe('5');
    expect(await text(page, '[data-metric=errors] .value')).toBe('2');
    expect(await text(page, '[data-metric=stage-events] .value')).toBe('125');
    const strategy = await page.locator('#stages tr[data-stage=strategy] > *').allTextContents();
    expect(strategy).toEqual(['strategy', '31', '0.123', '0.456', '0.789', '1.500', '0.200', '31', '0', '0']);
    expect(await text(page, '[data-metric=events-read] .value')).toBe('121');
    expect(await text(page, '[data-metric=skipped-lines] .value')).toBe('1');
    expect(await page.locator('#data-quality').textContent()).toContain('torn last line (no newline)');
    // A gauge the book does not name, under its human label.
    expect(await text(page, '[data-book=gauge-pnl] .label')).toBe('Pnl');
    expect(await text(page, '[data-book=gauge-pnl] .value')).toBe('46.5');
    // Overall latency from the NDJSON: 121 events, the hostile one is the slowest at 4.5 ms.
    expect(await text(page, '[data-metric=max] .value')).toBe('4.500 ms');

    // Hostile strings are on the page, verbatim, as text.
    const stagesText = await page.locator('#stages table').textContent();
    expect(stagesText).toContain(HOSTILE.stage);
    expect(await page.locator('#reasons').textContent()).toContain(HOSTILE.reason);
    const recent = await page.locator('#recent').textContent();
    expect(recent).toContain('javascript:window.__pwned="detail"');
    expect(await page.locator('#settings').textContent()).toContain(HOSTILE.setting);
    expect(await page.locator('script').count()).toBe(0);
    await expectClean(page, watch);
    await page.screenshot({ path: join(RESULTS, 'static-1280.png'), fullPage: true });
  });

  it('reads at phone width without horizontal page scroll', async () => {
    const dir = await hostileRunDir();
    const file = join(dir, 'dashboard.html');
    await writeFile(file, renderDashboard(await buildModel(dir)));
    const { page, watch } = await openPage(390, (url) => url.startsWith('file://'));
    await page.goto(`file://${file}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await expectClean(page, watch);
    await page.screenshot({ path: join(RESULTS, 'static-390.png'), fullPage: true });
  });

  it('says no metrics yet for an empty run dir', async () => {
    const dir = await runDir();
    const file = join(dir, 'dashboard.html');
    await writeFile(file, renderDashboard(await buildModel(dir)));
    const { page, watch } = await openPage(1280, (url) => url.startsWith('file://'));
    await page.goto(`file://${file}`);
    expect(await page.locator('#no-metrics').textContent()).toContain('No metrics yet');
    await expectClean(page, watch);
  });
});

describe.skipIf(!hasChromium)('live page in Chromium', () => {
  it('updates within seconds after appends and across a rotation, with hostile strings inert', async () => {
    const dir = await runDir();
    const events = stageEvents(12); // 48 events
    const current = join(dir, 'metrics.ndjson');
    await writeFile(current, ndjson(events.slice(0, 8)));
    const server = await startDashboardServer({ runDir: dir, port: 0, pollMs: 500, debounceMs: 50 });
    cleanups.push(() => server.close());
    const origin = new URL(server.url).origin;
    const { page, watch } = await openPage(1280, (url) => url.startsWith(origin));
    await page.goto(server.url);
    await page.waitForFunction(
      () => document.getElementById('loop-live-status')?.textContent === 'connected',
    );
    expect(await text(page, '[data-metric=stage-events] .value')).toBe('8');

    const eventsShown = (n: number) =>
      page.waitForFunction(
        (want) => document.querySelector('[data-metric=stage-events] .value')?.textContent === want,
        String(n),
        { timeout: 5_000 },
      );
    let started = Date.now();
    await appendFile(current, ndjson(events.slice(8, 20)));
    await eventsShown(20);
    const appendMs = Date.now() - started;

    // Rotation: the current file is renamed to .1 and a new one started.
    started = Date.now();
    await rename(current, join(dir, 'metrics.ndjson.1'));
    await writeFile(current, ndjson(events.slice(20, 40)));
    await eventsShown(40);
    const rotationMs = Date.now() - started;
    expect(await page.locator('#data-quality').textContent()).toContain('metrics.ndjson.1');

    // Hostile strings arriving live are swapped in as text too.
    await appendFile(
      current,
      ndjson([
        ...events.slice(40),
        {
          ...events[0]!,
          ts: T0 + 13 * 60_000,
          step: 13,
          stage: HOSTILE.stage,
          reason: HOSTILE.reason,
          detail: HOSTILE.detail,
        },
      ]),
    );
    await eventsShown(49);
    expect(await page.locator('#stages table').textContent()).toContain(HOSTILE.stage);
    expect(await page.locator('#recent').textContent()).toContain(HOSTILE.reason);
    expect(await page.locator('script').count()).toBe(2);
    await expectClean(page, watch);
    expect(appendMs).toBeLessThan(5_000);
    expect(rotationMs).toBeLessThan(5_000);
    await page.screenshot({ path: join(RESULTS, 'live-1280.png'), fullPage: true });
  });
});
