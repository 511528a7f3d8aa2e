// One run dir followed live: change detection, the incremental read, the model, its rendered <main> and the SSE
// stream of updates (whole page or line deltas). The live server serves one; the live fleet serves one per run
// page that is open.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RunHistoryLimits } from '@loop/run-dir';
import { modelFromFollower } from './build-model.js';
import { coalescingRefresh, liveBody } from './live-body.js';
import type { DashboardModel } from './model.js';
import { renderDashboardBody } from './render.js';
import { stampRunDir, watchRunDir } from './run-dir-changes.js';
import { RunDirFollower } from './run-dir-follower.js';

/** How often the page is re-rendered with nothing changed on disk, so ages (heartbeat, uptime) stay true. */
export const CLOCK_RENDER_MS = 1_000;

/** Options of {@link startRunFeed} (the live server's, without the address). */
export interface RunFeedOptions {
  runDir: string;
  tailLines?: number | undefined;
  heartbeatMs?: number | undefined;
  pollMs?: number | undefined;
  debounceMs?: number | undefined;
  staleAfterMs?: number | undefined;
  limits?: Partial<Omit<RunHistoryLimits, 'tailLines'>> | undefined;
}

/** A run dir followed live. */
export interface RunFeed {
  /** The id of the latest update sent (`<boot>-<n>`). */
  eventId(): string;
  /** The latest model. */
  model(): DashboardModel;
  /** When the model last changed, as the header shows it (`20:38:27 UTC`). */
  updated(): string;
  /** Answers `GET …/events`. */
  events(req: IncomingMessage, res: ServerResponse): void;
  /** Open `/events` streams. */
  clients(): number;
  /** Reads the run dir now. */
  refresh(): Promise<void>;
  /** Stops watching and ends every stream. Idempotent. */
  close(): Promise<void>;
}

/** Follows `runDir` (which must exist) and keeps its rendered page current. */
export async function startRunFeed(options: RunFeedOptions): Promise<RunFeed> {
  const { runDir } = options;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const pollMs = options.pollMs ?? 1_000;
  const debounceMs = options.debounceMs ?? 500;
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
  const firstBody = renderDashboardBody(model);
  let renderedAt = Date.now();
  let closed = false;
  const live = liveBody({
    body: firstBody,
    heartbeatMs,
    changedAt: renderedAt,
    stale: () => model.health?.status === 'stale',
  });

  const { refresh, settled } = coalescingRefresh(
    async () => {
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
      if (!result.changed && stamp.documents === documentsStamp && failed === readError && !clockDue) return;
      documentsStamp = stamp.documents;
      readError = failed;
      const wasStale = live.status().stale;
      model = await compose();
      const next = renderDashboardBody(model);
      renderedAt = Date.now();
      if (next === live.body() && live.status().stale === wasStale) return;
      live.publish(next, renderedAt);
    },
    () => closed,
  );

  const watch = watchRunDir({
    runDir,
    pollMs,
    debounceMs,
    seenStamp: () => seenStamp,
    wantsRead: () => readError !== null || follower.pending() || Date.now() - renderedAt >= CLOCK_RENDER_MS,
    onChange: () => void refresh(),
  });

  let closing: Promise<void> | undefined;
  return {
    eventId: live.eventId,
    model: () => model,
    updated: () => live.status().updated,
    events: live.events,
    clients: live.clients,
    refresh,
    close() {
      closing ??= (async () => {
        closed = true;
        watch.close();
        live.close();
        await settled();
      })();
      return closing;
    },
  };
}
