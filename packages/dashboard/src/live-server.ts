// The live dashboard: node:http on a local address, the page plus a Server-Sent Events stream of updates.
// This module composes the parts: the run dir followed live (live-run-feed.ts: change detection, incremental
// read, model, SSE stream) and the routes (live-routes.ts).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunHistoryLimits } from '@loop/run-dir';
import { assertRunDir } from './build-model.js';
import { LoopDashboardError } from './errors.js';
import { liveRequestHandler } from './live-routes.js';
import { startRunFeed } from './live-run-feed.js';
import type { DashboardModel } from './model.js';
import { checkDashboardServerOptions } from './option-checks.js';

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
  await assertRunDir(runDir);
  const feed = await startRunFeed(options);
  const server = createServer(
    liveRequestHandler({
      allowHosts: options.allowHosts,
      model: feed.model,
      eventId: feed.eventId,
      updated: feed.updated,
      events: feed.events,
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
    await feed.close();
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
    eventId: feed.eventId,
    model: feed.model,
    refresh: feed.refresh,
    close() {
      closing ??= (async () => {
        const feedClosed = feed.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await feedClosed;
      })();
      return closing;
    },
  };
}
