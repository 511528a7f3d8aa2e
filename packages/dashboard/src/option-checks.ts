// Checks of the arguments and options of @loop/dashboard's exported functions: misuse gets a coded error naming it.
import { isLoopRunDirError, RunHistory, type RunHistoryLimits } from '@loop/run-dir';
import { LoopDashboardError } from './errors.js';
import { describeValue } from './model-shape.js';

/** A `LOOP_DASHBOARD_OPTION_INVALID` error whose message starts with the function's name. */
export function invalidOption(
  caller: string,
  message: string,
  option: string,
  cause?: unknown,
): LoopDashboardError {
  return new LoopDashboardError('LOOP_DASHBOARD_OPTION_INVALID', `${caller}: ${message}`, {
    cause,
    context: { caller, option },
  });
}

/** Throws unless `value` is a non-empty string. */
export function checkText(caller: string, name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw invalidOption(caller, `${name} must be a non-empty string, got ${describeValue(value)}`, name);
  }
}

/** Throws unless `value` is undefined or an object (not null, not an array). */
export function checkOptionsObject(caller: string, name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidOption(caller, `${name} must be an object, got ${describeValue(value)}`, name);
  }
}

/**
 * The history limits after checking them the way {@link RunHistory} does (known keys, whole numbers in range):
 * its `LOOP_RUN_DIR_OPTION_INVALID` becomes this package's `LOOP_DASHBOARD_OPTION_INVALID`.
 */
export function checkHistoryLimits(
  caller: string,
  tailLines: unknown,
  limits: unknown,
): Partial<RunHistoryLimits> & { tailLines: number } {
  checkOptionsObject(caller, 'limits', limits);
  if ((limits as { tailLines?: unknown } | undefined)?.tailLines !== undefined) {
    throw invalidOption(
      caller,
      'limits.tailLines is not a limit here: use the tailLines option',
      'limits.tailLines',
    );
  }
  const merged = { ...(limits as Partial<RunHistoryLimits> | undefined), tailLines: tailLines ?? 50 };
  try {
    new RunHistory(merged as Partial<RunHistoryLimits>);
  } catch (error) {
    if (!isLoopRunDirError(error)) throw error;
    const option = String(error.context.option ?? 'limits').replace(/^limits\.tailLines$/, 'tailLines');
    throw invalidOption(caller, error.message.replace(/^limits\.tailLines/, 'tailLines'), option, error);
  }
  return merged as Partial<RunHistoryLimits> & { tailLines: number };
}

/** Throws unless `value` is undefined or a finite number >= `min` (a whole number when `whole`). */
function checkNumber(
  caller: string,
  name: string,
  value: unknown,
  min: number,
  whole = false,
  max = Infinity,
): void {
  if (value === undefined) return;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (whole && !Number.isInteger(value))
  ) {
    const range = max === Infinity ? `>= ${min}` : `${min}..${max}`;
    throw invalidOption(
      caller,
      `${name} must be a ${whole ? 'whole ' : ''}number ${range}, got ${typeof value === 'number' ? value : describeValue(value)}`,
      name,
    );
  }
}

/** Throws unless `options` is an object; returns it as a record of option values. */
function checkOptionsRecord(caller: string, options: unknown, needs: string): Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalidOption(
      caller,
      `options must be an object with ${needs}, got ${describeValue(options)}`,
      'options',
    );
  }
  return options as Record<string, unknown>;
}

/**
 * The checks both live servers share (address, intervals, Host allow-list, history limits), in this order;
 * `ownNumbers` (name -> least value) are checked after `staleAfterMs`, before `allowHosts`.
 */
function checkServerOptions(
  caller: string,
  o: Record<string, unknown>,
  ownNumbers: Readonly<Record<string, number>> = {},
): void {
  if (o.host !== undefined) checkText(caller, 'host', o.host);
  checkNumber(caller, 'port', o.port, 0, true, 65_535);
  checkNumber(caller, 'heartbeatMs', o.heartbeatMs, 1);
  checkNumber(caller, 'pollMs', o.pollMs, 1);
  checkNumber(caller, 'debounceMs', o.debounceMs, 0);
  checkNumber(caller, 'staleAfterMs', o.staleAfterMs, 0);
  for (const [name, min] of Object.entries(ownNumbers)) checkNumber(caller, name, o[name], min);
  if (
    o.allowHosts !== undefined &&
    (!Array.isArray(o.allowHosts) || o.allowHosts.some((h) => typeof h !== 'string'))
  ) {
    throw invalidOption(caller, 'allowHosts must be an array of host names', 'allowHosts');
  }
  checkHistoryLimits(caller, o.tailLines, o.limits);
}

/** The checks of `startDashboardServer`'s options (the run dir's existence is checked after these). */
export function checkDashboardServerOptions(options: unknown): void {
  const caller = 'startDashboardServer';
  const o = checkOptionsRecord(caller, options, 'runDir');
  checkText(caller, 'runDir', o.runDir);
  checkServerOptions(caller, o);
}

/** Checks the options of `startFleetServer` (see {@link checkDashboardServerOptions}). */
export function checkFleetServerOptions(options: unknown): void {
  const caller = 'startFleetServer';
  const o = checkOptionsRecord(caller, options, 'runDirs or runsRoot');
  if (o.runDirs !== undefined) {
    if (!Array.isArray(o.runDirs) || o.runDirs.some((d) => typeof d !== 'string' || d.length === 0))
      throw invalidOption(caller, 'runDirs must be an array of run dir paths', 'runDirs');
  }
  if (o.runsRoot !== undefined) checkText(caller, 'runsRoot', o.runsRoot);
  if (o.runsRoot === undefined && (o.runDirs === undefined || (o.runDirs as unknown[]).length === 0))
    throw invalidOption(caller, 'give runDirs (one or more) or runsRoot', 'runDirs');
  if (o.title !== undefined) checkText(caller, 'title', o.title);
  if (o.currency !== undefined) checkText(caller, 'currency', o.currency);
  checkServerOptions(caller, o, { idleRunPageMs: 0 });
}
