// The README's TypeScript examples, run as written (in order, in one fresh folder) against the built package.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeSandbox, PACKAGE_DIR, runScript } from './package-sandbox.js';

const readme = fs.readFileSync(path.join(PACKAGE_DIR, 'README.md'), 'utf8');
/** Each ```ts block with the heading it sits under. */
const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => {
  const before = readme.slice(0, match.index);
  const heading = [...before.matchAll(/^#+ (.+)$/gm)].at(-1)?.[1] ?? '(top)';
  return { heading, code: match[1]! };
});

let sandbox: ReturnType<typeof makeSandbox>;
beforeAll(() => {
  sandbox = makeSandbox('loop-metrics-readme-');
});
afterAll(() => sandbox.remove());

/** What each block must print (beyond exiting 0), by heading: proof it ran, not only that it parsed. */
const EXPECTED: Record<string, RegExp> = {
  Example: /metrics\.ndjson 1 strategy[\s\S]*orders_sent: 1/,
  'Timing API': /\{ ok: 0, rejected: 1, error: 0 \}/,
  "Stage lanes (a loop's hot path)": /\{ ok: 990, rejected: 10, error: 0 \} 1000 100500/,
  'Step lanes (a whole step in one call)': /\{ ok: 996, rejected: 4, error: 0 \} 1000/,
  OpenTelemetry: /\[ 'exec', 'risk check' \] 2/,
  'Pid lock': /^$/,
};

it('has the TypeScript examples this test knows', () => {
  expect(blocks.map((b) => b.heading)).toEqual(Object.keys(EXPECTED));
});

// In order and in one folder: the pid-lock example uses the run dir the first example made.
it.each(blocks.map((b, i) => [b.heading, i] as const))(
  'runs the "%s" example as written',
  async (heading, i) => {
    const file = path.join(sandbox.dir, `readme-${i}.mts`);
    fs.writeFileSync(file, blocks[i]!.code);
    const result = await runScript(file, sandbox.dir, { PORT: '0' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(EXPECTED[heading]!);
  },
);
