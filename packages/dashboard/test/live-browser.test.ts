/// <reference lib="dom" />
// The live page in Debian's Chromium while a writer appends steps and touches the heartbeat: updates morph the
// page in place (an opened <details> stays open, focus and scroll stay put, the Recent events filter holds),
// the aria-live status says connected / reconnecting / writer stale, and axe finds no serious violation.
import { appendFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ndjson, runDir, runRecordOf, stageEvents, T0 } from '../../run-dir/test-support/run-dir-fixture.js';
import { type DashboardServer, startDashboardServer } from '../src/index.js';
import { axeViolations, RESULTS, useBrowser } from './chromium.js';

const { available, browser, cleanups } = useBrowser('live-browser.test');

/** A run dir with events, a heartbeat and a run.json (whose extra keys make a <details>). */
async function liveRunDir(): Promise<string> {
  const events = stageEvents(20).map((e, i) =>
    e.stage === 'risk' && i % 3 === 0 ? { ...e, outcome: 'rejected' as const, reason: 'MAX_POSITION' } : e,
  );
  return runDir(
    {
      metrics: [events],
      // A valid run.json of a run in progress (a corrupt one makes the health model say `unknown`, never stale).
      run: {
        ...runRecordOf({
          status: 'running',
          ended: null,
          exit_code: null,
          ended_at: null,
          ended_at_ms: null,
        }),
        settings: { seed: 42, clock: 'simulated' },
        note: 'kept in the details element',
      },
      heartbeat: true,
    },
    { prefix: 'loop-live-browser-' },
  );
}

/**
 * A writer: a step (4 stage events) every `everyMs`, touching the heartbeat, until stopped. An interval drives
 * it; the tests wait on what the page shows, never on time.
 */
function startWriter(dir: string, everyMs = 150): { stop(): void; steps(): number } {
  let step = 20;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    step += 1;
    const events = stageEvents(1, step).map((e) => ({ ...e, ts: T0 + step * 60_000 }));
    appendFile(join(dir, 'metrics.ndjson'), ndjson(events))
      .then(() => {
        const now = new Date();
        return utimes(join(dir, 'heartbeat'), now, now);
      })
      .finally(() => {
        busy = false;
      });
  }, everyMs);
  const stop = () => clearInterval(timer);
  cleanups.push(async () => stop());
  return { stop, steps: () => step };
}

async function serve(
  dir: string,
  options: { port?: number; staleAfterMs?: number } = {},
): Promise<DashboardServer> {
  const server = await startDashboardServer({ runDir: dir, pollMs: 200, debounceMs: 50, ...options });
  cleanups.push(() => server.close());
  return server;
}

async function openLive(url: string, width = 1280): Promise<{ page: Page; errors: string[] }> {
  const context = await browser().newContext({ viewport: { width, height: 800 } });
  cleanups.push(() => context.close());
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(url);
  await statusIs(page, 'connected');
  return { page, errors };
}

const statusIs = (page: Page, text: string, timeout = 15_000) =>
  page.waitForFunction((want) => document.getElementById('loop-live-status')?.textContent === want, text, {
    timeout,
  });

const eventId = (page: Page) =>
  page.evaluate(() => document.documentElement.getAttribute('data-loop-event-id'));

/** Waits until the page has applied `n` more updates than now. */
async function updates(page: Page, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) {
    const before = await eventId(page);
    await page.waitForFunction(
      (id) => document.documentElement.getAttribute('data-loop-event-id') !== id,
      before,
      { timeout: 15_000 },
    );
  }
}

describe.skipIf(!available)('live page (Chromium)', () => {
  it('keeps an opened <details> open, focus and scroll in place across 10 updates, and shows the latest figures', async () => {
    const dir = await liveRunDir();
    const server = await serve(dir);
    const { page, errors } = await openLive(server.url);
    expect(await page.locator('header p').textContent()).toMatch(
      / · live · connected · updated \d\d:\d\d:\d\d UTC$/,
    );
    expect(await page.locator('header p').textContent()).not.toMatch(/live · live/);
    await page.locator('#settings details summary').click();
    await page.locator('#recent .table-wrap').focus();
    // A mark on the node itself: the same element must keep focus, not a look-alike rendered anew.
    // Scrolled so Recent events starts at the top of the viewport: what the reader sees must not move.
    const recentTop = () =>
      page.evaluate(() => document.querySelector('#recent h2')!.getBoundingClientRect().top);
    await page.evaluate(() => {
      (document.activeElement as HTMLElement & { __mark?: number }).__mark = 1;
      document.querySelector('#recent h2')!.scrollIntoView();
    });
    expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(0);
    const top = await recentTop();
    const writer = startWriter(dir);
    await updates(page, 10);
    writer.stop();
    expect(await page.locator('#settings details').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(
      true,
    );
    expect(
      await page.evaluate(() => (document.activeElement as HTMLElement & { __mark?: number }).__mark),
    ).toBe(1);
    expect(await page.evaluate(() => document.activeElement?.closest('section')?.id)).toBe('recent');
    expect(Math.abs((await recentTop()) - top)).toBeLessThanOrEqual(1);
    // In-place updates still end on the server's figures.
    await page.waitForFunction(
      (want) => document.querySelector('[data-metric=stage-events] .value')?.textContent === want,
      String(writer.steps() * 4),
      { timeout: 15_000 },
    );
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(RESULTS, 'live-in-place-1280.png'), fullPage: true });
  });

  it('keeps a Recent events filter by stage and outcome across updates', async () => {
    const dir = await liveRunDir();
    const server = await serve(dir);
    const { page, errors } = await openLive(server.url);
    await page.selectOption('#loop-filter-stage', 'risk');
    await page.selectOption('#loop-filter-outcome', 'ok');
    const writer = startWriter(dir);
    await updates(page, 5);
    writer.stop();
    // Rows and count read in one evaluate: an update still in flight cannot land between the two reads.
    const { rows, count } = await page.evaluate(() => ({
      rows: Array.from(document.querySelectorAll('#recent tr[data-stage]')).map((tr) => ({
        stage: tr.getAttribute('data-stage'),
        outcome: tr.getAttribute('data-outcome'),
        visible: (tr as HTMLElement).offsetParent !== null,
      })),
      count: document.querySelector('#loop-filter-count')?.textContent,
    }));
    const visible = rows.filter((r) => r.visible);
    expect(visible.length).toBeGreaterThan(0);
    expect(visible.every((r) => r.stage === 'risk' && r.outcome === 'ok')).toBe(true);
    expect(rows.filter((r) => !r.visible).length).toBeGreaterThan(0);
    expect(await page.locator('#loop-filter-stage').inputValue()).toBe('risk');
    expect(await page.locator('#loop-filter-outcome').inputValue()).toBe('ok');
    expect(count).toBe(`showing ${visible.length} of ${rows.length}`);
    // Back to all: every row shows again.
    await page.selectOption('#loop-filter-stage', '');
    await page.selectOption('#loop-filter-outcome', '');
    const shown = await page.evaluate(() => {
      const all = Array.from(document.querySelectorAll('#recent tr[data-stage]'));
      return {
        all: all.length,
        visible: all.filter((tr) => (tr as HTMLElement).offsetParent !== null).length,
      };
    });
    expect(shown.visible).toBe(shown.all);
    expect(shown.all).toBeGreaterThanOrEqual(rows.length);
    expect(errors).toEqual([]);
  });

  it('says reconnecting while the server is down, connected when it is back, writer stale when the heartbeat ages', async () => {
    const dir = await liveRunDir();
    // The writer keeps the heartbeat fresh until the test stops it.
    const writer = startWriter(dir);
    const first = await serve(dir, { staleAfterMs: 3_000 });
    const { page } = await openLive(first.url);
    const status = page.locator('#loop-live-status');
    expect(await status.getAttribute('role')).toBe('status');
    expect(await status.getAttribute('aria-live')).toBe('polite');
    await first.close();
    await statusIs(page, 'reconnecting');
    // The same port again: EventSource reconnects by itself and the new server sends the whole page.
    await serve(dir, { port: first.port, staleAfterMs: 3_000 });
    await statusIs(page, 'connected');
    // Nothing touches the heartbeat now: once it is older than 3 s the page says so, with no file changing.
    writer.stop();
    await statusIs(page, 'writer stale');
    expect(await page.locator('#health .badge').getAttribute('data-status')).toBe('stale');
    const now = new Date();
    await utimes(join(dir, 'heartbeat'), now, now);
    await statusIs(page, 'connected');
  });

  for (const width of [375, 1440]) {
    it(`has no serious or critical axe violation and no horizontal scroll at ${width} px`, async () => {
      const dir = await liveRunDir();
      const server = await serve(dir);
      const { page } = await openLive(server.url, width);
      const writer = startWriter(dir);
      await updates(page, 2);
      writer.stop();
      await page.selectOption('#loop-filter-outcome', 'rejected');
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(
        true,
      );
      expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({ path: join(RESULTS, `live-${width}.png`), fullPage: true });
    });
  }
});
