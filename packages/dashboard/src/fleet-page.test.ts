import { decideRunHealth, type RunHealth } from '@loop/run-dir';
import { describe, expect, it } from 'vitest';
import { fleetPageNames, fleetTitle } from './fleet-dashboard.js';
import { FLEET_MODEL_VERSION, type FleetRun, renderFleetPage, sortFleetRuns } from './fleet-page.js';
import { STATIC_CSP } from './render.js';

const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const missing = { state: 'missing' } as const;

/** A health decided from a heartbeat of `ageMs` (null: none) and nothing else. */
function health(ageMs: number | null, overrides: Partial<RunHealth> = {}): RunHealth {
  const decided = decideRunHealth({
    nowMs: NOW,
    run: missing,
    summary: missing,
    heartbeat: ageMs === null ? missing : { state: 'valid', value: { mtime_ms: NOW - ageMs } },
    supervisor: missing,
    supervisorLog: [],
    lifetimes: {
      list: [],
      dropped: 0,
      totals: { lifetimes: 0, steps: 0, events: 0, rejections: 0, errors: 0 },
    },
    isAlive: () => true,
  });
  return { ...decided, ...overrides };
}

function run(name: string, h: RunHealth, href: string | null = `${name}.html`): FleetRun {
  return { runDir: `/srv/runs/${name}`, name, href, health: h };
}

describe('sortFleetRuns', () => {
  it('puts unhealthy run dirs first, worst first, then healthy ones, by name within a status', () => {
    const runs = [
      run('b-running', health(1000)),
      run('a-running', health(1000)),
      run('stale', health(120_000)),
      run('unknown', health(null)),
      run('reducing', health(1000, { tradingState: 'REDUCING', healthy: false })),
      run('gave-up', health(1000, { status: 'gave-up', healthy: false })),
      run('done', health(1000, { status: 'completed' })),
    ];
    expect(sortFleetRuns(runs).map((r) => r.name)).toEqual([
      'gave-up',
      'stale',
      'unknown',
      'reducing',
      'a-running',
      'b-running',
      'done',
    ]);
  });
});

describe('renderFleetPage', () => {
  it('renders one static, script-free page with a row per run, badges with words, escaped strings in <bdi>', () => {
    const hostile = '\u202Eevil <img src=x onerror=alert(1)> & "q"';
    const html = renderFleetPage({
      v: FLEET_MODEL_VERSION,
      title: 'runs',
      generatedAtMs: NOW,
      runs: sortFleetRuns([
        run('ok', health(1000, { equity: 100_012.5, pnl: 12.5, worstP99: { stage: 'exec', ms: 3.25 } })),
        run('x<y', health(120_000, { reason: hostile, problems: ['run.json not JSON'] }), null),
      ]),
    });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(`content="${STATIC_CSP.replaceAll("'", '&#39;')}"`);
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain('1 of 2 run dirs are unhealthy');
    const rows = html.match(/<tr data-run="[^"]*" data-status="\w[\w-]*"/g);
    expect(rows).toEqual([
      '<tr data-run="x&lt;y" data-status="stale"',
      '<tr data-run="ok" data-status="running"',
    ]);
    expect(html).toContain('<bdi>\u202Eevil &lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot;</bdi>');
    expect(html).toContain('<span class="problem"><bdi>run.json not JSON</bdi></span>');
    expect(html).toContain('<a href="ok.html"><bdi>ok</bdi></a>');
    // No link for a run without a page; the name is still there.
    expect(html).toMatch(/<th scope="row"><bdi>x&lt;y<\/bdi><span class="path">/);
    expect(html).toContain('<span aria-hidden="true">!</span> stale heartbeat</span>');
    expect(html).toContain('data-col="equity">100,012.50</td>');
    expect(html).toContain('data-col="pnl">+12.50</td>');
    expect(html).toContain('data-col="p99">3.250 ms <bdi class="code">exec</bdi></td>');
    expect(html).toContain('data-col="restarts">not supervised</td>');
    // Every header cell has a scope.
    expect(html.match(/<th(?=[\s>])(?![^>]*scope=)/g)).toBeNull();
  });

  it('says when all are healthy, and is deterministic', () => {
    const model = {
      v: FLEET_MODEL_VERSION,
      title: 't',
      generatedAtMs: NOW,
      runs: [run('a', health(10))],
    } as const;
    const html = renderFleetPage({ ...model, runs: [...model.runs] });
    expect(html).toContain('All 1 run dir is healthy');
    expect(renderFleetPage({ ...model, runs: [...model.runs] })).toBe(html);
  });
});

describe('fleetPageNames and fleetTitle', () => {
  it('names each page after its folder, safe for a file name, never index, unique', () => {
    expect(
      fleetPageNames(['/a/bot-1', '/b/bot-1', '/c/index', '/d/we ird/..name', '/e/.', '/f/BOT-1']),
    ).toEqual(['bot-1', 'bot-1-2', 'index-2', 'name', 'run', 'BOT-1-3']);
  });

  it('titles a fleet after its runs root, or counts the run dirs', () => {
    expect(fleetTitle(['/srv/runs/a', '/srv/runs/b'])).toBe('runs');
    expect(fleetTitle(['/srv/a/x', '/srv/b/y'])).toBe('2 run dirs');
  });
});
