// The live server's routing: the Host check, then `GET /` (the page), `/model.json` and `/events`. The live
// fleet answers the same routes for each run under `/run/<name>/`.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAllowedHost } from './host-check.js';
import type { DashboardModel } from './model.js';
import { liveCsp, renderDashboard } from './render.js';

/** What the routes answer with. */
export interface LiveRoutes {
  /** Host names answered besides IP addresses and `localhost` (see `isAllowedHost`). */
  allowHosts?: readonly string[] | undefined;
  /** The latest model. */
  model(): DashboardModel;
  /** The id of the latest update, written into the page so its stream starts from there. */
  eventId(): string;
  /** When the model last changed, as the header shows it. */
  updated(): string;
  /** Answers `GET /events`. */
  events(req: IncomingMessage, res: ServerResponse): void;
}

/** Headers of every live HTML page (its CSP allows only the script carrying `nonce`). */
export function livePageHeaders(nonce: string): Record<string, string> {
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': liveCsp(nonce),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
}

/**
 * The checks every live request passes first: a `Host` that is allowed (else 403: DNS rebinding) and GET or
 * HEAD (else 405). False when the request was answered.
 */
export function admitLiveRequest(
  req: IncomingMessage,
  res: ServerResponse,
  allowHosts: readonly string[] | undefined,
): boolean {
  if (!isAllowedHost(req.headers.host, allowHosts)) {
    res
      .writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' })
      .end('host not allowed (loop dashboard --allow-host NAME answers it)\n');
    return false;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res
      .writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' })
      .end('method not allowed\n');
    return false;
  }
  return true;
}

/** Answers 404. */
export function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
}

/**
 * Answers one run's routes below its base path (`/` or `/run/<name>/`): `rest` is the path after it (`''`,
 * `index.html`, `model.json`, `events`). `fleet` puts a link back to the fleet page in the page's header. The
 * page names its stream relative to itself (`events`), so it works behind a reverse proxy on a sub-path.
 */
export function answerRunRoute(
  routes: LiveRoutes,
  rest: string,
  req: IncomingMessage,
  res: ServerResponse,
  page: { fleet?: { href: string; title: string } | undefined } = {},
): void {
  if (rest === '' || rest === 'index.html') {
    const nonce = randomBytes(16).toString('base64');
    const html = renderDashboard(routes.model(), {
      live: {
        nonce,
        eventsPath: 'events',
        lastEventId: routes.eventId(),
        updated: routes.updated(),
      },
      ...(page.fleet === undefined ? {} : { fleet: page.fleet }),
    });
    res.writeHead(200, livePageHeaders(nonce));
    res.end(html);
    return;
  }
  if (rest === 'model.json') {
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify(routes.model()));
    return;
  }
  if (rest === 'events') {
    routes.events(req, res);
    return;
  }
  notFound(res);
}

/** The request handler of the live server. */
export function liveRequestHandler(routes: LiveRoutes): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (!admitLiveRequest(req, res, routes.allowHosts)) return;
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!path.startsWith('/')) return notFound(res);
    answerRunRoute(routes, path.slice(1), req, res);
  };
}
