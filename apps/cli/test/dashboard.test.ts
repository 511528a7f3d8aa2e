// End-to-end: `loop dashboard` as a real process: the page on disk, exit codes, and live mode until SIGINT.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDir } from '../../../packages/run-dir/test-support/run-dir-fixture.js';
import { argv, startLoop, tempDir, waitFor } from './harness.js';

/** `loop ...args`, collected. */
const loop = (args: string[]) => startLoop(args).done;

function line(step: number, stage: string, outcome = 'ok', extra: object = {}): string {
  return `${JSON.stringify({ v: 1, ts: 1_553_817_600_000 + step * 60_000, step, stage, outcome, latency_ms: 0.5, ...extra })}\n`;
}

function httpGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
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
    const dir = await runDir({
      metrics: [
        line(1, 'strategy') + line(1, 'risk', 'rejected', { reason: 'MAX_POSITION' }),
        `${line(2, 'strategy')}not json\n`,
      ],
    });
    const result = await loop(['dashboard', '--run-dir', dir]);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
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
    const dir = await runDir({ metrics: [[1, 2, 3, 4, 5].map((s) => line(s, `stage-${s}`)).join('')] });
    const out = join(tempDir(), 'page.html');
    const result = await loop(['dashboard', '--run-dir', dir, '--out', out, '--tail-lines', '2']);
    expect(result.exitCode).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('The last 2 events');
    // The Recent events section (the Slowest events section names other lines of the file).
    const recent = html.slice(html.indexOf('<section id="recent">'), html.indexOf('<section id="settings">'));
    expect(recent).toContain('metrics.ndjson:5');
    expect(recent).toContain('metrics.ndjson:4<');
    expect(recent).not.toContain('metrics.ndjson:3<');
  });

  it('says "no metrics yet" for an empty run dir', async () => {
    const dir = tempDir();
    const result = await loop(['dashboard', '--run-dir', dir]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('no metrics yet');
    expect(readFileSync(join(dir, 'dashboard.html'), 'utf8')).toContain('No metrics yet');
  });

  it('exits 2 naming the flag for a missing run dir or a bad value, and writes nothing', async () => {
    const dir = tempDir();
    const missing = await loop(['dashboard', '--run-dir', join(dir, 'nope')]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/^loop dashboard: --run-dir: run dir .*nope does not exist\n$/);
    const bad = await loop(['dashboard', '--run-dir', dir, '--tail-lines', 'many']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--tail-lines: expected a whole number, got "many"');
    const noDir = await loop(['dashboard']);
    expect(noDir.exitCode).toBe(2);
    expect(noDir.stderr).toContain('--run-dir: is required');
    const mixed = await loop(['dashboard', '--run-dir', dir, '--serve', '--out', 'x.html']);
    expect(mixed.exitCode).toBe(2);
    const host = await loop([...argv(`dashboard --run-dir ${dir} --serve --port 0 --host`), 'no such host!']);
    expect(host.exitCode).toBe(2);
    expect(host.stderr).toMatch(/^loop dashboard: --host: cannot listen on no such host!:0: .*ENOTFOUND/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('exits 1 naming --out when the page cannot be written', async () => {
    const dir = tempDir();
    // A missing folder is created (see terminal.test.ts); a directory where the page should go cannot be replaced.
    const out = join(dir, 'page.html');
    mkdirSync(out);
    const result = await loop(['dashboard', '--run-dir', dir, '--out', out]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^loop dashboard: --out: cannot write /);
  });

  it('--serve serves the live page and stops cleanly on SIGINT', async () => {
    const dir = await runDir({ metrics: [line(1, 'strategy')] });
    const run = startLoop(['dashboard', '--run-dir', dir, '--serve', '--port', '0']);
    let url: string | undefined;
    await waitFor(() => {
      url = /live at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(run.stdout())?.[1];
      return url !== undefined;
    }, 20_000);
    expect(url).toBeDefined();
    const page = await httpGet(url!);
    expect(page.status).toBe(200);
    expect(page.body).toContain('id="loop-live-config"');
    const model = JSON.parse((await httpGet(`${url}model.json`)).body) as { quality: { eventsRead: number } };
    expect(model.quality.eventsRead).toBe(1);
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('SIGINT: stopped');
  });

  it('--serve refuses a forged Host (DNS rebinding) with 403 unless --allow-host names it', async () => {
    const dir = await runDir({ metrics: [line(1, 'strategy')] });
    const run = startLoop([
      ...argv(`dashboard --run-dir ${dir} --serve --port 0 --allow-host bot.internal,.lan`),
    ]);
    let url: string | undefined;
    await waitFor(() => {
      url = /live at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(run.stdout())?.[1];
      return url !== undefined;
    }, 20_000);
    const port = new URL(url!).port;
    for (const path of ['', 'model.json', 'events']) {
      const forged = await httpGet(`${url}${path}`, { Host: `attacker.example:${port}` });
      expect(forged.status, path).toBe(403);
      expect(forged.body).not.toContain('quality');
    }
    expect((await httpGet(`${url}model.json`, { Host: `localhost:${port}` })).status).toBe(200);
    expect((await httpGet(`${url}model.json`, { Host: `bot.internal:${port}` })).status).toBe(200);
    expect((await httpGet(`${url}model.json`, { Host: 'pi.lan' })).status).toBe(200);
    expect((await httpGet(`${url}model.json`, { Host: 'pi.lan.attacker.example' })).status).toBe(403);
    run.child.kill('SIGINT');
    expect((await run.done).exitCode).toBe(0);
  });

  it('--allow-host is only used with --serve, and an empty name is bad input', async () => {
    const dir = tempDir();
    const alone = await loop(['dashboard', '--run-dir', dir, '--allow-host', 'x.example']);
    expect(alone.exitCode).toBe(2);
    expect(alone.stderr).toBe('loop dashboard: --allow-host: only used with --serve\n');
    const empty = await loop(['dashboard', '--run-dir', dir, '--serve', '--allow-host', 'a,,b']);
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr.trim().split('\n')).toHaveLength(1);
    expect(empty.stderr).toMatch(/^loop dashboard: --allow-host: /);
  });
});
