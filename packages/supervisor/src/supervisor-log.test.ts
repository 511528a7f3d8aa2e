import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testTempDir } from '../test/temp-dir.js';
import { formatLogLine, SupervisorLog } from './supervisor-log.js';

describe('supervisor.log lines', () => {
  it('are `<ISO time> <event> key=value`, quoting values with spaces', () => {
    const line = formatLogLine({
      type: 'child_exit',
      atMs: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
      fields: { pid: 42, code: null, command: "sh -c 'exit 1'", ok: true },
    });
    expect(line).toBe(`2026-01-02T03:04:05.678Z child_exit pid=42 code=- command="sh -c 'exit 1'" ok=true\n`);
  });

  it('appends to an existing file and never truncates it', () => {
    const file = join(testTempDir('loop-log-'), 'supervisor.log');
    const first = new SupervisorLog(file);
    first.append({ type: 'supervisor_start', atMs: 0, fields: {} });
    first.close();
    const second = new SupervisorLog(file);
    second.append({ type: 'supervisor_exit', atMs: 1, fields: {} });
    second.close();
    second.append({ type: 'supervisor_exit', atMs: 2, fields: {} });
    expect(readFileSync(file, 'utf8')).toBe(
      '1970-01-01T00:00:00.000Z supervisor_start\n1970-01-01T00:00:00.001Z supervisor_exit\n',
    );
  });
});
