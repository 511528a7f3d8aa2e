// The live dashboard: node:http on a local address, the page plus a Server-Sent Events stream of updates.
// This module composes the parts: the run dir followed live (live-run-feed.ts: change detection, incremental
// read, model, SSE stream) and the routes (live-routes.ts).
import { createServer } from 'node:http';
import { assertRunDir } from './build-model.js';
import { closeServer, type Listening, listenOn } from './http-listen.js';
import { liveRequestHandler } from './live-routes.js';
import { startRunFeed } from './live-run-feed.js';
import type { LiveServerOptions } from './live-server-options.js';
import type { DashboardModel } from './model.js';
import { checkDashboardServerOptions } from './option-checks.js';

/** Options of {@link startDashboardServer}. */
export interface DashboardServerOptions extends LiveServerOptions {
  /** The run dir to follow (it must exist). */
  runDir: string;
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
  let listening: Listening;
  try {
    listening = await listenOn(server, host, port);
  } catch (error) {
    await feed.close();
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    url: listening.url,
    port: listening.port,
    eventId: feed.eventId,
    model: feed.model,
    refresh: feed.refresh,
    close() {
      closing ??= (async () => {
        const feedClosed = feed.close();
        await closeServer(server);
        await feedClosed;
      })();
      return closing;
    },
  };
}
