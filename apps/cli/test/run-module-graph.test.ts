// `loop run` loads only what it needs: run-dir file names come from @loop/run-dir (and the supervisor's tiny
// `file-names` entry), never @loop/supervisor's main entry with its process handling.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, REPO, tempDir } from './harness.js';

/** Runs `loop ...args` with a module hook that prints each resolved URL; returns those URLs. */
async function modulesLoadedBy(args: readonly string[]): Promise<string[]> {
  const dir = tempDir();
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    'export async function resolve(specifier, context, next) {\n' +
      '  const result = await next(specifier, context);\n' +
      "  process.stderr.write('LOADED ' + result.url + '\\n');\n" +
      '  return result;\n' +
      '}\n',
  );
  const register = join(dir, 'register.mjs');
  writeFileSync(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
  const run = await execa(process.execPath, ['--import', pathToFileURL(register).href, BIN, ...args], {
    cwd: REPO,
    reject: false,
  });
  expect(run.exitCode, run.stderr).toBe(0);
  return [...run.stderr.matchAll(/^LOADED (\S+)$/gm)].map((m) => m[1]!);
}

describe('loop run module graph', () => {
  it("does not load @loop/supervisor's main entry", async () => {
    const runDir = join(tempDir(), 'run');
    const urls = await modulesLoadedBy(['run', '--run-dir', runDir, '--max-steps', '3']);
    // The hook sees the run's own modules (a check that the hook works at all) ...
    expect(urls.some((u) => u.endsWith('/cli/dist/commands/run.js'))).toBe(true);
    // ... and of the supervisor only its file names and the state file's schema (for run-dir readers).
    const supervisor = new Set(urls.flatMap((u) => /\/supervisor\/dist\/(.+)$/.exec(u)?.[1] ?? []));
    expect([...supervisor].sort()).toEqual(['file-names.js', 'state-schema.js', 'state.js']);
  });

  it('starts the metrics writer thread before it loads the run command, when the run will use it', async () => {
    const runDir = join(tempDir(), 'run');
    const urls = await modulesLoadedBy(['run', '--run-dir', runDir, '--max-steps', '3', '--enable-metrics']);
    const thread = urls.findIndex((u) => u.endsWith('/metrics/dist/writer-thread.js'));
    const command = urls.findIndex((u) => u.endsWith('/cli/dist/commands/run.js'));
    expect(thread).toBeGreaterThanOrEqual(0);
    expect(thread).toBeLessThan(command);
    // A real-clock run flushes each step on the loop's thread: no thread is started ahead.
    const real = await modulesLoadedBy([
      'run',
      '--run-dir',
      join(tempDir(), 'real'),
      '--max-steps',
      '1',
      '--enable-metrics',
      '--clock',
      'real',
      '--step-interval-ms',
      '1',
    ]);
    const early = real.slice(
      0,
      real.findIndex((u) => u.endsWith('/cli/dist/commands/run.js')),
    );
    expect(early.some((u) => u.includes('/metrics/dist/'))).toBe(false);
  });
});
