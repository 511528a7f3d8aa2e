/// <reference lib="dom" />
// The live fleet page in Debian's Chromium, on run dirs made by the real `loop` CLI: a real-clock run that is
// running, then killed (its row turns stale in place, without a reload), a completed run, and a run dir that
// appears while the page is open (its row shows up). Each row's link opens that run's own live page on the same
// server, which links back. axe-core finds no serious or critical violation at 375 and 1440 px; a forged Host
// gets 403.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FleetServer, startFleetServer } from '../src/index.js';
import { axeViolations, layoutFaults, RESULTS, useBrowser } from './chromium.js';
import { BIN, loop, requireBuiltCli } from './loop-cli.js';

const { available, open: openUrl } = useBrowser('fleet-live-browser.test');

function status(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { Host: host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

let root = '';
let server: FleetServer | undefined;
let runner: ReturnType<typeof spawn> | undefined;

beforeAll(async () => {
  if (!available) return;
  requireBuiltCli();
  root = mkdtempSync(join(tmpdir(), 'loop-fleet-live-browser-'));
  expect(
    await loop(['run', '--run-dir', join(root, 'done-bot'), '--max-steps', '300', '--enable-metrics']),
  ).toBe(0);
  // A real-clock run that keeps running (and beating) until the test kills it.
  runner = spawn(
    process.execPath,
    [BIN, 'run', '--run-dir', join(root, 'live-bot'), '--clock', 'real', '--step-interval-ms', '50'],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 60_000;
  while (!existsSync(join(root, 'live-bot', 'heartbeat'))) {
    if (Date.now() > deadline) throw new Error('the real-clock run never touched its heartbeat');
    await sleep(50);
  }
  server = await startFleetServer({ runsRoot: root, port: 0, pollMs: 200 });
}, 300_000);

afterAll(async () => {
  runner?.kill('SIGKILL');
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const open = (width: number, path = ''): Promise<Page> => openUrl(`${server!.url}${path}`, width);

const rowStatus = (page: Page, name: string) =>
  page.locator(`#fleet tbody tr[data-run="${name}"]`).getAttribute('data-status', { timeout: 1_000 });

describe.skipIf(!available)('the live fleet page (Chromium)', () => {
  for (const width of [375, 1440]) {
    it(`is the static page's table, live: connected, axe clean, no overflow (${width} px)`, async () => {
      const page = await open(width);
      await page.locator('#loop-live-status[data-state="connected"]').waitFor({ timeout: 30_000 });
      expect(await page.locator('#loop-live-status').getAttribute('aria-live')).toBe('polite');
      expect(await rowStatus(page, 'done-bot')).toBe('completed');
      expect(await page.locator('#fleet tbody tr').count()).toBe(2);
      await page.screenshot({ path: join(RESULTS, `fleet-live-${width}.png`), fullPage: true });
      expect(await layoutFaults(page)).toEqual([]);
      expect(await axeViolations(page)).toEqual([]);
    }, 120_000);
  }

  it("opens each run's live page from its row and comes back; forged Host gets 403", async () => {
    const page = await open(1440);
    await page.locator('#loop-live-status[data-state="connected"]').waitFor({ timeout: 30_000 });
    await page.locator('#fleet tbody tr[data-run="done-bot"] th a').click();
    await page.waitForURL(`${server!.url}run/done-bot/`);
    await page.locator('#loop-live-status[data-state="connected"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#health .badge').getAttribute('data-status')).toBe('completed');
    expect(await page.locator('header').textContent()).toContain(join(root, 'done-bot'));
    await page.locator('#loop-fleet-link').click();
    await page.waitForURL(server!.url);
    expect(await page.locator('#fleet tbody tr').count()).toBeGreaterThanOrEqual(2);
    const port = new URL(server!.url).port;
    for (const path of ['', 'events', 'run/done-bot/'])
      expect(await status(`${server!.url}${path}`, `attacker.example:${port}`), path).toBe(403);
  }, 120_000);

  it('updates rows in place: a killed run turns stale, a new run dir shows up, without a reload', async () => {
    const page = await open(1440);
    await page.locator('#loop-live-status[data-state="connected"]').waitFor({ timeout: 30_000 });
    expect(await rowStatus(page, 'live-bot')).toBe('running');
    // A marker on the document: a reload would lose it.
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    // And one on the row element itself (a property: morphdom keeps the element, and its attributes are the server's).
    await page
      .locator('#fleet tbody tr[data-run="live-bot"]')
      .evaluate((tr) => Object.assign(tr, { loopMarked: true }));

    runner!.kill('SIGKILL');
    await page
      .locator('#fleet tbody tr[data-run="live-bot"][data-status="stale"]')
      .waitFor({ timeout: 60_000 });
    // The same row element, morphed in place.
    expect(
      await page
        .locator('#fleet tbody tr[data-run="live-bot"]')
        .evaluate((tr) => (tr as unknown as { loopMarked?: boolean }).loopMarked),
    ).toBe(true);

    expect(
      await loop(['run', '--run-dir', join(root, 'late-bot'), '--max-steps', '50', '--enable-metrics']),
    ).toBe(0);
    await page
      .locator('#fleet tbody tr[data-run="late-bot"][data-status="completed"]')
      .waitFor({ timeout: 60_000 });
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );
    expect(await page.locator('#fleet-summary h2').textContent()).toBe('1 of 3 run dirs are unhealthy');
  }, 240_000);
});
