// Packs every publishable package and checks the tarball with publint and arethetypeswrong (ESM only).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const out = resolve('.pack');
rmSync(out, { recursive: true, force: true });
mkdirSync(out);
execFileSync(
  'pnpm',
  ['-r', '--filter', './packages/*', '--filter', './apps/*', 'pack', '--pack-destination', out],
  {
    stdio: 'inherit',
  },
);
let failed = 0;
for (const file of readdirSync(out).filter((f) => f.endsWith('.tgz'))) {
  const tarball = join(out, file);
  for (const [bin, args] of [
    ['publint', ['run', tarball, '--strict']],
    ['attw', [tarball, '--profile', 'esm-only', '--format', 'table-flipped']],
  ]) {
    try {
      execFileSync(bin, args, { stdio: 'inherit' });
    } catch {
      failed++;
      console.error(`pack-check: ${bin} failed for ${file}`);
    }
  }
}
console.log(
  failed === 0 ? 'pack-check: all tarballs pass publint and attw' : `pack-check: ${failed} failure(s)`,
);
process.exit(failed === 0 ? 0 : 1);
