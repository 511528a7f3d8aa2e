// `loop supervise --notify-cmd/--notify-url/--ping-url` with a local HTTP receiver: the payload, dedup and rate
// limit, a hanging or failing receiver that never holds a restart back, and the dead-man's switch.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Notification } from '@loop/supervisor';
import { parseNotification } from '@loop/supervisor/notification-schema';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, type Live, scrape, scrapeUntil, startLoop, tempDir, waitFor } from './harness.js';

interface Received {
  method: string;
  path: string;
  body: string;
}

/** A local receiver on a free 127.0.0.1 port; `respond` decides each answer (default 200). */
async function receiver(
  respond: (req: IncomingMessage, res: ServerResponse) => void = (_q, r) => r.end('ok'),
) {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      got.push({ method: req.method ?? '', path: req.url ?? '', body });
      respond(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, got };
}
const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const superviseSh = (runDir: string, flags: string[], script: string): Live =>
  startLoop(['supervise', '--run-dir', runDir, ...flags, '--', 'sh', '-c', script]);

/** A `--notify-cmd` that POSTs its stdin to `url` and exits 22 on a non-2xx answer, as `curl -f` does (node, not curl: CI images may lack curl). */
const postCommand = (url: string) =>
  `"${process.execPath}" -e 'let b="";process.stdin.on("data",(c)=>{b+=c}).on("end",async()=>{const r=await fetch(process.argv[1],{method:"POST",body:b});process.exit(r.ok?0:22)})' ${url}`;

const logLines = (runDir: string) => readFileSync(join(runDir, 'supervisor.log'), 'utf8').trim().split('\n');

describe('loop supervise --notify-url / --notify-cmd', () => {
  it('100 crashes give a handful of schema-valid messages naming the bot, whose counts add up to 100, by POST and by command', async () => {
    const dir = tempDir();
    const runDir = join(dir, 'eth-1');
    const hook = await receiver();
    const notes = join(dir, 'notes.ndjson');
    const envs = join(dir, 'env.txt');
    const live = superviseSh(
      runDir,
      [
        '--max-restarts',
        '100',
        '--backoff-base-s',
        '0',
        '--notify-url',
        `${hook.url}/hook`,
        '--notify-cmd',
        `cat >> "${notes}"; echo "$LOOP_EVENT $LOOP_BOT $LOOP_COUNT $LOOP_SEVERITY" >> "${envs}"`,
      ],
      'exit 1',
    );
    const done = await live.done;
    expect(done.exitCode, done.stderr).toBe(1);
    expect(done.stderr).toContain('gave up after 100 restarts');

    const posted = hook.got.map((r) => {
      expect([r.method, r.path]).toEqual(['POST', '/hook']);
      return parseNotification(r.body);
    });
    const byCommand = readFileSync(notes, 'utf8').trim().split('\n').map(parseNotification);
    for (const messages of [posted, byCommand]) {
      expect(messages.length).toBeGreaterThanOrEqual(3);
      expect(messages.length).toBeLessThanOrEqual(6);
      expect(messages[0]!.kind).toBe('restart');
      expect(messages.some((m) => m.kind === 'restart-storm')).toBe(true);
      expect(messages.at(-1)).toMatchObject({
        kind: 'gave-up',
        bot: 'eth-1',
        restarts_total: 100,
        run_dir: runDir,
      });
      const restarts = messages.filter(
        (m: Notification) => m.kind === 'restart' || m.kind === 'restart-storm',
      );
      expect(restarts.reduce((sum, m) => sum + m.count, 0)).toBe(100);
      for (const m of messages) expect(m.summary.startsWith('eth-1: ')).toBe(true);
    }
    expect(byCommand).toEqual(posted);
    const envLines = readFileSync(envs, 'utf8').trim().split('\n');
    expect(envLines[0]).toBe('restart eth-1 1 warning');
    expect(envLines.at(-1)).toBe('gave-up eth-1 1 critical');
    const log = logLines(runDir);
    expect(log.filter((l) => / notify_sent channel=url /.test(l))).toHaveLength(posted.length);
    expect(log.filter((l) => / child_start /.test(l))).toHaveLength(101);
  });

  it('a receiver that hangs or answers 500 holds no restart back; failures (timed out, abandoned at exit) are logged in supervisor.log', async () => {
    const dir = tempDir();
    const hanging = await receiver(() => {
      // never answers
    });
    const failing = await receiver((_req, res) => res.writeHead(500).end('no'));
    const runDir = join(dir, 'btc-1');
    const live = superviseSh(
      runDir,
      [
        '--max-restarts',
        '10',
        '--backoff-base-s',
        '0',
        '--notify-timeout-s',
        '15',
        '--notify-url',
        `${hanging.url}/hook`,
        '--notify-cmd',
        postCommand(`${failing.url}/hook`),
      ],
      'exit 1',
    );
    await waitFor(
      () => existsSync(join(runDir, 'supervisor.log')) && logLines(runDir).some((l) => / gave_up /.test(l)),
      30_000,
    );
    // Every restart happened while the first POST still hung (it cannot fail before its 15 s timeout).
    expect(hanging.got.length).toBe(1);
    expect(logLines(runDir).filter((l) => / child_start /.test(l))).toHaveLength(11);
    const done = await live.done;
    expect(done.exitCode).toBe(1);
    const log = logLines(runDir);
    // The first POST ends by its own timeout; the exit drain waits that timeout plus 2 s, so the next one
    // (sent after the first timed out, still hanging) is the one cut short, and the line says so.
    const urlFailures = log.filter((l) => / notify_failed channel=url /.test(l));
    expect(urlFailures[0]).toMatch(/kind=restart .*error="timed out after 15000 ms"$/);
    expect(urlFailures.at(-1)).toMatch(
      /error="abandoned at exit: still under way when the supervisor stopped waiting after 17000 ms"$/,
    );
    expect(urlFailures).toHaveLength(2);
    expect(hanging.got.length).toBe(2);
    expect(log.find((l) => / notify_failed channel=cmd /.test(l))).toMatch(
      /kind=restart .*error="exited 22"/,
    );
    expect(failing.got.length).toBeGreaterThanOrEqual(2);
  });

  it.each([
    [
      ['--notify-url', 'ftp://example.com/x'],
      /^loop supervise: --notify-url: expected an http:\/\/ or https:\/\/ URL$/,
    ],
    [
      ['--notify-url', 'not a url'],
      /^loop supervise: --notify-url: expected an http:\/\/ or https:\/\/ URL$/,
    ],
    [
      ['--ping-url', 'hc-ping.com/abc'],
      /^loop supervise: --ping-url: expected an http:\/\/ or https:\/\/ URL$/,
    ],
    [
      ['--ping-url', 'http://127.0.0.1:9/x', '--ping-interval-s', '0'],
      /^loop supervise: --ping-interval-s: expected a number > 0, got "0"$/,
    ],
    [['--ping-interval-s', '5'], /^loop supervise: --ping-interval-s needs --ping-url$/],
    [
      ['--notify-cmd', 'no-such-notifier-for-loop --x'],
      /^loop supervise: --notify-cmd: command "no-such-notifier-for-loop" not found on PATH/,
    ],
    [['--notify-timeout-s', '5'], /^loop supervise: --notify-timeout-s needs --notify-cmd or --notify-url$/],
    [
      ['--notify-url', 'http://127.0.0.1:9/x', '--notify-timeout-s', '-1'],
      /^loop supervise: --notify-timeout-s: expected a number > 0, got "-1"$/,
    ],
  ])('bad input %j: exit 2, one line naming the flag, nothing started', async (flags, message) => {
    const runDir = join(tempDir(), 'run');
    const result = await superviseSh(runDir, flags, 'exit 0').done;
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr.trim()).toMatch(message);
    expect(existsSync(runDir)).toBe(false);
  });
});

describe("loop supervise --ping-url (dead-man's switch)", () => {
  it('pings while the heartbeat is fresh, stops while the child hangs, resumes after it recovers', async () => {
    const dir = tempDir();
    const runDir = join(dir, 'sol-1');
    const hc = await receiver();
    const port = await freePort();
    const live = superviseSh(
      runDir,
      ['--ping-url', `${hc.url}/ping/abc`, '--ping-interval-s', '0.3', '--metrics-port', String(port)],
      `echo $$ > "${runDir}/child.pid"; while :; do touch "${runDir}/heartbeat"; sleep 0.1; done`,
    );
    await waitFor(() => hc.got.length >= 3, 20_000);
    expect(hc.got.every((r) => r.method === 'GET' && r.path === '/ping/abc')).toBe(true);
    const pid = Number(readFileSync(join(runDir, 'child.pid'), 'utf8'));
    const skipped = 'loop_supervisor_pings_skipped_total{bot="sol-1"}';
    expect((await scrape(port)).get(skipped)).toBe(0);
    process.kill(pid, 'SIGSTOP');
    // The heartbeat is stale after 3 intervals (0.9 s): the switch skips an interval. A skip happens only with no
    // ping under way, so every ping sent before it has reached the receiver by then.
    const firstSkip = (await scrapeUntil(port, 'a skipped ping', (s) => (s.get(skipped) ?? 0) >= 1)).get(
      skipped,
    )!;
    const pingsBeforeHang = hc.got.length;
    // Nothing while it hangs: three more intervals skipped, and not one ping.
    await scrapeUntil(port, 'three more skipped pings', (s) => (s.get(skipped) ?? 0) >= firstSkip + 3);
    expect(hc.got.length).toBe(pingsBeforeHang);
    process.kill(pid, 'SIGCONT');
    const before = hc.got.length;
    await waitFor(() => hc.got.length >= before + 2, 20_000);
    live.child.kill('SIGTERM');
    expect((await live.done).exitCode).toBe(0);
  });

  it('sends <url>/fail when the supervisor gives up', async () => {
    const runDir = join(tempDir(), 'run');
    const hc = await receiver();
    const done = await superviseSh(
      runDir,
      ['--ping-url', `${hc.url}/ping/abc?rid=1`, '--max-restarts', '1', '--backoff-base-s', '0'],
      'exit 1',
    ).done;
    expect(done.exitCode).toBe(1);
    expect(hc.got.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /ping/abc/fail?rid=1']);
  });
});
