// A rendered <main> kept current over SSE: each new render goes to every open stream as the lines that changed
// (or the whole body), and refreshes asked for while one runs fold into one more pass. A run's live feed and the
// live fleet each keep one.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bodyDelta } from './live-delta.js';
import { type SseMessage, SseStream } from './sse-stream.js';

/** What the status line needs besides <main>: when the body last changed, and whether the writer is stale. */
export interface LiveStatus {
  /** As the header shows it (`20:38:27 UTC`). */
  updated: string;
  stale: boolean;
}

/** Options of {@link liveBody}. */
export interface LiveBodyOptions {
  /** The first render. */
  body: string;
  /** Interval of SSE heartbeat comments. */
  heartbeatMs: number;
  /** When the first render was made (default now). */
  changedAt?: number;
  /** Whether the page's writer is stale now (default never). */
  stale?: () => boolean;
}

/** A rendered body and the SSE streams that follow it. */
export interface LiveBody {
  /** The latest render. */
  body(): string;
  /** The id of the latest update sent (`<boot>-<n>`). */
  eventId(): string;
  status(): LiveStatus;
  /** Sends `next` to every stream (as a delta from the body before when that is shorter) and keeps it. */
  publish(next: string, changedAt?: number): void;
  /** Answers `GET …/events`. */
  events(req: IncomingMessage, res: ServerResponse): void;
  /** Open streams. */
  clients(): number;
  /** Ends every stream. */
  close(): void;
}

/** Keeps `options.body` and the streams that follow it; nothing is sent until {@link LiveBody.publish}. */
export function liveBody(options: LiveBodyOptions): LiveBody {
  let body = options.body;
  let lines = body.split('\n');
  let changedAt = options.changedAt ?? Date.now();
  const boot = randomBytes(4).toString('hex');
  let version = 1;
  const eventId = () => `${boot}-${version}`;
  const status = (): LiveStatus => ({
    updated: `${new Date(changedAt).toISOString().slice(11, 19)} UTC`,
    stale: options.stale?.() ?? false,
  });
  const stream = new SseStream({
    heartbeatMs: options.heartbeatMs,
    eventId,
    full: () => ({ event: 'model', data: JSON.stringify({ html: body, ...status() }) }),
  });
  return {
    body: () => body,
    eventId,
    status,
    publish(next, at = Date.now()) {
      changedAt = at;
      const nextLines = next.split('\n');
      const base = eventId();
      const delta = bodyDelta(lines, nextLines);
      body = next;
      lines = nextLines;
      version += 1;
      stream.broadcast(updateMessage(base, delta, body, status()));
    },
    events: (req, res) => stream.open(req, res),
    clients: () => stream.clients(),
    close: () => stream.close(),
  };
}

/** A refresh that never runs twice at once; see {@link coalescingRefresh}. */
export interface CoalescingRefresh {
  /** Runs a pass, or, while one runs, asks for one more after it; resolves when no pass is left. */
  refresh(): Promise<void>;
  /** Resolves when the passes under way (if any) are done. */
  settled(): Promise<void>;
}

/**
 * Runs `pass` on each refresh, one at a time: refreshes asked for while a pass runs make one more pass after it,
 * however many they are, and wait for it. No pass starts once `stopped()` is true.
 */
export function coalescingRefresh(pass: () => Promise<void>, stopped: () => boolean): CoalescingRefresh {
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
        if (stopped()) return;
        await pass();
      } while (again);
    })().finally(() => {
      running = null;
    });
    return running;
  };
  return { refresh, settled: async () => void (await running) };
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
