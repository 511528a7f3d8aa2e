// The live server's routing: the Host check, then `GET /` (the page), `/model.json` and `/events`.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAllowedHost } from './host-check.js';
import type { DashboardModel } from './model.js';
import { liveCsp, renderDashboard } from './render.js';

/** What the routes answer with. */
export interface LiveRoutes {
  /** Host names answered besides IP addresses and `localhost` (see `isAllowedHost`). */
  allowHosts?: readonly string[];
  /** The latest model. */
  model(): DashboardModel;
  /** The id of the latest update, written into the page so its stream starts from there. */
  eventId(): string;
  /** When the model last changed, as the header shows it. */
  updated(): string;
  /** Answers `GET /events`. */
  events(req: IncomingMessage, res: ServerResponse): void;
}

/** The request handler of the live server. */
export function liveRequestHandler(routes: LiveRoutes): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (!isAllowedHost(req.headers.host, routes.allowHosts)) {
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
      const html = renderDashboard(routes.model(), {
        live: { nonce, eventsPath: '/events', lastEventId: routes.eventId(), updated: routes.updated() },
      });
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
      res.end(JSON.stringify(routes.model()));
      return;
    }
    if (path === '/events') {
      routes.events(req, res);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
  };
}
