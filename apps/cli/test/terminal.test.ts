// The terminal side of `loop`: help for a command, "did you mean" for a mistyped flag, `--out` into a new
// folder, and `loop run`'s progress off a TTY (and none with --quiet), which never changes the run's files.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { argv, loop, readRunDir, tempDir } from './harness.js';

describe('loop help', () => {
  it("`loop help <command>` and `loop --help <command>` print the command's own help", async () => {
    for (const command of ['run', 'dashboard', 'supervise']) {
      const own = await loop([command, '--help']);
      expect(own.exitCode).toBe(0);
      expect(own.stdout).toMatch(new RegExp(`^Usage: loop ${command} `));
      for (const args of [
        ['help', command],
        ['--help', command],
        ['-h', command],
      ]) {
        const r = await loop(args);
        expect(r.exitCode, args.join(' ')).toBe(0);
        expect(r.stdout, args.join(' ')).toBe(own.stdout);
      }
    }
    const top = await loop(['help']);
    expect(top.exitCode).toBe(0);
    expect(top.stdout).toMatch(/^Usage: loop <command> \[flags\]/);
  });

  it('names an unknown command and suggests the closest one, exit 2', async () => {
    const r = await loop(['help', 'rnu']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe('loop help: unknown command "rnu"; did you mean run?');
    const s = await loop(['superviser']);
    expect(s.exitCode).toBe(2);
    expect(s.stderr).toMatch(/^loop: unknown command "superviser"; did you mean supervise\?/);
  });
});

describe('unknown flags', () => {
  it('suggest the closest flag and write nothing', async () => {
    const dir = join(tempDir(), 'run');
    const r = await loop(['run', '--run-dir', dir, '--max-step', '5']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe('loop run: unknown flag --max-step; did you mean --max-steps?');
    expect(existsSync(dir)).toBe(false);
    const d = await loop(['dashboard', '--run-dir', dir, '--tail-line=3']);
    expect(d.stderr).toBe('loop dashboard: unknown flag --tail-line; did you mean --tail-lines?');
    const far = await loop(['run', '--run-dir', dir, '--verbose']);
    expect(far.stderr).toBe('loop run: unknown flag --verbose (see --help)');
  });
});

describe('loop dashboard --out', () => {
  function runDirWithEvents(): string {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'metrics.ndjson'),
      `${JSON.stringify({ v: 1, ts: 1_700_000_000_000, step: 1, stage: 'strategy', outcome: 'ok', latency_ms: 1 })}\n`,
    );
    return dir;
  }

  it('creates a missing folder', async () => {
    const dir = runDirWithEvents();
    const out = join(tempDir(), 'missing', 'dir', 'd.html');
    const r = await loop(['dashboard', '--run-dir', dir, '--out', out]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('<html');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(`dashboard: ${out}`);
  });

  it('names the folder when a file is in the way (exit 2), and --out itself when it cannot be written (exit 1)', async () => {
    const dir = runDirWithEvents();
    const base = tempDir();
    writeFileSync(join(base, 'file'), 'x');
    const blocked = await loop(['dashboard', '--run-dir', dir, '--out', join(base, 'file', 'sub', 'd.html')]);
    expect(blocked.exitCode).toBe(2);
    expect(blocked.stderr).toBe(
      `loop dashboard: --out: cannot create the folder "${join(base, 'file', 'sub')}" (a file is in the way)`,
    );
    const isDir = join(base, 'page.html');
    mkdirSync(isDir);
    const r = await loop(['dashboard', '--run-dir', dir, '--out', isDir]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^loop dashboard: --out: cannot write "${isDir}" \\(EISDIR`));
    expect(r.stderr).not.toContain('.tmp');
    expect(readdirSync(base).sort()).toEqual(['file', 'page.html']);
  });
});

describe('loop run progress', () => {
  it('off a TTY prints a line every --progress-every-s on stderr (real clock shows uptime)', async () => {
    const dir = join(tempDir(), 'run');
    const r = await loop([
      'run',
      '--run-dir',
      dir,
      ...argv('--clock real --step-interval-ms 40 --max-steps 40 --enable-metrics --progress-every-s 0.3'),
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    // Other notices (a long run's metrics defaults) may come first; the progress lines are the rest.
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('loop run: step'));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) {
      expect(line).toMatch(
        /^loop run: step \d+\/40 {2}[\d,]+ steps\/s {2}up \d+s {2}events [\d,]+ {2}rejections \d+ {2}errors \d+ {2}equity [\d,]+\.\d\d {2}ACTIVE$/,
      );
    }
    expect(r.stderr).not.toContain('\r');
    expect(r.stdout).toMatch(/^loop run: completed after 40 steps/);
  });

  it('--quiet prints nothing, and progress never changes the files', async () => {
    const flags = argv('--seed 5 --max-steps 1500 --enable-metrics --metrics-rotate-max-lines 2000');
    const quietDir = join(tempDir(), 'run');
    const quiet = await loop([
      'run',
      '--run-dir',
      quietDir,
      ...flags,
      '--quiet',
      '--progress-every-s',
      '0.001',
    ]);
    expect(quiet.exitCode, quiet.stderr).toBe(0);
    expect(quiet.stdout).toBe('');
    expect(quiet.stderr).toBe('');
    const chattyDir = join(tempDir(), 'run');
    const chatty = await loop(['run', '--run-dir', chattyDir, ...flags, '--progress-every-s', '0.001']);
    expect(chatty.exitCode, chatty.stderr).toBe(0);
    expect(chatty.stderr).toMatch(/^loop run: step [\d,]+\/1,500 {2}[\d,]+ steps\/s {2}sim 2024-01-01T/);
    expect(readRunDir(chattyDir)).toEqual(readRunDir(quietDir));
    expect(JSON.parse(readFileSync(join(quietDir, 'run.json'), 'utf8')).settings).not.toHaveProperty('quiet');
  }, 180_000);

  it('refuses a bad --progress-every-s', async () => {
    const r = await loop(['run', '--run-dir', join(tempDir(), 'run'), '--progress-every-s', '-1']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe('loop run: --progress-every-s: expected a number from 0 to 86400, got "-1"');
  });
});
