// The run dir's file names are named in @loop/run-dir only: scans every package's and app's source (tests
// aside) for a string or regex literal that is a run-dir file name, or a path ending in one.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DASHBOARD_FILE,
  HEARTBEAT_FILE,
  METRICS_FILE,
  METRICS_LOCK_FILE,
  RUN_FILE,
  RUN_LOCK_FILE,
  SUMMARY_FILE,
  SUPERVISOR_LOCK_FILE,
  SUPERVISOR_LOG_FILE,
  SUPERVISOR_STATE_FILE,
} from '../src/index.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

const NAMES = [
  METRICS_FILE,
  SUMMARY_FILE,
  METRICS_LOCK_FILE,
  RUN_FILE,
  HEARTBEAT_FILE,
  RUN_LOCK_FILE,
  DASHBOARD_FILE,
  SUPERVISOR_STATE_FILE,
  SUPERVISOR_LOG_FILE,
  SUPERVISOR_LOCK_FILE,
];

/**
 * The writers that bot authors use on their own keep their default file names: @loop/run-dir depends on
 * them (it re-uses their schemas, histogram and event types), so they cannot import the names from it
 * without a dependency cycle. run-dir re-exports these constants; every other module imports them from it.
 * Each entry is (file name, the one module allowed to spell it).
 */
const OWNER_EXCEPTIONS: ReadonlyArray<readonly [string, string]> = [
  [METRICS_FILE, 'packages/metrics/src/rotating-ndjson-writer.ts'], // METRICS_FILE, ROTATED_FILE_PATTERN
  [SUMMARY_FILE, 'packages/metrics/src/summary-file.ts'],
  [METRICS_LOCK_FILE, 'packages/metrics/src/writer-lock.ts'],
  [SUPERVISOR_STATE_FILE, 'packages/supervisor/src/file-names.ts'],
  [SUPERVISOR_LOG_FILE, 'packages/supervisor/src/file-names.ts'],
  [SUPERVISOR_LOCK_FILE, 'packages/supervisor/src/file-names.ts'],
  // resolveSupervisorOptions' default heartbeat for a bot author who sets a timeout and no file; `loop
  // supervise` passes run-dir's HEARTBEAT_FILE itself.
  [HEARTBEAT_FILE, 'packages/supervisor/src/options.ts'],
];

function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|mts|js|mjs)$/.test(entry.name) && !/\.test\.[mc]?[jt]s$/.test(entry.name))
        files.push(path);
    }
  };
  for (const top of ['packages', 'apps']) {
    for (const pkg of readdirSync(join(REPO, top), { withFileTypes: true })) {
      if (!pkg.isDirectory()) continue;
      try {
        walk(join(REPO, top, pkg.name, 'src'));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }
  return files;
}

/** Removes comments (prose may mention a file); literals stay. Good enough for this code base's style. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A literal that is the name (`'run.json'`), a path ending in it (`` `${dir}/heartbeat` ``), or a regex of it. */
function literalPattern(name: string): RegExp {
  const plain = escapeRegExp(name);
  const literal = `(['"\`/])${plain}\\1|[/'"\`]${plain}['"\`]`;
  // In a regex literal the dots are escaped (`metrics\.ndjson`); a name without a dot is caught above.
  return new RegExp(name.includes('.') ? `${literal}|${escapeRegExp(name.replace(/\./g, '\\.'))}` : literal);
}

describe('run-dir file names', () => {
  const files = sourceFiles();

  it('scans the packages and apps', () => {
    expect(files.some((f) => f.endsWith(join('apps', 'cli', 'src', 'run-record.ts')))).toBe(true);
    expect(files.some((f) => f.endsWith(join('packages', 'dashboard', 'src', 'live-server.ts')))).toBe(true);
  });

  it('finds a literal file name, a path ending in one, and a regex of one', () => {
    expect(literalPattern('run.json').test(`const f = 'run.json';`)).toBe(true);
    expect(literalPattern('heartbeat').test("const p = dir + '/heartbeat';")).toBe(true);
    expect(literalPattern('metrics.ndjson').test(String.raw`/^metrics\.ndjson\.(\d+)$/`)).toBe(true);
    expect(literalPattern('heartbeat').test(`'heartbeat-file'`)).toBe(false);
    expect(literalPattern('run.json').test('the run.json of a run')).toBe(false);
  });

  for (const name of NAMES) {
    it(`names ${name} only in @loop/run-dir (and its writer, if any)`, () => {
      const pattern = literalPattern(name);
      const allowed = new Set(OWNER_EXCEPTIONS.filter(([n]) => n === name).map(([, owner]) => owner));
      const offenders: string[] = [];
      for (const file of files) {
        const rel = relative(REPO, file).split('\\').join('/');
        if (rel.startsWith('packages/run-dir/')) continue;
        if (allowed.has(rel)) continue;
        if (pattern.test(stripComments(readFileSync(file, 'utf8')))) offenders.push(rel);
      }
      expect(offenders).toEqual([]);
    });
  }

  it('keeps every exception real (the owner still spells the name)', () => {
    for (const [name, owner] of OWNER_EXCEPTIONS) {
      expect(literalPattern(name).test(stripComments(readFileSync(join(REPO, owner), 'utf8'))), owner).toBe(
        true,
      );
    }
  });
});
