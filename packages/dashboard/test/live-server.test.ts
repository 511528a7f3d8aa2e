// End-to-end: the live server over real HTTP: page headers, SSE ids, Last-Event-ID, heartbeats, updates.
import { appendFile, rename, rm, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { get, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ndjson,
  runDir,
  stageEvents,
  summaryOf,
  supervisorStateOf,
} from '../../run-dir/test-support/run-dir-fixture.js';
import { isLoopDashboardError } from '../src/errors.js';
import { type DashboardServer, startDashboardServer } from '../src/index.js';
import { startPrefixProxy } from './prefix-proxy.js';
import { isUpdate, openEvents, until } from './sse-client.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(
  files: string,
  options: { heartbeatMs?: number } = {},
): Promise<{ server: DashboardServer; dir: string }> {
  const dir = await runDir({ metrics: [files] });
  const server = await startDashboardServer({
    runDir: dir,
    port: 0,
    pollMs: 200,
    debounceMs: 20,
    ...options,
  });
  cleanups.push(() => server.close());
  return { server, dir };
}

describe('startDashboardServer', () => {
  it('serves the page with a nonce CSP and no-store, and 404/405 for the rest', async () => {
    const { server } = await serve(ndjson(stageEvents(1)));
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const res = await fetch(server.url);
    const html = await res.text();
    const csp = res.headers.get('content-security-policy')!;
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    expect(csp).toBe(
      `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'nonce-${nonce}'; connect-src 'self'`,
    );
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html.match(/<script/g)).toHaveLength(2); // the JSON config block and the nonce'd script
    expect((await fetch(`${server.url}nope`)).status).toBe(404);
    expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
  });

  it('works behind a reverse proxy on a sub-path: the page finds its stream below it', async () => {
    const { server } = await serve(ndjson(stageEvents(3)));
    const proxy = await startPrefixProxy(server.url);
    cleanups.push(() => proxy.close());
    for (const pageUrl of [proxy.url, `${proxy.url}index.html`]) {
      const page = await fetch(pageUrl);
      expect(page.status).toBe(200);
      const eventsPath = /"eventsPath":"([^"]+)"/.exec(await page.text())?.[1];
      const events = new URL(eventsPath!, pageUrl).href;
      expect(events).toBe(`${proxy.url}events`);
      const stream = await openEvents(events, undefined, '');
      cleanups.push(async () => stream.close());
      await until('the page over the proxy', () => stream.pages.length > 0);
      expect(stream.pages[0]).toContain('<h2>Stages</h2>');
    }
    expect(proxy.outside).toEqual([]);
  });

  it('streams model events with ids, honours Last-Event-ID, sends heartbeats, and follows appends and rotation', async () => {
    const events = stageEvents(4);
    const { server, dir } = await serve(ndjson(events.slice(0, 4)), { heartbeatMs: 100 });
    const first = await openEvents(server.url);
    cleanups.push(async () => first.close());
    expect(first.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    await until('the first model event', () => first.messages.some((m) => m.event === 'model'));
    const initial = first.messages.find((m) => m.event === 'model')!;
    expect(initial.id).toBe(server.eventId());
    expect(JSON.parse(initial.data!).html).toContain('<h2>Stages</h2>');

    // A client that reconnects with the latest id gets heartbeats but not the same update again.
    const again = await openEvents(server.url, initial.id);
    cleanups.push(async () => again.close());
    await until('a heartbeat', () => again.messages.some((m) => m.comment?.startsWith('heartbeat')));
    expect(again.messages.filter((m) => m.event === 'model')).toEqual([]);

    await appendFile(join(dir, 'metrics.ndjson'), ndjson(events.slice(4, 8)));
    await until('an update after the append', () => server.model().quality.eventsRead === 8);
    await until('the update to reach both clients', () => again.messages.some(isUpdate));
    const update = again.messages.find(isUpdate)!;
    expect(update.event).toBe('delta'); // only the lines that changed
    expect(JSON.parse(update.data!).base).toBe(initial.id);
    expect(update.id).not.toBe(initial.id);
    expect(update.id!.split('-')[0]).toBe(initial.id!.split('-')[0]);

    await rename(join(dir, 'metrics.ndjson'), join(dir, 'metrics.ndjson.1'));
    await writeFile(join(dir, 'metrics.ndjson'), ndjson(events.slice(8)));
    await until('an update after the rotation', () => server.model().quality.eventsRead === 16);
    expect(server.model().quality.files.map((f) => [f.name, f.lines])).toEqual([
      ['metrics.ndjson.1', 8],
      ['metrics.ndjson', 8],
    ]);
    await until('the rotation update on the stream', () => first.messages.filter(isUpdate).length >= 3);
    expect(first.pages.at(-1)).toContain('metrics.ndjson.1');
  });

  it('compresses the stream for a client that accepts gzip, one flushed message at a time', async () => {
    const events = stageEvents(4);
    const { server, dir } = await serve(ndjson(events.slice(0, 8)));
    const received: string[] = [];
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = get(`${server.url}events`, { headers: { 'Accept-Encoding': 'gzip, deflate' } }, resolve);
      req.on('error', reject);
      cleanups.push(async () => {
        req.destroy();
      });
    });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers.vary).toBe('Accept-Encoding');
    const text = res.pipe(createGunzip());
    text.setEncoding('utf8');
    text.on('data', (chunk: string) => received.push(chunk));
    // Each message arrives whole without waiting for more: the stream is flushed after every write.
    await until('the whole page, decompressed', () => received.join('').includes('event: model'));
    await appendFile(join(dir, 'metrics.ndjson'), ndjson(events.slice(8)));
    await until('a delta, decompressed', () => /event: delta\ndata: \{.*\}\n\n/.test(received.join('')));
    expect(server.model().quality.eventsRead).toBe(16);
  });

  it('goes from "no metrics yet" to figures when the first events and summary land', async () => {
    const { server, dir } = await serve('');
    expect(server.model().empty).toBe(true);
    const stream = await openEvents(server.url);
    cleanups.push(async () => stream.close());
    await until('the first model event', () => stream.messages.some((m) => m.event === 'model'));
    expect(JSON.parse(stream.messages.find((m) => m.event === 'model')!.data!).html).toContain(
      'No metrics yet',
    );
    await appendFile(join(dir, 'metrics.ndjson'), ndjson(stageEvents(2)));
    await until('the events', () => server.model().quality.eventsRead === 8);
    await writeFile(join(dir, 'metrics_summary.json'), JSON.stringify(summaryOf()));
    await until('the summary', () => server.model().summarySource === 'valid');
    expect(server.model().overview.processed).toBe(10);
    await until('both updates on the stream', () => stream.pages.length >= 3);
    expect(stream.pages.at(-1)).not.toContain('No metrics yet');
  });

  it('says on the page when the run dir cannot be read, keeps the last figures, and recovers', async () => {
    const events = stageEvents(4);
    const { server, dir } = await serve(ndjson(events.slice(0, 8)));
    expect(server.model().quality.eventsRead).toBe(8);
    const stream = await openEvents(server.url);
    cleanups.push(async () => stream.close());
    await until('the first update', () => stream.messages.some((m) => m.event === 'model'));
    // A symlink to itself: opening it fails (ELOOP). (A directory is skipped, not a read failure.)
    await symlink('metrics.ndjson.99', join(dir, 'metrics.ndjson.99'));
    await server.refresh();
    const paused = server.model().quality.notes[0];
    expect(paused).toMatch(/^Live updates are paused: cannot read .*ELOOP.*metrics\.ndjson\.99/);
    expect(server.model().quality.eventsRead).toBe(8);
    await until('the paused note streamed', () =>
      stream.messages.some((m) => m.data?.includes('Live updates are paused')),
    );
    await unlink(join(dir, 'metrics.ndjson.99'));
    await appendFile(join(dir, 'metrics.ndjson'), ndjson(events.slice(8)));
    await server.refresh();
    expect(server.model().quality.notes.join(' ')).not.toMatch(/paused/);
    expect(server.model().quality.eventsRead).toBe(16);
  });

  it('says so when the run dir is deleted under it, and keeps the last figures', async () => {
    const { server, dir } = await serve(ndjson(stageEvents(2)));
    expect(server.model().quality.eventsRead).toBe(8);
    await rm(dir, { recursive: true, force: true });
    await server.refresh();
    expect(server.model().quality.notes[0]).toMatch(/^Live updates are paused: the run dir .* is gone\./);
    expect(server.model().quality.eventsRead).toBe(8);
  });

  it('counts a torn last line left by a crash once the file has stayed unchanged a while', async () => {
    const events = stageEvents(1);
    const { server } = await serve(`${ndjson(events)}{"v":1,"ts":17`);
    expect(server.model().quality.skippedLines).toBe(0); // it may be a line being written
    await until(
      'the torn line counted (unchanged for 2 s)',
      () => server.model().quality.skippedLines === 1,
      15_000,
    );
    expect(server.model().quality.skippedSamples).toEqual([
      { file: 'metrics.ndjson', line: 5, reason: 'torn last line (no newline)' },
    ]);
  });

  it('updates when only heartbeat, supervisor_state.json or supervisor.log change', async () => {
    const { server, dir } = await serve(ndjson(stageEvents(2)));
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    const heartbeat = join(dir, 'heartbeat');
    await writeFile(heartbeat, '');
    await utimes(heartbeat, twoHoursAgo, twoHoursAgo);
    await server.refresh();
    const stream = await openEvents(server.url);
    cleanups.push(async () => stream.close());
    const models = () => stream.pages;
    const latestHtml = () => stream.pages.at(-1) ?? '';
    const fact = (key: string) =>
      new RegExp(`data-fact="${key}"><dt>[^<]*</dt><dd><span class="nowrap">([^<]*)</span>`).exec(
        latestHtml(),
      )?.[1];
    await until('the first model event', () => models().length === 1);
    expect(fact('heartbeat-age')).toMatch(/^2h00m/);

    // The heartbeat is touched, nothing else: the page's heartbeat age is fresh again.
    const now = new Date();
    await utimes(heartbeat, now, now);
    await until('an update for the heartbeat', () => !/^2h/.test(fact('heartbeat-age') ?? '2h'));
    expect(server.model().health!.heartbeatAgeMs).toBeLessThan(60 * 60_000);

    // supervisor_state.json appears: the page shows the supervisor.
    expect(latestHtml()).not.toContain('id="restarts"');
    const iso = (ms: number) => new Date(ms).toISOString();
    await writeFile(
      join(dir, 'supervisor_state.json'),
      JSON.stringify(
        supervisorStateOf({
          supervisor_pid: process.pid,
          max_restarts: 5,
          child_pid: process.pid,
          child_started_at: iso(Date.now() - 60_000),
          started_at: iso(Date.now() - 120_000),
          updated_at: iso(Date.now() - 60_000),
        }),
      ),
    );
    await until('an update for supervisor_state.json', () => latestHtml().includes('id="restarts"'));
    expect(latestHtml()).toContain('Supervisor <strong>running</strong>');
    expect(fact('restarts')).toBe('0 / 0 / 0');

    // supervisor.log gets a restart line: the restarts in the last hour count it.
    await appendFile(join(dir, 'supervisor.log'), `${iso(Date.now())} child_start pid=4242 restarts=1\n`);
    await until('an update for supervisor.log', () => fact('restarts') === '1 / 1 / 0');
    expect(server.model().health!.supervisor!.restartsLastHour).toBe(1);
  });

  it('ends open streams on close() and refuses a busy port with LOOP_DASHBOARD_SERVE_FAILED', async () => {
    const { server, dir } = await serve('');
    const stream = await openEvents(server.url);
    const ended = new Promise<void>((resolve) => stream.res.on('end', () => resolve()));
    const error = await startDashboardServer({ runDir: dir, port: server.port }).catch((e: unknown) => e);
    expect(isLoopDashboardError(error) && error.code).toBe('LOOP_DASHBOARD_SERVE_FAILED');
    await server.close();
    await ended;
    await server.close(); // idempotent
  });
});
