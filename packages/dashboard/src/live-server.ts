// The live dashboard: node:http on a local address, the page plus a Server-Sent Events stream of updates.
// This module composes the parts: change detection (run-dir-changes.ts), the incremental read and the model
// (run-dir-follower.ts, build-model.ts), the SSE stream (sse-stream.ts) and the routes (live-routes.ts).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunHistoryLimits } from '@loop/run-dir';
import { assertRunDir, modelFromFollower } from './build-model.js';
import { LoopDashboardError } from './errors.js';
import { bodyDelta } from './live-delta.js';
import { liveRequestHandler } from './live-routes.js';
import type { DashboardModel } from './model.js';
import { checkDashboardServerOptions } from './option-checks.js';
import { renderDashboardBody } from './render.js';
import { stampRunDir, watchRunDir } from './run-dir-changes.js';
import { RunDirFollower } from './run-dir-follower.js';
import { type SseMessage, SseStream } from './sse-stream.js';

/** How often the page is re-rendered with nothing changed on disk, so ages (heartbeat, uptime) stay true. */
const CLOCK_RENDER_MS = 1_000;

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
   * Changes closer together than this are read as one update (default 500 ms). Each update sends only the lines
   * of the page that changed, so this bounds what a busy loop costs every open page: at most two updates a second.
   */
  debounceMs?: number;
  /**
   * Heartbeat age after which a run that claims to run is `stale` (the page says "writer stale"); default the
   * supervisor's `--heartbeat-timeout`, else 30 s (see `@loop/run-dir`'s `decideRunHealth`).
   */
  staleAfterMs?: number;
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
 * @throws LoopDashboardError `LOOP_DASHBOARD_RUN_DIR_MISSING`, `LOOP_DASHBOARD_SERVE_FAILED`,
 *   `LOOP_DASHBOARD_OPTION_INVALID` (an option that is not what it documents)
 */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  checkDashboardServerOptions(options);
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
  const compose = async () =>
    withReadError(await modelFromFollower(follower, { staleAfterMs: options.staleAfterMs }));
  let model = await compose();
  let body = renderDashboardBody(model);
  let lines = body.split('\n');
  let renderedAt = Date.now();
  let changedAt = renderedAt;
  const boot = randomBytes(4).toString('hex');
  let version = 1;
  const eventId = () => `${boot}-${version}`;
  let closed = false;
  // What the status line needs besides <main>: when the page was rendered, and whether the writer is stale.
  const status = () => ({
    updated: `${new Date(changedAt).toISOString().slice(11, 19)} UTC`,
    stale: model.health?.status === 'stale',
  });

  const stream = new SseStream({
    heartbeatMs,
    eventId,
    full: () => ({ event: 'model', data: JSON.stringify({ html: body, ...status() }) }),
  });

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
        const clockDue = Date.now() - renderedAt >= CLOCK_RENDER_MS;
        if (!result.changed && stamp.documents === documentsStamp && failed === readError && !clockDue)
          continue;
        documentsStamp = stamp.documents;
        readError = failed;
        const wasStale = status().stale;
        model = await compose();
        const next = renderDashboardBody(model);
        renderedAt = Date.now();
        if (next === body && status().stale === wasStale) continue;
        changedAt = renderedAt;
        const nextLines = next.split('\n');
        const base = eventId();
        const delta = bodyDelta(lines, nextLines);
        body = next;
        lines = nextLines;
        version += 1;
        const ops = delta === undefined ? '' : JSON.stringify(delta);
        // Only the lines that changed, unless the delta would be as long as the page itself.
        const message: SseMessage =
          delta !== undefined && ops.length < body.length
            ? {
                event: 'delta',
                data: `{"base":${JSON.stringify(base)},"ops":${ops},${JSON.stringify(status()).slice(1)}`,
              }
            : { event: 'model', data: JSON.stringify({ html: body, ...status() }) };
        stream.broadcast(message);
      } while (again);
    })().finally(() => {
      running = null;
    });
    return running;
  };

  const watch = watchRunDir({
    runDir,
    pollMs,
    debounceMs,
    seenStamp: () => seenStamp,
    wantsRead: () => readError !== null || follower.pending() || Date.now() - renderedAt >= CLOCK_RENDER_MS,
    onChange: () => void refresh(),
  });

  const server = createServer(
    liveRequestHandler({
      allowHosts: options.allowHosts,
      model: () => model,
      eventId,
      updated: () => status().updated,
      events: (req, res) => stream.open(req, res),
    }),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (cause) {
    watch.close();
    stream.close();
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
        watch.close();
        stream.close();
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
