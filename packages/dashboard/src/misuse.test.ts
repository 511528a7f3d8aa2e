// Every exported function of @loop/dashboard on input it does not document: a coded error naming the function
// and the argument, never a TypeError from deep inside.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunHistory } from '@loop/run-dir';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertRunDir,
  buildModel,
  buildModelFromEvents,
  type DashboardModel,
  escapeJsonForScript,
  isLoopDashboardError,
  type LoopDashboardErrorCode,
  liveCsp,
  RunDirFollower,
  renderComparePage,
  renderDashboard,
  renderDashboardBody,
  startDashboardServer,
  startFleetServer,
  writeDashboardFile,
} from './index.js';

/** Asserts that `run` throws (or rejects with) a LoopDashboardError with `code` and a message matching `text`. */
async function expectCoded(run: () => unknown, code: LoopDashboardErrorCode, text: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected a throw').toBeDefined();
  expect(isLoopDashboardError(caught), String(caught)).toBe(true);
  expect((caught as { code: string }).code).toBe(code);
  expect((caught as Error).message).toMatch(text);
}

const EVENT = { ts: 1_000, step: 1, stage: 'risk', outcome: 'ok', latency_ms: 0.5 } as const;
let dir: string;
let model: DashboardModel;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loop-dashboard-misuse-'));
  model = buildModelFromEvents([EVENT], { now: 2_000 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('render functions given something that is not a model', () => {
  it('renderDashboard(new RunHistory()) names the function and what it got', async () => {
    await expectCoded(
      () => renderDashboard(new RunHistory() as unknown as DashboardModel),
      'LOOP_DASHBOARD_MODEL_INVALID',
      /^renderDashboard: the model is not a DashboardModel v1 at v: .*got a RunHistory; build one with buildModel\(runDir\) or buildModelFromEvents\(events\)/,
    );
  });

  it.each([
    ['undefined', undefined, /got undefined/],
    ['null', null, /got null/],
    ['a string', 'runs/x', /got a string/],
    ['an array', [], /got an array/],
  ])('renderDashboard(%s)', async (_name, value, text) => {
    await expectCoded(() => renderDashboard(value as never), 'LOOP_DASHBOARD_MODEL_INVALID', text);
  });

  it('points at the first wrong field of a damaged model', async () => {
    const damaged = structuredClone(model) as unknown as { stages: Array<{ stage: unknown }> };
    damaged.stages[0]!.stage = 42;
    await expectCoded(
      () => renderDashboardBody(damaged as unknown as DashboardModel),
      'LOOP_DASHBOARD_MODEL_INVALID',
      /^renderDashboardBody: .* at stages\.0\.stage: /,
    );
    const noTail = { ...model, tail: undefined } as unknown as DashboardModel;
    await expectCoded(() => renderDashboard(noTail), 'LOOP_DASHBOARD_MODEL_INVALID', / at tail: /);
  });

  it('renders a model that went through JSON (what /model.json serves)', () => {
    const copy = JSON.parse(JSON.stringify(model)) as DashboardModel;
    expect(renderDashboard(copy)).toBe(renderDashboard(model));
  });

  it('refuses bad live options and bad nonces', async () => {
    await expectCoded(
      () => renderDashboard(model, { live: { nonce: 'x', eventsPath: '/events' } }),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /^renderDashboard: live\.nonce must be 8-128 base64 characters/,
    );
    await expectCoded(
      () => renderDashboard(model, { live: { nonce: 'abcdefgh12', eventsPath: '' } }),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /live\.eventsPath must be a non-empty string/,
    );
    await expectCoded(
      () => renderDashboard(model, 'live' as never),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /options/,
    );
    await expectCoded(() => liveCsp("x' 'unsafe-inline"), 'LOOP_DASHBOARD_OPTION_INVALID', /^liveCsp: nonce/);
    expect(liveCsp('abcdefgh12')).toContain("'nonce-abcdefgh12'");
  });

  it('renderComparePage refuses a dashboard model', async () => {
    await expectCoded(
      () => renderComparePage(model as never),
      'LOOP_DASHBOARD_MODEL_INVALID',
      /^renderComparePage: the model is not a ComparePageModel at runDirA: /,
    );
  });
});

describe('buildModelFromEvents given bad events or options', () => {
  it.each([
    ['an unknown outcome', { ...EVENT, outcome: 'success' }, /^buildModelFromEvents: events\[1\]\.outcome: /],
    ['a NaN latency', { ...EVENT, latency_ms: Number.NaN }, /events\[1\]\.latency_ms: /],
    ['a negative step', { ...EVENT, step: -1 }, /events\[1\]\.step: /],
    ['no stage', { ...EVENT, stage: undefined }, /events\[1\]\.stage: /],
    ['a string', 'risk ok 0.5', /events\[1\]: .*got a string/],
    ['null', null, /events\[1\]: .*got null/],
    ['version 2', { ...EVENT, v: 2 }, /events\[1\]\.v: /],
  ])('%s', async (_name, bad, text) => {
    await expectCoded(
      () => buildModelFromEvents([EVENT, bad as never]),
      'LOOP_DASHBOARD_EVENT_INVALID',
      text,
    );
  });

  it('refuses what is not an iterable of events', async () => {
    for (const events of [undefined, null, 42, { length: 1 }]) {
      await expectCoded(
        () => buildModelFromEvents(events as never),
        'LOOP_DASHBOARD_OPTION_INVALID',
        /^buildModelFromEvents: events must be an iterable of stage events/,
      );
    }
  });

  it('refuses a summary or supervisor state that does not match its schema, naming the field', async () => {
    await expectCoded(
      () => buildModelFromEvents([EVENT], { summary: { v: 1 } as never }),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /^buildModelFromEvents: summary\.pid: /,
    );
    await expectCoded(
      () => buildModelFromEvents([EVENT], { supervisor: { state: 'nope' } as never }),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /^buildModelFromEvents: supervisor\./,
    );
    await expectCoded(
      () => buildModelFromEvents([EVENT], { run: 'run.json' as never }),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /run must be an object, got a string/,
    );
  });

  it('lists any run object as settings, and a run record that does not match is corrupt for the health model', () => {
    const model = buildModelFromEvents([EVENT], { run: { seed: 7, nested: { clock: 'real' } }, now: 2_000 });
    expect(model.settings).toEqual([
      { key: 'seed', value: '7' },
      { key: 'nested.clock', value: 'real' },
    ]);
    expect(model.health?.problems.join(' ')).toMatch(/run\.json does not match the schema/);
  });

  it('refuses bad limits, tail lines, now and label', async () => {
    await expectCoded(
      () => buildModelFromEvents([EVENT], { tailLines: -1 }),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /^buildModelFromEvents: tailLines must be a whole number >= 0, got -1/,
    );
    await expectCoded(
      () => buildModelFromEvents([EVENT], { limits: { maxBuckets: 0 } }),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /limits\.maxBuckets must be a whole number >= 1, got 0/,
    );
    await expectCoded(
      () => buildModelFromEvents([EVENT], { limits: { maxBucket: 3 } as never }),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /limits\.maxBucket is not a RunHistory limit \(known: /,
    );
    await expectCoded(
      () => buildModelFromEvents([EVENT], { now: Number.NaN }),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /now must be a finite number/,
    );
    await expectCoded(
      () => buildModelFromEvents([EVENT], { label: '' }),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /label must be a non-empty string/,
    );
  });
});

describe('the run-dir shells given bad arguments', () => {
  it('buildModel and assertRunDir', async () => {
    await expectCoded(
      () => buildModel(42 as never),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /^buildModel: runDir must be/,
    );
    await expectCoded(
      () => buildModel(dir, { tailLines: 1.5 }),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /tailLines/,
    );
    await expectCoded(
      () => buildModel(dir, null as never),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /options must be/,
    );
    await expectCoded(
      () => assertRunDir(undefined as never),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /^assertRunDir:/,
    );
    await expectCoded(
      () => buildModel(join(dir, 'nope')),
      'LOOP_DASHBOARD_RUN_DIR_MISSING',
      /does not exist/,
    );
    expect((await buildModel(dir)).empty).toBe(true);
  });

  it('RunDirFollower', async () => {
    await expectCoded(
      () => new RunDirFollower(null as never),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /^RunDirFollower:/,
    );
    await expectCoded(
      () => new RunDirFollower(dir, { maxStages: -1 }),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /limits\.maxStages must be a whole number >= 0/,
    );
  });

  it('writeDashboardFile', async () => {
    await expectCoded(() => writeDashboardFile('', '<p>'), 'LOOP_DASHBOARD_OPTION_INVALID', /path must be/);
    await expectCoded(
      () => writeDashboardFile(join(dir, 'd.html'), Buffer.from('x') as never),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /html must be a string, got a Buffer/,
    );
  });

  it('startDashboardServer', async () => {
    await expectCoded(
      () => startDashboardServer(dir as never),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /options must be/,
    );
    await expectCoded(
      () => startDashboardServer({ runDir: dir, port: 70_000 }),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /port must be a whole number 0\.\.65535, got 70000/,
    );
    await expectCoded(
      () => startDashboardServer({ runDir: dir, pollMs: 0 }),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /pollMs/,
    );
    await expectCoded(
      () => startDashboardServer({ runDir: dir, allowHosts: 'bot.lan' as never }),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /allowHosts must be an array/,
    );
  });

  it('startFleetServer', async () => {
    await expectCoded(
      () => startFleetServer(dir as never),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /^startFleetServer: options must be/,
    );
    await expectCoded(
      () => startFleetServer({}),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /give runDirs \(one or more\) or runsRoot/,
    );
    await expectCoded(
      () => startFleetServer({ runsRoot: dir, idleRunPageMs: -1 }),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /idleRunPageMs/,
    );
    await expectCoded(
      () => startFleetServer({ runDirs: [dir], allowHosts: 'bot.lan' as never }),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /allowHosts must be an array/,
    );
  });

  it('renderDashboard with a bad fleet link', async () => {
    await expectCoded(
      () => renderDashboard(buildModelFromEvents([]), { fleet: { href: '', title: 'f' } }),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /^renderDashboard: fleet\.href/,
    );
  });

  it('escapeJsonForScript with no JSON form', async () => {
    await expectCoded(
      () => escapeJsonForScript(undefined),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /undefined has no JSON/,
    );
    await expectCoded(
      () => escapeJsonForScript(1n),
      'LOOP_DASHBOARD_OPTION_INVALID',
      /cannot be written as JSON/,
    );
    expect(escapeJsonForScript({ a: '</script>' })).toBe('{"a":"\\u003c/script\\u003e"}');
  });
});
