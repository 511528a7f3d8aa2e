// The live dashboard: node:http on a local address, the page plus a Server-Sent Events stream of updates,
// driven by fs.watch on the run dir with a polling fallback.
import { randomBytes } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { METRICS_FILE, RUN_FILE, type RunHistoryLimits, SUMMARY_FILE } from '@loop/run-dir';
import { assertRunDir, modelFromFollower } from './build-model.js';
import { LoopDashboardError } from './errors.js';
import { isAllowedHost } from './host-check.js';
import type { DashboardModel } from './model.js';
import { liveCsp, renderDashboard, renderDashboardBody } from './render.js';
import { RunDirFollower } from './run-dir-follower.js';

/** Unsent bytes after which a stream is dropped rather than buffered further. */
const MAX_CLIENT_BACKLOG_BYTES = 8 * 1024 * 1024;

/** Options of {@link startDashboardServer}. */
export interface DashboardServerOptions {
  runDir: string;
  /** Address to bind (default `127.0.0.1`; the page is not meant to be exposed). */
  host?: string;
  /** Port (default 0: any free port; see {@link DashboardServer.url}). */
  port?: number;
  /**
   * Host names answered besides IP addresses and `localhost` (a leading dot allows subdomains). Any other
   * `Host` gets 403, so a web page cannot read the model through DNS rebinding.
   */
  allowHosts?: readonly string[];
  /** Recent events listed (default 50). */
  tailLines?: number;
  /** Interval of SSE heartbeat comments, which keep proxies from closing an idle stream (default 15 s). */
  heartbeatMs?: number;
  /** Interval of the polling fallback, for file systems where fs.watch misses changes (default 1 s). */
  pollMs?: number;
  /**
   * Changes closer together than this are read as one update (default 500 ms). Each update sends the whole
   * model (tens of KB), so this bounds what a busy loop costs every open page: at most two updates a second.
   */
  debounceMs?: number;
  limits?: Partial<Omit<RunHistoryLimits, 'tailLines'>>;
}

/** A running live dashboard. */
export interface DashboardServer {
  /** `http://host:port/`. */
  readonly url: string;
  readonly port: number;
  /** The id of the latest update sent (`<boot>-<n>`); clients resend it as `Last-Event-ID`. */
  eventId(): string;
  /** The latest model. */
  model(): DashboardModel;
  /** Reads the run dir now instead of waiting for a change or the next poll. */
  refresh(): Promise<void>;
  /** Stops watching, ends every stream and closes the server. Idempotent. */
  close(): Promise<void>;
}

/**
 * Serves the live dashboard of `runDir`: `GET /` is the page (with a CSP that allows only its own nonce'd
 * script and `connect-src 'self'`), `GET /events` the SSE stream, `GET /model.json` the model.
 * Updates are read incrementally (appended bytes only) and follow rotation.
 *
 * @throws LoopDashboardError `LOOP_DASHBOARD_RUN_DIR_MISSING`, `LOOP_DASHBOARD_SERVE_FAILED`
 */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const { runDir, host = '127.0.0.1', port = 0 } = options;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const pollMs = options.pollMs ?? 1_000;
  const debounceMs = options.debounceMs ?? 500;
  await assertRunDir(runDir);
  const follower = new RunDirFollower(runDir, { ...options.limits, tailLines: options.tailLines ?? 50 });
  // An unterminated last line unchanged this long is a crash's torn line, not a line being written.
  const settledMs = Math.max(2_000, 2 * pollMs);
  // A failed read is shown on the page (and retried), never hidden behind a page that still says "live".
  let readError: string | null = null;
  const withReadError = (base: DashboardModel): DashboardModel =>
    readError === null
      ? base
      : {
          ...base,
          quality: {
            ...base.quality,
            notes: [
              `Live updates are paused: ${readError}. Retrying on every change and every ${pollMs} ms; the figures below stop where reading failed.`,
              ...base.quality.notes,
            ],
          },
        };
  const first = await stampRunDir(runDir);
  let seenStamp = first.all;
  let documentsStamp = first.documents;
  try {
    await follower.refresh({ settledMs });
  } catch (error) {
    readError = (error as Error).message;
  }
  let model = withReadError(await modelFromFollower(follower));
  let body = renderDashboardBody(model);
  const boot = randomBytes(4).toString('hex');
  let version = 1;
  const eventId = () => `${boot}-${version}`;
  const clients = new Set<ServerResponse>();
  let closed = false;

  const send = (res: ServerResponse) => {
    // A client that stopped reading would make us buffer every update: drop it; EventSource reconnects.
    if (res.writableLength > MAX_CLIENT_BACKLOG_BYTES) {
      clients.delete(res);
      res.destroy();
      return;
    }
    const data = JSON.stringify({ html: body, updated: new Date().toISOString().slice(11, 19) });
    res.write(`id: ${eventId()}\nevent: model\ndata: ${data}\n\n`);
  };

  let running: Promise<void> | null = null;
  let again = false;
  const refresh = async (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        if (closed) return;
        let failed: string | null = null;
        let result = { changed: false };
        // Taken before reading: a change during the read is seen by the next poll.
        const stamp = await stampRunDir(runDir);
        seenStamp = stamp.all;
        try {
          // A run dir deleted (or replaced by a file) under us reads as empty: say so instead.
          if (!stamp.isDirectory) throw new Error(`the run dir ${runDir} is gone`);
          result = await follower.refresh({ settledMs });
        } catch (error) {
          // The run dir vanished or a file is unreadable: said on the page; the next change or poll tries again.
          failed = (error as Error).message;
        }
        if (!result.changed && stamp.documents === documentsStamp && failed === readError) continue;
        documentsStamp = stamp.documents;
        readError = failed;
        model = withReadError(await modelFromFollower(follower));
        body = renderDashboardBody(model);
        version += 1;
        for (const client of clients) send(client);
      } while (again);
    })().finally(() => {
      running = null;
    });
    return running;
  };

  let debounce: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (closed || debounce) return;
    debounce = setTimeout(() => {
      debounce = undefined;
      void refresh();
    }, debounceMs);
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(runDir, { persistent: false }, schedule);
    watcher.on('error', () => {
      watcher?.close();
      watcher = undefined;
    });
  } catch {
    watcher = undefined; // no inotify (or no watch support): the poll below does the work
  }
  // The poll (the fallback for missed watch events) reads the run dir only when something changed: a few stats
  // instead of listing and opening every rotated file, which with thousands of them would cost a core.
  let polling = false;
  const poll = setInterval(() => {
    if (polling || closed) return;
    polling = true;
    stampRunDir(runDir)
      .then((stamp) => {
        if (stamp.all !== seenStamp || readError !== null || follower.pending()) schedule();
      })
      .finally(() => {
        polling = false;
      });
  }, pollMs);
  const heartbeat = setInterval(() => {
    for (const client of clients) client.write(`: heartbeat ${Date.now()}\n\n`);
  }, heartbeatMs);

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (!isAllowedHost(req.headers.host, options.allowHosts)) {
      res
        .writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' })
        .end('host not allowed (loop dashboard --allow-host NAME answers it)\n');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' })
        .end('method not allowed\n');
      return;
    }
    if (path === '/' || path === '/index.html') {
      const nonce = randomBytes(16).toString('base64');
      const html = renderDashboard(model, { live: { nonce, eventsPath: '/events', lastEventId: eventId() } });
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Security-Policy': liveCsp(nonce),
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
      });
      res.end(html);
      return;
    }
    if (path === '/model.json') {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(model));
      return;
    }
    if (path === '/events') {
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      res.write('retry: 1000\n\n');
      // A client that reconnects already holding the latest update is not sent it again.
      if (req.headers['last-event-id'] !== eventId()) send(res);
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
  };

  const server = createServer(handle);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (cause) {
    clearInterval(poll);
    clearInterval(heartbeat);
    watcher?.close();
    throw new LoopDashboardError(
      'LOOP_DASHBOARD_SERVE_FAILED',
      `cannot listen on ${host}:${port}: ${(cause as Error).message}`,
      { cause, context: { host, port } },
    );
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${address.port}/`,
    port: address.port,
    eventId,
    model: () => model,
    refresh,
    close() {
      closing ??= (async () => {
        closed = true;
        clearInterval(poll);
        clearInterval(heartbeat);
        clearTimeout(debounce);
        watcher?.close();
        for (const client of clients) client.end();
        clients.clear();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await running;
      })();
      return closing;
    },
  };
}

/** What the live server compares between reads: identity, size and mtime of the run dir and its files. */
interface RunDirStamp {
  /** The run dir, the current NDJSON file, the summary and run.json: any change means something to read. */
  all: string;
  /** The summary and run.json alone, whose replacement changes the page without new NDJSON lines. */
  documents: string;
  /** The run dir is (still) a directory. */
  isDirectory: boolean;
}

async function stampRunDir(runDir: string): Promise<RunDirStamp> {
  const stats = await Promise.all(
    ['.', METRICS_FILE, SUMMARY_FILE, RUN_FILE].map((name) =>
      stat(join(runDir, name)).catch(() => undefined),
    ),
  );
  const parts = stats.map((s) => (s === undefined ? '-' : `${s.ino}:${s.size}:${s.mtimeMs}`));
  return {
    all: parts.join('|'),
    documents: parts.slice(2).join('|'),
    isDirectory: stats[0]?.isDirectory() ?? false,
  };
}
