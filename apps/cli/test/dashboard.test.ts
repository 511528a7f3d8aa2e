// End-to-end: `loop dashboard` as a real process: the page on disk, exit codes, and live mode until SIGINT.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const spawned: ChildProcess[] = [];
const dirs: string[] = [];

beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`pnpm build\` first`);
});

afterEach(() => {
  for (const child of spawned.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function loop(args: string[]): { child: ChildProcess; done: Promise<Finished>; output: () => string } {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  spawned.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<Finished>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done, output: () => stdout };
}

function runDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'loop-cli-dashboard-'));
  dirs.push(dir);
  return dir;
}

function line(step: number, stage: string, outcome = 'ok', extra: object = {}): string {
  return `${JSON.stringify({ v: 1, ts: 1_553_817_600_000 + step * 60_000, step, stage, outcome, latency_ms: 0.5, ...extra })}\n`;
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('loop dashboard', () => {
  it('writes <run-dir>/dashboard.html from rotated files and prints its path last', async () => {
    const dir = runDir();
    writeFileSync(
      join(dir, 'metrics.ndjson.1'),
      line(1, 'strategy') + line(1, 'risk', 'rejected', { reason: 'MAX_POSITION' }),
    );
    writeFileSync(join(dir, 'metrics.ndjson'), `${line(2, 'strategy')}not json\n`);
    const { done } = loop(['dashboard', '--run-dir', dir]);
    const result = await done;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = join(dir, 'dashboard.html');
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe(`dashboard: ${out}`);
    expect(result.stdout).toContain('3 events from 2 files, 1 skipped line, summary recomputed');
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<h2>Stages</h2>');
    expect(html).toContain('MAX_POSITION');
    expect(html).not.toContain('<script');
    // No temp file is left behind.
    expect(readdirSync(dir).filter((name) => name.includes('.tmp'))).toEqual([]);
  });

  it('honours --out and --tail-lines', async () => {
    const dir = runDir();
    writeFileSync(join(dir, 'metrics.ndjson'), [1, 2, 3, 4, 5].map((s) => line(s, `stage-${s}`)).join(''));
    const out = join(runDir(), 'page.html');
    const result = await loop(['dashboard', '--run-dir', dir, '--out', out, '--tail-lines', '2']).done;
    expect(result.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('The last 2 events');
    expect(html).toContain('metrics.ndjson:5');
    expect(html).not.toContain('metrics.ndjson:3<');
  });

  it('says "no metrics yet" for an empty run dir', async () => {
    const dir = runDir();
    const result = await loop(['dashboard', '--run-dir', dir]).done;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('no metrics yet');
    expect(readFileSync(join(dir, 'dashboard.html'), 'utf8')).toContain('No metrics yet');
  });

  it('exits 2 naming the flag for a missing run dir or a bad value, and writes nothing', async () => {
    const dir = runDir();
    const missing = await loop(['dashboard', '--run-dir', join(dir, 'nope')]).done;
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^loop dashboard: --run-dir: run dir .*nope does not exist\n$/);
    const bad = await loop(['dashboard', '--run-dir', dir, '--tail-lines', 'many']).done;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--tail-lines: expected a whole number, got "many"');
    const noDir = await loop(['dashboard']).done;
    expect(noDir.code).toBe(2);
    expect(noDir.stderr).toContain('--run-dir: is required');
    const mixed = await loop(['dashboard', '--run-dir', dir, '--serve', '--out', 'x.html']).done;
    expect(mixed.code).toBe(2);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('exits 1 naming --out when the page cannot be written', async () => {
    const dir = runDir();
    const result = await loop(['dashboard', '--run-dir', dir, '--out', join(dir, 'no', 'such', 'dir.html')])
      .done;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^loop dashboard: --out: cannot write /);
  });

  it('--serve serves the live page and stops cleanly on SIGINT', async () => {
    const dir = runDir();
    writeFileSync(join(dir, 'metrics.ndjson'), line(1, 'strategy'));
    const run = loop(['dashboard', '--run-dir', dir, '--serve', '--port', '0']);
    const deadline = Date.now() + 20_000;
    let url: string | undefined;
    while (url === undefined && Date.now() < deadline) {
      url = /live at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(run.output())?.[1];
      if (url === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(url).toBeDefined();
    const page = await httpGet(url!);
    expect(page.status).toBe(200);
    expect(page.body).toContain('id="loop-live-config"');
    const model = JSON.parse((await httpGet(`${url}model.json`)).body) as { quality: { eventsRead: number } };
    expect(model.quality.eventsRead).toBe(1);
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('SIGINT: stopped');
  });
});
