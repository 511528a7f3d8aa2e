// JSON Schema documents generated from the zod schemas (zod 4's toJSONSchema), so that a bot written in
// another language can write a run dir our tools read. `schemas/*.json` are these, committed and shipped.
import { metricsSummarySchema, stageEventLineSchema } from '@loop/metrics';
import { supervisorStateSchema } from '@loop/supervisor/state-schema';
import { type ZodType, z } from 'zod';
import { HEARTBEAT_FILE, METRICS_FILE, RUN_FILE, SUMMARY_FILE, SUPERVISOR_STATE_FILE } from './file-names.js';
import { heartbeatSchema } from './heartbeat-schema.js';
import { runRecordSchema } from './run-record-schema.js';

/** One generated JSON Schema file: its name in `schemas/`, and the document. */
export interface JsonSchemaFile {
  /** File name in the package's `schemas/` folder, e.g. `run.schema.json`. */
  name: string;
  /** The JSON Schema (draft 2020-12) of what a writer may put in the file. */
  schema: Record<string, unknown>;
}

const SOURCES: ReadonlyArray<{ name: string; file: string; title: string; schema: ZodType }> = [
  { name: 'run.schema.json', file: RUN_FILE, title: 'run.json: the run record', schema: runRecordSchema },
  {
    name: 'metrics-event.schema.json',
    file: METRICS_FILE,
    title: 'One line of metrics.ndjson (and its rotated files): a stage event',
    schema: stageEventLineSchema,
  },
  {
    name: 'metrics-summary.schema.json',
    file: SUMMARY_FILE,
    title: 'metrics_summary.json: totals since the writing process started',
    schema: metricsSummarySchema,
  },
  {
    name: 'supervisor-state.schema.json',
    file: SUPERVISOR_STATE_FILE,
    title: "supervisor_state.json: the supervisor's state",
    schema: supervisorStateSchema,
  },
  {
    name: 'heartbeat.schema.json',
    file: HEARTBEAT_FILE,
    title: 'A heartbeat reading: the mtime of the (empty) heartbeat file',
    schema: heartbeatSchema,
  },
];

/**
 * The JSON Schema files, in a fixed order, each with `$id`-free, deterministic content: what a writer may put
 * in the file (zod's input side: optional keys may be left out). Pure.
 */
export function jsonSchemaFiles(): JsonSchemaFile[] {
  return SOURCES.map(({ name, file, title, schema }) => ({
    name,
    schema: {
      ...z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }),
      title,
      description: `The run-dir file \`${file}\`, as @loop/run-dir reads it. Generated from its zod schema; do not edit.`,
    },
  }));
}

/** The text of a schema file as committed: 2-space JSON with a trailing newline. */
export function jsonSchemaText(file: JsonSchemaFile): string {
  return `${JSON.stringify(file.schema, null, 2)}\n`;
}
