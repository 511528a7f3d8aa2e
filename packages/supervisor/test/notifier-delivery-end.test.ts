// End-to-end: how a URL delivery ends, against a local receiver that never answers. Its own timeout must fire
// even while the garbage collector runs (Node 20 drops an `AbortSignal.timeout()` held only by
// `AbortSignal.any()`), and a delivery cut short by close() says so instead of a bare AbortError.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { attachNotifier, SUPERVISOR_LOG_FILE, Supervisor } from '../src/index.js';
import { testTempDir } from './temp-dir.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A receiver on a free 127.0.0.1 port that reads each request and never answers it. */
async function hangingReceiver(): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const server = createServer((req) => {
    req.resume();
    req.on('end', () => {
      requests += 1;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, requests: () => requests };
}

/** A supervisor whose child fails at once and is not restarted: one `gave-up` notification. */
function givingUp() {
  const runDir = testTempDir('loop-notifier-');
  const supervisor = new Supervisor({
    runDir,
    command: ['sh', '-c', 'exit 1'],
    maxRestarts: 0,
    handleSignals: false,
    stdout: new PassThrough(),
    stderr: new PassThrough(),
  });
  const urlFailures = () =>
    readFileSync(join(runDir, SUPERVISOR_LOG_FILE), 'utf8')
      .split('\n')
      .filter((line) => / notify_failed channel=url /.test(line));
  return { supervisor, urlFailures };
}

describe('attachNotifier: the end of a URL delivery', () => {
  it('times out by its own timeout while the garbage collector runs, before a longer close() gives up', async () => {
    const receiver = await hangingReceiver();
    const { supervisor, urlFailures } = givingUp();
    const notifier = attachNotifier(supervisor, { bot: 'b', url: receiver.url, timeoutMs: 500 });
    const pressure = setInterval(gc, 10);
    cleanups.push(() => clearInterval(pressure));
    await supervisor.run();
    // Far longer than the delivery's timeout: close() returns when the queue is idle, not at its own limit.
    await notifier.close(30_000);
    expect(receiver.requests()).toBe(1);
    expect(urlFailures()).toEqual([expect.stringMatching(/ kind=gave-up .*error="timed out after 500 ms"$/)]);
    expect(notifier.counts).toEqual({ sent: 0, failed: 1, dropped: 0 });
  });

  it('a delivery still under way when close() stops waiting is logged as abandoned at exit', async () => {
    const receiver = await hangingReceiver();
    const { supervisor, urlFailures } = givingUp();
    const notifier = attachNotifier(supervisor, { bot: 'b', url: receiver.url, timeoutMs: 600_000 });
    await supervisor.run();
    await notifier.close(300);
    expect(urlFailures()).toEqual([
      expect.stringMatching(
        / kind=gave-up .*error="abandoned at exit: still under way when the supervisor stopped waiting after 300 ms"$/,
      ),
    ]);
    expect(notifier.counts.failed).toBe(1);
  });
});
