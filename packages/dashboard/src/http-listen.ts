// Binding and closing a live server's node:http server: a port or address that cannot be used is a coded error,
// and the URL shown is the one bound (an IPv6 address in brackets).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LoopDashboardError } from './errors.js';

/** Where a server listens. */
export interface Listening {
  /** `http://host:port/`. */
  url: string;
  port: number;
}

/**
 * Listens on `host:port`.
 *
 * @throws LoopDashboardError `LOOP_DASHBOARD_SERVE_FAILED` (the address is in use, or not this machine's)
 */
export async function listenOn(server: Server, host: string, port: number): Promise<Listening> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (cause) {
    throw new LoopDashboardError(
      'LOOP_DASHBOARD_SERVE_FAILED',
      `cannot listen on ${host}:${port}: ${(cause as Error).message}`,
      { cause, context: { host, port } },
    );
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${shownHost}:${address.port}/`, port: address.port };
}

/** Closes `server`, ending the connections still open (event streams never end by themselves). */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
