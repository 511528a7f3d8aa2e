// The engine is deterministic because nothing but the clock and RNG modules reads time or randomness.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const ALLOWED = new Set(['clock.ts', 'rng.ts']);
const FORBIDDEN = /\bDate\.now\b|\bperformance\.now\b|\bMath\.random\b|\bnew Date\(\s*\)|\bprocess\.hrtime\b/;

describe('engine sources', () => {
  it('read time or randomness only in clock.ts and rng.ts', () => {
    const dir = new URL('.', import.meta.url);
    const offenders = readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !ALLOWED.has(f))
      .filter((f) => FORBIDDEN.test(withoutComments(readFileSync(new URL(f, dir), 'utf8'))));
    expect(offenders).toEqual([]);
  });
});

function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
}
