// The fleet page's I/O shells: read the health of many run dirs, or write a static fleet folder (index.html
// and one page per run dir beside it, linked from the fleet page's rows).
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type RunHealth, readRunHealth } from '@loop/run-dir';
import { buildModel } from './build-model.js';
import { writeDashboardFile } from './dashboard-file.js';
import { LoopDashboardError } from './errors.js';
import {
  FLEET_MODEL_VERSION,
  type FleetModel,
  type FleetRun,
  renderFleetPage,
  sortFleetRuns,
} from './fleet-page.js';
import { renderDashboard } from './render.js';
import { RunDirFollower } from './run-dir-follower.js';

/** The fleet page's file name in a static fleet folder. */
export const FLEET_INDEX_FILE = 'index.html';

/**
 * A page name for `runDir` not in `taken` (lower-cased names; the name is added to it): the folder's name with
 * anything but `A-Za-z0-9._-` replaced by `-`, made unique with `-2`, `-3`, ...
 */
export function uniquePageName(runDir: string, taken: Set<string>): string {
  const base =
    basename(runDir)
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[.-]+/, '')
      .slice(0, 100) || 'run';
  let name = base;
  for (let k = 2; taken.has(name.toLowerCase()); k++) name = `${base}-${k}`;
  taken.add(name.toLowerCase());
  return name;
}

/**
 * File names (without `.html`) for each run dir's page in a fleet folder: the folder's name with anything but
 * `A-Za-z0-9._-` replaced by `-`, never `index`, made unique with `-2`, `-3`, ... in the given order. Pure.
 */
export function fleetPageNames(runDirs: readonly string[]): string[] {
  const taken = new Set<string>(['index']);
  return runDirs.map((dir) => uniquePageName(dir, taken));
}

/** A title for the fleet: the common parent folder's name when every run dir shares one, else `N run dirs`. */
export function fleetTitle(runDirs: readonly string[]): string {
  const parents = new Set(runDirs.map((d) => join(d, '..')));
  if (parents.size === 1) {
    const name = basename([...parents][0]!);
    if (name) return name;
  }
  return `${runDirs.length} run dirs`;
}

/** Run dirs {@link readFleet} reads at the same time. */
const FLEET_READ_CONCURRENCY = 4;

/** Options of {@link readFleet}. */
export interface ReadFleetOptions {
  /** Wall clock now (epoch ms); default Date.now(). */
  nowMs?: number;
  /** Heartbeat age after which a running run dir is stale (as `loop status --stale-after-s`). */
  staleAfterMs?: number;
  /** The fleet's title; default {@link fleetTitle}. */
  title?: string;
  /** Each run dir's link (or null); default none. */
  href?: (runDir: string, index: number) => string | null;
}

/**
 * A run dir's health with its NDJSON files read by `follower` (lifetimes only: see {@link RunDirFollower}),
 * refreshed first (`final`: a static read, whose unterminated last line is judged now); the documents
 * (`run.json`, summary, heartbeat, supervisor files) are read by `@loop/run-dir`'s `readRunHealth`. A read
 * failure is a problem on the health, as `readRunHealth` reports it.
 */
export async function readFollowedHealth(
  follower: RunDirFollower,
  options: { nowMs: number; staleAfterMs?: number | undefined; final: boolean; settledMs?: number },
): Promise<RunHealth> {
  let problem: string | null = null;
  try {
    await follower.refresh({ final: options.final, settledMs: options.settledMs });
  } catch (error) {
    problem = `metrics files cannot be read: ${(error as Error).message}`;
  }
  const health = await readRunHealth(follower.runDir, {
    nowMs: options.nowMs,
    staleAfterMs: options.staleAfterMs,
    lifetimes: follower.lifetimes,
    skippedFiles: follower.skippedFiles(),
  });
  if (problem !== null) health.problems.push(problem);
  return health;
}

/**
 * Reads the health of every run dir (`@loop/run-dir`'s health model; the NDJSON files in one streamed pass
 * each, by the package's own reader: JSON.parse and a hand-written check per line, zod only for lines the
 * check refuses) into a {@link FleetModel}, unhealthy first. Never throws for a run dir's content: a corrupt
 * or missing file is a problem on that row, a folder with nothing in it is `unknown`.
 */
export async function readFleet(
  runDirs: readonly string[],
  options: ReadFleetOptions = {},
): Promise<FleetModel> {
  const nowMs = options.nowMs ?? Date.now();
  const names = runDirs.map((d) => basename(d) || d);
  const runs: FleetRun[] = new Array(runDirs.length);
  // A few run dirs at a time: while one waits on its files (a dozen small reads), another's lines are parsed.
  let next = 0;
  const reader = async () => {
    for (let i = next++; i < runDirs.length; i = next++) {
      const runDir = runDirs[i]!;
      const follower = new RunDirFollower(runDir, {}, { lifetimesOnly: true });
      const health = await readFollowedHealth(follower, {
        nowMs,
        staleAfterMs: options.staleAfterMs,
        final: true,
      });
      runs[i] = { runDir, name: names[i]!, href: options.href?.(runDir, i) ?? null, health };
    }
  };
  await Promise.all(Array.from({ length: Math.min(FLEET_READ_CONCURRENCY, runDirs.length) }, reader));
  return {
    v: FLEET_MODEL_VERSION,
    title: options.title ?? fleetTitle(runDirs),
    generatedAtMs: nowMs,
    runs: sortFleetRuns(runs),
  };
}

/** Options of {@link writeFleetDashboard}. */
export interface WriteFleetOptions {
  /** Recent events on each run's page (default 50). */
  tailLines?: number;
  /** The fleet's title; default {@link fleetTitle}. */
  title?: string;
  /** The account currency's label (default `quote currency`). */
  currency?: string;
}

/** What {@link writeFleetDashboard} wrote. */
export interface FleetWritten {
  /** The fleet page: `<outDir>/index.html`. */
  index: string;
  /** Each run dir's page, in the order given; `page` is null (and the row says why) when it could not be built. */
  pages: Array<{ runDir: string; page: string | null }>;
  model: FleetModel;
}

/**
 * Writes a static fleet folder: `<outDir>/index.html` (the fleet page) and `<outDir>/<name>.html` for each run
 * dir (its own dashboard, names from {@link fleetPageNames}), each linked from its row. One streamed pass per
 * run dir: the row's health is the page model's. Each file is written atomically. A run dir whose page
 * cannot be built still gets a row (its health read on its own) that names the problem.
 *
 * @throws LoopDashboardError `LOOP_DASHBOARD_WRITE_FAILED` if the folder or a page cannot be written.
 */
export async function writeFleetDashboard(
  outDir: string,
  runDirs: readonly string[],
  options: WriteFleetOptions = {},
): Promise<FleetWritten> {
  try {
    await mkdir(outDir, { recursive: true });
  } catch (cause) {
    throw new LoopDashboardError(
      'LOOP_DASHBOARD_WRITE_FAILED',
      `cannot create ${outDir}: ${(cause as Error).message}`,
      {
        cause,
        context: { path: outDir },
      },
    );
  }
  const names = fleetPageNames(runDirs);
  const title = options.title ?? fleetTitle(runDirs);
  // Each run's page links back to the fleet page beside it.
  const fleet = { href: FLEET_INDEX_FILE, title };
  const runs: FleetRun[] = [];
  const pages: FleetWritten['pages'] = [];
  let generatedAtMs = Date.now();
  for (const [i, runDir] of runDirs.entries()) {
    const name = basename(runDir) || runDir;
    const file = `${names[i]}.html`;
    try {
      const model = await buildModel(runDir, { tailLines: options.tailLines ?? 50 });
      const page = join(outDir, file);
      await writeDashboardFile(page, renderDashboard(model, { fleet }));
      const health = model.health ?? (await readRunHealth(runDir));
      runs.push({ runDir, name, href: encodeURIComponent(file), health });
      pages.push({ runDir, page });
    } catch (error) {
      if ((error as LoopDashboardError).code === 'LOOP_DASHBOARD_WRITE_FAILED') throw error;
      const health = await readRunHealth(runDir);
      health.problems.push(`its page could not be built: ${(error as Error).message}`);
      runs.push({ runDir, name, href: null, health });
      pages.push({ runDir, page: null });
    }
    generatedAtMs = Date.now();
  }
  const model: FleetModel = {
    v: FLEET_MODEL_VERSION,
    title,
    generatedAtMs,
    runs: sortFleetRuns(runs),
  };
  const index = join(outDir, FLEET_INDEX_FILE);
  await writeDashboardFile(index, renderFleetPage(model, { currency: options.currency }));
  return { index, pages, model };
}
