// The README's embedding examples, as written: each file is the README's code block, and each one runs (a real
// node:http server on a free port; a static-site build into a temp dir).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ndjson, runDir, stageEvents, summaryOf } from '../../run-dir/test-support/run-dir-fixture.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const examples = join(packageDir, 'examples');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Waits for `child` to print a line matching `pattern` (generous deadline: the machine may be loaded). */
function waitForLine(child: ChildProcess, pattern: RegExp, deadlineMs = 30_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(
      () => reject(new Error(`no ${pattern} within ${deadlineMs} ms: ${out}${err}`)),
      deadlineMs,
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = out.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before printing ${pattern}: ${out}${err}`));
    });
  });
}

describe('README embedding examples', () => {
  it('are the README code blocks, byte for byte', async () => {
    const readme = await readFile(join(packageDir, 'README.md'), 'utf8');
    for (const file of ['http-route.mjs', 'static-site.mjs']) {
      const text = await readFile(join(examples, file), 'utf8');
      expect(readme, file).toContain(`\`\`\`js\n${text}\`\`\``);
    }
  });

  it('http-route.mjs serves the page of the events it holds at /dashboard', async () => {
    const child = spawn(process.execPath, [join(examples, 'http-route.mjs')], {
      cwd: examples,
      env: { ...process.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    });
    const [, url] = (await waitForLine(child, /dashboard at (http:\/\/127\.0\.0\.1:\d+\/dashboard)\n/)) as [
      string,
      string,
    ];
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await response.text();
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('my-bot');
    expect(html).toContain('MAX_POSITION');
    // 200 steps (the summary's counter) and 800 stage events.
    expect(html).toMatch(/>\s*200\s*</);
    expect(html).toMatch(/>\s*800\s*</);
    expect((await fetch(url.replace('/dashboard', '/other'))).status).toBe(404);
  });

  it('static-site.mjs writes a page per run dir and an index', async () => {
    const root = await runDir();
    const runs = join(root, 'runs');
    const site = join(root, 'site');
    for (const name of ['alpha', 'beta']) {
      await runDir({ metrics: [ndjson(stageEvents(20))], summary: summaryOf() }, { dir: join(runs, name) });
    }
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(examples, 'static-site.mjs'), site, join(runs, 'alpha'), join(runs, 'beta')],
      { cwd: examples, timeout: 60_000 },
    );
    expect(stdout).toBe(`wrote 2 pages and ${join(site, 'index.html')}\n`);
    const index = await readFile(join(site, 'index.html'), 'utf8');
    expect(index).toContain('<a href="alpha/">alpha</a>');
    expect(index).toContain('<a href="beta/">beta</a>');
    for (const name of ['alpha', 'beta']) {
      const page = await readFile(join(site, name, 'index.html'), 'utf8');
      expect(page.startsWith('<!doctype html>')).toBe(true);
      expect(page).toContain(name);
    }
  });
});
