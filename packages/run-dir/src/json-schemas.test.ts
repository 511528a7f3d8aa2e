import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { summaryOf } from '../test-support/run-dir-fixture.js';
import { jsonSchemaFiles, jsonSchemaText } from './json-schemas.js';

const SCHEMAS = fileURLToPath(new URL('../schemas/', import.meta.url));

describe('JSON Schema files', () => {
  it('the committed schemas/*.json are what the generator writes (run `node scripts/json-schemas.mjs`)', () => {
    const files = jsonSchemaFiles();
    expect(readdirSync(SCHEMAS).sort()).toEqual(files.map((f) => f.name).sort());
    for (const file of files)
      expect(readFileSync(`${SCHEMAS}${file.name}`, 'utf8'), file.name).toBe(jsonSchemaText(file));
  });

  it('describes run.json with its required keys and enums', () => {
    const run = jsonSchemaFiles().find((f) => f.name === 'run.schema.json')!.schema as {
      required: string[];
      properties: Record<string, { enum?: string[] }>;
    };
    expect(run.required).toEqual(
      expect.arrayContaining(['v', 'status', 'clock', 'seed', 'settings', 'feed']),
    );
    expect(run.required).not.toContain('stats');
    expect(run.properties.status?.enum).toEqual(['running', 'ended']);
  });
});

describe('JSON Schema files validate real documents (Ajv, draft 2020-12)', () => {
  // Formats (date-time) are zod's to check; Ajv checks the structure a foreign writer must produce.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const validator = (name: string) => ajv.compile(jsonSchemaFiles().find((f) => f.name === name)!.schema);

  it('accepts a run.json, an event line, a summary and a heartbeat reading; refuses broken ones', () => {
    const run = validator('run.schema.json');
    const record = {
      v: 1,
      command: 'loop run',
      status: 'running',
      ended: null,
      exit_code: null,
      clock: 'simulated',
      seed: 42,
      exchange: 'paper',
      pid: null,
      started_at: '2024-01-01T00:00:00.000Z',
      started_at_ms: 1_704_067_200_000,
      ended_at: null,
      ended_at_ms: null,
      versions: { '@loop/cli': '0.1.0' },
      settings: { seed: 42 },
      feed: { kind: 'synthetic', interval_ms: 1000 },
    };
    expect(run(record), JSON.stringify(run.errors)).toBe(true);
    expect(run({ ...record, status: 'paused' })).toBe(false);
    expect(run({ ...record, feed: { kind: 'replay' } })).toBe(false);

    const event = validator('metrics-event.schema.json');
    expect(event({ v: 1, ts: 1, step: 1, stage: 'exec', outcome: 'ok', latency_ms: 0.5 })).toBe(true);
    expect(event({ v: 1, ts: 1, step: 1, stage: 'exec', outcome: 'maybe', latency_ms: 0.5 })).toBe(false);
    expect(validator('heartbeat.schema.json')({ mtime_ms: 5 })).toBe(true);
    expect(validator('metrics-summary.schema.json')({ v: 1 })).toBe(false);
  });

  it('accepts a summary with the slowest events per stage and an older one without them; refuses a bad exemplar', () => {
    const summary = validator('metrics-summary.schema.json');
    const older = summaryOf();
    delete (older as { slowest_by_stage?: unknown }).slowest_by_stage;
    expect(summary(older), JSON.stringify(summary.errors)).toBe(true);
    const slow = {
      step: 7,
      ts: 1_704_067_200_000,
      latency_ms: 12.5,
      outcome: 'rejected',
      reason: 'MAX_POSITION',
    };
    expect(summary({ ...older, slowest_by_stage: { exec: [slow] } }), JSON.stringify(summary.errors)).toBe(
      true,
    );
    expect(summary({ ...older, slowest_by_stage: { exec: [{ ...slow, step: -1 }] } })).toBe(false);
    expect(summary({ ...older, slowest_by_stage: { exec: [{ ...slow, outcome: 'maybe' }] } })).toBe(false);
    expect(summary({ ...older, slowest_by_stage: { exec: [{ ts: 1, latency_ms: 1, outcome: 'ok' }] } })).toBe(
      false,
    );
  });
});
