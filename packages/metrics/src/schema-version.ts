// The NDJSON line and summary schema version, alone (the writer thread encodes lines without loading zod).

/** Version of the NDJSON line and summary schemas (`v`). */
export const METRICS_SCHEMA_VERSION = 1 as const;
