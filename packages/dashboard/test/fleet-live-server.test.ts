// End-to-end: the live fleet over real HTTP: the fleet page and its SSE stream, rows that change when their run
// dir does (heartbeat gone stale, supervisor gave up), run dirs that appear and go under the runs root, each
// run's own live page under /run/<name>/ with a link back, and the Host check.
import { appendFile, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ndjson,
  runDir,
  runRecordOf,
  stageEvents,
  supervisorStateOf,
} from '../../run-dir/test-support/run-dir-fixture.js';
import { isLoopDashboardError } from '../src/errors.js';
import { type FleetServer, startFleetServer } from '../src/index.js';
import { startPrefixProxy } from './prefix-proxy.js';
import { openEvents, until } from './sse-client.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function httpGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** A real-clock run that runs (this process's pid) and beats now. */
function runningSpec() {
  const started = Date.now() - 60_000;
  return {
    metrics: [ndjson(stageEvents(5))],
    run: runRecordOf({
      status: 'running',
      ended: null,
      exit_code: null,
      ended_at: null,
      ended_at_ms: null,
      clock: 'real',
      pid: process.pid,
      started_at: new Date(started).toISOString(),
      started_at_ms: started,
    }),
    heartbeat: true as const,
  };
}

/** A runs root with `bot-a` (running) and `bot-b` (completed), served live with a fast poll. */
async function fleet(
  options: { allowHosts?: string[] } = {},
): Promise<{ root: string; server: FleetServer }> {
  const root = await mkdtemp(join(tmpdir(), 'loop-fleet-live-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  await runDir(runningSpec(), { dir: join(root, 'bot-a') });
  await runDir({ metrics: [ndjson(stageEvents(3))], run: runRecordOf() }, { dir: join(root, 'bot-b') });
  const server = await startFleetServer({ runsRoot: root, port: 0, pollMs: 100, debounceMs: 20, ...options });
  cleanups.push(() => server.close());
  return { root, server };
}

const statusOf = (server: FleetServer, name: string) =>
  server.model().runs.find((r) => r.name === name)?.health.status;
const rowOf = (page: string | undefined, name: string) =>
  new RegExp(`<tr data-run="${name}" data-status="([\\w-]+)"`).exec(page ?? '')?.[1];

describe('startFleetServer', () => {
  it('serves the live fleet page, and each row changes in place when its run dir does', async () => {
    const { root, server } = await fleet();
    const res = await fetch(server.url);
    const html = await res.text();
    const nonce = /'nonce-([^']+)'/.exec(res.headers.get('content-security-policy')!)![1]!;
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html).toContain('<main id="loop-main">');
    expect(html).toContain('id="loop-live-status" role="status" aria-live="polite"');
    expect(rowOf(html, 'bot-a')).toBe('running');
    expect(rowOf(html, 'bot-b')).toBe('completed');
    expect(html).toContain('<a href="run/bot-a/">');

    const stream = await openEvents(server.url);
    cleanups.push(async () => stream.close());
    await until('the whole page', () => stream.pages.length > 0);
    expect(rowOf(stream.pages[0], 'bot-a')).toBe('running');

    // bot-a's heartbeat goes stale: its row says so, sent as a delta (only the lines that changed).
    const old = new Date(Date.now() - 120_000);
    await utimes(join(root, 'bot-a', 'heartbeat'), old, old);
    await until('bot-a stale', () => rowOf(stream.pages.at(-1), 'bot-a') === 'stale');
    expect(statusOf(server, 'bot-a')).toBe('stale');
    expect(stream.messages.filter((m) => m.event === 'delta').length).toBeGreaterThan(0);

    // bot-b's supervisor gives up.
    await writeFile(
      join(root, 'bot-b', 'supervisor_state.json'),
      JSON.stringify(
        supervisorStateOf({
          status: 'gave_up',
          restarts: 2,
          child_pid: null,
          child_started_at: null,
          exit_code: 1,
          updated_at: new Date().toISOString(),
        }),
      ),
    );
    await until('bot-b gave up', () => rowOf(stream.pages.at(-1), 'bot-b') === 'gave-up');
    expect(stream.pages.at(-1)).toContain('2 of 2 run dirs are unhealthy');

    // A new run dir under the root gets a row; a removed one loses it.
    await runDir(runningSpec(), { dir: join(root, 'bot-c') });
    await until('bot-c appears', () => rowOf(stream.pages.at(-1), 'bot-c') === 'running');
    await rm(join(root, 'bot-a'), { recursive: true, force: true });
    await until('bot-a goes', () => rowOf(stream.pages.at(-1), 'bot-a') === undefined);
    expect(server.model().runs.map((r) => r.name)).toEqual(['bot-b', 'bot-c']);
    // A folder with none of a run dir's files is no run dir.
    await writeFile(join(root, 'notes.txt'), 'not a run dir');
    await server.refresh();
    expect(server.model().runs).toHaveLength(2);
  });

  it("serves each run's own live page under /run/<name>/, linking back to the fleet page", async () => {
    const { root, server } = await fleet();
    const page = await httpGet(`${server.url}run/bot-a/`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<a href="../../" id="loop-fleet-link">← Fleet: <bdi>');
    expect(page.body).toContain('"eventsPath":"events"');
    expect(server.runPath(join(root, 'bot-a'))).toBe('/run/bot-a/');

    const stream = await openEvents(server.url, undefined, 'run/bot-a/events');
    cleanups.push(async () => stream.close());
    await until('the run page', () => stream.pages.length > 0);
    expect(stream.pages[0]).toContain('<h2>Stages</h2>');
    await appendFile(join(root, 'bot-a', 'metrics.ndjson'), ndjson(stageEvents(2, 6)));
    let eventsRead = 0;
    const deadline = Date.now() + 15_000;
    while (eventsRead !== 28 && Date.now() < deadline) {
      const read = JSON.parse((await httpGet(`${server.url}run/bot-a/model.json`)).body) as {
        quality: { eventsRead: number };
      };
      eventsRead = read.quality.eventsRead;
      if (eventsRead !== 28) await new Promise((r) => setTimeout(r, 50));
    }
    expect(eventsRead).toBe(28);
    await until('an update on the run page', () => stream.pages.length > 1);

    const model = JSON.parse((await httpGet(`${server.url}run/bot-b/model.json`)).body) as {
      health: { status: string };
    };
    expect(model.health.status).toBe('completed');
    expect((await httpGet(`${server.url}run/nope/`)).status).toBe(404);
    expect((await httpGet(`${server.url}run/bot-a/nope`)).status).toBe(404);
  });

  it('works behind a reverse proxy on a sub-path: every link and stream resolves below it', async () => {
    const { root, server } = await fleet();
    const proxy = await startPrefixProxy(server.url);
    cleanups.push(() => proxy.close());
    const eventsOf = (html: string) => /"eventsPath":"([^"]+)"/.exec(html)?.[1];

    // The fleet page, its stream (live through the proxy: a row that changes arrives), its row links.
    const fleetPage = await fetch(proxy.url);
    expect(fleetPage.status).toBe(200);
    const fleetHtml = await fleetPage.text();
    const fleetEvents = new URL(eventsOf(fleetHtml)!, proxy.url).href;
    expect(fleetEvents).toBe(`${proxy.url}events`);
    const fleetStream = await openEvents(fleetEvents, undefined, '');
    cleanups.push(async () => fleetStream.close());
    await until(
      'the fleet page over the proxy',
      () => rowOf(fleetStream.pages.at(-1), 'bot-a') === 'running',
    );
    const old = new Date(Date.now() - 120_000);
    await utimes(join(root, 'bot-a', 'heartbeat'), old, old);
    await until('bot-a stale over the proxy', () => rowOf(fleetStream.pages.at(-1), 'bot-a') === 'stale');

    const href = /<a href="([^"]+)"><bdi>bot-a<\/bdi>/.exec(fleetHtml)?.[1];
    const runUrl = new URL(href!, proxy.url).href;
    expect(runUrl).toBe(`${proxy.url}run/bot-a/`);
    const runPage = await fetch(runUrl);
    expect(runPage.status).toBe(200);
    const runHtml = await runPage.text();
    expect(runHtml).toContain('<h2>Stages</h2>');

    // The run page's stream, and its link back to the fleet page.
    const runEvents = new URL(eventsOf(runHtml)!, runUrl).href;
    expect(runEvents).toBe(`${proxy.url}run/bot-a/events`);
    const runStream = await openEvents(runEvents, undefined, '');
    cleanups.push(async () => runStream.close());
    await until('the run page over the proxy', () => runStream.pages.length > 0);
    expect(runStream.pages[0]).toContain('<h2>Stages</h2>');
    const back = /<a href="([^"]+)" id="loop-fleet-link">/.exec(runHtml)?.[1];
    const backUrl = new URL(back!, runUrl).href;
    expect(backUrl).toBe(proxy.url);
    expect(rowOf(await (await fetch(backUrl)).text(), 'bot-b')).toBe('completed');

    // A run page asked for without its trailing slash is redirected (relatively) to it, and its stream is found
    // from there; `index.html` is the same page.
    const unslashed = await fetch(`${proxy.url}run/bot-a`);
    expect(unslashed.status).toBe(200);
    expect(unslashed.url).toBe(runUrl);
    const indexUrl = `${proxy.url}run/bot-a/index.html`;
    expect(new URL(eventsOf(await (await fetch(indexUrl)).text())!, indexUrl).href).toBe(runEvents);
    expect(proxy.outside).toEqual([]);
  });

  it('reads a run dir again only when its stamp moves (bounded work per poll)', async () => {
    const { root, server } = await fleet();
    const runJson = join(root, 'bot-b', 'run.json');
    const fixed = new Date('2026-01-01T00:00:00.000Z');
    await writeFile(runJson, JSON.stringify(runRecordOf({ ended: 'halted', exit_code: 3 })));
    await utimes(runJson, fixed, fixed);
    await until('bot-b halted', () => statusOf(server, 'bot-b') === 'halted');
    // The same size and mtime (and inode): the stamp does not move, so the file is not read again...
    const text = await readFile(runJson, 'utf8');
    await writeFile(runJson, text.replace('"halted"', '"signal"'));
    await utimes(runJson, fixed, fixed);
    for (let i = 0; i < 3; i++) await server.refresh();
    expect(statusOf(server, 'bot-b')).toBe('halted');
    // ... until it does.
    const later = new Date(fixed.getTime() + 1_000);
    await utimes(runJson, later, later);
    await server.refresh();
    expect(statusOf(server, 'bot-b')).toBe('stopped');
  });

  it('answers only allowed Host names (403 otherwise: DNS rebinding)', async () => {
    const { server } = await fleet({ allowHosts: ['bot.internal'] });
    const port = new URL(server.url).port;
    for (const path of ['', 'index.html', 'fleet.json', 'events', 'run/bot-a/', 'run/bot-a/model.json']) {
      const forged = await httpGet(`${server.url}${path}`, { Host: `attacker.example:${port}` });
      expect(forged.status, path).toBe(403);
      expect(forged.body).not.toContain('bot-a');
    }
    expect((await httpGet(`${server.url}fleet.json`, { Host: `bot.internal:${port}` })).status).toBe(200);
    expect((await httpGet(`${server.url}run/bot-a/model.json`, { Host: `localhost:${port}` })).status).toBe(
      200,
    );
  });

  it('throws a LoopDashboardError for bad options and a runs root that is not a directory', async () => {
    const codes: string[] = [];
    for (const options of [{}, { runDirs: [] }, { runDirs: [''] }, { runsRoot: '/nonexistent/loop-root' }]) {
      try {
        await startFleetServer(options as Parameters<typeof startFleetServer>[0]);
        codes.push('none');
      } catch (error) {
        codes.push(isLoopDashboardError(error) ? error.code : String(error));
      }
    }
    expect(codes).toEqual([
      'LOOP_DASHBOARD_OPTION_INVALID',
      'LOOP_DASHBOARD_OPTION_INVALID',
      'LOOP_DASHBOARD_OPTION_INVALID',
      'LOOP_DASHBOARD_RUN_DIR_MISSING',
    ]);
  });
});
