// Safe defaults of `loop run --enable-metrics`: a long run rotates and bounds its NDJSON unless told
// otherwise (and says so in one line); --metrics-max-total-mb bounds the run dir; README examples are safe.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loop, REPO, readRunJson, startLoop, tempDir, waitFor } from './harness.js';

const NOTICE =
  "loop run: a long run's metrics default to --metrics-max-total-mb 1024 --metrics-rotate-max-mb 64 (0 turns each off)";

function ndjsonFiles(dir: string): string[] {
  return readdirSync(dir).filter((name) => /^metrics\.ndjson(\.\d+)?$/.test(name));
}

/** A real-clock run with `flags`, stopped with SIGTERM once it has written a line. */
async function realClockRun(dir: string, ...flags: string[]) {
  const live = startLoop([
    'run',
    '--run-dir',
    dir,
    '--clock',
    'real',
    '--step-interval-ms',
    '20',
    '--enable-metrics',
    ...flags,
  ]);
  await waitFor(() => {
    try {
      return statSync(join(dir, 'metrics.ndjson')).size > 0;
    } catch {
      return false;
    }
  }, 30_000);
  live.child.kill('SIGTERM');
  return live.done;
}

describe('loop run --enable-metrics defaults', () => {
  it('gives a real-clock run rotation and a size bound, says so in one line, and records them in run.json', async () => {
    const dir = join(tempDir(), 'run');
    const result = await realClockRun(dir);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr.split('\n').filter((line) => line.includes('default to'))).toEqual([NOTICE]);
    const settings = readRunJson(dir).settings;
    expect(settings['metrics-rotate-max-mb']).toBe(64);
    expect(settings['metrics-max-total-mb']).toBe(1024);
    expect(settings['metrics-flush']).toBe(null); // not given: the clock's default (step)
  });

  it('lets 0 turn each default off, and leaves a short simulated run as the seed had it (no rotation)', async () => {
    const dir = join(tempDir(), 'run');
    const result = await realClockRun(dir, '--metrics-rotate-max-mb', '0', '--metrics-max-total-mb', '0');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('default to');
    expect(readRunJson(dir).settings).toMatchObject({
      'metrics-rotate-max-mb': 0,
      'metrics-max-total-mb': 0,
    });

    const short = join(tempDir(), 'short');
    const r = await loop(['run', '--run-dir', short, '--max-steps', '20', '--enable-metrics']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(r.stderr).toBe('');
    expect(readRunJson(short).settings).toMatchObject({
      'metrics-rotate-max-mb': null,
      'metrics-max-total-mb': null,
    });
  });

  it('keeps the NDJSON under --metrics-max-total-mb plus one file, never deleting the current file, and counts deletions', async () => {
    const dir = join(tempDir(), 'run');
    const r = await loop([
      'run',
      '--run-dir',
      dir,
      '--max-steps',
      '3000',
      '--enable-metrics',
      '--metrics-rotate-max-mb',
      '0.05',
      '--metrics-max-total-mb',
      '0.2',
    ]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const files = ndjsonFiles(dir);
    expect(files).toContain('metrics.ndjson');
    const total = files.reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
    expect(total).toBeLessThanOrEqual((0.2 + 0.05) * 1024 * 1024);
    const writer = JSON.parse(readFileSync(join(dir, 'metrics_summary.json'), 'utf8')).writer;
    expect(writer.rotated_files_deleted).toBe(writer.rotations - (files.length - 1));
    expect(writer.rotated_files_deleted).toBeGreaterThan(0);
    expect(r.stdout).toContain(`${writer.rotated_files_deleted} oldest rotated files deleted`);
    // The newest lines survive: the current file ends with the last step's position stage.
    const last = readFileSync(join(dir, 'metrics.ndjson'), 'utf8').trimEnd().split('\n').at(-1)!;
    expect(JSON.parse(last)).toMatchObject({ step: 3000, stage: 'position' });
  });
});

describe('README examples', () => {
  const readmes = [
    'README.md',
    'apps/cli/README.md',
    ...['metrics', 'engine', 'dashboard', 'supervisor'].map((p) => `packages/${p}/README.md`),
  ];

  /** Every `loop ...` command in a README's code blocks, continuation lines joined. */
  function commands(file: string): string[] {
    const text = readFileSync(join(REPO, file), 'utf8').replace(/\\\n\s*/g, ' ');
    return text.split('\n').filter((line) => /^loop (run|supervise) --/.test(line));
  }

  it('supervise only real-clock loops, and bound every simulated synthetic run', () => {
    let supervised = 0;
    for (const file of readmes) {
      for (const command of commands(file)) {
        const child = command.split(' -- ')[1];
        if (command.trim().startsWith('loop supervise') && child?.includes('loop run')) {
          supervised++;
          expect(child, `${file}: ${command}`).toContain('--clock real');
        }
        if (
          command.trim().startsWith('loop run') &&
          !command.includes('--clock real') &&
          !command.includes('--feed')
        ) {
          expect(command, `${file}: ${command}`).toContain('--max-steps');
        }
      }
    }
    expect(supervised).toBeGreaterThanOrEqual(3);
  });
});
