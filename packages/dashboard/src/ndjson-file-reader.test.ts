import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readNdjsonLines } from './ndjson-file-reader.js';

interface Seen {
  lines: Array<[number, string]>;
  overlong: number[];
  notUtf8: number[];
}

async function readAll(path: string, options: { offset?: number; firstLine?: number } = {}) {
  const seen: Seen = { lines: [], overlong: [], notUtf8: [] };
  const result = await readNdjsonLines(
    path,
    {
      line: (text, line) => seen.lines.push([line, text]),
      overlong: (line) => seen.overlong.push(line),
      notUtf8: (line) => seen.notUtf8.push(line),
    },
    options,
  );
  return { seen, result };
}

describe('readNdjsonLines', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loop-ndjson-reader-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports every line, with its number, across reads and decodes of any length', async () => {
    // Lines of many lengths, some far longer than one decode (64 KiB) and one longer than a read (256 KiB), with
    // multi-byte characters, so lines straddle every kind of boundary.
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const width = i % 97 === 0 ? 70_000 + i : i === 1500 ? 300_000 : (i * 37) % 400;
      lines.push(`{"i":${i},"s":"${(i % 3 === 0 ? 'é' : 'x').repeat(width)}"}`);
    }
    lines.splice(10, 0, ''); // a blank line is a line too
    const path = join(dir, 'metrics.ndjson');
    const text = `${lines.join('\n')}\n`;
    await writeFile(path, text);
    const { seen, result } = await readAll(path);
    expect(seen.overlong).toEqual([]);
    expect(seen.notUtf8).toEqual([]);
    expect(seen.lines.length).toBe(lines.length);
    expect(seen.lines.every(([line, got], i) => line === i + 1 && got === lines[i])).toBe(true);
    expect(result).toEqual({
      endOffset: Buffer.byteLength(text),
      nextLine: lines.length + 1,
      trailing: null,
    });
  });

  it('resumes from an offset and leaves an unterminated last line as trailing', async () => {
    const path = join(dir, 'metrics.ndjson');
    const first = `${Array.from({ length: 2000 }, (_, i) => `{"n":${i}}`).join('\n')}\n`;
    await writeFile(path, `${first}{"n":2000}\n{"n":20`);
    const { seen, result } = await readAll(path, { offset: Buffer.byteLength(first), firstLine: 2001 });
    expect(seen.lines).toEqual([[2001, '{"n":2000}']]);
    expect(result).toEqual({
      endOffset: Buffer.byteLength(`${first}{"n":2000}\n`),
      nextLine: 2002,
      trailing: { text: '{"n":20', line: 2002 },
    });
  });

  it('reports a line that is not UTF-8 by number and reads the lines around it', async () => {
    const path = join(dir, 'metrics.ndjson');
    await writeFile(
      path,
      Buffer.concat([Buffer.from('{"a":1}\n'), Buffer.from([0xff, 0xfe, 0x0a]), Buffer.from('{"a":3}\n')]),
    );
    const { seen } = await readAll(path);
    expect(seen.lines).toEqual([
      [1, '{"a":1}'],
      [3, '{"a":3}'],
    ]);
    expect(seen.notUtf8).toEqual([2]);
  });
});
