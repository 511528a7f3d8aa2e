// The live server's Server-Sent Events stream: the open clients, what each is sent, heartbeats, and dropping a
// client that stopped reading.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Unsent bytes after which a stream is dropped rather than buffered further. */
const MAX_CLIENT_BACKLOG_BYTES = 8 * 1024 * 1024;

/** Options of {@link SseStream}. */
export interface SseStreamOptions {
  /** Interval of heartbeat comments, which keep proxies from closing an idle stream (ms). */
  heartbeatMs: number;
  /** The id of the latest update (`<boot>-<n>`). */
  eventId(): string;
  /** The latest update's SSE `event` name and `data` (one line of JSON). */
  message(): { event: string; data: string };
}

/** The open `/events` streams of one live server. */
export class SseStream {
  readonly #options: SseStreamOptions;
  readonly #clients = new Set<ServerResponse>();
  readonly #heartbeat: NodeJS.Timeout;

  constructor(options: SseStreamOptions) {
    this.#options = options;
    this.#heartbeat = setInterval(() => {
      for (const client of this.#clients) client.write(`: heartbeat ${Date.now()}\n\n`);
    }, options.heartbeatMs);
  }

  /** Answers `GET /events`: headers, the retry hint, the latest update unless the client already holds it. */
  open(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    // A client that reconnects already holding the latest update is not sent it again.
    if (req.headers['last-event-id'] !== this.#options.eventId()) this.#send(res);
    this.#clients.add(res);
    req.on('close', () => this.#clients.delete(res));
  }

  /** Sends the latest update to every open stream. */
  broadcast(): void {
    for (const client of this.#clients) this.#send(client);
  }

  /** Stops the heartbeat and ends every stream. */
  close(): void {
    clearInterval(this.#heartbeat);
    for (const client of this.#clients) client.end();
    this.#clients.clear();
  }

  #send(res: ServerResponse): void {
    // A client that stopped reading would make us buffer every update: drop it; EventSource reconnects.
    if (res.writableLength > MAX_CLIENT_BACKLOG_BYTES) {
      this.#clients.delete(res);
      res.destroy();
      return;
    }
    const { event, data } = this.#options.message();
    res.write(`id: ${this.#options.eventId()}\nevent: ${event}\ndata: ${data}\n\n`);
  }
}
