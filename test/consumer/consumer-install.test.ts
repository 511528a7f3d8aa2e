// Installs the packed tarballs with npm into a fresh folder outside the workspace and uses them as a user
// would: an ESM bot, a CommonJS bot, a TypeScript consumer (nodenext and bundler), `npx loop --help` and the
// dashboard embedding example. Catches a file missing from `files`, a wrong `exports` map, or a dependency
// that only the workspace provides.
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const fixture = resolve(import.meta.dirname, 'fixture');
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const PACKAGES = [
  'packages/process-identity',
  'packages/run-dir',
  'packages/metrics',
  'packages/engine',
  'packages/dashboard',
  'packages/supervisor',
  'packages/check',
  'apps/cli',
];
// An older zod than the workspace's: a bot already on it must get one copy (our range is a caret range).
const BOT_ZOD = '4.1.12';

let work = '';
let app = '';
let skipReason: string | undefined;

async function sh(cmd: string, args: string[], cwd: string, timeoutMs = 240_000) {
  return run(cmd, args, {
    cwd,
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, CI: '1' },
  });
}

async function npmInstall(cwd: string, specs: string[]) {
  await sh(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...specs],
    cwd,
  );
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'loop-consumer-'));
  const tarballs = join(work, 'tarballs');
  const missing = PACKAGES.filter((p) => !existsSync(join(root, p, 'dist')));
  if (missing.length > 0) {
    skipReason = `not built (${missing.join(', ')} has no dist/): run pnpm build first`;
    return;
  }
  try {
    for (const pkg of PACKAGES) await sh('pnpm', ['pack', '--pack-destination', tarballs], join(root, pkg));
  } catch (error) {
    skipReason = `pnpm pack failed: ${(error as Error).message.split('\n')[0]}`;
    return;
  }
  app = join(work, 'app');
  cpSync(fixture, app, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'my-bot', private: true, type: 'module' }));
  const files = readdirSync(tarballs).map((f) => join(tarballs, f));
  await npmInstall(app, [...files, `zod@${BOT_ZOD}`, '@types/node@20']);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('packed tarballs installed with npm into a fresh project', () => {
  const node = async (...args: string[]) => JSON.parse((await sh(process.execPath, args, app)).stdout);

  it('carries LICENSE and README in every package, and one copy of zod', (context) => {
    if (skipReason) return context.skip(skipReason);
    for (const name of [
      'process-identity',
      'run-dir',
      'metrics',
      'engine',
      'dashboard',
      'supervisor',
      'cli',
    ]) {
      const dir = join(app, 'node_modules/@loop', name);
      expect(readFileSync(join(dir, 'LICENSE'), 'utf8')).toContain('MIT License');
      expect(existsSync(join(dir, 'README.md'))).toBe(true);
    }
    const zodCopies = findPackages(join(app, 'node_modules'), 'zod');
    expect(zodCopies).toEqual([join(app, 'node_modules/zod')]);
    expect(JSON.parse(readFileSync(join(app, 'node_modules/zod/package.json'), 'utf8')).version).toBe(
      BOT_ZOD,
    );
  });

  it('runs an ESM bot: records, reads back, serves /metrics', async (context) => {
    if (skipReason) return context.skip(skipReason);
    expect(await node('bot.mjs', 'runs/esm')).toEqual({ lines: 6, processed: 3, scraped: true });
  });

  it('runs a CommonJS bot with require()', async (context) => {
    if (skipReason) return context.skip(skipReason);
    expect(await node('bot.cjs')).toEqual({
      exec: 1,
      kinds: ['function', 'function', 'function', 'function'],
    });
  });

  it.each(['nodenext', 'bundler'])('typechecks a TypeScript consumer with %s', async (mode, context) => {
    if (skipReason) return context.skip(skipReason);
    await sh(process.execPath, [tsc, '-p', `tsconfig.${mode}.json`], app);
  });

  it('runs npx loop --help', async (context) => {
    if (skipReason) return context.skip(skipReason);
    const { stdout } = await sh('npx', ['--no-install', 'loop', '--help'], app);
    expect(stdout).toMatch(/^Usage: loop <command>/);
    expect(stdout).toMatch(/\n {2}dashboard /);
  });

  it('runs the dashboard embedding example on the ESM bot run dir', async (context) => {
    if (skipReason) return context.skip(skipReason);
    if (!existsSync(join(app, 'runs/esm'))) await node('bot.mjs', 'runs/esm');
    const page = await node('embed.mjs', 'runs/esm');
    expect(page.doctype).toBe(true);
    expect(page.fromEvents).toBe(true);
  });

  it('installs @loop/metrics alone: size and dependency count', async (context) => {
    if (skipReason) return context.skip(skipReason);
    const alone = join(work, 'metrics-alone');
    mkdirSync(alone, { recursive: true });
    cpSync(join(fixture, 'bot.mjs'), join(alone, 'bot.mjs'));
    writeFileSync(join(alone, 'package.json'), JSON.stringify({ name: 'metrics-alone', private: true }));
    // @loop/metrics and the one @loop package it depends on (not on the registry yet).
    const tarballs = readdirSync(join(work, 'tarballs')).filter((f) =>
      /^loop-(metrics|process-identity)-/.test(f),
    );
    await npmInstall(
      alone,
      tarballs.map((f) => join(work, 'tarballs', f)),
    );
    const installed = listPackages(join(alone, 'node_modules'));
    const bytes = Number((await sh('du', ['-sb', 'node_modules'], alone)).stdout.split('\t')[0]);
    console.log(
      `@loop/metrics alone: ${installed.length} packages (${installed.join(', ')}), ${(bytes / 1e6).toFixed(1)} MB`,
    );
    // The README states these figures; a new dependency must be a decision, not an accident.
    expect(installed.length).toBeLessThanOrEqual(7);
    expect(await node(join(alone, 'bot.mjs'), join(alone, 'runs/alone'))).toMatchObject({ lines: 6 });
  });
});

/** Every installed package (name) under a node_modules folder, nested ones included. */
function listPackages(nodeModules: string): string[] {
  const names: string[] = [];
  const visit = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith('.')) continue;
      if (entry.startsWith('@')) {
        for (const scoped of readdirSync(join(dir, entry))) {
          names.push(`${entry}/${scoped}`);
          visit(join(dir, entry, scoped, 'node_modules'));
        }
      } else {
        names.push(entry);
        visit(join(dir, entry, 'node_modules'));
      }
    }
  };
  visit(nodeModules);
  return names.sort();
}

/** The directories of every copy of package `name` under a node_modules folder. */
function findPackages(nodeModules: string, name: string): string[] {
  const found: string[] = [];
  const visit = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith('.')) continue;
      const paths = entry.startsWith('@')
        ? readdirSync(join(dir, entry)).map((s) => join(entry, s))
        : [entry];
      for (const p of paths) {
        if (p === name) found.push(join(dir, p));
        visit(join(dir, p, 'node_modules'));
      }
    }
  };
  visit(nodeModules);
  return found;
}
