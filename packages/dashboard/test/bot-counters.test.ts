// The bot's own counters and its invalid input on the page: a run dir written by the real recorder, the page
// built from it shows both from metrics_summary.json; a run dir without either shows neither table.
import { type MetricsRecorder, openMetricsRecorder } from '@loop/metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { runDir } from '../../run-dir/test-support/run-dir-fixture.js';
import { buildModel, renderDashboard } from '../src/index.js';

const T0 = 1_704_067_200_000;
const open: MetricsRecorder[] = [];
afterEach(() => {
  for (const recorder of open.splice(0)) recorder.close();
});

function recorderIn(dir: string): MetricsRecorder {
  const recorder = openMetricsRecorder({
    runDir: dir,
    now: () => T0,
    deterministic: true,
    handleProcessExit: false,
    summaryIntervalMs: 0,
    onWarning: () => {},
  });
  open.push(recorder);
  return recorder;
}

/** The text of the table with `id`, or undefined when the page has none. */
function table(html: string, id: string): string | undefined {
  const at = html.indexOf(`id="${id}"`);
  return at < 0 ? undefined : html.slice(at, html.indexOf('</table>', at));
}

describe("the bot's counters and invalid input on the page", () => {
  it('lists custom counters under Overview and invalid input by kind under Data quality', async () => {
    const dir = await runDir();
    const metrics = recorderIn(dir);
    metrics.counter('orders_sent').inc(3);
    metrics.count('cancels', 2);
    metrics.record({ stage: 'exec', outcome: 'success' as 'ok' });
    metrics.record({ stage: 'exec', outcome: 'ok', latency_ms: Number.NaN });
    metrics.record({ stage: 'exec', outcome: 'ok', latency_ms: Number.NaN });
    metrics.close();
    const model = await buildModel(dir);
    expect(model.customCounters).toEqual({ cancels: 2, orders_sent: 3 });
    expect(model.quality.invalidInput).toEqual({ latency: 2, outcome: 1 });
    const html = renderDashboard(model);
    const counters = table(html, 'custom-counters')!;
    expect(counters).toMatch(
      /<tr data-counter="orders_sent"><th scope="row" class="code"><bdi>orders_sent<\/bdi><\/th><td class="num">3<\/td>/,
    );
    expect(counters).toContain('data-counter="cancels"');
    const invalid = table(html, 'invalid-input')!;
    expect(invalid).toMatch(/data-invalid-input="latency">.*<td class="num">2<\/td>/);
    expect(invalid).toMatch(/data-invalid-input="outcome">.*<td class="num">1<\/td>/);
    expect(html).toMatch(
      /data-metric="invalid-input"><div class="label">Invalid input<\/div><div class="value">3<\/div>/,
    );
  });

  it('shows neither table for a bot without counters or invalid input (and a zero card)', async () => {
    const dir = await runDir();
    const metrics = recorderIn(dir);
    metrics.record({ stage: 'exec', outcome: 'ok', latency_ms: 1 });
    metrics.close();
    const html = renderDashboard(await buildModel(dir));
    expect(table(html, 'custom-counters')).toBeUndefined();
    expect(table(html, 'invalid-input')).toBeUndefined();
    expect(html).toMatch(
      /data-metric="invalid-input"><div class="label">Invalid input<\/div><div class="value">0<\/div>/,
    );
  });
});
