// Shared by the `loop run` end-to-end tests: spawns the built binary, makes temp dirs, reads a run dir.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type Options, type ResultPromise } from 'execa';
import { afterAll } from 'vitest';

/** The built `loop` executable (run `pnpm build` first). */
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
/** The repository root; the tests run `loop` from here so that relative feed paths are stable. */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** The tiny replay fixture: one gap, one malformed row (line 11), as a path relative to {@link REPO}. */
export const TINY_FEED = 'apps/cli/test/fixtures/tiny-gap-bad-row.csv';
/** The real BTC-USD day, relative to {@link REPO}. */
export const REAL_FEED = 'packages/engine/test/fixtures/btc-usd-1m-2019-03-29.csv';

if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`pnpm build\` before these tests`);

/** Runs `loop ...args` from the repository root; never rejects on a non-zero exit. */
export function loop(args: readonly string[], options: Options = {}): ResultPromise<Options> {
  return execa(process.execPath, [BIN, ...args], { cwd: REPO, reject: false, ...options });
}

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test file. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'loop-run-test-'));
  made.push(dir);
  return dir;
}

/** Every file of a run dir (flat), name -> bytes. */
export function readRunDir(dir: string): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  for (const name of readdirSync(dir).sort()) files[name] = readFileSync(join(dir, name));
  return files;
}

/** Parses `<dir>/run.json`. */
// biome-ignore lint/suspicious/noExplicitAny: the tests read arbitrary fields of the parsed document
export function readRunJson(dir: string): Record<string, any> {
  return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
}
