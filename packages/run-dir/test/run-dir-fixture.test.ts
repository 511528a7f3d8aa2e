// The shared run-dir fixture writes what its object says, the readers of this package read it back as valid,
// and its temp dirs are gone once a test has finished.
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  readHeartbeat,
  readMetricsSummary,
  readRunRecord,
  readSupervisorState,
  runRecordSchema,
} from '../src/index.js';
import { orderMetricsFiles } from '../src/metrics-files.js';
import {
  deepJson,
  runDir,
  runRecordOf,
  stageEvents,
  summaryOf,
  supervisorStateOf,
  writeRunDir,
} from '../test-support/run-dir-fixture.js';

let previous: string | undefined;

describe('runDir fixture', () => {
  it('writes a whole run dir from one object, valid for the readers', async () => {
    const events = stageEvents(3);
    const dir = await runDir({
      metrics: [events.slice(0, 4), events.slice(4, 8), [...events.slice(8), 'torn {"v":1']],
      summary: summaryOf(),
      run: runRecordOf({ seed: 7 }),
      supervisorState: supervisorStateOf({ restarts: 2 }),
      supervisorLog: ['2026-11-25T18:38:52.798Z child_start pid=1 attempt=0 restarts=0'],
      heartbeat: { ageMs: 60_000 },
      files: { 'notes.txt': 'hello', sub: { kind: 'directory' }, 'metrics.ndjson.9': { kind: 'fifo' } },
    });
    previous = dir;
    const names = readdirSync(dir).sort();
    expect(names).toEqual([
      'heartbeat',
      'metrics.ndjson',
      'metrics.ndjson.1',
      'metrics.ndjson.2',
      'metrics.ndjson.9',
      'metrics_summary.json',
      'notes.txt',
      'run.json',
      'sub',
      'supervisor.log',
      'supervisor_state.json',
    ]);
    expect(orderMetricsFiles(dir, names).map((f) => f.name)).toEqual([
      'metrics.ndjson.1',
      'metrics.ndjson.2',
      'metrics.ndjson.9',
      'metrics.ndjson',
    ]);
    const current = readFileSync(join(dir, 'metrics.ndjson'), 'utf8').split('\n');
    expect(current.map((l) => (l.startsWith('{') ? JSON.parse(l).step : l))).toEqual([
      3,
      3,
      3,
      3,
      'torn {"v":1',
      '',
    ]);
    expect(await readMetricsSummary(dir)).toMatchObject({ state: 'valid' });
    const record = await readRunRecord(dir);
    expect(record.state === 'valid' && record.value.seed).toBe(7);
    expect(runRecordSchema.safeParse(runRecordOf()).success).toBe(true);
    const state = await readSupervisorState(dir);
    expect(state.state === 'valid' && state.value.restarts).toBe(2);
    const heartbeat = await readHeartbeat(dir);
    expect(heartbeat.state).toBe('valid');
    const age = Date.now() - statSync(join(dir, 'heartbeat')).mtimeMs;
    expect(age).toBeGreaterThanOrEqual(59_000);
    expect(lstatSync(join(dir, 'metrics.ndjson.9')).isFIFO()).toBe(true);
    expect(statSync(join(dir, 'sub')).isDirectory()).toBe(true);
    expect(readFileSync(join(dir, 'supervisor.log'), 'utf8')).toMatch(/child_start pid=1 .*\n$/);
  });

  it('removed the previous test dir, writes corrupt text as it is, and rewrites in place', async () => {
    expect(previous).toBeDefined();
    expect(existsSync(previous!)).toBe(false);
    const dir = await runDir({ summary: '{"v":1, torn', run: deepJson(3, 'object') });
    expect(await readMetricsSummary(dir)).toMatchObject({ state: 'corrupt' });
    expect(readFileSync(join(dir, 'run.json'), 'utf8')).toBe('{"a":{"a":{"a":1}}}');
    await writeRunDir(dir, { summary: summaryOf() });
    expect(await readMetricsSummary(dir)).toMatchObject({ state: 'valid' });
    expect(deepJson(2)).toBe('[[]]');
  });
});
