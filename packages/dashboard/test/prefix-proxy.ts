// A reverse proxy on a sub-path, for the live servers' tests: `/prefix/...` is passed to the server as `/...`
// (as nginx's `location /prefix/ { proxy_pass http://server/; proxy_buffering off; }` does), streamed both
// ways; anything outside the prefix is 404, so a page that names an absolute path fails to load it.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Where the proxy serves `upstream` (`http://127.0.0.1:<port>/prefix/`), and how to stop it. */
export interface PrefixProxy {
  url: string;
  /** Paths asked for outside the prefix. */
  outside: string[];
  close(): Promise<void>;
}

/** Starts a proxy on a free 127.0.0.1 port that serves `upstream` (`http://host:port/`) under `/prefix/`. */
export async function startPrefixProxy(upstream: string): Promise<PrefixProxy> {
  const outside: string[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (!path.startsWith('/prefix/')) {
      outside.push(path);
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('outside the prefix\n');
      return;
    }
    const forward = request(
      new URL(path.slice('/prefix'.length), upstream),
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    res.on('close', () => forward.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/prefix/`,
    outside,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
