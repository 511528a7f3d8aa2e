// The live fleet page: one node:http server for many run dirs. `GET /` is the fleet page, kept current over
// SSE (line deltas, morphed in place like the run page); `GET /run/<name>/` is each run's own live page, served
// by the same server. Each run dir is stamped on every poll (a few stats) and only the dirs whose stamp moved
// are read again (appended NDJSON bytes, and the documents that changed); the health of every row is decided
// again each poll from what is held, so heartbeat ages stay true and a writer that stops turns stale.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { basename, resolve } from 'node:path';
import {
  decideRunHealth,
  findRunDirs,
  pidIsAlive,
  type RunHealth,
  readHeartbeat,
  readMetricsSummary,
  readRunRecord,
  readSupervisorLog,
  readSupervisorState,
} from '@loop/run-dir';
import { LoopDashboardError } from './errors.js';
import { fleetTitle, uniquePageName } from './fleet-dashboard.js';
import {
  FLEET_MODEL_VERSION,
  type FleetModel,
  type FleetRun,
  renderFleetBody,
  renderFleetPage,
  sortFleetRuns,
} from './fleet-page.js';
import { closeServer, type Listening, listenOn } from './http-listen.js';
import { coalescingRefresh, liveBody } from './live-body.js';
import { admitLiveRequest, answerRunRoute, livePageHeaders, notFound } from './live-routes.js';
import { type RunFeed, startRunFeed } from './live-run-feed.js';
import type { LiveServerOptions } from './live-server-options.js';
import { checkFleetServerOptions } from './option-checks.js';
import { stampRunDir } from './run-dir-changes.js';
import { RunDirFollower } from './run-dir-follower.js';

/** Options of {@link startFleetServer}: those of the run page's live server (see {@link LiveServerOptions}), and: */
export interface FleetServerOptions extends LiveServerOptions {
  /** Run dirs shown whatever happens to them (a row says when one is gone). */
  runDirs?: readonly string[];
  /** Every run dir directly under this folder, looked for again on each poll: new ones appear, removed ones go. */
  runsRoot?: string;
  /** The fleet's title; default the runs root's name, else {@link fleetTitle}. */
  title?: string;
  /** The account currency's label in the equity column (default `quote currency`). */
  currency?: string;
  /** A run's page with no open stream for this long stops following its run dir (default 60 s). */
  idleRunPageMs?: number;
}

/** A running live fleet. */
export interface FleetServer {
  /** `http://host:port/`: the fleet page. */
  readonly url: string;
  readonly port: number;
  /** The id of the latest fleet update sent (`<boot>-<n>`). */
  eventId(): string;
  /** The latest fleet model. */
  model(): FleetModel;
  /** The path of a run dir's own live page (`/run/<name>/`), or undefined when it is not in the fleet. */
  runPath(runDir: string): string | undefined;
  /** Stamps every run dir now (and reads those that changed) instead of waiting for the next poll. */
  refresh(): Promise<void>;
  /** Stops polling, closes every run page, ends every stream and closes the server. Idempotent. */
  close(): Promise<void>;
}

/** What a run dir's health is decided from, besides its lifetimes and the clock. */
interface HealthDocuments {
  run: Awaited<ReturnType<typeof readRunRecord>>;
  summary: Awaited<ReturnType<typeof readMetricsSummary>>;
  heartbeat: Awaited<ReturnType<typeof readHeartbeat>>;
  supervisor: Awaited<ReturnType<typeof readSupervisorState>>;
  supervisorLog: Awaited<ReturnType<typeof readSupervisorLog>>;
}

/** One run dir of the live fleet. */
interface Member {
  runDir: string;
  name: string;
  follower: RunDirFollower;
  documents: HealthDocuments;
  /** The stamps read last (`all`, `documents`). */
  stamp: string;
  documentsStamp: string;
  readError: string | null;
}

const NO_DOCUMENTS: HealthDocuments = {
  run: { state: 'missing' },
  summary: { state: 'missing' },
  heartbeat: { state: 'missing' },
  supervisor: { state: 'missing' },
  supervisorLog: [],
};

/** The documents of `runDir`; what cannot be read at all (e.g. a folder named `supervisor.log`) counts as missing. */
async function readHealthDocuments(runDir: string): Promise<HealthDocuments> {
  const [run, summary, heartbeat, supervisor, supervisorLog] = await Promise.all([
    readRunRecord(runDir).catch(() => NO_DOCUMENTS.run),
    readMetricsSummary(runDir).catch(() => NO_DOCUMENTS.summary),
    readHeartbeat(runDir).catch(() => NO_DOCUMENTS.heartbeat),
    readSupervisorState(runDir).catch(() => NO_DOCUMENTS.supervisor),
    readSupervisorLog(runDir).catch(() => NO_DOCUMENTS.supervisorLog),
  ]);
  return { run, summary, heartbeat, supervisor, supervisorLog };
}

/** The health of a member as of `nowMs`, decided as `readRunHealth` does, from what was read last. Pure but for pids. */
function decideMember(member: Member, nowMs: number, staleAfterMs: number | undefined): RunHealth {
  const tracker = member.follower.lifetimes;
  const health = decideRunHealth({
    nowMs,
    ...member.documents,
    lifetimes: {
      list: [...tracker.lifetimes()],
      dropped: tracker.dropped,
      totals: tracker.totals(),
      recent: tracker.recent(),
    },
    isAlive: pidIsAlive,
    staleAfterMs,
    skippedFiles: member.follower.skippedFiles(),
  });
  if (member.readError !== null) health.problems.push(`metrics files cannot be read: ${member.readError}`);
  return health;
}

/**
 * Serves the live fleet page of `runDirs` and/or every run dir under `runsRoot`: `GET /` the page, `GET /events`
 * its SSE stream, `GET /fleet.json` the model, and each run's own live page under `/run/<name>/` (with
 * `events` and `model.json` below it), which links back to the fleet page. Every link and stream is named relative
 * to its page (rows `run/<name>/`, back `../../`, streams `events`; `/run/<name>` redirects to `/run/<name>/`), so
 * the fleet works behind a reverse proxy on a sub-path. Rows update in place; a run dir that appears under the
 * runs root gets a row, one that is removed loses it. The Host check is the live server's.
 *
 * @throws LoopDashboardError `LOOP_DASHBOARD_RUN_DIR_MISSING` (the runs root is not a directory),
 *   `LOOP_DASHBOARD_SERVE_FAILED`, `LOOP_DASHBOARD_OPTION_INVALID`
 */
export async function startFleetServer(options: FleetServerOptions): Promise<FleetServer> {
  checkFleetServerOptions(options);
  const { host = '127.0.0.1', port = 0 } = options;
  const pollMs = options.pollMs ?? 1_000;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const idleRunPageMs = options.idleRunPageMs ?? 60_000;
  const settledMs = Math.max(2_000, 2 * pollMs);
  const fixed = [...new Set((options.runDirs ?? []).map((d) => resolve(d)))];
  const root = options.runsRoot === undefined ? undefined : resolve(options.runsRoot);
  if (root !== undefined) {
    const stamp = await stampRunDir(root);
    if (!stamp.isDirectory)
      throw new LoopDashboardError('LOOP_DASHBOARD_RUN_DIR_MISSING', `runs root ${root} is not a directory`, {
        context: { runDir: root },
      });
  }
  const title = options.title ?? (root !== undefined ? basename(root) || root : fleetTitle(fixed));

  const members = new Map<string, Member>();
  // A run dir keeps its page name for the server's life, even if it goes and comes back.
  const names = new Map<string, string>();
  const taken = new Set<string>();
  const runPages = new Map<string, { feed: Promise<RunFeed>; usedAt: number }>();
  let rootError: string | null = null;

  const nameOf = (runDir: string): string => {
    let name = names.get(runDir);
    if (name === undefined) {
      name = uniquePageName(runDir, taken);
      names.set(runDir, name);
    }
    return name;
  };

  /** The run dirs of the fleet now: the fixed ones, then those under the runs root. */
  const listRunDirs = async (): Promise<string[]> => {
    if (root === undefined) return fixed;
    try {
      const found = await findRunDirs(root);
      rootError = null;
      return [...new Set([...fixed, ...found])];
    } catch (error) {
      rootError = (error as Error).message;
      // The root vanished or cannot be read: keep the rows we have until it can.
      return [...members.keys()];
    }
  };

  /** Reads what changed in one run dir (everything, the first time). */
  const readMember = async (member: Member, first: boolean): Promise<void> => {
    const stamp = await stampRunDir(member.runDir);
    const due = first || stamp.all !== member.stamp || member.readError !== null || member.follower.pending();
    if (!due) return;
    member.stamp = stamp.all;
    try {
      if (!stamp.isDirectory) throw new Error(`the run dir ${member.runDir} is gone`);
      await member.follower.refresh({ settledMs });
      member.readError = null;
    } catch (error) {
      member.readError = (error as Error).message;
    }
    if (first || stamp.documents !== member.documentsStamp) {
      member.documentsStamp = stamp.documents;
      member.documents = await readHealthDocuments(member.runDir);
    }
  };

  const closeRunPage = (name: string) => {
    const page = runPages.get(name);
    if (page === undefined) return;
    runPages.delete(name);
    void page.feed.then((feed) => feed.close()).catch(() => undefined);
  };

  let model: FleetModel;
  const decideAll = (): FleetModel => {
    const nowMs = Date.now();
    const runs: FleetRun[] = [...members.values()].map((m) => ({
      runDir: m.runDir,
      name: basename(m.runDir) || m.runDir,
      href: `run/${encodeURIComponent(m.name)}/`,
      health: decideMember(m, nowMs, options.staleAfterMs),
    }));
    return { v: FLEET_MODEL_VERSION, title, generatedAtMs: nowMs, runs: sortFleetRuns(runs) };
  };

  /** Brings the members in line with the run dirs found, reads what changed, decides every row again. */
  const update = async (): Promise<void> => {
    const dirs = await listRunDirs();
    const wanted = new Set(dirs);
    for (const [runDir, member] of members) {
      if (wanted.has(runDir)) continue;
      members.delete(runDir);
      closeRunPage(member.name);
    }
    for (const runDir of dirs) {
      let member = members.get(runDir);
      const first = member === undefined;
      if (member === undefined) {
        member = {
          runDir,
          name: nameOf(runDir),
          follower: new RunDirFollower(runDir, {}, { lifetimesOnly: true }),
          documents: NO_DOCUMENTS,
          stamp: '',
          documentsStamp: '',
          readError: null,
        };
      }
      await readMember(member, first);
      members.set(runDir, member);
    }
    const now = Date.now();
    for (const [name, page] of runPages) {
      const feed = await page.feed.catch(() => undefined);
      if (feed === undefined || (feed.clients() === 0 && now - page.usedAt >= idleRunPageMs))
        closeRunPage(name);
      else if (feed.clients() > 0) page.usedAt = now;
    }
    model = decideAll();
  };

  await update();
  model = model!;
  const live = liveBody({ body: renderFleetBody(model, { currency: options.currency }), heartbeatMs });

  let closed = false;
  const { refresh, settled } = coalescingRefresh(
    async () => {
      await update();
      const next = renderFleetBody(model, { currency: options.currency });
      if (next !== live.body()) live.publish(next);
    },
    () => closed,
  );
  let polling = false;
  const poll = setInterval(() => {
    if (polling || closed) return;
    polling = true;
    refresh()
      .catch(() => undefined)
      .finally(() => {
        polling = false;
      });
  }, pollMs);

  /** The live feed of a run's own page, started on its first request. */
  const runPage = (member: Member): Promise<RunFeed> => {
    let page = runPages.get(member.name);
    if (page === undefined) {
      page = {
        feed: startRunFeed({
          runDir: member.runDir,
          tailLines: options.tailLines,
          heartbeatMs,
          pollMs,
          debounceMs: options.debounceMs,
          staleAfterMs: options.staleAfterMs,
          limits: options.limits,
        }),
        usedAt: Date.now(),
      };
      runPages.set(member.name, page);
      // A feed that cannot start is forgotten, so the next request tries again.
      page.feed.catch(() => runPages.delete(member.name));
    }
    page.usedAt = Date.now();
    return page.feed;
  };

  const answerRun = async (name: string, rest: string, req: IncomingMessage, res: ServerResponse) => {
    const member = [...members.values()].find((m) => m.name === name);
    if (member === undefined || closed) return notFound(res);
    let feed: RunFeed;
    try {
      feed = await runPage(member);
    } catch (error) {
      res
        .writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '1' })
        .end(`cannot read ${member.runDir}: ${(error as Error).message}\n`);
      return;
    }
    answerRunRoute(
      { model: feed.model, eventId: feed.eventId, updated: feed.updated, events: feed.events },
      rest,
      req,
      res,
      { fleet: { href: '../../', title } },
    );
  };

  const server = createServer((req, res) => {
    if (!admitLiveRequest(req, res, options.allowHosts)) return;
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/' || path === '/index.html') {
      const nonce = randomBytes(16).toString('base64');
      const html = renderFleetPage(model, {
        ...(options.currency === undefined ? {} : { currency: options.currency }),
        live: { nonce, eventsPath: 'events', lastEventId: live.eventId(), updated: live.status().updated },
      });
      res.writeHead(200, livePageHeaders(nonce)).end(html);
      return;
    }
    if (path === '/fleet.json') {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(rootError === null ? model : { ...model, rootError }));
      return;
    }
    if (path === '/events') return live.events(req, res);
    const run = /^\/run\/([^/]+)(?:\/(.*))?$/.exec(path);
    if (run !== null) {
      // The run page names its stream and the fleet page relative to itself: it must be at `<name>/`.
      if (run[2] === undefined) {
        res.writeHead(308, { Location: `${run[1]}/` }).end();
        return;
      }
      let name: string;
      try {
        name = decodeURIComponent(run[1]!);
      } catch {
        return notFound(res);
      }
      void answerRun(name, run[2] ?? '', req, res);
      return;
    }
    notFound(res);
  });
  let listening: Listening;
  try {
    listening = await listenOn(server, host, port);
  } catch (error) {
    closed = true;
    clearInterval(poll);
    live.close();
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    url: listening.url,
    port: listening.port,
    eventId: live.eventId,
    model: () => model,
    runPath: (runDir) => {
      const member = members.get(resolve(runDir));
      return member === undefined ? undefined : `/run/${encodeURIComponent(member.name)}/`;
    },
    refresh,
    close() {
      closing ??= (async () => {
        closed = true;
        clearInterval(poll);
        live.close();
        const feeds = [...runPages.values()].map((p) => p.feed.then((f) => f.close()).catch(() => undefined));
        runPages.clear();
        await closeServer(server);
        await Promise.all(feeds);
        await settled();
      })();
      return closing;
    },
  };
}
