// One run dir followed live: change detection, the incremental read, the model, its rendered <main> and the SSE
// stream of updates (whole page or line deltas). The live server serves one; the live fleet serves one per run
// page that is open.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RunHistoryLimits } from '@loop/run-dir';
import { modelFromFollower } from './build-model.js';
import { bodyDelta } from './live-delta.js';
import type { DashboardModel } from './model.js';
import { renderDashboardBody } from './render.js';
import { stampRunDir, watchRunDir } from './run-dir-changes.js';
import { RunDirFollower } from './run-dir-follower.js';
import { type SseMessage, SseStream } from './sse-stream.js';

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
        stream.broadcast(updateMessage(base, delta, body, status()));
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

  let closing: Promise<void> | undefined;
  return {
    eventId,
    model: () => model,
    updated: () => status().updated,
    events: (req, res) => stream.open(req, res),
    clients: () => stream.clients(),
    refresh,
    close() {
      closing ??= (async () => {
        closed = true;
        watch.close();
        stream.close();
        await running;
      })();
      return closing;
    },
  };
}

/**
 * The SSE message of one update: only the lines that changed since `base` (a `delta`), unless the delta would be
 * as long as the page itself (then the whole `model`). `status` travels with it (`updated`, `stale`).
 */
export function updateMessage(
  base: string,
  delta: ReturnType<typeof bodyDelta>,
  body: string,
  status: object,
): SseMessage {
  const ops = delta === undefined ? '' : JSON.stringify(delta);
  return delta !== undefined && ops.length < body.length
    ? {
        event: 'delta',
        data: `{"base":${JSON.stringify(base)},"ops":${ops},${JSON.stringify(status).slice(1)}`,
      }
    : { event: 'model', data: JSON.stringify({ html: body, ...status }) };
}
