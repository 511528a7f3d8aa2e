// Shared by the `loop` end-to-end tests: the built binary, spawning it (collected or live), temp dirs, stray
// processes killed after each test, polling with a bound, a free port, and reading a run dir.
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { execa, type Options, type ResultPromise } from 'execa';
import { afterEach } from 'vitest';

/** The built `loop` executable (run `pnpm build` first). */
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
/** The repository root; the tests run `loop` from here so that relative feed paths are stable. */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** The tiny replay fixture: one gap, one malformed row (line 11), as a path relative to {@link REPO}. */
export const TINY_FEED = 'apps/cli/test/fixtures/tiny-gap-bad-row.csv';
/** The real BTC-USD day, relative to {@link REPO}. */
export const REAL_FEED = 'examples/data/btc-usd-1m-2019-03-29.csv';

if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`pnpm build\` before these tests`);

const runs: ResultPromise<Options>[] = [];
const children: ChildProcess[] = [];
const strays: number[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const run of runs.splice(0)) {
    run.kill('SIGKILL');
    await run;
  }
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // SIGTERM first: a `loop supervise` left running by a failed test stops its own child (a grandchild of
    // the test, in another process group) instead of leaving it orphaned; SIGKILL if it has not exited in 10 s.
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs `loop ...args` from the repository root; never rejects on a non-zero exit. The promise resolves with
 * `{ exitCode, signal, stdout, stderr }` and is also the live child (`pid`, `kill`); it is SIGKILLed after the
 * test if still running.
 */
export function loop(args: readonly string[], options: { timeout?: number } = {}) {
  const run = execa(process.execPath, [BIN, ...args], { cwd: REPO, reject: false, timeout: options.timeout });
  runs.push(run);
  return run;
}

/** How a process started with {@link start} or {@link startLoop} ended, and all it printed. */
export interface Finished {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A live child: signal it, read its output so far, await its end (after its pipes close). */
export interface Live {
  child: ChildProcess;
  /** Resolves once the process has exited and its pipes have closed. */
  done: Promise<Finished>;
  /** stdout so far. */
  stdout(): string;
  /** stdout and stderr so far, in the order they arrived. */
  output(): string;
}

/** Spawns `command ...args` (SIGKILLed after the test if still running); `quiet` ignores its stdio. */
export function start(
  command: string,
  args: readonly string[],
  options: { cwd?: string; quiet?: boolean } = {},
): Live {
  const stdio: StdioOptions = options.quiet ? 'ignore' : ['ignore', 'pipe', 'pipe'];
  const child = spawn(command, args, { cwd: options.cwd ?? REPO, stdio });
  children.push(child);
  let stdout = '';
  let stderr = '';
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    output += chunk.toString();
  });
  const done = new Promise<Finished>((resolve) =>
    child.on('close', (exitCode, signal) => resolve({ exitCode, signal, stdout, stderr })),
  );
  return { child, done, stdout: () => stdout, output: () => output };
}

/** {@link start} for the built `loop ...args`. */
export function startLoop(args: readonly string[], options: { cwd?: string; quiet?: boolean } = {}): Live {
  return start(process.execPath, [BIN, ...args], options);
}

/** Registers pids (grandchildren, orphans) to SIGKILL after the test. */
export function killAfterTest(...pids: number[]): void {
  strays.push(...pids);
}

/** A fresh temporary directory, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'loop-cli-test-'));
  dirs.push(dir);
  return dir;
}

/** The samples of a scrape of `http://127.0.0.1:<port>/metrics` (comments dropped): `name{labels}` -> value. */
export async function scrape(port: number): Promise<Map<string, number>> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/** Polls the endpoint until `check` holds on a scrape; returns that scrape. */
export async function scrapeUntil(
  port: number,
  what: string,
  check: (samples: Map<string, number>) => boolean,
  timeoutMs = 30_000,
): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const samples = await scrape(port).catch(() => undefined);
    if (samples !== undefined && check(samples)) return samples;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Polls `check` every `everyMs` (20 ms) until it holds; throws after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 15_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(everyMs);
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A command line's words: `argv('--max-steps 3 -- sh -c')` (for words without spaces or quotes). */
export function argv(words: string): string[] {
  return words.split(' ');
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
