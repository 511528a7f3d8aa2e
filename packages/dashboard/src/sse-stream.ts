// The live server's Server-Sent Events stream: the open clients, what each is sent, heartbeats, gzip for the
// clients that accept it, and dropping a client that stopped reading.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import { constants, createGzip, type Gzip } from 'node:zlib';

/** Unsent bytes after which a stream is dropped rather than buffered further. */
const MAX_CLIENT_BACKLOG_BYTES = 8 * 1024 * 1024;

/** One SSE message: its `event` name and `data` (one line of JSON). */
export interface SseMessage {
  event: string;
  data: string;
}

/** Options of {@link SseStream}. */
export interface SseStreamOptions {
  /** Interval of heartbeat comments, which keep proxies from closing an idle stream (ms). */
  heartbeatMs: number;
  /** The id of the latest update (`<boot>-<n>`). */
  eventId(): string;
  /** The message that brings a new client up to date (the whole page). */
  full(): SseMessage;
}

interface Client {
  res: ServerResponse;
  /** Where messages are written: a gzip stream piped into `res`, or `res` itself. */
  out: Writable;
  gzip: Gzip | undefined;
}

/** True when `Accept-Encoding` allows gzip (`gzip;q=0` refuses it). */
function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  return value.split(',').some((part) => {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (name !== 'gzip' && name !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/**
 * The open `/events` streams of one live server. A new client gets the whole page, then every update as it is
 * broadcast. Streams are gzip-compressed when the client accepts it (browsers do), with a sync flush after each
 * message, so one deflate window spans the updates and markup repeated between them costs a few bytes.
 */
export class SseStream {
  readonly #options: SseStreamOptions;
  readonly #clients = new Set<Client>();
  readonly #heartbeat: NodeJS.Timeout;

  constructor(options: SseStreamOptions) {
    this.#options = options;
    this.#heartbeat = setInterval(() => {
      for (const client of this.#clients) client.out.write(`: heartbeat ${Date.now()}\n\n`);
    }, options.heartbeatMs);
  }

  /** Answers `GET /events`: headers, the retry hint, the whole page unless the client already holds the latest. */
  open(req: IncomingMessage, res: ServerResponse): void {
    const gzip = acceptsGzip(req.headers['accept-encoding'])
      ? createGzip({ flush: constants.Z_SYNC_FLUSH })
      : undefined;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
      Vary: 'Accept-Encoding',
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    });
    gzip?.pipe(res);
    const client: Client = { res, out: gzip ?? res, gzip };
    client.out.write('retry: 1000\n\n');
    // A client that reconnects already holding the latest update is not sent it again.
    if (req.headers['last-event-id'] !== this.#options.eventId()) this.#send(client, this.#options.full());
    this.#clients.add(client);
    req.on('close', () => {
      this.#clients.delete(client);
      gzip?.destroy();
    });
  }

  /** How many streams are open. */
  clients(): number {
    return this.#clients.size;
  }

  /** Sends `message` (the latest update, already given its id) to every open stream. */
  broadcast(message: SseMessage): void {
    for (const client of this.#clients) this.#send(client, message);
  }

  /** Stops the heartbeat and ends every stream. */
  close(): void {
    clearInterval(this.#heartbeat);
    for (const client of this.#clients) client.out.end();
    this.#clients.clear();
  }

  #send(client: Client, message: SseMessage): void {
    // A client that stopped reading would make us buffer every update: drop it; EventSource reconnects.
    const queued =
      client.res.writableLength + (client.gzip ? client.gzip.writableLength + client.gzip.readableLength : 0);
    if (queued > MAX_CLIENT_BACKLOG_BYTES) {
      this.#clients.delete(client);
      client.gzip?.destroy();
      client.res.destroy();
      return;
    }
    client.out.write(`id: ${this.#options.eventId()}\nevent: ${message.event}\ndata: ${message.data}\n\n`);
  }
}
