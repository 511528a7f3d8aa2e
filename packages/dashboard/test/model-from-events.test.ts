// buildModelFromEvents() against buildModel(): the same events in memory and in a run dir give the same model
// (but for the documented source fields), and the page rendered from memory opens in Chromium.
import { describe, expect, it, vi } from 'vitest';
import {
  ndjson,
  runDir,
  runRecordOf,
  STAGES,
  stageEvents,
  summaryOf,
  T0,
} from '../../run-dir/test-support/run-dir-fixture.js';
import {
  buildModel,
  buildModelFromEvents,
  type DashboardModel,
  EVENTS_SOURCE,
  renderDashboard,
} from '../src/index.js';
import { RESULTS, useBrowser } from './chromium.js';

const { available: hasChromium, browser, cleanups } = useBrowser('model-from-events.test');

/** A run.json as `loop run` writes it (ended, simulated): the shared fixture's, valid against the run record schema. */
const RUN_RECORD = runRecordOf();

/**
 * The model without its source fields, the ones buildModelFromEvents documents as differing: `runDir`, the
 * file list and totals, and where each tail event and lifetime was read (file and line).
 */
function withoutSource(model: DashboardModel): unknown {
  const copy = structuredClone(model) as DashboardModel;
  copy.runDir = '';
  copy.quality.files = [];
  copy.quality.filesOmitted = 0;
  copy.quality.fileTotals = { count: 0, lines: 0, bytes: 0 };
  for (const event of copy.tail as Array<Partial<DashboardModel['tail'][number]>>) {
    delete event.file;
    delete event.line;
  }
  // Every other row that says where it was read (reason examples, book changes, fills, recent problems).
  const strip = (value: unknown): void => {
    if (Array.isArray(value)) for (const item of value) strip(item);
    else if (value !== null && typeof value === 'object') {
      const row = value as Record<string, unknown>;
      if (typeof row.file === 'string' && typeof row.line === 'number') {
        delete row.file;
        delete row.line;
      }
      for (const item of Object.values(row)) strip(item);
    }
  };
  strip(copy);
  for (const lifetime of copy.health?.lifetimes.list ?? []) {
    (lifetime as { startFile: string }).startFile = '';
    (lifetime as { startLine: number }).startLine = 0;
  }
  return copy;
}

async function bothWays(
  events: ReturnType<typeof stageEvents>,
  documents: { summary?: ReturnType<typeof summaryOf>; run?: Record<string, unknown> },
  files: string[],
): Promise<{ fromDir: DashboardModel; fromEvents: DashboardModel }> {
  const dir = await runDir({ metrics: files, summary: documents.summary, run: documents.run });
  // buildModel takes the health model's "now" from Date.now(): fixed here, and given as `now` to the other.
  const now = Date.now();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(now);
  try {
    const fromDir = await buildModel(dir, { tailLines: 20 });
    const fromEvents = buildModelFromEvents(events, { ...documents, tailLines: 20, now });
    return { fromDir, fromEvents };
  } finally {
    vi.useRealTimers();
  }
}

describe('buildModelFromEvents', () => {
  it('equals the run-dir model of the same events, summary and run.json (rotated files, a restart)', async () => {
    // Two lifetimes (steps 1..70, then a restart numbering from 1 again), across a rotated file.
    const events = [...stageEvents(70), ...stageEvents(50).map((e) => ({ ...e, ts: e.ts + 70 * 60_000 }))];
    const summary = summaryOf({
      stage_events_count: 200,
      counters: { processed: 50, filled: 11, rejected: 7, errors: 4 },
    });
    const { fromDir, fromEvents } = await bothWays(events, { summary, run: RUN_RECORD }, [
      ndjson(events.slice(0, 150)),
      ndjson(events.slice(150)),
    ]);
    expect(fromDir.summarySource).toBe('valid');
    expect(fromDir.health?.lifetimes.list).toHaveLength(2);
    expect(fromDir.health?.status).toBe('completed');
    expect(fromDir.settings).not.toBeNull();
    expect(withoutSource(fromEvents)).toEqual(withoutSource(fromDir));
    // The source fields say where the figures came from.
    expect(fromDir.quality.fileTotals).toEqual({ count: 2, lines: 480, bytes: expect.any(Number) });
    expect(fromEvents.quality.fileTotals).toEqual({ count: 0, lines: 0, bytes: 0 });
    expect(fromEvents.runDir).toBe('in-memory');
    expect(fromEvents.tail.at(-1)).toMatchObject({ file: EVENTS_SOURCE, line: events.length });
    expect(fromDir.tail.at(-1)).toMatchObject({ file: 'metrics.ndjson', line: events.length - 150 });
  });

  it('equals the run-dir model with no summary and no run.json (figures recomputed from the events)', async () => {
    const events = stageEvents(40);
    const { fromDir, fromEvents } = await bothWays(events, {}, [ndjson(events)]);
    expect(fromEvents.summarySource).toBe('recomputed');
    expect(fromEvents.overview.processed).toBe(40);
    expect(fromEvents.stages.map((s) => s.stage)).toEqual([...STAGES]);
    expect(withoutSource(fromEvents)).toEqual(withoutSource(fromDir));
  });

  it('takes events as record() takes them (no v) and as the NDJSON holds them (v: 1)', () => {
    const lines = stageEvents(5);
    const recorded = lines.map(({ v: _v, ...event }) => event);
    const now = T0 + 3_600_000;
    expect(buildModelFromEvents(recorded, { now })).toEqual(buildModelFromEvents(lines, { now }));
    // Any iterable: a generator is read once, in order.
    function* generate() {
      yield* lines;
    }
    expect(buildModelFromEvents(generate(), { now })).toEqual(buildModelFromEvents(lines, { now }));
  });

  it('gives the empty model for no events, and the page says so', () => {
    const model = buildModelFromEvents([], { now: T0 });
    expect(model.empty).toBe(true);
    expect(renderDashboard(model)).toContain('No metrics yet');
  });

  it('is deterministic with a fixed `now`: same events, same bytes', () => {
    const events = stageEvents(30);
    const a = renderDashboard(buildModelFromEvents(events, { now: T0, label: 'bot-a' }));
    const b = renderDashboard(buildModelFromEvents(structuredClone(events), { now: T0, label: 'bot-a' }));
    expect(a).toBe(b);
    expect(a).toContain('<title>');
    expect(a).toContain('bot-a');
  });
});

describe.skipIf(!hasChromium)('a page rendered from events in Chromium', () => {
  it('opens with the figures of the events, no script, no console error', async () => {
    const events = stageEvents(60);
    const html = renderDashboard(buildModelFromEvents(events, { run: RUN_RECORD, label: 'embedded-bot' }));
    const context = await browser().newContext({ viewport: { width: 1280, height: 900 } });
    cleanups.push(() => context.close());
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('request', (request) => {
      if (!request.url().startsWith('data:') && request.url() !== 'about:blank') requests.push(request.url());
    });
    await page.setContent(html, { waitUntil: 'load' });
    expect(await page.title()).toContain('embedded-bot');
    const stagesText = (await page.locator('body').textContent()) ?? '';
    for (const stage of STAGES) expect(stagesText).toContain(stage);
    expect(stagesText).toContain('MAX_POSITION');
    expect(await page.locator('script').count()).toBe(0);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.screenshot({ path: `${RESULTS}model-from-events.png`, fullPage: true });
  });
});
