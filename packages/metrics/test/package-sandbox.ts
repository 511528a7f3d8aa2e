// A temp folder where `import '@loop/metrics'` resolves to this package's built dist (and its dev deps), as in a user's project.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The package folder (packages/metrics). */
export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const MODULES = path.join(PACKAGE_DIR, 'node_modules');
const TSX_LOADER = pathToFileURL(path.join(MODULES, 'tsx/dist/loader.mjs')).href;

/**
 * Makes a temp folder whose node_modules links `@loop/metrics` to this package and every package in its own
 * node_modules (prom-client, pino, the OpenTelemetry SDK, ...). Returns the folder; `remove()` deletes it.
 */
export function makeSandbox(prefix: string): { dir: string; remove: () => void } {
  if (!fs.existsSync(path.join(PACKAGE_DIR, 'dist/index.js'))) {
    throw new Error(`${PACKAGE_DIR}dist is missing: run \`pnpm build\` first`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const modules = path.join(dir, 'node_modules');
  fs.mkdirSync(path.join(modules, '@loop'), { recursive: true });
  fs.symlinkSync(PACKAGE_DIR, path.join(modules, '@loop/metrics'));
  for (const name of fs.readdirSync(MODULES)) {
    if (name.startsWith('.')) continue;
    if (name.startsWith('@')) {
      fs.mkdirSync(path.join(modules, name), { recursive: true });
      for (const inner of fs.readdirSync(path.join(MODULES, name))) {
        const link = path.join(modules, name, inner);
        if (!fs.existsSync(link)) fs.symlinkSync(path.join(MODULES, name, inner), link);
      }
    } else fs.symlinkSync(path.join(MODULES, name), path.join(modules, name));
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Runs a .ts/.mts/.mjs file with node (TypeScript through tsx) in `cwd`; resolves with its exit and output. */
export function runScript(
  file: string,
  cwd: string,
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const args = /\.m?ts$/.test(file) ? ['--import', TSX_LOADER, file] : [file];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { cwd, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
