/// <reference lib="dom" />
// The fleet page in Debian's Chromium, on run dirs made by the real `loop` CLI (completed, halted, supervised
// and gave up, a killed real-clock run whose heartbeat went stale, a corrupt run.json): at 375 and 1440 px a
// row each, unhealthy first, a badge with its word, every link opens that run's own page, nothing makes the
// page wider than the viewport, and axe-core finds no serious or critical violation.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, RESULTS, useBrowser } from './chromium.js';
import { BIN, loop, requireBuiltCli } from './loop-cli.js';

const { available, browser, cleanups, open: openUrl } = useBrowser('fleet-browser.test');

let root = '';

beforeAll(async () => {
  if (!available) return;
  requireBuiltCli();
  root = mkdtempSync(join(tmpdir(), 'loop-fleet-browser-'));
  const at = (name: string) => join(root, name);
  // A real-clock run killed after a few steps: run.json still says running, its heartbeat ages.
  const stale = spawn(
    process.execPath,
    [
      BIN,
      'run',
      '--run-dir',
      at('stale-bot'),
      '--clock',
      'real',
      '--step-interval-ms',
      '50',
      '--enable-metrics',
    ],
    { stdio: 'ignore' },
  );
  const codes = await Promise.all([
    loop(['run', '--run-dir', at('healthy-bot'), '--max-steps', '1000', '--enable-metrics', '--quiet']),
    loop([
      ...['run', '--run-dir', at('halted-bot'), '--max-steps', '500', '--fault-rate', '0.5'],
      ...['--max-consecutive-errors', '3', '--enable-metrics', '--quiet'],
    ]),
    loop([
      ...['supervise', '--run-dir', at('gave-up-bot'), '--max-restarts', '2', '--backoff-base-s', '0', '--'],
      ...[process.execPath, BIN, 'run', '--run-dir', at('gave-up-bot'), '--max-steps', '300'],
      ...['--fault-rate', '0.5', '--max-consecutive-errors', '2', '--enable-metrics', '--quiet'],
    ]),
    loop(['run', '--run-dir', at('corrupt-bot'), '--max-steps', '100', '--enable-metrics', '--quiet']),
  ]);
  expect(codes).toEqual([0, 3, 3, 0]);
  writeFileSync(join(at('corrupt-bot'), 'run.json'), '{"v":1,"status":');
  const deadline = Date.now() + 60_000;
  while (!existsSync(join(at('stale-bot'), 'heartbeat'))) {
    if (Date.now() > deadline) throw new Error('the real-clock run never touched its heartbeat');
    await sleep(50);
  }
  stale.kill('SIGKILL');
  await new Promise((resolve) => stale.once('exit', resolve));
  const old = new Date(Date.now() - 600_000);
  utimesSync(join(at('stale-bot'), 'heartbeat'), old, old);
  expect(await loop(['dashboard', '--runs-root', root])).toBe(0);
}, 300_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

const open = (width: number): Promise<Page> =>
  openUrl(pathToFileURL(join(root, 'fleet', 'index.html')).href, width);

describe.skipIf(!available)('the fleet page (Chromium)', () => {
  for (const width of [375, 1440]) {
    it(`a row per run dir, unhealthy first, links open each run's page, axe clean, no overflow (${width} px)`, async () => {
      const page = await open(width);
      await page.screenshot({ path: join(RESULTS, `fleet-${width}.png`), fullPage: true });
      const rows = page.locator('#fleet tbody tr');
      expect(await rows.count()).toBe(5);
      const seen = await rows.evaluateAll((trs) =>
        trs.map((tr) => [
          tr.getAttribute('data-run'),
          tr.getAttribute('data-status'),
          tr.querySelector('.badge')?.textContent?.trim(),
        ]),
      );
      expect(seen).toEqual([
        ['gave-up-bot', 'gave-up', '✕ gave up'],
        ['halted-bot', 'halted', '✕ halted'],
        ['stale-bot', 'stale', '! stale heartbeat'],
        ['corrupt-bot', 'unknown', '? unknown'],
        ['healthy-bot', 'completed', '✓ completed'],
      ]);
      expect(await page.locator('#fleet-summary h2').textContent()).toBe('4 of 5 run dirs are unhealthy');
      expect(await page.locator('tr[data-run="corrupt-bot"] td.why').textContent()).toMatch(
        /^run\.json not JSON.*: cannot tell how the run stands$/,
      );
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(
        true,
      );
      expect(await axeViolations(page)).toEqual([]);
      // Every link opens that run's own page, whose headline agrees with the row.
      const links = await page
        .locator('#fleet tbody th a')
        .evaluateAll((as) => as.map((a) => [a.textContent, (a as HTMLAnchorElement).href]));
      expect(links).toHaveLength(5);
      for (const [name, href] of links) {
        const own = await browser().newPage();
        cleanups.push(() => own.close());
        const response = await own.goto(href!);
        expect(response?.ok(), href!).toBe(true);
        expect(await own.locator('header').textContent()).toContain(join(root, name!));
        const status = seen.find(([n]) => n === name)![1];
        expect(await own.locator('#health .badge').getAttribute('data-status')).toBe(status);
      }
    }, 240_000);
  }
});
