// `pnpm lint` checks the workflow files: the real ones pass, a broken one fails naming the line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const script = fileURLToPath(new URL('../lint-workflows.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'lint-workflows-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lint(...files) {
  return spawnSync(process.execPath, [script, ...files], { cwd: root, encoding: 'utf8' });
}

it('passes on the repo workflows', () => {
  const out = lint();
  expect(out.stderr).toBe('');
  expect(out.status).toBe(0);
  expect(out.stdout).toMatch(/workflow file\(s\) ok/);
});

it('fails on a misspelled key and a wrong expression, naming file, line and column', () => {
  const file = join(dir, 'broken.yml');
  writeFileSync(
    file,
    [
      'name: broken',
      'on:',
      '  push:',
      '    branchs: [main]',
      'jobs:',
      '  test:',
      '    runs-on: ubuntu-latest',
      '    timeout-minute: 5',
      '    steps:',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JS template
      '      - run: echo ${{ matrix.node }}',
      '',
    ].join('\n'),
  );
  const out = lint(file);
  expect(out.status).toBe(1);
  expect(out.stderr).toContain(`broken.yml:4:5: unexpected key "branchs"`);
  expect(out.stderr).toContain(`broken.yml:8:5: unexpected key "timeout-minute"`);
  expect(out.stderr).toMatch(/broken\.yml:10:\d+: property "node" is not defined/);
});

it('fails on a file that cannot be read', () => {
  const out = lint(join(dir, 'missing.yml'));
  expect(out.status).toBe(1);
  expect(out.stderr).toContain('cannot read');
});
