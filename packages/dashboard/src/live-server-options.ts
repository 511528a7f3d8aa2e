// The options both live servers take (the run page's and the fleet's): address, Host check, stream and polling
// intervals, and the limits of a run page's model.
import type { RunHistoryLimits } from '@loop/run-dir';

/** Options shared by `startDashboardServer` and `startFleetServer`. */
export interface LiveServerOptions {
  /** Address to bind (default `127.0.0.1`; the pages are not meant to be exposed). */
  host?: string;
  /** Port (default 0: any free port; the server's `url` says which). */
  port?: number;
  /**
   * Host names answered besides IP addresses and `localhost` (a leading dot allows subdomains). Any other
   * `Host` gets 403, so a web page cannot read the model through DNS rebinding.
   */
  allowHosts?: readonly string[];
  /** Recent events listed on a run's page (default 50). */
  tailLines?: number;
  /** Interval of SSE heartbeat comments, which keep proxies from closing an idle stream (default 15 s). */
  heartbeatMs?: number;
  /**
   * Interval of polling (default 1 s): a run's page reads its run dir again where fs.watch misses changes; the
   * fleet stamps every run dir and decides each row again, so heartbeat ages stay true.
   */
  pollMs?: number;
  /**
   * A run's page: changes closer together than this are read as one update (default 500 ms). Each update sends
   * only the lines of the page that changed, so this bounds what a busy loop costs every open page: at most two
   * updates a second.
   */
  debounceMs?: number;
  /**
   * Heartbeat age after which a run that claims to run is `stale` (the page says "writer stale"); default the
   * supervisor's `--heartbeat-timeout`, else 30 s (see `@loop/run-dir`'s `decideRunHealth`).
   */
  staleAfterMs?: number;
  /** Limits of a run page's model (see `buildModel`). */
  limits?: Partial<Omit<RunHistoryLimits, 'tailLines'>>;
}
