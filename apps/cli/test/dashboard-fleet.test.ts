// `loop dashboard --runs-root` / several `--run-dir`: the static fleet folder on run dirs the real CLI made
// (a completed run, a halted run, a supervised run that gave up, a frozen run whose heartbeat went stale, a
// run dir with a corrupt run.json): one row each, unhealthy first, the numbers of `loop status --json`, links
// that resolve to each run's own page; bad flags exit 2 with one line naming the flag.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { get, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusReportSchema } from '../src/status-report.js';
import { argv, BIN, killAfterTest, loop, startLoop, tempDir, waitFor } from './harness.js';

interface Row {
  name: string;
  status: string;
  healthy: string;
  href: string | null;
  cells: Record<string, string>;
  html: string;
}

/** The fleet page's rows, read from the HTML (the browser test reads the DOM). */
function rowsOf(html: string): Row[] {
  const body = html.slice(html.indexOf('<tbody>'), html.indexOf('</tbody>'));
  return [
    ...body.matchAll(/<tr data-run="([^"]*)" data-status="([^"]*)" data-healthy="([^"]*)">([\s\S]*?)<\/tr>/g),
  ].map((m) => {
    const cells: Record<string, string> = {};
    for (const c of m[4]!.matchAll(/data-col="([\w-]+)">([\s\S]*?)<\/td>/g))
      cells[c[1]!] = c[2]!.replace(/<[^>]+>/g, '').trim();
    return {
      name: m[1]!,
      status: m[2]!,
      healthy: m[3]!,
      href: /<a href="([^"]+)"/.exec(m[4]!)?.[1] ?? null,
      cells,
      html: m[4]!,
    };
  });
}

const whole = (n: number) => n.toLocaleString('en-US');

function httpGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    }).on('error', reject);
  });
}

/** Polls an async check until it holds; throws after `timeoutMs`. */
async function waitForAsync(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('loop dashboard over a fleet', () => {
  let root = '';
  let frozenPid = 0;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'loop-cli-fleet-'));
    const at = (name: string) => join(root, name);
    // A real-clock run, frozen (SIGSTOP) after a few steps with its heartbeat aged past the 30 s default.
    const frozen = startLoop(
      [
        'run',
        '--run-dir',
        at('frozen'),
        ...argv('--clock real --step-interval-ms 50 --enable-metrics --quiet'),
      ],
      { quiet: true },
    );
    frozenPid = frozen.child.pid!;
    killAfterTest(frozenPid);
    const made = await Promise.all([
      loop(['run', '--run-dir', at('healthy'), ...argv('--max-steps 400 --enable-metrics --quiet')]),
      loop([
        'run',
        '--run-dir',
        at('halted'),
        ...argv('--max-steps 500 --fault-rate 0.5 --max-consecutive-errors 3 --enable-metrics --quiet'),
      ]),
      loop([
        'supervise',
        '--run-dir',
        at('gave-up'),
        ...argv('--max-restarts 2 --backoff-base-s 0 --'),
        process.execPath,
        BIN,
        'run',
        '--run-dir',
        at('gave-up'),
        ...argv('--max-steps 300 --fault-rate 0.5 --max-consecutive-errors 2 --enable-metrics --quiet'),
      ]),
      loop(['run', '--run-dir', at('corrupt'), ...argv('--max-steps 50 --enable-metrics --quiet')]),
    ]);
    expect(made.map((r) => r.exitCode)).toEqual([0, 3, 3, 0]);
    writeFileSync(join(at('corrupt'), 'run.json'), '{"v":1,"status":');
    await waitFor(() => {
      try {
        return readFileSync(join(at('frozen'), 'metrics.ndjson'), 'utf8').includes('"step":3,');
      } catch {
        return false;
      }
    }, 60_000);
    frozen.child.kill('SIGSTOP');
    const old = new Date(Date.now() - 120_000);
    utimesSync(join(at('frozen'), 'heartbeat'), old, old);
    mkdirSync(at('not-a-run-dir'));
  }, 240_000);

  afterAll(() => {
    if (frozenPid) {
      try {
        process.kill(frozenPid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('writes index.html with a row per run dir, unhealthy first, the numbers of loop status, and links that resolve', async () => {
    const result = await loop(['dashboard', '--runs-root', root]);
    expect(result.exitCode, result.stderr).toBe(0);
    const out = join(root, 'fleet');
    expect(result.stdout).toBe(
      `loop dashboard: fleet of 5 run dirs, 4 unhealthy\ndashboard: ${join(out, 'index.html')}`,
    );
    expect(readdirSync(out).sort()).toEqual(
      ['corrupt.html', 'frozen.html', 'gave-up.html', 'halted.html', 'healthy.html', 'index.html'].sort(),
    );
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const rows = rowsOf(html);
    expect(rows.map((r) => [r.name, r.status, r.healthy])).toEqual([
      ['gave-up', 'gave-up', 'false'],
      ['halted', 'halted', 'false'],
      ['frozen', 'stale', 'false'],
      ['corrupt', 'unknown', 'false'],
      ['healthy', 'completed', 'true'],
    ]);
    expect(html).toContain('4 of 5 run dirs are unhealthy');
    // Every link resolves to that run's own page.
    for (const row of rows) {
      expect(row.href).toBe(`${row.name}.html`);
      const page = readFileSync(join(out, decodeURIComponent(row.href!)), 'utf8');
      expect(page).toContain(`${row.name}</title>`);
      expect(page).toContain(join(root, row.name));
      // ... which links back to the fleet page.
      expect(page).toContain(
        `<a href="index.html" id="loop-fleet-link">← Fleet: <bdi>${basename(root)}</bdi></a>`,
      );
    }
    // A run's page of its own has no fleet to go back to.
    const ownPage = join(tempDir(), 'own.html');
    const own = await loop(['dashboard', '--run-dir', join(root, 'healthy'), '--out', ownPage]);
    expect(own.exitCode, own.stderr).toBe(0);
    expect(readFileSync(ownPage, 'utf8')).not.toContain('loop-fleet-link');
    // A badge with its word, never colour alone; the reason; the corrupt file named on its row.
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(byName['gave-up']!.html).toMatch(/class="badge tone-bad">.*gave up<\/span>/);
    expect(byName['gave-up']!.html).toMatch(/gave up after 2 restarts; last run exit code 3 after /);
    expect(byName.frozen!.html).toMatch(/heartbeat 2m0\ds old \(stale after 30s\)/);
    expect(byName.corrupt!.html).toMatch(/run\.json not JSON.*: cannot tell how the run stands/);
    expect(byName.halted!.html).toMatch(/halted by the kill switch: MAX_CONSECUTIVE_ERRORS/);

    // The same numbers as `loop status --json` (the shared health model).
    const status = await loop(['status', '--runs-root', root, '--json']);
    const report = statusReportSchema.parse(JSON.parse(status.stdout));
    for (const run of report.runs) {
      const name = run.run_dir.slice(root.length + 1);
      const row = byName[name]!;
      expect(row.status, name).toBe(run.status);
      expect(row.cells.errors, name).toBe(
        `${run.errors_last_hour === null ? '—' : whole(run.errors_last_hour)} / ${whole(run.errors)}`,
      );
      expect(row.cells.rejections, name).toBe(
        `${run.rejections_last_hour === null ? '—' : whole(run.rejections_last_hour)} / ${whole(run.rejections)}`,
      );
      expect(row.cells.restarts, name).toBe(
        run.restarts === null
          ? 'not supervised'
          : `${run.restarts_last_hour} / ${run.restarts_last_day} / ${run.restarts}`,
      );
      if (run.equity !== null)
        expect(row.cells.equity, name).toBe(
          run.equity.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
        );
      if (run.worst_p99 !== null)
        expect(row.cells.p99, name).toBe(`${run.worst_p99.ms.toFixed(3)} ms ${run.worst_p99.stage}`);
    }
    expect(byName['gave-up']!.cells.restarts).toBe('2 / 2 / 2');
    // The halted run's errors are in the last hour of its own (simulated) clock.
    expect(byName.halted!.cells.errors).toBe('3 / 3');
    expect(byName.healthy!.cells['heartbeat-age']).toMatch(/^\d+(ms|s)$/);
    process.kill(frozenPid, 'SIGKILL');
  });

  it('takes several --run-dir with --out FOLDER, each dir once; refreshing overwrites the folder', async () => {
    const out = join(tempDir(), 'site', 'fleet');
    const args = ['dashboard', '--run-dir', join(root, 'healthy'), '--run-dir', join(root, 'halted')];
    const first = await loop([...args, '--run-dir', join(root, 'healthy'), '--out', out]);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toContain('fleet of 2 run dirs, 1 unhealthy');
    const again = await loop([...args, '--out', out, '--tail-lines', '5']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(rowsOf(readFileSync(join(out, 'index.html'), 'utf8')).map((r) => r.name)).toEqual([
      'halted',
      'healthy',
    ]);
    expect(
      readdirSync(out)
        .filter((f) => !f.startsWith('.'))
        .sort(),
    ).toEqual(['halted.html', 'healthy.html', 'index.html']);
  });

  it("--serve serves the fleet page live: rows, each run's live page under /run/<name>/, run dirs that come and go, the Host check", async () => {
    const run = startLoop([
      ...argv(`dashboard --runs-root ${root} --serve --port 0 --allow-host bot.internal`),
    ]);
    let url = '';
    await waitFor(() => {
      url = /live at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(run.stdout())?.[1] ?? '';
      return url !== '';
    }, 60_000);
    expect(run.stdout()).toContain(`serving the fleet of 5 run dirs under ${root} live at ${url}`);
    const page = await httpGet(url);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'nonce-/);
    expect(page.body).toContain('id="loop-live-config"');
    const rows = rowsOf(page.body);
    expect(rows.map((r) => [r.name, r.status])).toEqual([
      ['gave-up', 'gave-up'],
      ['halted', 'halted'],
      ['frozen', 'stale'],
      ['corrupt', 'unknown'],
      ['healthy', 'completed'],
    ]);
    // Each row links to that run's own live page, served by the same server, which links back (relative links).
    for (const row of rows) {
      expect(row.href).toBe(`run/${row.name}/`);
      const runPage = await httpGet(new URL(row.href!, url).href);
      expect(runPage.status, row.name).toBe(200);
      expect(runPage.body).toContain(`${row.name}</title>`);
      expect(runPage.body).toContain('"eventsPath":"events"');
      expect(runPage.body).toContain('<a href="../../" id="loop-fleet-link">');
    }
    const model = JSON.parse((await httpGet(`${url}run/halted/model.json`)).body) as {
      health: { status: string };
    };
    expect(model.health.status).toBe('halted');
    expect((await httpGet(`${url}run/nope/`)).status).toBe(404);

    // A forged Host gets 403 everywhere (DNS rebinding); --allow-host names one that is answered.
    const port = new URL(url).port;
    for (const path of ['', 'fleet.json', 'events', 'run/healthy/', 'run/healthy/model.json']) {
      const forged = await httpGet(`${url}${path}`, { Host: `attacker.example:${port}` });
      expect(forged.status, path).toBe(403);
      expect(forged.body).not.toContain('healthy');
    }
    expect((await httpGet(`${url}fleet.json`, { Host: `bot.internal:${port}` })).status).toBe(200);

    // A run dir that appears under the runs root gets its row; one that is removed loses it.
    const names = async () =>
      (JSON.parse((await httpGet(`${url}fleet.json`)).body) as { runs: Array<{ name: string }> }).runs.map(
        (r) => r.name,
      );
    const late = join(root, 'late');
    const made = await loop(['run', '--run-dir', late, ...argv('--max-steps 20 --enable-metrics --quiet')]);
    expect(made.exitCode, made.stderr).toBe(0);
    await waitForAsync(async () => (await names()).includes('late'), 60_000);
    rmSync(late, { recursive: true, force: true });
    await waitForAsync(async () => !(await names()).includes('late'), 60_000);
    expect((await names()).sort()).toEqual(['corrupt', 'frozen', 'gave-up', 'halted', 'healthy']);

    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('SIGINT: stopped');
  }, 180_000);

  it('--serve over several --run-dir serves those run dirs only', async () => {
    const run = startLoop([
      'dashboard',
      '--run-dir',
      join(root, 'healthy'),
      '--run-dir',
      join(root, 'halted'),
      ...argv('--serve --port 0'),
    ]);
    let url = '';
    await waitFor(() => {
      url = /live at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(run.stdout())?.[1] ?? '';
      return url !== '';
    }, 60_000);
    expect(run.stdout()).toContain('serving the fleet of 2 run dirs live at');
    const rows = rowsOf((await httpGet(url)).body);
    expect(rows.map((r) => [r.name, r.href])).toEqual([
      ['halted', 'run/halted/'],
      ['healthy', 'run/healthy/'],
    ]);
    run.child.kill('SIGTERM');
    expect((await run.done).exitCode).toBe(0);
  }, 180_000);

  it('exits 2 with one line naming the flag for bad fleet input, and writes nothing', async () => {
    const base = tempDir();
    const cases: Array<[string[], string]> = [
      [
        ['--runs-root', join(base, 'nope')],
        `loop dashboard: --runs-root: "${join(base, 'nope')}" is not a directory`,
      ],
      [['--runs-root', base], `loop dashboard: --runs-root: no run dirs under "${base}"`],
      [
        ['--run-dir', join(root, 'healthy'), '--run-dir', join(root, 'halted')],
        'loop dashboard: --out: a folder is required with several --run-dir',
      ],
      [
        ['--run-dir', join(root, 'healthy'), '--run-dir', join(base, 'gone'), '--out', join(base, 'o')],
        `loop dashboard: --run-dir: "${join(base, 'gone')}" is not a directory`,
      ],
      [
        ['--runs-root', root, '--out', join(base, 'fleet.html')],
        `loop dashboard: --out: a fleet page is written to a folder (index.html and a page per run dir), not "${join(base, 'fleet.html')}"`,
      ],
      [
        ['--runs-root', root, '--out', join(root, 'healthy')],
        `loop dashboard: --out: "${join(root, 'healthy')}" is a run dir; give another folder with --out`,
      ],
      [
        ['--runs-root', root, '--serve', '--out', join(base, 'o')],
        'loop dashboard: --out: not used with --serve',
      ],
      [
        ['--runs-root', join(base, 'nope'), '--serve', '--port', '0'],
        `loop dashboard: --runs-root: "${join(base, 'nope')}" is not a directory`,
      ],
      [
        ['--run-dir', join(root, 'healthy'), '--run-dir', join(base, 'gone'), '--serve', '--port', '0'],
        `loop dashboard: --run-dir: "${join(base, 'gone')}" is not a directory`,
      ],
      [['--runs-root', root, '--port', '8080'], 'loop dashboard: --port: only used with --serve'],
      [[], 'loop dashboard: --run-dir: is required (or --runs-root DIR for a fleet page)'],
    ];
    // Side by side: each is a process start (seconds on a loaded machine).
    const results = await Promise.all(cases.map(([args]) => loop(['dashboard', ...args])));
    for (const [i, [args, message]] of cases.entries()) {
      expect(results[i]!.exitCode, args.join(' ')).toBe(2);
      expect(results[i]!.stderr, args.join(' ')).toBe(message);
    }
    writeFileSync(join(base, 'file'), '');
    const file = await loop(['dashboard', '--runs-root', root, '--out', join(base, 'file')]);
    expect(file.stderr).toBe(
      `loop dashboard: --out: "${join(base, 'file')}" is a file; a fleet page is written to a folder`,
    );
    expect(readdirSync(base).sort()).toEqual(['file']);
    expect(existsSync(join(root, 'healthy', 'index.html'))).toBe(false);
  }, 180_000);
});
