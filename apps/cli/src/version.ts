// The CLI's own version and the versions of the packages it composes, read from their package.json.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The version of `@loop/cli`. */
export const cliVersion: string = readVersion(new URL('../package.json', import.meta.url));

/** Versions of `@loop/cli` and the `@loop/*` packages it composes, for run.json. */
export function packageVersions(): Record<string, string> {
  const versions: Record<string, string> = { '@loop/cli': cliVersion };
  for (const name of ['@loop/engine', '@loop/metrics', '@loop/dashboard', '@loop/supervisor']) {
    try {
      versions[name] = readVersion(require.resolve(`${name}/package.json`));
    } catch {
      // A package that cannot be resolved is simply not listed.
    }
  }
  return versions;
}

function readVersion(file: URL | string): string {
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
